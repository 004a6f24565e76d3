"""Loading what resolution needs, and applying it (the rules are in app/domain/resolution.py)."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from sqlalchemy import or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.models import AuthConfig, Connector, ConnectorVersion
from app.domain.enums import PinSource, VersionSource
from app.domain.pins import parse_pin
from app.domain.resolution import Candidate, Resolution, resolve

ProjectKey = tuple[UUID, str]  # (project id, connector key)


@dataclass(frozen=True)
class KeyVersions:
    """Every version of a key's custom connector (in one project) and managed connector."""

    rows: dict[UUID, ConnectorVersion]
    candidates: list[Candidate[UUID]]


async def versions_for_keys(
    session: AsyncSession, *, keys: Sequence[ProjectKey]
) -> dict[ProjectKey, KeyVersions]:
    """One statement for any number of (project, key) pairs."""
    projects = {project for project, _ in keys}
    names = {key for _, key in keys}
    rows = (
        await session.exec(
            select(ConnectorVersion, Connector)
            .join(Connector, col(Connector.id) == col(ConnectorVersion.connector_id))
            .where(
                col(Connector.key).in_(names),
                or_(col(Connector.project_id).is_(None), col(Connector.project_id).in_(projects)),
            )
        )
    ).all()
    managed: dict[str, list[ConnectorVersion]] = defaultdict(list)
    custom: dict[ProjectKey, list[ConnectorVersion]] = defaultdict(list)
    for version, connector in rows:
        if connector.project_id is None:
            managed[connector.key].append(version)
        else:
            custom[(connector.project_id, connector.key)].append(version)
    return {
        (project, key): _key_versions(custom[(project, key)], managed[key]) for project, key in keys
    }


def _key_versions(custom: list[ConnectorVersion], managed: list[ConnectorVersion]) -> KeyVersions:
    candidates = [
        _candidate(row, source)
        for rows, source in ((custom, VersionSource.CUSTOM), (managed, VersionSource.MANAGED))
        for row in rows
    ]
    return KeyVersions(rows={row.id: row for row in [*custom, *managed]}, candidates=candidates)


def _candidate(row: ConnectorVersion, source: VersionSource) -> Candidate[UUID]:
    return Candidate(
        id=row.id,
        version=row.version,
        source=source,
        published=row.published_at is not None,
        binned=row.binned_at is not None,
        deprecated=row.deprecated_at is not None,
        deprecation_message=row.deprecation_message,
    )


def resolve_auth_config(auth_config: AuthConfig, versions: KeyVersions) -> Resolution[UUID]:
    return resolve(
        parse_pin(auth_config.pin), PinSource(auth_config.pin_source), versions.candidates
    )


async def effective_version(
    session: AsyncSession, *, auth_config: AuthConfig
) -> tuple[Resolution[UUID], ConnectorVersion | None]:
    """The auth config's resolution now, and the version row it chose."""
    key = (auth_config.project_id, auth_config.connector_key)
    versions = (await versions_for_keys(session, keys=[key]))[key]
    resolution = resolve_auth_config(auth_config, versions)
    chosen = None if resolution.version is None else versions.rows[resolution.version.id]
    return resolution, chosen
