"""Comparing two versions' definitions before pushing (`Query.compareVersions`)."""

from dataclasses import dataclass
from uuid import UUID

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.models import Connector, ConnectorVersion
from app.domain.access import Principal
from app.domain.bumps import Bump, Change, declared_bump, required_bump
from app.domain.changes import classify_changes
from app.domain.definitions import parse_definition
from app.domain.errors import InvalidInput, NotFound
from app.domain.versions import parse_version


@dataclass(frozen=True)
class Comparison:
    changes: list[Change]
    required_bump: Bump | None
    declared_bump: Bump | None


async def compare_versions(
    session: AsyncSession, *, actor: Principal, connector_id: UUID, from_: str, to: str
) -> Comparison:
    """The changes from one version's definition to another's, and the bump they need."""
    older, newer = parse_version(from_, "from"), parse_version(to, "to")
    connector = await session.get(Connector, connector_id)
    if connector is None or not actor.can_read_project(connector.project_id):
        raise NotFound("connector")
    rows = (
        await session.exec(
            select(ConnectorVersion).where(
                ConnectorVersion.connector_id == connector_id,
                col(ConnectorVersion.version).in_([str(older), str(newer)]),
            )
        )
    ).all()
    by_number = {row.version: row for row in rows}
    definitions = []
    for field, number in (("from", str(older)), ("to", str(newer))):
        row = by_number.get(number)
        if row is None:
            raise NotFound("connector version", number)
        if row.definition is None:
            raise InvalidInput(field, f"version {number} has no definition to compare")
        definitions.append(parse_definition(row.definition))
    changes = classify_changes(definitions[0], definitions[1])
    return Comparison(
        changes=changes,
        required_bump=required_bump(changes),
        declared_bump=declared_bump(older, newer),
    )
