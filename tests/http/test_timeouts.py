"""Time limits on PostgreSQL: a statement that runs too long is cancelled by the server (a TIMEOUT
error), a request that takes too long in all gets 503 TIMEOUT, and the connection goes back to
the pool usable. A statement is made slow by a lock another connection holds."""

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import URL

from app.db.engine import Database
from app.main import create_app
from app.settings import Settings
from tests.databases import fresh_database
from tests.keys import Keys, make_keys

QUERY = {"query": '{ connector(key: "locked") { id } }'}


@pytest.fixture
async def server_url(
    backend: str, database_workdir: Path, migrated_template: URL
) -> AsyncIterator[URL]:
    if backend != "postgres":
        pytest.skip("statement timeouts and cancellable statements are PostgreSQL's")
    async with fresh_database(backend, database_workdir, template=migrated_template) as url:
        yield url


@asynccontextmanager
async def _served(url: URL, **limits: Any) -> AsyncIterator[tuple[httpx.AsyncClient, Keys]]:
    settings = Settings(database_url=url.render_as_string(hide_password=False), **limits)
    database = Database.for_server(
        url,
        pool_size=2,
        statement_timeout=settings.statement_timeout,
    )
    try:
        async with database.session() as session:
            keys = await make_keys(session)
            await session.commit()
        app = create_app(settings, database=database)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            yield http, keys
    finally:
        await database.dispose()


@asynccontextmanager
async def _connector_table_locked(url: URL) -> AsyncIterator[None]:
    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    holder = await asyncpg.connect(dsn)
    try:
        async with holder.transaction():
            await holder.execute("LOCK TABLE connector IN ACCESS EXCLUSIVE MODE")
            yield
    finally:
        await holder.close()


Ask = Callable[[], Any]


async def test_a_statement_over_the_timeout_is_cancelled_with_a_timeout_error(
    server_url: URL,
) -> None:
    async with _served(server_url, statement_timeout=0.2, request_timeout=30) as (http, keys):
        headers = {"Authorization": f"Bearer {keys.alpha.viewer}"}
        async with _connector_table_locked(server_url):
            response = await http.post("/graphql", json=QUERY, headers=headers)
        (error,) = response.json()["errors"]
        assert error["extensions"]["code"] == "TIMEOUT", error
        assert "STATEMENT_TIMEOUT" in error["message"]
        # and the connection serves the next requests
        for _ in range(3):
            again = await http.post("/graphql", json=QUERY, headers=headers)
            assert again.json() == {"data": {"connector": None}}


async def test_a_request_over_its_time_limit_is_cut_off_and_its_connection_reused(
    server_url: URL,
) -> None:
    async with _served(server_url, statement_timeout=30, request_timeout=0.3) as (http, keys):
        headers = {"Authorization": f"Bearer {keys.alpha.viewer}"}
        async with _connector_table_locked(server_url):
            response = await http.post("/graphql", json=QUERY, headers=headers)
        assert response.status_code == 503, response.text
        (error,) = response.json()["errors"]
        assert error["extensions"]["code"] == "TIMEOUT"
        assert "REQUEST_TIMEOUT" in error["message"]
        for _ in range(3):  # more than the pool holds: the cut-off connection came back usable
            again = await http.post("/graphql", json=QUERY, headers=headers)
            assert again.json() == {"data": {"connector": None}}
