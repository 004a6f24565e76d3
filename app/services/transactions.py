"""Transactions for services, and telling unique violations apart from other integrity errors."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.engine import WRITE_TRANSACTION

_UNIQUE_VIOLATION_SQLSTATE = "23505"


@asynccontextmanager
async def transaction(session: AsyncSession) -> AsyncIterator[AsyncSession]:
    """Commit what the block wrote, or roll all of it back if the block raises."""
    await _begin_writing(session)
    try:
        yield session
        await session.commit()
    except BaseException:
        await session.rollback()
        raise


async def _begin_writing(session: AsyncSession) -> None:
    """On SQLite, start the block in a transaction that holds the write lock from its BEGIN.

    A request's reads (authentication, say) run in a deferred transaction; SQLite cannot turn its
    snapshot into a write once another writer has committed, so that read transaction ends here
    and a write transaction begins. PostgreSQL writes within the transaction it is in.
    """
    bind = session.get_bind()
    if bind.dialect.name != "sqlite":
        return
    if session.in_transaction():
        await session.commit()
    await session.connection(execution_options={WRITE_TRANSACTION: True})


def is_unique_violation(error: IntegrityError) -> bool:
    original = error.orig
    sqlstate = getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)
    if sqlstate is not None:
        return bool(sqlstate == _UNIQUE_VIOLATION_SQLSTATE)
    return "UNIQUE constraint failed" in str(original)
