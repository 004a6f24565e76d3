"""One migration set serves both databases, and it agrees with the models."""

from pathlib import Path

from sqlalchemy import inspect
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db.base import metadata
from app.db.engine import create_engine
from app.db.migrate import schema_drift, upgrade
from tests.databases import fresh_database


async def test_autogenerate_finds_nothing_missing(engine: AsyncEngine) -> None:
    # the session's database was migrated to head by the fixtures
    assert await schema_drift(engine) == []


def _table_names(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


async def test_upgrade_creates_every_table_and_is_idempotent(
    backend: str, database_workdir: Path
) -> None:
    async with fresh_database(backend, database_workdir) as url:
        engine = create_engine(url)
        try:
            await upgrade(engine)
            await upgrade(engine)  # a second run changes nothing and does not fail
            async with engine.connect() as connection:
                tables = await connection.run_sync(_table_names)
        finally:
            await engine.dispose()
    assert set(metadata.tables) <= tables
    assert "alembic_version" in tables
