"""Migration 0002: linked accounts record the revision they were authenticated under; accounts
linked before it get their version's current revision (what their status compared with so far)."""

from pathlib import Path
from typing import Any

from sqlmodel import SQLModel, select

from app.db.engine import create_engine
from app.db.migrate import upgrade
from app.db.models import AuthConfig, Connector, ConnectorVersion, LinkedAccount, Project
from app.domain.enums import Runtime
from tests.databases import fresh_database


def _insert(row: SQLModel) -> Any:
    """An INSERT of `row` that names only the columns migration 0001 has."""
    table = type(row).__table__  # type: ignore[attr-defined]
    later = {"authenticated_revision", "linked_account_count", "versions_stamp"}
    return table.insert().values(**row.model_dump(exclude=later))


async def test_accounts_linked_before_it_get_their_versions_current_revision(
    backend: str, database_workdir: Path
) -> None:
    # given a database at 0001 with an overwritten version (revision 3), an account linked under
    # it, and one linked under no version
    project = Project(slug="alpha", name="Alpha")
    connector = Connector(project_id=project.id, key="crm", name="CRM", runtime=Runtime.DEFINITION)
    version = ConnectorVersion(
        connector_id=connector.id,
        version="1.0.0",
        major=1,
        minor=0,
        patch=0,
        name="CRM",
        content_hash="0" * 64,
        revision=3,
    )
    auth_config = AuthConfig(project_id=project.id, connector_key="crm", name="Sales")
    linked = LinkedAccount(
        auth_config_id=auth_config.id, external_id="linked", authenticated_version_id=version.id
    )
    unknown = LinkedAccount(auth_config_id=auth_config.id, external_id="unknown")
    async with fresh_database(backend, database_workdir) as url:
        engine = create_engine(url)
        try:
            await upgrade(engine, "0001")
            async with engine.begin() as connection:
                for row in (project, connector, version, auth_config, linked, unknown):
                    await connection.execute(_insert(row))

            # when it is migrated to the newest revision
            await upgrade(engine)

            # then the linked account records revision 3, the other none
            async with engine.connect() as connection:
                query = select(LinkedAccount.external_id, LinkedAccount.authenticated_revision)
                found: dict[str, int | None] = {
                    external_id: revision
                    for external_id, revision in (await connection.execute(query)).all()
                }
        finally:
            await engine.dispose()
    assert found == {"linked": 3, "unknown": None}
