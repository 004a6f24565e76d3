"""What display names need (the rule is in app/domain/display_names.py): each connector's name
and its published, not binned version numbers, for many connectors in one statement, so that a
page of versions costs one read for all their names however many versions it shows."""

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from sqlalchemy import and_, select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.models import Connector, ConnectorVersion
from app.domain.display_names import Sibling, display_name
from app.services.lookups import column_rows


@dataclass(frozen=True, slots=True)
class NamingContext:
    """A connector's name and the siblings that can count against a version's short name."""

    connector_name: str
    published: tuple[str, ...]

    def name_of(self, version: str) -> str:
        siblings = (Sibling(number, published=True, binned=False) for number in self.published)
        return display_name(self.connector_name, version, siblings)


async def naming_contexts(
    session: AsyncSession, *, connector_ids: Sequence[UUID]
) -> dict[UUID, NamingContext]:
    """Each connector's naming context; the caller has read a version of each, so it may read
    them. Only published, not binned versions are read: no other version can count."""
    query = (
        select(col(Connector.id), col(Connector.name), col(ConnectorVersion.version))
        .select_from(Connector)
        .outerjoin(
            ConnectorVersion,
            and_(
                col(ConnectorVersion.connector_id) == col(Connector.id),
                col(ConnectorVersion.published_at).is_not(None),
                col(ConnectorVersion.binned_at).is_(None),
            ),
        )
        .where(col(Connector.id).in_(connector_ids))
    )
    names: dict[UUID, str] = {}
    numbers: dict[UUID, list[str]] = {}
    for connector_id, name, number in await column_rows(session, query):
        names[connector_id] = name
        found = numbers.setdefault(connector_id, [])
        if number is not None:
            found.append(number)
    return {key: NamingContext(names[key], tuple(numbers[key])) for key in names}
