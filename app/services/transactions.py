"""Transactions for services, and telling unique violations apart from other integrity errors."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.engine import AUTOCOMMIT_READS, WRITE_TRANSACTION, WRITE_WITHOUT_WAITING

_UNIQUE_VIOLATION_SQLSTATE = "23505"


@asynccontextmanager
async def transaction(
    session: AsyncSession, *, wait_for_writers: bool = True
) -> AsyncIterator[AsyncSession]:
    """Commit what the block wrote, or roll all of it back if the block raises.

    `wait_for_writers=False`: on SQLite, fail at once (OperationalError, "database is locked")
    rather than queue behind another writer; for writes that can be tried again later.
    """
    await _begin_writing(session, wait_for_writers=wait_for_writers)
    try:
        yield session
        await session.commit()
    except BaseException:
        await session.rollback()
        raise


@asynccontextmanager
async def rolled_back(session: AsyncSession) -> AsyncIterator[AsyncSession]:
    """A session whose work is all undone: a write transaction on `session`'s connection, which
    the session yielded joins (its commits only release savepoints) and which is rolled back at
    the end, whatever happened in it. Services run in it unchanged, with their locks and waits,
    and nothing they write (rows, events, notifications) outlives the block.

    The session yielded reports no events (no live-events info): nothing is committed to report.
    """
    await _begin_writing(session, wait_for_writers=True)
    connection = await session.connection()
    inner = AsyncSession(
        bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
    )
    try:
        yield inner
    finally:
        try:
            await inner.close()
        finally:
            await session.rollback()


async def _begin_writing(session: AsyncSession, *, wait_for_writers: bool) -> None:
    """Start the block in a transaction that can write, whatever the request read before.

    SQLite: a request's reads run in a deferred transaction, and SQLite cannot turn its snapshot
    into a write once another writer has committed, so that read transaction ends here and a
    write transaction begins with BEGIN IMMEDIATE. A server's PostgreSQL session reads in
    autocommit (`Database.for_server`): its writes begin a transaction at the server's default
    isolation level. Otherwise (tests' sessions inside a transaction) the block writes within
    the transaction it is in.
    """
    dialect = session.get_bind().dialect
    if dialect.name == "sqlite":
        options: dict[str, object] = {
            WRITE_TRANSACTION: True,
            WRITE_WITHOUT_WAITING: not wait_for_writers,
        }
    elif session.info.get(AUTOCOMMIT_READS):
        # Known once the engine has connected; a write can be a fresh engine's first statement.
        level = getattr(dialect, "default_isolation_level", None)
        options = {"isolation_level": level or "READ COMMITTED"}
    else:
        return
    if session.in_transaction():
        await session.commit()
    await session.connection(execution_options=options)


def is_unique_violation(error: IntegrityError) -> bool:
    original = error.orig
    sqlstate = getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)
    if sqlstate is not None:
        return bool(sqlstate == _UNIQUE_VIOLATION_SQLSTATE)
    return "UNIQUE constraint failed" in str(original)
