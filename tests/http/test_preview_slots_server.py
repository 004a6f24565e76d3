"""MAX_CONCURRENT_PREVIEWS on a real server, under truly concurrent HTTP requests: while one
operation with a preview runs (held up by a lock another connection keeps: a row lock on the
connector on PostgreSQL, the write lock on SQLite), the others find no slot and get 503
OVERLOADED with Retry-After, a plain query is still served, and once the held one ends previews
are served again."""

import asyncio
import os
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import URL

from app.db.engine import Database
from tests.databases import fresh_database
from tests.graphql.auth_configs.pinning import in_line, pinned_auth_config
from tests.graphql.impact.impact import push_change
from tests.graphql.versions.versioning import new_connector, pushed
from tests.graphql_client import GraphQLClient
from tests.http.server import run_cli, serving
from tests.keys import Keys, make_keys

pytestmark = pytest.mark.slow

PREVIEWS = 4
# A deadline with generous slack, not a measurement: the refusals come after QUEUE_TIMEOUT.
DEADLINE_SECONDS = 60
PREVIEW = """
query ($change: ChangeInput!) { impact(change: $change) { refusal { __typename }
  authConfigsChanged } }
"""
PLAIN = '{ connector(key: "crm") { key } }'


@dataclass(frozen=True)
class Served:
    base_url: str
    keys: Keys
    url: URL
    backend: str


@pytest.fixture
async def served(backend: str, database_workdir: Path, tmp_path: Path) -> AsyncIterator[Served]:
    """A one-process server that runs one operation with previews at once, waits briefly for
    a slot, and gives a blocked statement time to wait for its lock."""
    async with fresh_database(backend, database_workdir) as url:
        env = {
            **os.environ,
            "DATABASE_URL": url.render_as_string(hide_password=False),
            "LOG_LEVEL": "warning",
            "MAX_CONCURRENT_PREVIEWS": "1",
            "QUEUE_TIMEOUT": "0.5",
            "STATEMENT_TIMEOUT": "120",
            "REQUEST_TIMEOUT": "120",
        }
        migrated = run_cli("migrate", env=env)
        assert migrated.returncode == 0, migrated.stderr
        database = Database.from_url(url)
        try:
            async with database.session() as session:
                keys = await make_keys(session)
        finally:
            await database.dispose()
        with serving(env, tmp_path / "server.log", workers=1) as base_url:
            yield Served(base_url, keys, url, backend)


@asynccontextmanager
async def _preview_held_up(served: Served) -> AsyncIterator[None]:
    """Another connection keeps what a push's preview must take: the connector's row lock
    (PostgreSQL), the database's write lock (SQLite)."""
    if served.backend == "sqlite":
        holder = sqlite3.connect(str(served.url.database), isolation_level=None)
        try:
            holder.execute("BEGIN IMMEDIATE")
            yield
            holder.execute("ROLLBACK")
        finally:
            holder.close()
        return
    dsn = served.url.set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(dsn)
    try:
        async with connection.transaction():
            await connection.execute("SELECT id FROM connector WHERE key = 'crm' FOR UPDATE")
            yield
    finally:
        await connection.close()


async def test_previews_beyond_the_process_slots_are_refused_while_one_runs(
    served: Served,
) -> None:
    async with httpx.AsyncClient(base_url=served.base_url, timeout=DEADLINE_SECONDS) as http:
        graphql = GraphQLClient(http)
        admin = served.keys.alpha.admin
        # given "crm" 1.0.0 with one floating auth config, which a push of 1.1.0 moves
        await new_connector(graphql, "crm", key=admin)
        await pushed(graphql, "crm", "1.0.0", in_line(1), key=admin)
        await pinned_auth_config(graphql, "crm", "Floating", key=admin)
        variables = {"change": push_change("crm", "1.1.0", in_line(1, "a"))}

        async def preview() -> httpx.Response:
            return await graphql.raw(PREVIEW, variables, key=admin)

        async with _preview_held_up(served):
            # when four previews are sent at once while the lock is kept
            pending = {asyncio.ensure_future(preview()) for _ in range(PREVIEWS)}
            done: set[asyncio.Future[httpx.Response]] = set()
            while len(done) < PREVIEWS - 1:
                finished, pending = await asyncio.wait(
                    pending, timeout=DEADLINE_SECONDS, return_when=asyncio.FIRST_COMPLETED
                )
                assert finished, "no preview was answered in time"
                done |= finished
            # then all but the one holding the slot are refused: 503 OVERLOADED, Retry-After
            assert len(done) == PREVIEWS - 1
            for refused in (future.result() for future in done):
                assert refused.status_code == 503, refused.text
                assert refused.headers["Retry-After"] == "1"
                (error,) = refused.json()["errors"]
                assert error["extensions"]["code"] == "OVERLOADED", error
                assert "MAX_CONCURRENT_PREVIEWS" in error["message"]
            # and the one holding it still waits for the lock
            (held,) = pending
            assert not held.done()
            # and a plain query is served meanwhile
            plain = await graphql(PLAIN, key=admin)
            assert plain == {"connector": {"key": "crm"}}
            assert not held.done()

        # when the lock is let go, the held preview is answered
        answered = await held
        assert answered.status_code == 200, answered.text
        assert answered.json()["data"]["impact"] == {"refusal": None, "authConfigsChanged": 1}
        # and previews are served again, the slot given back
        again = await preview()
        assert again.status_code == 200, again.text
        assert again.json()["data"]["impact"] == {"refusal": None, "authConfigsChanged": 1}
        # and nothing was made: 1.1.0 is still only previewed
        still = await graphql.raw(PREVIEW, variables, key=admin)
        assert still.json()["data"]["impact"]["authConfigsChanged"] == 1
