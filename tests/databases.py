"""Test databases: a fresh one per test run (or per test that needs real commits), dropped after.

SQLite always runs. PostgreSQL runs when TEST_POSTGRES_URL names a server (a URL of any database
on it, e.g. postgresql+asyncpg://postgres@127.0.0.1:5432/postgres); under CI=true an unset or
unreachable TEST_POSTGRES_URL fails the run instead of skipping.
"""

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
from sqlalchemy.engine import URL, make_url

from app.settings import parse_database_url

POSTGRES_ENV = "TEST_POSTGRES_URL"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def postgres_server_url() -> URL | None:
    value = os.environ.get(POSTGRES_ENV)
    return parse_database_url(value) if value else None


def _asyncpg_dsn(url: URL) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


async def postgres_unavailable_reason() -> str | None:
    """Why PostgreSQL tests cannot run here, or None when they can."""
    server = postgres_server_url()
    if server is None:
        return f"{POSTGRES_ENV} is not set"
    try:
        connection = await asyncpg.connect(_asyncpg_dsn(server), timeout=10)
    except (OSError, asyncpg.PostgresError) as error:
        return f"PostgreSQL at {server.render_as_string()} is unreachable: {error}"
    await connection.close()
    return None


@asynccontextmanager
async def fresh_database(backend: str, workdir: Path) -> AsyncIterator[URL]:
    """A new, empty database of `backend` ("sqlite" or "postgres"), dropped afterwards."""
    name = f"cr_test_{uuid.uuid4().hex[:12]}"
    if backend == "sqlite":
        path = workdir / f"{name}.db"
        yield make_url(f"sqlite+aiosqlite:///{path}")
        _remove_sqlite_files(path)
        return
    server = postgres_server_url()
    assert server is not None
    admin = await asyncpg.connect(_asyncpg_dsn(server))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield server.set(database=name)
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


def _remove_sqlite_files(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
