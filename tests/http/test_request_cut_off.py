"""A request cut off by REQUEST_TIMEOUT, wherever it is, answers 503 TIMEOUT: before its first
statement, inside a write, inside an impact preview, during its commit. What it had begun is
rolled back, no connection is left checked out, and the next requests are served.

Each request is held at its point by a hook that waits (until the cut-off cancels it), so the
cut lands there on every run, on both databases; a lock held by another connection holds a
statement the database itself runs (which SQLite cannot cancel).
"""

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import URL, Connection
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.util import await_

from app.db.engine import Database
from app.main import create_app
from app.settings import Settings
from tests.databases import fresh_database
from tests.graphql.auth_configs.pinning import in_line
from tests.keys import Keys, make_keys

CUT_OFF_AFTER = 0.5  # seconds: REQUEST_TIMEOUT of the cut-off requests
TABLES = ("connector", "connector_version", "version_revision", "auth_config", "event")
CREATE = (
    'mutation ($key: String!) { createConnector(input: {key: $key, name: "Cut"}) '
    "{ __typename ... on Error { code message } } }"
)
PUSH = (
    'mutation ($d: JSON!) { pushVersion(input: {connectorKey: "crm", version: "1.0.0", '
    "definition: $d}) { __typename ... on Error { code message } } }"
)


@dataclass
class Served:
    http: httpx.AsyncClient
    keys: Keys
    database: Database
    url: URL

    @property
    def engine(self) -> AsyncEngine:
        return self.database.engine

    async def post(self, key: str, query: str, variables: dict[str, Any] | None = None) -> Any:
        return await self.http.post(
            "/graphql",
            json={"query": query, "variables": variables or {}},
            headers={"Authorization": f"Bearer {key}"},
        )

    async def counts(self) -> dict[str, int]:
        async with self.engine.connect() as connection:
            return {
                table: (
                    await connection.execute(text(f"SELECT count(*) FROM {table}"))
                ).scalar_one()
                for table in TABLES
            }

    async def assert_still_serving(self) -> None:
        """No connection is left checked out, and more requests than the pool holds (reads and
        a write) are answered."""
        assert self.engine.pool.checkedout() == 0  # type: ignore[attr-defined]
        for _ in range(3):
            read = await self.post(self.keys.alpha.viewer, "{ viewer { role } }")
            assert read.json() == {"data": {"viewer": {"role": "VIEWER"}}}, read.text
        written = await self.post(self.keys.alpha.admin, CREATE, {"key": "after"})
        assert written.json()["data"]["createConnector"]["__typename"] == "CreateConnectorSuccess"
        assert self.engine.pool.checkedout() == 0  # type: ignore[attr-defined]


@asynccontextmanager
async def serving(
    backend: str,
    workdir: Path,
    template: URL,
    *,
    request_timeout: float = CUT_OFF_AFTER,
    limits: dict[str, int] | None = None,
) -> AsyncIterator[Served]:
    async with fresh_database(backend, workdir, template=template) as url:
        settings = Settings(
            database_url=url.render_as_string(hide_password=False),
            request_timeout=request_timeout,
        ).model_copy(update=limits or {})
        database = Database.for_server(
            url, pool_size=2, statement_timeout=settings.statement_timeout
        )
        try:
            async with database.session() as session:
                keys = await make_keys(session)
                await session.commit()
            app = create_app(settings, database=database)
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(
                transport=transport, base_url="http://test", timeout=60
            ) as http:
                yield Served(http, keys, database, url)
        finally:
            await database.dispose()


@pytest.fixture
async def served(
    backend: str, database_workdir: Path, migrated_template: URL
) -> AsyncIterator[Served]:
    async with serving(backend, database_workdir, migrated_template) as served:
        yield served


