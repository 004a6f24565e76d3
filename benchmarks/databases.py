"""The benchmark's own databases: created fresh, migrated with the app's migrations, dropped after.

PostgreSQL: a uniquely named database on the server named by `--database`. SQLite: a file in a
temporary folder. Nothing that already exists is touched.
"""

import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
from sqlalchemy.engine import URL, make_url

from app.db.engine import create_engine
from app.db.migrate import upgrade
from app.settings import parse_database_url


def asyncpg_dsn(url: URL) -> str:
    """The libpq-style URL asyncpg takes (no `+asyncpg` driver suffix)."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


@asynccontextmanager
async def fresh_postgres(server: str) -> AsyncIterator[URL]:
    """A new, migrated PostgreSQL database on `server`, dropped when the block ends."""
    server_url = parse_database_url(server)
    name = f"cr_bench_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(asyncpg_dsn(server_url))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            url = server_url.set(database=name)
            await _migrate(url)
            yield url
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@asynccontextmanager
async def fresh_sqlite() -> AsyncIterator[URL]:
    """A new, migrated SQLite file in a temporary folder, removed when the block ends."""
    with tempfile.TemporaryDirectory(prefix="cr-bench-") as folder:
        url = make_url(f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}")
        await _migrate(url)
        yield url


async def _migrate(url: URL) -> None:
    engine = create_engine(url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()
