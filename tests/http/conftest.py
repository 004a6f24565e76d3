"""One real server per backend for the end-to-end tests a test process runs (each xdist worker
has its own): uvicorn with two worker processes on a fresh database, started through the CLI. A
start costs seconds, so the tests share it; each test makes its own projects and connectors, so
none depends on another's data."""

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import URL

from app.db.engine import Database
from app.domain.enums import Role
from app.services.access.api_keys import create_api_key
from tests.databases import fresh_database
from tests.http.server import run_cli, serving


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests on the shared server are marked `slow`, so that the inner loop leaves them out."""
    unmarked = []
    for item in items:
        if "running_server" not in getattr(item, "fixturenames", ()):
            continue
        if item.get_closest_marker("slow") is None:
            unmarked.append(item.nodeid)
    if unmarked:
        raise pytest.UsageError(
            "tests on a real server need @pytest.mark.slow (or `pytestmark = pytest.mark.slow`): "
            + ", ".join(unmarked)
        )


@pytest.fixture(scope="session")
async def server_database_url(backend: str, database_workdir: Path) -> AsyncIterator[URL]:
    async with fresh_database(backend, database_workdir) as url:
        yield url


@pytest.fixture(scope="session")
def server_env(server_database_url: URL) -> dict[str, str]:
    """The server's environment; the CLI run with it works on the server's database."""
    return {
        **os.environ,
        "DATABASE_URL": server_database_url.render_as_string(hide_password=False),
        "LOG_LEVEL": "warning",
    }


@pytest.fixture(scope="session")
def running_server(
    server_env: dict[str, str], database_workdir: Path, backend: str
) -> Iterator[str]:
    """The base URL of a server with two worker processes sharing the database."""
    migrated = run_cli("migrate", env=server_env)
    assert migrated.returncode == 0, migrated.stderr
    with serving(server_env, database_workdir / f"server-{backend}.log", workers=2) as base_url:
        yield base_url


@pytest.fixture(scope="session")
async def platform_key(running_server: str, server_database_url: URL) -> str:
    """A PLATFORM_ADMIN key of the running server (issued as `create-platform-key` does)."""
    database = Database.from_url(server_database_url)
    try:
        async with database.session() as session:
            issued = await create_api_key(
                session, actor=None, name="e2e platform", role=Role.PLATFORM_ADMIN, project_id=None
            )
    finally:
        await database.dispose()
    return issued.secret


@pytest.fixture(scope="session")
def second_server(
    running_server: str, server_env: dict[str, str], database_workdir: Path, backend: str
) -> Iterator[str]:
    """Another server process (one worker) on the same database as `running_server`."""
    with serving(server_env, database_workdir / f"server-{backend}-2.log", workers=1) as base_url:
        yield base_url


@pytest.fixture
def servers(running_server: str, second_server: str, backend: str) -> tuple[str, str]:
    """(where mutations go, where subscriptions listen): other processes on PostgreSQL, where
    events and revocations travel between them; one process on SQLite, where they do not."""
    if backend == "postgres":
        return running_server, second_server
    return second_server, second_server
