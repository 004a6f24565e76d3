"""The engine and session factory, with the per-dialect settings that make both databases behave."""

import asyncio
import logging
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from sqlalchemy import event, text
from sqlalchemy.dialects.sqlite.base import SQLiteCompiler
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DisconnectionError, SQLAlchemyError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import NullPool
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import history_recorder as _history_recorder  # noqa: F401  (every flush records)
from app.db.admission import Admission, FirstUseSlot
from app.db.admitted_session import AdmittedSession
from app.db.invalidation import DEFAULT_MAX_AGE_SECONDS, LookupMemory
from app.db.listener import LiveEventsState
from app.db.notifications import LiveEvents, session_info
from app.db.rollout_buckets import register_sqlite_functions

if TYPE_CHECKING:
    from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection

    from app.settings import DatabasePooler

logger = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_SECONDS = 30
# The execution option that marks a connection whose transaction will write (SQLite: IMMEDIATE).
WRITE_TRANSACTION = "registry_write_transaction"
# With it, a SQLite write that finds another writer holding the lock fails at once ("database is
# locked") instead of waiting for it: for writes that can simply be tried again later.
WRITE_WITHOUT_WAITING = "registry_write_without_waiting"
# How long a request waits for a free connection of the pool before it fails.
POOL_TIMEOUT_SECONDS = 30
# `session.info` key: the session reads outside transactions (see `Database.for_server`).
AUTOCOMMIT_READS = "registry_autocommit_reads"


class Database:
    """Owns one engine and hands out sessions; the app's lifespan creates and disposes it.

    Its sessions report the events they commit to `live_events` (see `app.db.notifications`).

    Lookups are answered from copies kept in `live_events.memory` (`app.db.invalidation`) only
    while nothing can change the database unseen: on PostgreSQL while the listener LISTENs; on
    SQLite when this is the only process that serves it (`single_process`), whose own commits
    drop the copies they change. Several processes on one SQLite file read the database for
    every lookup.
    """

    def __init__(
        self,
        engine: AsyncEngine,
        sessions: async_sessionmaker[AsyncSession] | None = None,
        live_events: LiveEvents | None = None,
        *,
        single_process: bool = True,
    ) -> None:
        self.engine = engine
        self.live_events = live_events or LiveEvents()
        if engine.dialect.name != "postgresql" and single_process:
            self.live_events.memory.trust()
        self.admission: Admission | None = None
        self.sessions = sessions or async_sessionmaker(
            engine,
            class_=AsyncSession,
            sync_session_class=AdmittedSession,
            expire_on_commit=False,
            info=session_info(self.live_events),
        )

    @classmethod
    def from_url(
        cls, url: URL | str, *, pooler: "DatabasePooler" = "none", **engine_options: Any
    ) -> "Database":
        return cls(create_engine(url, pooler=pooler, **engine_options))

    @classmethod
    def for_server(
        cls,
        url: URL | str,
        *,
        pool_size: int,
        max_waiting: int = 256,
        wait_timeout: float = POOL_TIMEOUT_SECONDS,
        statement_timeout: float | None = None,
        pooler: "DatabasePooler" = "none",
        listener_url: URL | str | None = None,
        memory_max_age_seconds: float = DEFAULT_MAX_AGE_SECONDS,
        single_process: bool = True,
    ) -> "Database":
        """A fixed pool of `pool_size` connections: no overflow connections that are opened for
        a burst and closed after it (connection churn); up to `max_waiting` requests beyond it
        wait up to `wait_timeout` seconds (see `app.db.admission`). On PostgreSQL, a statement
        that runs longer than `statement_timeout` seconds is cancelled by the server.

        On PostgreSQL a session reads outside any transaction (autocommit): under READ
        COMMITTED every statement sees its own snapshot anyway, so a read-only transaction
        would cost a BEGIN and a ROLLBACK per request and buy nothing. A write begins a real
        transaction (`app.services.transactions.transaction`).

        `pooler="transaction"`: `url` goes through a transaction pooler (see `create_engine`),
        which refuses a `statement_timeout` sent with the connection: the limit is then the one
        the pooler's server connections have (the role's or database's, `SHOW statement_timeout`).
        `listener_url`: where this process's LISTEN connection goes, when not to `url`.
        """
        options: dict[str, Any] = {}
        if (
            statement_timeout is not None
            and pooler == "none"
            and make_url(url).get_backend_name() == "postgresql"
        ):
            milliseconds = str(max(1, round(statement_timeout * 1000)))
            options["connect_args"] = {"server_settings": {"statement_timeout": milliseconds}}
        engine = create_engine(
            url,
            pooler=pooler,
            pool_size=pool_size,
            max_overflow=0,
            pool_timeout=POOL_TIMEOUT_SECONDS,
            **options,
        )
        memory = LookupMemory(max_age_seconds=memory_max_age_seconds)
        if engine.dialect.name != "postgresql":
            database = cls(
                engine, live_events=LiveEvents(memory=memory), single_process=single_process
            )
        else:
            live_events = LiveEvents(listener_url=listener_url, memory=memory)
            sessions = async_sessionmaker(
                engine.execution_options(isolation_level="AUTOCOMMIT"),
                class_=AsyncSession,
                sync_session_class=AdmittedSession,
                expire_on_commit=False,
                info={**session_info(live_events), AUTOCOMMIT_READS: True},
            )
            database = cls(engine, sessions, live_events)
        database.admission = Admission(
            pool_size, max_waiting=max_waiting, wait_timeout=wait_timeout
        )
        return database

    @asynccontextmanager
    async def request_slot(self) -> AsyncIterator[None]:
        """Wait, in arrival order, until the request may use a connection of the pool; raise
        `app.db.admission.Overloaded` when too many already wait."""
        if self.admission is None:
            yield
            return
        async with self.admission.slot():
            yield

    @classmethod
    def bound_to(cls, connection: AsyncConnection) -> "Database":
        """Sessions inside `connection`'s open transaction: their commits become savepoints.

        Tests use this to roll back everything a test did.
        """
        live_events = LiveEvents()
        sessions = async_sessionmaker(
            bind=connection,
            class_=AsyncSession,
            sync_session_class=AdmittedSession,
            expire_on_commit=False,
            join_transaction_mode="create_savepoint",
            info=session_info(live_events),
        )
        return cls(connection.engine, sessions, live_events)

    def first_use_slot(self) -> FirstUseSlot | None:
        """A request's slot of the admission queue, to be taken when it first uses the
        database (`session(first_use_slot=...)`); None when admission is off."""
        return None if self.admission is None else FirstUseSlot(self.admission)

    @asynccontextmanager
    async def session(
        self, *, first_use_slot: FirstUseSlot | None = None
    ) -> AsyncIterator[AsyncSession]:
        """A session whose connection goes back to the pool when the block ends, or is discarded
        when it cannot be given back clean (see `release`).

        With `first_use_slot`, the session takes that slot before it first uses the database
        (`app.db.admitted_session`), and gives it back once its connection is back."""
        session = self.sessions()
        if first_use_slot is not None:
            sync_session = session.sync_session
            assert isinstance(sync_session, AdmittedSession)
            sync_session.first_use_slot = first_use_slot
        try:
            yield session
        finally:
            try:
                await release(session)
            finally:
                if first_use_slot is not None:
                    first_use_slot.release()

    async def start_listening(self) -> None:
        """Receive the events other processes commit (PostgreSQL; see `app.db.notifications`):
        on the `listener_url` of `for_server` when it was given, else on the engine's URL."""
        await self.live_events.start(self.engine.url)

    def live_events_state(self) -> LiveEventsState:
        """Whether this process receives the events other processes commit: on SQLite there is
        one process and no listener; on PostgreSQL, the listener's state."""
        if self.engine.dialect.name != "postgresql":
            return LiveEventsState.IN_PROCESS
        return self.live_events.state

    async def dispose(self) -> None:
        await self.live_events.stop()
        await self.engine.dispose()


