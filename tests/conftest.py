"""Fixtures: every database test runs on SQLite and, when configured, on PostgreSQL.

Most tests run inside a transaction that is rolled back afterwards (the app's commits become
savepoints); tests that need real commits — concurrency, a real server — take a fresh database.
The migrations run once per backend (and test process), into a template that every migrated
database is copied from.
"""

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.applications import Starlette

from app.db.engine import Database, create_engine
from app.db.migrate import upgrade
from app.main import create_app
from app.settings import Settings
from tests.databases import (
    IN_CI,
    POSTGRES_ENV,
    finish_drops,
    fresh_database,
    postgres_unavailable_reason,
)
from tests.graphql_client import GraphQLClient
from tests.keys import Keys, make_keys

BACKENDS = ["sqlite", "postgres"]


def pytest_addoption(parser: pytest.Parser, pluginmanager: pytest.PytestPluginManager) -> None:
    """With `-p no:xdist` (one process, as for a debugger or a profiler) the parallel run's
    options in pyproject's addopts are still given: accept them, and do nothing with them."""
    if not pluginmanager.is_blocked("xdist"):
        return
    group = parser.getgroup("xdist", "distributed testing (off: -p no:xdist)")
    for option in ("--numprocesses", "--maxprocesses", "--dist"):
        group.addoption(option, action="store", help="ignored: pytest-xdist is off")
    group.addoption("--no-loadscope-reorder", action="store_true", help="ignored: xdist is off")


def pytest_sessionfinish(session: pytest.Session) -> None:
    """The test databases are dropped in the background: wait for the last drops."""
    finish_drops()


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Modules holding slow tests run first (their order otherwise kept).

    A parallel run sends each module whole to one process (`--dist=loadscope`); a module whose
    tests take minutes (the property tests over many random histories, the real servers) sent
    last keeps one process busy long after the other has run out of work. Sent first, the other
    process runs the many quick modules meanwhile."""
    slow_modules = {_module(item) for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: _module(item) not in slow_modules)


def _module(item: pytest.Item) -> str:
    return item.nodeid.split("::", 1)[0]


@pytest.fixture(scope="session")
def postgres_skip_reason() -> str | None:
    reason = asyncio.run(postgres_unavailable_reason())
    if reason and IN_CI:
        pytest.fail(f"CI=true needs PostgreSQL for the tests, but {reason} ({POSTGRES_ENV})")
    return reason


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest, postgres_skip_reason: str | None) -> str:
    if request.param == "postgres" and postgres_skip_reason:
        pytest.skip(postgres_skip_reason)
    return str(request.param)


@pytest.fixture(scope="session")
def database_workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("databases")


@pytest.fixture(scope="session")
async def migrated_template(backend: str, database_workdir: Path) -> AsyncIterator[URL]:
    """A database migrated to head that no connection stays open on: `fresh_database(...,
    template=migrated_template)` copies it (as the migrations would leave a new one)."""
    async with fresh_database(backend, database_workdir) as url:
        engine = create_engine(url)
        await upgrade(engine)
        await engine.dispose()
        yield url


@pytest.fixture(scope="session")
async def migrated_url(
    backend: str, database_workdir: Path, migrated_template: URL
) -> AsyncIterator[URL]:
    """One migrated database per backend for the whole run (of the test process)."""
    async with fresh_database(backend, database_workdir, template=migrated_template) as url:
        yield url


@pytest.fixture(scope="session")
async def engine(migrated_url: URL) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(migrated_url)
    yield engine
    await engine.dispose()


@pytest.fixture
async def database(engine: AsyncEngine) -> AsyncIterator[Database]:
    """Everything the test writes is rolled back at its end."""
    async with engine.connect() as connection:
        transaction = await connection.begin()
        yield Database.bound_to(connection)
        await transaction.rollback()


@pytest.fixture
async def session(database: Database) -> AsyncIterator[AsyncSession]:
    async with database.session() as opened:
        yield opened


@pytest.fixture
async def committed_database(
    backend: str, database_workdir: Path, migrated_template: URL
) -> AsyncIterator[Database]:
    """A fresh, migrated database whose commits are real (for concurrency and servers)."""
    async with fresh_database(backend, database_workdir, template=migrated_template) as url:
        db = Database.from_url(url)
        try:
            yield db
        finally:
            await db.dispose()


@pytest.fixture
def settings(engine: AsyncEngine) -> Settings:
    return Settings(database_url=engine.url.render_as_string(hide_password=False))


@pytest.fixture
def app(database: Database, settings: Settings) -> Starlette:
    """The app on the test's database. Its lifespan does not run: nothing in the background."""
    return create_app(settings, database=database)


@pytest.fixture
async def http(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://registry.test") as client:
        yield client


@pytest.fixture
def graphql(http: httpx.AsyncClient) -> GraphQLClient:
    return GraphQLClient(http)


@pytest.fixture
async def keys(session: AsyncSession) -> Keys:
    """A platform key, and ADMIN and VIEWER keys of two projects, "alpha" and "beta"."""
    return await make_keys(session)
