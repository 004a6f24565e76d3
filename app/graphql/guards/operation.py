"""The one schema extension every operation passes through, in this order:

1. over a websocket, a `Context` and a database session of the operation's own
   (`app.graphql.context.operation_context`);
2. the request's record notes the operation (`app.graphql.guards.observation`);
3. the document's rules and token limit (`app.graphql.guards.checks.prepare`);
4. parsing and validation, once per distinct document (`app.graphql.guards.documents`);
5. this request's checks: its variables, its cost, its previews (`app.graphql.guards.checks`);
6. on the way out, unexpected errors are masked (`app.graphql.guards.masking`) before the record
   reads whether the result has errors.

One extension, not one per concern: Strawberry wraps each hook of each extension in a new context
manager for every operation (about 60 Python calls a hook); six extensions with nine hooks cost a
warm lookup about 520 calls, this one with four about 230. Tracing, when a request asks for it,
comes after (`app.tracing.per_request`), inside all of these.
"""

from collections.abc import AsyncIterator, Iterator

from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document
from strawberry.types import StreamExecutionResult

from app.graphql.context import operation_context
from app.graphql.guards.checks import check_request, prepare, previews_admitted
from app.graphql.guards.documents import DOCUMENTS, KnownDocument
from app.graphql.guards.masking import MaskUnexpectedErrors
from app.graphql.guards.observation import OperationObserver


class OperationGuards(SchemaExtension):
    def __init__(self) -> None:
        self._known: KnownDocument | None = None
        self._observer = OperationObserver()
        self._masking = MaskUnexpectedErrors()

    async def on_operation(self) -> AsyncIterator[None]:
        execution = self.execution_context
        async with operation_context(execution):
            with self._observer.operation(execution):
                prepare(execution)
                self._masking.execution_context = execution
                masking = self._masking.on_operation()
                next(masking)
                yield
                # As a context manager would: the errors are masked when the operation ended
                # without raising (and there are errors to mask: the usual answer has none).
                result = execution.result
                if getattr(result, "errors", None) or hasattr(result, "initial_result"):
                    next(masking, None)

    def on_parse(self) -> Iterator[None]:
        execution = self.execution_context
        if execution.graphql_document is None and execution.query:
            self._known = DOCUMENTS.document(
                execution.query, execution.parse_options.get("max_tokens")
            )
            execution.graphql_document = self._known.document
        yield

    def on_validate(self) -> Iterator[None]:
        execution = self.execution_context
        document = execution.graphql_document
        if document is not None and execution.pre_execution_errors is None:
            schema, rules = execution.schema._schema, execution.validation_rules
            known = self._known_for(document)
            if known is not None:
                errors = DOCUMENTS.validation_errors(known, schema, rules)
            else:
                errors = validate_document(schema, document, rules)
            # Validated here, so Strawberry skips its own validation.
            execution.pre_execution_errors = errors
        check_request(execution, self._known_for(document))
        yield

    def _known_for(self, document: object) -> KnownDocument | None:
        known = self._known
        return known if known is not None and known.document is document else None

    async def on_execute(self) -> AsyncIterator[None]:
        execution = self.execution_context
        self._observer.executing(execution)
        async with previews_admitted(execution):
            yield

    def on_stream_result(self, result: StreamExecutionResult) -> Iterator[None]:
        """A subscription's events (and streamed results) are masked one by one."""
        self._masking.execution_context = self.execution_context
        yield from self._masking.on_stream_result(result)
