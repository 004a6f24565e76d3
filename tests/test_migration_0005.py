"""Migration 0005: auth configs keep their linked-account count, from the accounts already there
and, through triggers, for every insert and delete after it, whoever issues them."""

from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import delete, func, insert, select
from sqlmodel import SQLModel, col

from app.db.engine import create_engine
from app.db.migrate import upgrade
from app.db.models import AuthConfig, LinkedAccount, Project
from app.db.types import utc_now
from tests.databases import fresh_database


def _insert(row: SQLModel) -> Any:
    """An INSERT of `row` that names only the columns migration 0004 has."""
    table = type(row).__table__  # type: ignore[attr-defined]
    return table.insert().values(**row.model_dump(exclude={"linked_account_count"}))


async def test_counts_are_backfilled_and_kept_by_inserts_and_deletes(
    backend: str, database_workdir: Path
) -> None:
    # given a database at 0004 with two auth configs, one with three linked accounts
    project = Project(slug="alpha", name="Alpha")
    sales = AuthConfig(project_id=project.id, connector_key="crm", name="Sales")
    empty = AuthConfig(project_id=project.id, connector_key="crm", name="Empty")
    accounts = [
        LinkedAccount(auth_config_id=sales.id, external_id=f"before-{index}") for index in range(3)
    ]
    async with fresh_database(backend, database_workdir) as url:
        engine = create_engine(url)
        try:
            await upgrade(engine, "0004")
            async with engine.begin() as connection:
                for row in (project, sales, empty, *accounts):
                    await connection.execute(_insert(row))

            # when it is migrated to the newest revision
            await upgrade(engine)

            async with engine.begin() as connection:
                # then the accounts are all there, and counted
                assert await _counts(connection) == {"Sales": 3, "Empty": 0}
                # and a bulk insert, a delete and a cascade keep the counts right
                await connection.execute(
                    insert(LinkedAccount),
                    [_account(sales.id, f"after-{index}") for index in range(5)],
                )
                await connection.execute(
                    delete(LinkedAccount).where(col(LinkedAccount.external_id) == "before-0")
                )
                await connection.execute(insert(LinkedAccount), [_account(empty.id, "only")])
                assert await _counts(connection) == {"Sales": 7, "Empty": 1}
                assert await _counted(connection) == {"Sales": 7, "Empty": 1}
                await connection.execute(delete(AuthConfig).where(col(AuthConfig.name) == "Sales"))
                assert await _counts(connection) == {"Empty": 1}
        finally:
            await engine.dispose()


def _account(auth_config_id: UUID, external_id: str) -> dict[str, Any]:
    return {
        "id": uuid4(),
        "auth_config_id": auth_config_id,
        "external_id": external_id,
        "label": "",
        "created_at": utc_now(),
    }


async def _counts(connection: Any) -> dict[str, int]:
    """Each auth config's kept count, by name."""
    rows = await connection.execute(
        select(col(AuthConfig.name), col(AuthConfig.linked_account_count))
    )
    return dict(rows.all())


async def _counted(connection: Any) -> dict[str, int]:
    """Each auth config's accounts, counted."""
    rows = await connection.execute(
        select(col(AuthConfig.name), func.count(col(LinkedAccount.id)))
        .join(LinkedAccount, col(LinkedAccount.auth_config_id) == col(AuthConfig.id), isouter=True)
        .group_by(col(AuthConfig.name))
    )
    return dict(rows.all())
