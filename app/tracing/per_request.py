"""Extensions that only the requests asking for them run.

Tracing wraps every resolver (`SchemaExtension.resolve`), which makes each field of a response
go through one more coroutine: a cost that a request asking for no trace should not pay. So the
schema's own extensions stay fixed, and these are added per request from what the request asks
for (a gateway's ftv1 header) and what the app does (OpenTelemetry when `TRACING` is on).
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Protocol

from starlette.requests import Request
from strawberry.extensions import SchemaExtension

from app.tracing.federated import FederatedTrace, asks_for_federated_trace

ExtensionFactory = Callable[[], SchemaExtension]


class OperationTracing(Protocol):
    """What the app's tracing (`app.tracing.otel`) adds to each operation."""

    def operation_extension(self) -> SchemaExtension: ...


_asked_for: ContextVar[tuple[ExtensionFactory, ...]] = ContextVar(
    "registry_extensions_asked_for", default=()
)


def extensions_asked_for(context: object) -> tuple[ExtensionFactory, ...]:
    """The extensions an HTTP request's operation runs besides the schema's own."""
    request = getattr(context, "request", None)
    if not isinstance(request, Request):  # a websocket's operations are not traced
        return ()
    asked: list[ExtensionFactory] = []
    tracing: OperationTracing | None = getattr(request.app.state, "tracing", None)
    if tracing is not None:
        asked.append(tracing.operation_extension)
    if asks_for_federated_trace(request):
        asked.append(FederatedTrace)
    return tuple(asked)


@contextmanager
def running_with(extensions: tuple[ExtensionFactory, ...]) -> Iterator[None]:
    """Within it, `asked_for_now` hands out `extensions` (made anew for each call)."""
    token = _asked_for.set(extensions)
    try:
        yield
    finally:
        _asked_for.reset(token)


def asked_for_now() -> list[SchemaExtension]:
    return [make() for make in _asked_for.get()]