def assert_cut_off(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == "TIMEOUT", error
    assert "REQUEST_TIMEOUT" in error["message"]


class Stall:
    """A hook that, the first time `matches` holds, waits until the request is cut off."""

    def __init__(self) -> None:
        self.reached = 0

    def wait_here(self) -> None:
        self.reached += 1
        await_(asyncio.Event().wait())  # never set: only the cut-off ends the wait

    def once(self, matches: bool) -> None:
        if matches and not self.reached:
            self.wait_here()


@contextmanager
def stalled(target: Any, name: str, hook: Callable[..., None]) -> Iterator[None]:
    event.listen(target, name, hook)
    try:
        yield
    finally:
        event.remove(target, name, hook)


async def test_cut_off_before_the_first_statement(served: Served) -> None:
    # given the request held while it checks a connection out of the pool
    stall = Stall()
    before = await served.counts()

    def on_checkout(*_: Any) -> None:
        stall.once(True)

    # when it is cut off there
    with stalled(served.engine.sync_engine.pool, "checkout", on_checkout):
        response = await served.post(served.keys.alpha.admin, CREATE, {"key": "cut"})

    # then 503 TIMEOUT, nothing written, and the pool still serving
    assert stall.reached == 1
    assert_cut_off(response)
    assert await served.counts() == before
    await served.assert_still_serving()


def _is_insert_into(table: str) -> Callable[[str], bool]:
    return lambda statement: statement.lstrip().upper().startswith(f"INSERT INTO {table.upper()} ")


async def test_cut_off_inside_a_write(served: Served) -> None:
    # given createConnector held at its INSERT, inside its write transaction
    stall = Stall()
    inserts_connector = _is_insert_into("connector")
    before = await served.counts()

    def before_execute(_conn: Connection, _cursor: Any, statement: str, *_: Any) -> None:
        stall.once(inserts_connector(statement))

    # when it is cut off there
    with stalled(served.engine.sync_engine, "before_cursor_execute", before_execute):
        response = await served.post(served.keys.alpha.admin, CREATE, {"key": "cut"})

    # then 503 TIMEOUT; the write was rolled back (on SQLite its write lock released: the
    # write after it goes through)
    assert stall.reached == 1
    assert_cut_off(response)
    assert await served.counts() == before
    await served.assert_still_serving()


async def test_cut_off_during_the_commit(served: Served) -> None:
    # given createConnector held as its transaction commits, its INSERTs done
    stall = Stall()
    inserts_connector = _is_insert_into("connector")
    before = await served.counts()

    def before_execute(conn: Connection, _cursor: Any, statement: str, *_: Any) -> None:
        if inserts_connector(statement):
            conn.info["wrote a connector"] = True

    def on_commit(conn: Connection) -> None:
        stall.once(conn.info.pop("wrote a connector", False))

    # when it is cut off there
    engine = served.engine.sync_engine
    with (
        stalled(engine, "before_cursor_execute", before_execute),
        stalled(engine, "commit", on_commit),
    ):
        response = await served.post(served.keys.alpha.admin, CREATE, {"key": "cut"})

    # then 503 TIMEOUT, and the transaction that had not committed was rolled back
    assert stall.reached == 1
    assert_cut_off(response)
    assert await served.counts() == before
    await served.assert_still_serving()


def _big_definition() -> dict[str, Any]:
    """A valid definition of about 300 KB: 400 actions with long descriptions."""
    definition = in_line(2)
    definition["actions"] += [
        {"id": f"action_{index}", "description": "x" * 700} for index in range(400)
    ]
    return definition


def _previews(count: int) -> str:
    """One query of `count` aliased `impact` fields, each previewing a push of `$d`."""
    fields = " ".join(
        f"p{index}: impact(change: {{pushVersion: "
        f'{{connectorKey: "crm", version: "2.0.{index}", definition: $d}}}}) '
        "{ authConfigsChanged refusal { __typename } }"
        for index in range(count)
    )
    return f"query ($d: JSON!) {{ {fields} }}"


async def test_cut_off_inside_an_impact_preview(
    backend: str, database_workdir: Path, migrated_template: URL
) -> None:
    # The request as found, cut off inside its tenth preview. REQUEST_TIMEOUT is longer than the
    # 2 s it was found with, so that a busy machine reaches the tenth preview before it runs out
    # (the stall then holds the request there until it does). The request as found is refused
    # before it runs under the default preview limits, so they are raised here, as an operator
    # may: a cut-off must still answer 503 wherever it lands.
    async with serving(
        backend,
        database_workdir,
        migrated_template,
        request_timeout=5,
        limits={"max_previews_per_operation": 50, "max_query_cost": 1_000_000},
    ) as served:
        await _cut_off_inside_an_impact_preview(served)


async def _cut_off_inside_an_impact_preview(served: Served) -> None:
    # given "crm" 1.0.0, and the request that was found answering 500: 50 aliased previews of
    # a push of a 300 KB definition, held inside its tenth preview's rolled-back write
    admin = served.keys.alpha.admin
    created = await served.post(admin, CREATE, {"key": "crm"})
    assert created.json()["data"]["createConnector"]["__typename"] == "CreateConnectorSuccess"
    pushed = await served.post(admin, PUSH, {"d": in_line(1)})
    assert pushed.json()["data"]["pushVersion"]["__typename"] == "PushVersionSuccess"
    before = await served.counts()
    stall = Stall()
    inserts_version = _is_insert_into("connector_version")
    previews_begun = 0

    def before_execute(_conn: Connection, _cursor: Any, statement: str, *_: Any) -> None:
        nonlocal previews_begun
        if inserts_version(statement):
            previews_begun += 1
            stall.once(previews_begun == 10)

    # when it is cut off there
    with stalled(served.engine.sync_engine, "before_cursor_execute", before_execute):
        response = await served.post(admin, _previews(50), {"d": _big_definition()})

    # then 503 TIMEOUT, not "Unexpected error" with 500; every preview's write is undone
    assert stall.reached == 1
    assert_cut_off(response)
    assert await served.counts() == before
    await served.assert_still_serving()


async def test_cut_off_answers_once_the_cut_resolver_let_go_of_its_connection(
    backend: str, database_workdir: Path, migrated_template: URL
) -> None:
    # Cut off, a request stops waiting for its resolvers as soon as the first of them ends
    # cancelled (asyncio.gather): siblings waiting for the session end at once, while the one
    # that was using it still discards its connection in its own task. Were the session closed
    # meanwhile, two tasks would close one connection, and the pool could hand out a slot whose
    # connection the late one had just dropped. (It could also stop the connection's worker
    # thread with the late close still queued: that close, and so the engine's disposal, then
    # never end; hence the time limit on the whole test.)
    async with (
        asyncio.timeout(60),
        serving(
            backend,
            database_workdir,
            migrated_template,
            request_timeout=2,
            limits={"max_query_cost": 1_000_000},
        ) as served,
    ):
        await _answers_once_the_cut_resolver_let_go(served)


async def _answers_once_the_cut_resolver_let_go(served: Served) -> None:
    # given "crm" 1.0.0, and three previews, the first held at its INSERT until cut off, and its
    # connection then held as it is discarded
    admin = served.keys.alpha.admin
    created = await served.post(admin, CREATE, {"key": "crm"})
    assert created.json()["data"]["createConnector"]["__typename"] == "CreateConnectorSuccess"
    pushed = await served.post(admin, PUSH, {"d": in_line(1)})
    assert pushed.json()["data"]["pushVersion"]["__typename"] == "PushVersionSuccess"
    before = await served.counts()
    stall = Stall()
    inserts_version = _is_insert_into("connector_version")
    discarding = asyncio.Event()
    may_discard = asyncio.Event()

    def before_execute(_conn: Connection, _cursor: Any, statement: str, *_: Any) -> None:
        stall.once(inserts_version(statement))

    def on_invalidate(*_: Any) -> None:
        if stall.reached and not discarding.is_set():
            discarding.set()
            await_(may_discard.wait())

    # when it is cut off there
    engine = served.engine.sync_engine
    with (
        stalled(engine, "before_cursor_execute", before_execute),
        stalled(engine.pool, "invalidate", on_invalidate),
    ):
        request = asyncio.ensure_future(served.post(admin, _previews(3), {"d": in_line(2)}))
        await asyncio.wait_for(discarding.wait(), timeout=60)
        answered_before_let_go = (await asyncio.wait({request}, timeout=1))[0]
        may_discard.set()
        response = await asyncio.wait_for(request, timeout=60)

    # then no answer while the cut resolver still held its connection; 503 TIMEOUT; the
    # preview's write undone; and the pool still serving
    assert not answered_before_let_go, "answered while the cut resolver discarded its connection"
    assert stall.reached == 1
    assert_cut_off(response)
    assert await served.counts() == before
    await served.assert_still_serving()


@asynccontextmanager
async def _writes_locked_out(backend: str, url: URL) -> AsyncIterator[None]:
    """Another connection holds what a write to `connector` needs: on PostgreSQL a lock on the
    table, on SQLite the database's write lock."""
    if backend == "postgres":
        dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
        holder = await asyncpg.connect(dsn)
        try:
            async with holder.transaction():
                await holder.execute("LOCK TABLE connector IN ACCESS EXCLUSIVE MODE")
                yield
        finally:
            await holder.close()
        return
    assert url.database is not None
    locker = sqlite3.connect(url.database, isolation_level=None)
    try:
        locker.execute("BEGIN IMMEDIATE")
        yield
        locker.execute("ROLLBACK")
    finally:
        locker.close()


async def test_cut_off_while_the_database_runs_a_statement(backend: str, served: Served) -> None:
    # given another connection holding what createConnector's write needs
    before = await served.counts()
    async with _writes_locked_out(backend, served.url):
        # when the write waits for it past REQUEST_TIMEOUT (PostgreSQL cancels the statement;
        # SQLite cannot, and answers once the statement ends: here, once the lock is let go)
        request = asyncio.ensure_future(
            served.post(served.keys.alpha.admin, CREATE, {"key": "cut"})
        )
        await asyncio.sleep(CUT_OFF_AFTER * 3)
    response = await asyncio.wait_for(request, timeout=60)

    # then 503 TIMEOUT all the same, nothing written, and the pool still serving
    assert_cut_off(response)
    assert await served.counts() == before
    await served.assert_still_serving()
