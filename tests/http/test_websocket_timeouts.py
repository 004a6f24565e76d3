"""Slow operations over a websocket, on a real pool (PostgreSQL): twenty sent over one socket by a
VIEWER key, each held up by a lock another connection holds, run no more at once than the pool
has connections and each ends at REQUEST_TIMEOUT with the TIMEOUT error; the socket, and the
pool, serve the next operations. A client that leaves while its operations run is one log line.
"""

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from sqlalchemy.engine import URL
from starlette.applications import Starlette

from app.db.engine import Database
from app.main import create_app
from app.settings import Settings
from tests.databases import fresh_database
from tests.http.in_process_socket import in_process_socket
from tests.keys import Keys, make_keys

SLOW = '{ connector(key: "locked") { id } }'
OPERATIONS = 20
POOL_SIZE = 2
DEADLINE_SECONDS = 30


@pytest.fixture
async def server_url(
    backend: str, database_workdir: Path, migrated_template: URL
) -> AsyncIterator[URL]:
    if backend != "postgres":
        pytest.skip("a read held up by another connection's table lock is PostgreSQL's")
    async with fresh_database(backend, database_workdir, template=migrated_template) as url:
        yield url


@asynccontextmanager
async def _served(url: URL, **limits: Any) -> AsyncIterator[tuple[Starlette, Database, Keys]]:
    settings = Settings(database_url=url.render_as_string(hide_password=False), **limits)
    database = Database.for_server(
        url,
        pool_size=POOL_SIZE,
        max_waiting=settings.max_queued_requests,
        wait_timeout=settings.queue_timeout,
        statement_timeout=settings.statement_timeout,
    )
    try:
        async with database.session() as session:
            keys = await make_keys(session)
            await session.commit()
        yield create_app(settings, database=database), database, keys
    finally:
        await database.dispose()


@asynccontextmanager
async def _connector_table_locked(url: URL) -> AsyncIterator[asyncpg.Connection]:
    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    holder = await asyncpg.connect(dsn)
    try:
        async with holder.transaction():
            await holder.execute("LOCK TABLE connector IN ACCESS EXCLUSIVE MODE")
            yield holder
    finally:
        await holder.close()


async def _blocked_backends(holder: asyncpg.Connection) -> int:
    """How many backends wait for the lock on the connector table now."""
    count = await holder.fetchval(
        "SELECT count(DISTINCT pid) FROM pg_locks WHERE NOT granted "
        "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
        "AND relation = 'connector'::regclass"
    )
    return int(count)


async def _until_blocked(holder: asyncpg.Connection, count: int) -> None:
    async with asyncio.timeout(DEADLINE_SECONDS):
        blocked = 0
        while blocked < count:
            await asyncio.sleep(0.02)
            blocked = await _blocked_backends(holder)


async def test_slow_operations_over_one_socket_run_within_the_pool_and_end_at_the_timeout(
    server_url: URL,
) -> None:
    limits = {"request_timeout": 1.0, "queue_timeout": 30.0, "statement_timeout": 60.0}
    async with _served(server_url, **limits) as (app, database, keys):
        admission = database.admission
        assert admission is not None
        async with (
            in_process_socket(app, keys.alpha.viewer) as socket,
            _connector_table_locked(server_url) as holder,
        ):
            for number in range(OPERATIONS):
                socket.subscribe(str(number), SLOW)
            most_blocked = 0
            received: dict[str, Any] = {}
            async with asyncio.timeout(DEADLINE_SECONDS):
                while len(received) < OPERATIONS:
                    most_blocked = max(most_blocked, await _blocked_backends(holder))
                    assert admission.in_use <= POOL_SIZE
                    try:
                        message = await socket.receive(within=0.05)
                    except TimeoutError:
                        continue
                    assert message["type"] == "error", message
                    received[message["id"]] = message["payload"]
            # then no more ran at once than the pool holds, and each was cut at the time limit
            assert 1 <= most_blocked <= POOL_SIZE
            codes = {payload[0]["extensions"]["code"] for payload in received.values()}
            assert codes == {"TIMEOUT"}

        # and once the lock is gone, the socket and every connection of the pool serve again
        async with in_process_socket(app, keys.alpha.viewer) as socket:
            for number in range(POOL_SIZE * 2):
                answered = await socket.answer(f"again-{number}", SLOW)
                assert answered["type"] == "next", answered
                assert answered["payload"] == {"data": {"connector": None}}
        assert admission.in_use == 0


async def test_a_client_that_leaves_while_its_operations_run_is_one_log_line(
    server_url: URL, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="app")
    limits = {"request_timeout": 30.0, "queue_timeout": 30.0, "statement_timeout": 60.0}
    async with _served(server_url, **limits) as (app, _database, keys):
        async with (
            _connector_table_locked(server_url) as holder,
            in_process_socket(app, keys.alpha.viewer) as socket,
        ):
            for number in range(5):
                socket.subscribe(str(number), SLOW)
            await _until_blocked(holder, POOL_SIZE)
            # (the client leaves with two operations running and three waiting)
        tracebacks = [record for record in caplog.records if record.exc_info]
        assert not tracebacks, caplog.text
        # and the pool still serves
        async with in_process_socket(app, keys.alpha.viewer) as socket:
            answered = await socket.answer("again", SLOW)
            assert answered["payload"] == {"data": {"connector": None}}