async def release(session: AsyncSession) -> None:
    """Close `session` (rolling back what it left open), and if that fails, invalidate it: the
    pool then discards its connection instead of handing it out again.

    A request cut off by its time limit is cancelled wherever it is, in the middle of a statement
    too; SQLAlchemy then invalidates the connection, and asyncpg's may already be closed, so the
    rollback the close does can fail ("the underlying connection is closed"). That failure is the
    cut-off's consequence, not a new error: it is logged, the connection is discarded, and the
    exception that ended the block (the cancellation) goes on. The close runs to its end even if
    the caller is cancelled meanwhile, so the connection is back in (or out of) the pool before the
    request's answer is sent.
    """
    if not session.in_transaction():
        # Nothing begun, so no connection to give back: closing only forgets the session's
        # objects, with no I/O (a request answered from memory ends here).
        session.sync_session.close()
        return
    await run_to_completion(_close_or_discard(session))


async def _close_or_discard(session: AsyncSession) -> None:
    try:
        await session.close()
    except (SQLAlchemyError, OSError) as error:
        logger.warning("a session could not be closed, its connection is discarded: %r", error)
        try:
            await session.invalidate()
        except (SQLAlchemyError, OSError):
            logger.warning("discarding a session's connection failed", exc_info=True)


async def run_to_completion(coroutine: Coroutine[Any, Any, None]) -> None:
    """Run `coroutine` in a task of its own and wait for its end even when the caller is cancelled
    meanwhile; that cancellation is raised again once it has ended."""
    task = asyncio.ensure_future(coroutine)
    cancelled: asyncio.CancelledError | None = None
    while not task.done():
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError as error:
            if task.cancelled():
                raise
            cancelled = error
    if cancelled is not None:
        raise cancelled
    task.result()


