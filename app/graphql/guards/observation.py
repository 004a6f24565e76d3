"""Notes each operation's name and type in the request's record (`app.observability`), and
logs a subscription's start and end (a websocket has no per-request line of its own).

Steps of the one schema extension every operation passes (`app.graphql.guards.operation`)."""

import time
from collections.abc import Iterator
from contextlib import contextmanager

import structlog
from strawberry.types import ExecutionContext
from strawberry.types.graphql import OperationType

from app.graphql.context import Context
from app.observability.metrics import SUBSCRIPTIONS_OPEN
from app.observability.record import RequestRecord, operation_record

logger = structlog.get_logger("app.subscriptions")


class OperationObserver:
    """One operation's observation: `operation` around all of it, `executing` as it starts."""

    __slots__ = ("_record", "_subscribed_at")

    def __init__(self) -> None:
        self._record: RequestRecord | None = None
        self._subscribed_at: float | None = None

    @contextmanager
    def operation(self, execution: ExecutionContext) -> Iterator[None]:
        with operation_record() as record:
            self._record = record
            try:
                yield
            finally:
                result = execution.result
                if result is not None and result.errors:
                    record.graphql_errors = True
                if self._subscribed_at is not None:
                    SUBSCRIPTIONS_OPEN.dec()
                    self._log("subscription ended", record, time.perf_counter())

    def executing(self, execution: ExecutionContext) -> None:
        record = self._record
        if record is None:
            return
        record.operation_name = execution.operation_name
        operation_type = execution.operation_type
        record.operation_type = operation_type.value
        context = execution.context
        if isinstance(context, Context):
            record.api_key_id = context.principal.api_key_id
        if operation_type is OperationType.SUBSCRIPTION:
            self._subscribed_at = time.perf_counter()
            SUBSCRIPTIONS_OPEN.inc()
            self._log("subscription started", record)

    def _log(self, event: str, record: RequestRecord, now: float | None = None) -> None:
        fields: dict[str, object] = {
            "operation": record.operation_name,
            "api_key_id": None if record.api_key_id is None else str(record.api_key_id),
        }
        if now is not None and self._subscribed_at is not None:
            fields["duration_ms"] = round((now - self._subscribed_at) * 1000, 3)
            fields["error_id"] = record.error_id
        logger.info(event, **fields)
