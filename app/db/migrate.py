"""Run the Alembic migrations from code (CLI, server start-up, tests)."""

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db.base import metadata

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def alembic_config() -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.attributes["configure_logging"] = False
    return config


def _upgrade(connection: Connection, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the database to `revision` (default: the newest)."""
    async with engine.connect() as connection:
        await connection.run_sync(_upgrade, revision)
        await connection.commit()


def _is_current(connection: Connection) -> bool:
    heads = set(ScriptDirectory.from_config(alembic_config()).get_heads())
    return set(MigrationContext.configure(connection).get_current_heads()) == heads


async def is_up_to_date(engine: AsyncEngine) -> bool:
    """Whether the database is at the newest migration (connecting to it on the way)."""
    async with engine.connect() as connection:
        return await connection.run_sync(_is_current)


def _diff(connection: Connection) -> list[object]:
    context = MigrationContext.configure(
        connection,
        opts={
            "compare_type": True,
            "render_as_batch": connection.dialect.name == "sqlite",
        },
    )
    return list(compare_metadata(context, metadata))


async def schema_drift(engine: AsyncEngine) -> list[object]:
    """What autogenerate would add to a new migration: empty when models and migrations agree."""
    async with engine.connect() as connection:
        return await connection.run_sync(_diff)
