"""Loading what resolution needs, and applying it (the rules are in app/domain/resolution.py).

Resolution decides on a handful of small columns per version (`CandidateRow`); it never reads a
version's body, so its cost does not grow with the size of the definitions.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple
from uuid import UUID

from sqlalchemy import bindparam, or_, select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.models import AuthConfig, Connector, ConnectorVersion
from app.domain.enums import PinSource, VersionSource
from app.domain.pins import parse_pin
from app.domain.resolution import Candidate, Resolution, resolve
from app.services.lookups import column_rows


class ProjectKey(NamedTuple):
    """A project's view of a connector key: its custom connector and the managed one."""

    project_id: UUID
    connector_key: str

    @classmethod
    def of(cls, auth_config: AuthConfig) -> "ProjectKey":
        return cls(auth_config.project_id, auth_config.connector_key)


@dataclass(frozen=True, slots=True)
class ChosenVersion:
    """What a write needs of the version resolution chose: which content it is."""

    id: UUID
    version: str
    revision: int


@dataclass(frozen=True)
class KeyVersions:
    """The candidates of a key: every version of its custom connector (in one project) and of its
    managed connector, as resolution sees them, and the revision of each."""

    candidates: list[Candidate[UUID]]
    revisions: dict[UUID, int]

    def chosen(self, resolution: Resolution[UUID]) -> ChosenVersion | None:
        version = resolution.version
        if version is None:
            return None
        return ChosenVersion(
            id=version.id, version=version.version, revision=self.revisions[version.id]
        )


_CANDIDATE_COLUMNS = (
    col(Connector.project_id),
    col(Connector.key),
    col(ConnectorVersion.id),
    col(ConnectorVersion.version),
    col(ConnectorVersion.revision),
    col(ConnectorVersion.published_at).is_not(None),
    col(ConnectorVersion.binned_at).is_not(None),
    col(ConnectorVersion.deprecated_at).is_not(None),
    col(ConnectorVersion.deprecation_message),
)


_CANDIDATES = (
    select(*_CANDIDATE_COLUMNS)
    .join(Connector, col(Connector.id) == col(ConnectorVersion.connector_id))
    .where(
        col(Connector.key).in_(bindparam("connector_keys", expanding=True)),
        or_(
            col(Connector.project_id).is_(None),
            col(Connector.project_id).in_(bindparam("project_ids", expanding=True)),
        ),
    )
)


async def versions_for_keys(
    session: AsyncSession, *, keys: Sequence[ProjectKey]
) -> dict[ProjectKey, KeyVersions]:
    """One statement for any number of (project, key) pairs."""
    rows = await column_rows(
        session,
        _CANDIDATES,
        {
            "connector_keys": list({key.connector_key for key in keys}),
            "project_ids": list({key.project_id for key in keys}),
        },
    )
    managed: dict[str, list[Candidate[UUID]]] = defaultdict(list)
    custom: dict[ProjectKey, list[Candidate[UUID]]] = defaultdict(list)
    revisions: dict[UUID, int] = {}
    for project_id, key, *version in rows:
        source = VersionSource.MANAGED if project_id is None else VersionSource.CUSTOM
        version_id, number, revision, published, binned, deprecated, message = version
        candidate = Candidate(
            id=version_id,
            version=number,
            source=source,
            published=published,
            binned=binned,
            deprecated=deprecated,
            deprecation_message=message,
        )
        revisions[version_id] = revision
        if project_id is None:
            managed[key].append(candidate)
        else:
            custom[ProjectKey(project_id, key)].append(candidate)
    return {
        key: KeyVersions(
            candidates=[*custom[key], *managed[key.connector_key]], revisions=revisions
        )
        for key in keys
    }


def resolve_auth_config(auth_config: AuthConfig, versions: KeyVersions) -> Resolution[UUID]:
    return resolve(
        parse_pin(auth_config.pin), PinSource(auth_config.pin_source), versions.candidates
    )


async def effective_version(
    session: AsyncSession, *, auth_config: AuthConfig
) -> tuple[Resolution[UUID], ChosenVersion | None]:
    """The auth config's resolution now, and the version it chose."""
    key = ProjectKey.of(auth_config)
    versions = (await versions_for_keys(session, keys=[key]))[key]
    resolution = resolve_auth_config(auth_config, versions)
    return resolution, versions.chosen(resolution)
