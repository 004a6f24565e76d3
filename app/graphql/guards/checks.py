"""The checks every operation passes before anything of it runs, in one schema extension.

- Its document: at most `MAX_QUERY_TOKENS` tokens (the parser stops there), a bounded depth and
  number of aliases (`app.graphql.guards.limits`), no string literal the databases cannot store
  (`app.graphql.guards.storable_input`). These are validation rules, built once, so the validation
  cache keeps their answer with the document.
- Its request: no variable holding text the databases cannot store, a cost within
  `MAX_QUERY_COST` with these variables and at most `MAX_PREVIEWS_PER_OPERATION` impact previews
  (`app.graphql.guards.budget`). Checked for every request, also for a document found in the
  caches.
- Its execution, when it holds previews: one of the process's `MAX_CONCURRENT_PREVIEWS` slots,
  waited for in arrival order up to `QUEUE_TIMEOUT`; else it is answered OVERLOADED (over HTTP
  with 503 and `Retry-After`) and nothing of it runs.

One extension rather than one per check: Strawberry wraps every hook of every extension for
every operation, and this is the path every lookup takes.
"""

from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack

from graphql import ASTValidationRule, GraphQLError
from graphql import ExecutionResult as GraphQLExecutionResult
from starlette.responses import Response
from strawberry.extensions import AddValidationRules
from strawberry.schema.schema import validate_document

from app.db.admission import Overloaded
from app.graphql.guards.budget import budget_of, cost_refusal, preview_slot
from app.graphql.guards.limits import SHAPE_RULES
from app.graphql.guards.storable_input import LITERAL_RULES, unstorable_variable_error
from app.http.refusals import RefusalCode

_RULES: list[type[ASTValidationRule]] = [*SHAPE_RULES, *LITERAL_RULES]


class OperationChecks(AddValidationRules):
    """List it after `ValidationCache`, whose (cached) answer for the document it adds to."""

    def __init__(self) -> None:
        super().__init__(_RULES)

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        context.validation_rules = context.validation_rules + tuple(_RULES)
        request = getattr(context.context, "request", None)
        context.parse_options["max_tokens"] = budget_of(request).max_tokens
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None and context.pre_execution_errors is None:
            # Not validated by the cache: validate here, so that the checks below see a valid
            # document (Strawberry then skips its own validation).
            context.pre_execution_errors = list(
                validate_document(context.schema._schema, document, context.validation_rules)
            )
        if document is not None and context.pre_execution_errors == []:
            # A validation error, so that every transport answers it as it answers the
            # document's (over graphql-transport-ws: an `error` message, not a `next`).
            error = unstorable_variable_error(
                document, context.operation_name, context.variables
            ) or cost_refusal(context, budget_of(getattr(context.context, "request", None)))
            if error is not None:
                context.pre_execution_errors = [error]
        yield

    async def on_execute(self) -> AsyncIterator[None]:
        context = self.execution_context
        budget = budget_of(getattr(context.context, "request", None))
        async with AsyncExitStack() as stack:
            try:
                await stack.enter_async_context(preview_slot(context.context, budget))
            except Overloaded:
                # A result set here is the operation's: Strawberry then runs none of it.
                context.result = GraphQLExecutionResult(
                    data=None, errors=[_overloaded(context.context)]
                )
            yield


def _overloaded(context: object) -> GraphQLError:
    """The refusal of an operation whose previews found no slot: over HTTP a 503 with
    `Retry-After`, as a request that found no connection gets."""
    # Over a websocket the context's `response` is the socket, whose headers are the client's.
    response = getattr(context, "response", None)
    if isinstance(response, Response):
        response.status_code = 503
        response.headers["Retry-After"] = "1"
    return GraphQLError(
        "the server is running all the impact previews it may at once "
        "(MAX_CONCURRENT_PREVIEWS) and no slot came free in time: retry shortly",
        extensions={"code": RefusalCode.OVERLOADED.value},
    )