def create_engine(
    url: URL | str, *, pooler: "DatabasePooler" = "none", **options: Any
) -> AsyncEngine:
    """An engine for `url`; `pooler="transaction"` when `url` is a transaction pooler's (on
    PostgreSQL, see `POOLED_CONNECT_ARGS`)."""
    if pooler == "transaction" and make_url(url).get_backend_name() == "postgresql":
        options["connect_args"] = {**options.get("connect_args", {}), **POOLED_CONNECT_ARGS}
        engine = create_async_engine(url, **options)
        _discard_closed_connections(engine)
        return engine
    engine = create_async_engine(url, **options)
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
    return engine


# A transaction pooler hands each transaction (and, outside one, each statement) the server
# connection that is free, so a statement prepared under a name on one of them is not there for
# the next (`prepared statement "__asyncpg_stmt_1__" already exists` / `does not exist`). With no
# cache, asyncpg prepares every statement unnamed and parses it again in the same message batch
# as its execution, which a pooler keeps on one server connection; the dialect's own cache of
# prepared statements is off with it. Named statements with unique names (a
# `prepared_statement_name_func`) are no way out here: the server reads outside transactions, and
# a name prepared in one round trip is looked up on another server connection in the next.
POOLED_CONNECT_ARGS: dict[str, Any] = {
    "statement_cache_size": 0,
    "prepared_statement_cache_size": 0,
}


async def pooled_statement_timeout(url: URL | str) -> float:
    """The statement_timeout, in seconds (0: none), of a statement run through the transaction
    pooler at `url`: the one its server connections have."""
    engine = create_engine(url, pooler="transaction", poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            milliseconds = await connection.scalar(
                text("SELECT setting::int FROM pg_settings WHERE name = 'statement_timeout'")
            )
    finally:
        await engine.dispose()
    return int(milliseconds or 0) / 1000


def _discard_closed_connections(engine: AsyncEngine) -> None:
    """Never hand out a pooled connection whose socket the pooler has closed (a restart of the
    pooler closes every client connection): the pool opens a new one in its place instead.
    This reads the driver's own state, with no round trip (unlike `pool_pre_ping`)."""

    @event.listens_for(engine.sync_engine, "checkout")
    def _on_checkout(
        _dbapi_connection: Any, record: "ConnectionPoolEntry", _proxy: "PoolProxiedConnection"
    ) -> None:
        driver_connection = record.driver_connection
        if driver_connection is not None and driver_connection.is_closed():
            raise DisconnectionError("the pooler closed this connection")


class _SQLiteCompiler(SQLiteCompiler):
    """SQLAlchemy's SQLite compiler, without the `OFFSET 0` it writes after every LIMIT.

    Pages here never skip rows (they start after a sort key), and a statement that says OFFSET
    reads as one that does; SQLite needs no OFFSET after LIMIT.
    """

    def limit_clause(self, select: Any, **kw: Any) -> str:
        text = ""
        if select._limit_clause is not None:
            text += "\n LIMIT " + self.process(select._limit_clause, **kw)
        if select._offset_clause is not None:
            if select._limit_clause is None:
                text += "\n LIMIT -1"  # SQLite takes OFFSET only after a LIMIT
            text += " OFFSET " + self.process(select._offset_clause, **kw)
        return text


def _configure_sqlite(engine: AsyncEngine) -> None:
    """Foreign keys on, WAL for concurrent readers, real transactions, and the SQL functions
    the app adds (`app.db.rollout_buckets`).

    The sqlite3 driver opens transactions lazily and never for SAVEPOINT; taking over BEGIN makes
    nested transactions work. Reads begin DEFERRED, so readers never wait for each other or for a
    writer (WAL gives each its snapshot). A transaction that writes is begun on a connection
    marked `WRITE_TRANSACTION` (see `app.services.transactions`) with BEGIN IMMEDIATE, which
    takes the write lock up front: two writers wait for each other (busy timeout) instead of one
    failing when it tries to turn a stale read snapshot into a write.
    """
    engine.sync_engine.dialect.statement_compiler = _SQLiteCompiler

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_SECONDS * 1000}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()
        register_sqlite_functions(dbapi_connection)

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        options = connection.get_execution_options()
        if not options.get(WRITE_TRANSACTION, False):
            connection.exec_driver_sql("BEGIN")
        elif not options.get(WRITE_WITHOUT_WAITING, False):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            # Once the write lock is taken, nothing else in the transaction waits on it.
            connection.exec_driver_sql("PRAGMA busy_timeout=0")
            try:
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            finally:
                connection.exec_driver_sql(
                    f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_SECONDS * 1000}"
                )
