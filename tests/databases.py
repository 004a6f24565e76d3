"""Test databases: a fresh one per test run (or per test that needs real commits), dropped after.

SQLite always runs. PostgreSQL runs when TEST_POSTGRES_URL names a server (a URL of any database
on it, e.g. postgresql+asyncpg://postgres@127.0.0.1:5432/postgres); under CI=true an unset or
unreachable TEST_POSTGRES_URL fails the run instead of skipping.

A fresh database is empty, or a copy of a template (a migrated database nobody is connected
to): PostgreSQL's `CREATE DATABASE ... TEMPLATE`, a file copy on SQLite. Copying costs a
fraction of running the migrations again. A PostgreSQL database is dropped in the background
(`DROP DATABASE` waits for a checkpoint, which no test needs to wait for); `finish_drops()`
waits for the drops before the test process ends.
"""

import asyncio
import os
import queue
import shutil
import threading
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
from sqlalchemy.engine import URL, make_url

from app.settings import parse_database_url

POSTGRES_ENV = "TEST_POSTGRES_URL"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
SQLITE_SUFFIXES = ("", "-wal", "-shm")


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
async def fresh_database(
    backend: str, workdir: Path, *, template: URL | None = None
) -> AsyncIterator[URL]:
    """A new database of `backend` ("sqlite" or "postgres"), dropped afterwards: empty, or a
    copy of `template` (a database of the same backend that no connection is open on)."""
    name = f"cr_test_{uuid.uuid4().hex[:12]}"
    if backend == "sqlite":
        path = workdir / f"{name}.db"
        if template is not None:
            _copy_sqlite_files(Path(str(template.database)), path)
        try:
            yield make_url(f"sqlite+aiosqlite:///{path}")
        finally:
            _remove_sqlite_files(path)
        return
    server = postgres_server_url()
    assert server is not None
    copied = f' TEMPLATE "{template.database}"' if template is not None else ""
    admin = await asyncpg.connect(_asyncpg_dsn(server))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"{copied}')
    finally:
        await admin.close()
    try:
        yield server.set(database=name)
    finally:
        _DROPS.drop(server, name)


def finish_drops() -> None:
    """Wait until every PostgreSQL database handed out so far is dropped."""
    _DROPS.finish()


class _BackgroundDrops:
    """`DROP DATABASE ... WITH (FORCE)` in a thread of its own, one database after another."""

    def __init__(self) -> None:
        self._queue: queue.Queue[tuple[URL, str]] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._errors: list[BaseException] = []
        self._lock = threading.Lock()

    def drop(self, server: URL, name: str) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="drop-test-databases", daemon=True
                )
                self._thread.start()
        self._queue.put((server, name))

    def finish(self) -> None:
        self._queue.join()
        if self._errors:
            raise AssertionError(f"test databases were not dropped: {self._errors}")

    def _run(self) -> None:
        while True:
            server, name = self._queue.get()
            try:
                asyncio.run(_drop(server, name))
            except BaseException as error:  # noqa: BLE001 - reported by finish()
                self._errors.append(error)
            finally:
                self._queue.task_done()


async def _drop(server: URL, name: str) -> None:
    admin = await asyncpg.connect(_asyncpg_dsn(server))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


_DROPS = _BackgroundDrops()


def _copy_sqlite_files(source: Path, target: Path) -> None:
    for suffix in SQLITE_SUFFIXES:
        copied = Path(f"{source}{suffix}")
        if copied.exists():
            shutil.copyfile(copied, Path(f"{target}{suffix}"))


def _remove_sqlite_files(path: Path) -> None:
    for suffix in SQLITE_SUFFIXES:
        Path(f"{path}{suffix}").unlink(missing_ok=True)
