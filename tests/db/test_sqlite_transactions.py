"""SQLite: reads begin DEFERRED and never wait for a writer; writes begin IMMEDIATE and wait
for each other (the busy timeout) instead of failing on a stale snapshot."""

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager

import httpx
import pytest

from app.db.engine import Database
from app.main import create_app
from app.settings import Settings
from tests.graphql.operations import create_connector
from tests.graphql_client import GraphQLClient
from tests.keys import Keys, make_keys

# Far below the 30 s busy timeout: a read that waited for the writer would not finish in time.
READ_DEADLINE_SECONDS = 10


@pytest.fixture
async def sqlite_app(
    backend: str, committed_database: Database
) -> AsyncIterator[tuple[GraphQLClient, Keys, str]]:
    if backend != "sqlite":
        pytest.skip("SQLite's transactions only")
    async with committed_database.session() as session:
        keys = await make_keys(session)
    url = committed_database.engine.url
    app = create_app(Settings(database_url=str(url)), database=committed_database)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield GraphQLClient(http), keys, str(url.database)


@contextmanager
def _write_lock_held(path: str) -> Iterator[sqlite3.Connection]:
    """Another connection holds the database's write lock (BEGIN IMMEDIATE) until the block
    ends, then commits."""
    other = sqlite3.connect(path, isolation_level=None, timeout=30)
    try:
        other.execute("BEGIN IMMEDIATE")
        yield other
        other.execute("COMMIT")
    finally:
        other.close()


async def test_a_read_does_not_wait_for_a_writer(
    sqlite_app: tuple[GraphQLClient, Keys, str],
) -> None:
    graphql, keys, path = sqlite_app
    await create_connector(graphql, "crm", key=keys.alpha.admin)
    # given another connection in the middle of a write
    with _write_lock_held(path):
        # when a request reads, then it answers at once from its snapshot
        data = await asyncio.wait_for(
            graphql("{ connectors { edges { node { key } } } }", key=keys.alpha.viewer),
            READ_DEADLINE_SECONDS,
        )
    assert data == {"connectors": {"edges": [{"node": {"key": "crm"}}]}}


async def test_a_write_waits_for_the_writer_then_succeeds(
    sqlite_app: tuple[GraphQLClient, Keys, str],
) -> None:
    graphql, keys, path = sqlite_app
    # given another connection in the middle of a write
    with _write_lock_held(path):
        # when a request writes, then it waits for the lock
        writing = asyncio.ensure_future(create_connector(graphql, "crm", key=keys.alpha.admin))
        await asyncio.sleep(0.5)
        assert not writing.done()
    # and once the other write commits, it succeeds
    connector_id = await asyncio.wait_for(writing, READ_DEADLINE_SECONDS)
    assert connector_id


async def test_concurrent_writes_after_reads_in_one_request_all_succeed(
    sqlite_app: tuple[GraphQLClient, Keys, str],
) -> None:
    graphql, keys, _ = sqlite_app
    # when 20 requests each authenticate (a read) and then create a connector, concurrently
    created = await asyncio.gather(
        *(create_connector(graphql, f"c{index}", key=keys.alpha.admin) for index in range(20))
    )
    # then every one of them succeeded: no read snapshot was turned into a stale write
    assert len(set(created)) == 20
