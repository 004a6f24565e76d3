"""The checks every operation passes before anything of it runs.

- Its document: at most `MAX_QUERY_TOKENS` tokens (the parser stops there), a bounded depth and
  number of aliases (`app.graphql.guards.limits`), no string literal the databases cannot store
  (`app.graphql.guards.storable_input`). These are validation rules, built once, so their answer
  is kept with the document (`app.graphql.guards.documents`).
- Its request: no variable holding text the databases cannot store, a cost within
  `MAX_QUERY_COST` with these variables and at most `MAX_PREVIEWS_PER_OPERATION` impact previews
  (`app.graphql.guards.budget`). Checked for every request, also for a document found in the
  caches.
- Its execution, when it holds previews: one of the process's `MAX_CONCURRENT_PREVIEWS` slots,
  waited for in arrival order up to `QUEUE_TIMEOUT`; else it is answered OVERLOADED (over HTTP
  with 503 and `Retry-After`) and nothing of it runs.

These are steps of the one schema extension every operation passes
(`app.graphql.guards.operation`), not extensions of their own: Strawberry wraps every hook of
every extension for every operation, and this is the path every lookup takes.
"""

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from graphql import ASTValidationRule, GraphQLError
from graphql import ExecutionResult as GraphQLExecutionResult
from starlette.responses import Response
from strawberry.types import ExecutionContext

from app.db.admission import Overloaded
from app.graphql.context import Context
from app.graphql.guards.budget import budget_of, cost_refusal, holds_previews, preview_slot
from app.graphql.guards.documents import KnownDocument
from app.graphql.guards.limits import SHAPE_RULES
from app.graphql.guards.storable_input import LITERAL_RULES, unstorable_variable_error
from app.http.refusals import RefusalCode

_RULES: tuple[type[ASTValidationRule], ...] = (*SHAPE_RULES, *LITERAL_RULES)


def prepare(execution: ExecutionContext) -> None:
    """Before parsing: the document's rules, and the token limit its parser stops at."""
    execution.validation_rules = execution.validation_rules + _RULES
    request = getattr(execution.context, "request", None)
    execution.parse_options["max_tokens"] = budget_of(request).max_tokens


def check_request(execution: ExecutionContext, known: KnownDocument | None) -> None:
    """After validation: a valid document's variables and cost, for this request. A refusal is
    a validation error, so that every transport answers it as it answers the document's (over
    graphql-transport-ws: an `error` message, not a `next`)."""
    document = execution.graphql_document
    if document is None or execution.pre_execution_errors != []:
        return
    error = unstorable_variable_error(
        document, execution.operation_name, execution.variables
    ) or cost_refusal(
        execution,
        budget_of(getattr(execution.context, "request", None)),
        None if known is None else known.fixed_costs,
    )
    if error is not None:
        execution.pre_execution_errors = [error]


@asynccontextmanager
async def previews_admitted(execution: ExecutionContext) -> AsyncIterator[None]:
    """While the operation runs: one of the process's preview slots if it holds previews; none
    free in time, it is refused OVERLOADED and nothing of it runs.

    The request's admission slot is taken first (a preview reads the database anyway): a
    request that held a preview slot while it waited for an admission slot could wait for one
    that waits for its preview slot."""
    if not holds_previews(execution.context):  # the usual operation: nothing to hold
        yield
        return
    budget = budget_of(getattr(execution.context, "request", None))
    async with AsyncExitStack() as stack:
        try:
            if isinstance(execution.context, Context):
                await execution.context.session.admit()
            await stack.enter_async_context(preview_slot(execution.context, budget))
        except Overloaded:
            # A result set here is the operation's: Strawberry then runs none of it.
            execution.result = GraphQLExecutionResult(
                data=None, errors=[_overloaded(execution.context)]
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
