"""What one request did, noted as it runs and read once at its end by the log line and the
metrics: its operation, its caller's key, the typed errors it returned and any masked error."""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from enum import StrEnum
from uuid import UUID

from graphql import GraphQLError

from app.observability.metrics import MUTATION_ERRORS


class Outcome(StrEnum):
    OK = "ok"
    TYPED_ERROR = "typed_error"
    """A mutation answered with one of its error types."""
    CLIENT_ERROR = "client_error"
    """The request or document was refused (4xx, or GraphQL errors that are the client's)."""
    OVERLOADED = "overloaded"
    """503: the server is at capacity, or the request ran out of time."""
    SERVER_ERROR = "server_error"
    """An unexpected error (masked, with an error id) or a 5xx."""


@dataclass
class RequestRecord:
    operation_name: str | None = None
    operation_type: str | None = None
    api_key_id: UUID | None = None
    error_codes: list[str] = field(default_factory=list)
    graphql_errors: bool = False
    """The result carried errors (validation, access, masked ones…)."""
    _error_ids: dict[int, str] = field(default_factory=dict)

    def error_id_for(self, error: GraphQLError | BaseException) -> str:
        """The id of an unexpected error, the same for the log and for the client's message."""
        return self._error_ids.setdefault(id(error), uuid.uuid4().hex[:16])

    @property
    def error_id(self) -> str | None:
        return next(iter(self._error_ids.values()), None)

    def outcome(self, status: int) -> Outcome:
        if self._error_ids or (status >= 500 and status != 503):
            return Outcome.SERVER_ERROR
        if status == 503:
            return Outcome.OVERLOADED
        if status >= 400 or self.graphql_errors:
            return Outcome.CLIENT_ERROR
        if self.error_codes:
            return Outcome.TYPED_ERROR
        return Outcome.OK


_current: ContextVar[RequestRecord | None] = ContextVar("request_record", default=None)


def current_record() -> RequestRecord:
    """This request's record; one is started when there is none (a websocket operation, or a
    schema executed directly)."""
    record = _current.get()
    if record is None:
        record = RequestRecord()
        _current.set(record)
    return record


def start_record() -> RequestRecord:
    record = RequestRecord()
    _current.set(record)
    return record


@contextmanager
def operation_record() -> Iterator[RequestRecord]:
    """The request's record, or one of the operation's own for the length of the block."""
    record = _current.get()
    if record is not None:
        yield record
        return
    token = _current.set(RequestRecord())
    try:
        yield current_record()
    finally:
        _current.reset(token)


def note_typed_error(code: str) -> None:
    """A mutation answered with an error type (`app.graphql.errors`)."""
    current_record().error_codes.append(code)
    MUTATION_ERRORS.labels(code=code).inc()
