"""The checks every operation passes before anything of it runs, in one schema extension.

- Its document: at most `MAX_QUERY_TOKENS` tokens (the parser stops there), a bounded depth and
  number of aliases (`app.graphql.guards.limits`), no string literal the databases cannot store
  (`app.graphql.guards.storable_input`). These are validation rules, built once, so the validation
  cache keeps their answer with the document.
- Its request: no variable holding text the databases cannot store, and a cost within
  `MAX_QUERY_COST` with these variables (`app.graphql.guards.budget`). Checked for every request,
  also for a document found in the caches.

One extension rather than one per check: Strawberry wraps every hook of every extension for
every operation, and this is the path every lookup takes.
"""

from collections.abc import Iterator

from graphql import ASTValidationRule
from strawberry.extensions import AddValidationRules
from strawberry.schema.schema import validate_document

from app.graphql.guards.budget import budget_of, cost_refusal
from app.graphql.guards.limits import SHAPE_RULES
from app.graphql.guards.storable_input import LITERAL_RULES, unstorable_variable_error

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
