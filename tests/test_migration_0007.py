"""Migration 0007: keys issued before it keep working, with no expiry, revocation or use."""

from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlmodel import SQLModel, col

from app.db.engine import create_engine
from app.db.migrate import upgrade
from app.db.models import ApiKey, Project
from app.domain.api_keys import new_secret
from app.domain.enums import Role
from tests.databases import fresh_database

LATER_COLUMNS = {"expires_at", "last_used_at", "revoked_at"}


def _insert(row: SQLModel) -> Any:
    """An INSERT of `row` that names only the columns migration 0006 has."""
    table = type(row).__table__  # type: ignore[attr-defined]
    return table.insert().values(**row.model_dump(exclude=LATER_COLUMNS))


async def test_keys_issued_before_it_are_kept_without_expiry_revocation_or_use(
    backend: str, database_workdir: Path
) -> None:
    # given a database at 0006 with a project and its key
    project = Project(slug="alpha", name="Alpha")
    secret = new_secret()
    key = ApiKey(
        project_id=project.id,
        name="Admin",
        role=Role.ADMIN,
        prefix=secret.prefix,
        secret_hash=secret.secret_hash,
    )
    async with fresh_database(backend, database_workdir) as url:
        engine = create_engine(url)
        try:
            await upgrade(engine, "0006")
            async with engine.begin() as connection:
                for row in (project, key):
                    await connection.execute(_insert(row))

            # when it is migrated to the newest revision
            await upgrade(engine)

            # then the key and its project are still there, with the new columns empty
            async with engine.connect() as connection:
                query = select(
                    col(ApiKey.secret_hash),
                    col(ApiKey.project_id),
                    col(ApiKey.expires_at),
                    col(ApiKey.last_used_at),
                    col(ApiKey.revoked_at),
                )
                rows = (await connection.execute(query)).all()
        finally:
            await engine.dispose()
    assert [tuple(row) for row in rows] == [(secret.secret_hash, project.id, None, None, None)]
