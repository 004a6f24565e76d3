"""Counting the SQL statements a piece of work sends, to catch N+1 queries."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from app.services.effective.candidate_cache import forget_everything


@contextmanager
def recorded_statements(engine: AsyncEngine, *, cold: bool = True) -> Iterator[list[str]]:
    """Every statement sent through `engine` inside the block, in order (BEGIN and SAVEPOINT
    included: they are round trips too).

    `cold` empties the process's candidate and resolution caches first, so that two recordings
    compare the same work rather than a first request with a second that found what the first
    left in memory."""
    if cold:
        forget_everything()
    statements: list[str] = []

    def record(
        _connection: Any,
        _cursor: Any,
        statement: str,
        _parameters: Any,
        _context: Any,
        _executemany: bool,
    ) -> None:
        statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


_TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")


def beyond_authentication(statements: list[str]) -> list[str]:
    """The statements other than the API key's lookup and transaction control: what the
    operation itself sent."""
    return [
        statement
        for statement in statements
        if not statement.lstrip().upper().startswith(_TRANSACTION_CONTROL)
        and "FROM api_key" not in statement
    ]
