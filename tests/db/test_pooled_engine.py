"""The engine under DATABASE_POOLER=transaction (DESIGN §18), on PostgreSQL itself: nothing it
leaves on a server connection outlives the statement or transaction that made it, and a
connection closed under the pool is replaced when it is next checked out. A real PgBouncer in
front of real servers: tests/http/test_pooler.py."""

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import URL

from app.db.engine import Database, create_engine
from app.db.migrate import upgrade
from app.settings import DatabasePooler
from tests.databases import fresh_database

CLOSED_DEADLINE_SECONDS = 15
POLL_SECONDS = 0.05


@pytest.fixture
async def postgres_url(
    postgres_skip_reason: str | None, database_workdir: Path
) -> AsyncIterator[URL]:
    if postgres_skip_reason:
        pytest.skip(postgres_skip_reason)
    async with fresh_database("postgres", database_workdir) as url:
        yield url


def _dsn(url: URL) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


async def _named_statements_left(url: URL, pooler: DatabasePooler) -> int:
    """Named prepared statements a connection holds after running statements, some twice, in
    a transaction (where a pooler keeps it on one server connection)."""
    engine = create_engine(url, pooler=pooler)
    try:
        async with engine.connect() as connection:
            for number in (1, 2, 1, 2):
                await connection.execute(text("SELECT CAST(:n AS int)"), {"n": number})
            return int(
                await connection.scalar(text("SELECT count(*) FROM pg_prepared_statements")) or 0
            )
    finally:
        await engine.dispose()


async def test_a_pooled_engine_leaves_no_named_statement_on_the_server(
    postgres_url: URL,
) -> None:
    assert await _named_statements_left(postgres_url, "transaction") == 0
    # (without the setting, statements are prepared under names and kept for reuse)
    assert await _named_statements_left(postgres_url, "none") > 0


async def test_a_pooled_server_engine_sends_no_session_setting(postgres_url: URL) -> None:
    # A pooler refuses settings sent with the connection (`unsupported startup parameter`),
    # so the server's statement timeout is the one its server connections have.
    plain = await asyncpg.connect(_dsn(postgres_url))
    try:
        servers_own = await plain.fetchval("SHOW statement_timeout")
    finally:
        await plain.close()
    assert servers_own != "3s"
    expectations: tuple[tuple[DatabasePooler, str], ...] = (
        ("transaction", servers_own),
        ("none", "3s"),
    )
    for pooler, expected in expectations:
        database = Database.for_server(
            postgres_url, pool_size=1, statement_timeout=3, pooler=pooler
        )
        try:
            async with database.session() as session:
                shown = await session.scalar(text("SHOW statement_timeout"))
        finally:
            await database.dispose()
        assert shown == expected, pooler


async def test_a_pooled_server_engine_listens_on_the_direct_url(postgres_url: URL) -> None:
    # given a migrated database, and a server database on it whose pool goes to a URL where
    # nothing answers, to listen on the database's own
    migrating = create_engine(postgres_url)
    try:
        await upgrade(migrating)
    finally:
        await migrating.dispose()
    unreachable = postgres_url.set(host="127.0.0.1", port=1)
    database = Database.for_server(
        unreachable, pool_size=1, pooler="transaction", listener_url=postgres_url
    )
    try:
        # when it starts listening, then its listener connects to the direct URL
        await database.start_listening()
        assert database.live_events_state().delivers
    finally:
        await database.dispose()


async def test_a_connection_closed_under_the_pool_is_replaced_at_checkout(
    postgres_url: URL,
) -> None:
    # given a pooled server database with its one connection back in the pool
    database = Database.for_server(postgres_url, pool_size=1, pooler="transaction")
    try:
        async with database.engine.connect() as connection:
            first_pid = await connection.scalar(text("SELECT pg_backend_pid()"))
            driver = (await connection.get_raw_connection()).driver_connection
        assert driver is not None

        # when the connection is closed from the other end (as a pooler's restart does)
        admin = await asyncpg.connect(_dsn(postgres_url))
        try:
            assert await admin.fetchval("SELECT pg_terminate_backend($1)", first_pid)
        finally:
            await admin.close()
        deadline = asyncio.get_running_loop().time() + CLOSED_DEADLINE_SECONDS
        while not driver.is_closed():
            assert asyncio.get_running_loop().time() < deadline, "the driver never saw it"
            await asyncio.sleep(POLL_SECONDS)

        # then the next statement runs on a new connection instead of failing
        async with database.session() as session:
            second_pid = await session.scalar(text("SELECT pg_backend_pid()"))
        assert second_pid != first_pid
    finally:
        await database.dispose()
