"""Transactions for services, and telling unique violations apart from other integrity errors."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.exc import IntegrityError, OperationalError
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
    """A session whose work is all undone: a transaction on `session`'s connection, which the
    session yielded joins (its commits only release savepoints) and which is rolled back at the
    end, whatever happened in it. Services run in it unchanged, and nothing they write (rows,
    events, notifications) outlives the block.

    On SQLite the transaction begins DEFERRED, not IMMEDIATE as a write's does: the block reads
    under a snapshot without the database's write lock, and takes the lock at its first write
    statement, so it holds it from there to the rollback only. A write there does not wait for
    another writer: it fails at once (OperationalError, see `is_write_contention`) when another
    connection holds the lock, or has committed since the block's snapshot began; the caller
    then waits for that writer (`wait_for_other_writers`) and runs the block again. On PostgreSQL it
    is the write transaction `transaction` begins, with its locks and waits.

    The session yielded reports no events (no live-events info): nothing is committed to report.
    """
    await _begin_writing(session, wait_for_writers=True, deferred=True)
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


async def wait_for_other_writers(session: AsyncSession) -> None:
    """On SQLite, wait (busy timeout) until no other connection holds the write lock, without
    keeping it: an empty write transaction. Elsewhere nothing to do."""
    if session.get_bind().dialect.name == "sqlite":
        async with transaction(session):
            pass


def is_write_contention(error: OperationalError) -> bool:
    """Whether `error` is SQLite refusing a DEFERRED transaction's first write: another
    connection holds the write lock (SQLITE_BUSY, given at once: waiting could deadlock), or has
    committed since the transaction's snapshot (SQLITE_BUSY_SNAPSHOT)."""
    name = getattr(error.orig, "sqlite_errorname", None)
    return name in ("SQLITE_BUSY", "SQLITE_BUSY_SNAPSHOT")


async def _begin_writing(
    session: AsyncSession, *, wait_for_writers: bool, deferred: bool = False
) -> None:
    """Start the block in a transaction that can write, whatever the request read before.

    SQLite: a request's reads run in a deferred transaction, and SQLite cannot turn its snapshot
    into a write once another writer has committed, so that read transaction ends here and a
    write transaction begins with BEGIN IMMEDIATE. A server's PostgreSQL session reads in
    autocommit (`Database.for_server`): its writes begin a transaction at the server's default
    isolation level. Otherwise (tests' sessions inside a transaction) the block writes within
    the transaction it is in. `deferred` (SQLite): a fresh transaction begun DEFERRED, which
    takes the write lock at its first write (see `rolled_back`).
    """
    dialect = session.get_bind().dialect
    if dialect.name == "sqlite" and deferred:
        options: dict[str, object] = {}
    elif dialect.name == "sqlite":
        options = {
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
