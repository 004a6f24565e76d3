"""Loading what resolution needs, and applying it (the rules are in app/domain/resolution.py).

Resolution decides on a handful of small columns per version (`Candidate`s); it never reads a
version's body, so its cost does not grow with the size of the definitions, and a server process
keeps the candidates under their connector's stamp (`app.services.effective.candidate_cache`), so
it does not grow with their number either.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple
from uuid import UUID

from sqlalchemy import bindparam, or_, select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.models import AuthConfig, Connector, ConnectorVersion
from app.domain.enums import PinSource, VersionSource
from app.domain.pins import stored_pin
from app.domain.resolution import Candidate, Resolution, resolve
from app.services.effective.candidate_cache import (
    CANDIDATES,
    RESOLUTIONS,
    ConnectorVersions,
    ResolutionKey,
)
from app.services.lookups import column_rows
from app.services.versions.reads import VersionHeader


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
    managed connector, as resolution sees them, read (or kept) per connector."""

    connectors: tuple[ConnectorVersions, ...]
    """The custom connector's versions first, then the managed one's."""
    cached: bool = True
    """Whether these come from committed state, so their resolution may be kept."""

    @property
    def candidates(self) -> list[Candidate[UUID]]:
        return [candidate for part in self.connectors for candidate in part.candidates]

    @property
    def stamps(self) -> tuple[tuple[UUID, int], ...]:
        return tuple((part.connector_id, part.stamp) for part in self.connectors)

    def chosen(self, resolution: Resolution[UUID]) -> ChosenVersion | None:
        return self.chosen_candidate(resolution.version)

    def chosen_candidate(self, version: Candidate[UUID] | None) -> ChosenVersion | None:
        """Which content one of these candidates is (its revision)."""
        if version is None:
            return None
        part = next(part for part in self.connectors if version.id in part.revisions)
        return ChosenVersion(
            id=version.id, version=version.version, revision=part.revisions[version.id]
        )

    def known_header(self, version_id: UUID) -> VersionHeader | None:
        """The header of one of these versions, if a request has read it since they were."""
        for part in self.connectors:
            header = part.headers.get(version_id)
            if header is not None:
                return header
        return None

    def keep_header(self, header: VersionHeader) -> None:
        for part in self.connectors:
            if header.id in part.revisions:
                part.headers[header.id] = header


class ConnectorStamp(NamedTuple):
    """A connector of a key, and the stamp of its versions (see
    `app.services.effective.candidate_cache`)."""

    connector_id: UUID
    project_id: UUID | None
    connector_key: str
    stamp: int


_CONNECTORS_OF_KEYS = select(
    col(Connector.id), col(Connector.project_id), col(Connector.key), col(Connector.versions_stamp)
).where(
    col(Connector.key).in_(bindparam("connector_keys", expanding=True)),
    or_(
        col(Connector.project_id).is_(None),
        col(Connector.project_id).in_(bindparam("project_ids", expanding=True)),
    ),
)

_CANDIDATES = select(
    col(ConnectorVersion.connector_id),
    col(ConnectorVersion.id),
    col(ConnectorVersion.version),
    col(ConnectorVersion.revision),
    col(ConnectorVersion.published_at).is_not(None),
    col(ConnectorVersion.binned_at).is_not(None),
    col(ConnectorVersion.deprecated_at).is_not(None),
    col(ConnectorVersion.deprecation_message),
).where(col(ConnectorVersion.connector_id).in_(bindparam("connector_ids", expanding=True)))


async def versions_for_keys(
    session: AsyncSession,
    *,
    keys: Sequence[ProjectKey],
    cached: bool = True,
    stamps: Mapping[ProjectKey, Sequence[ConnectorStamp]] | None = None,
) -> dict[ProjectKey, KeyVersions]:
    """The candidates of any number of (project, key) pairs: one statement for the connectors'
    stamps (none for keys whose `stamps` the caller read already), and one more for the versions
    of those whose stamp moved since this process last read them (see
    `app.services.effective.candidate_cache`). `cached=False` reads every version afresh (a write
    deciding under locks reads what its own transaction sees)."""
    connectors = await _connector_stamps(session, keys, stamps or {})
    found = await _connector_versions(session, connectors, cached)
    return _by_key(keys, connectors, found, cached)


def kept_versions_for_keys(
    keys: Sequence[ProjectKey], stamps: Mapping[ProjectKey, Sequence[ConnectorStamp]]
) -> dict[ProjectKey, KeyVersions] | None:
    """What `versions_for_keys` answers (cached) when it would send no statement: every key's
    stamps known to the caller and every connector's candidates kept under its stamp; else
    None. No I/O."""
    connectors: list[ConnectorStamp] = []
    for key in keys:
        known = stamps.get(key)
        if known is None:
            return None
        connectors.extend(known)
    found: dict[UUID, ConnectorVersions] = {}
    for connector in connectors:
        entry = CANDIDATES.get(connector.connector_id, connector.stamp)
        if entry is None:
            return None
        found[connector.connector_id] = entry
    return _by_key(keys, connectors, found, cached=True)


async def _connector_stamps(
    session: AsyncSession,
    keys: Sequence[ProjectKey],
    known: Mapping[ProjectKey, Sequence[ConnectorStamp]],
) -> list[ConnectorStamp]:
    """The connectors of the keys with their stamps: those the caller read already, and the
    others' in one statement."""
    connectors = [stamp for key in keys if key in known for stamp in known[key]]
    unknown = [key for key in keys if key not in known]
    if unknown:
        rows = await column_rows(
            session,
            _CONNECTORS_OF_KEYS,
            {
                "connector_keys": list({key.connector_key for key in unknown}),
                "project_ids": list({key.project_id for key in unknown}),
            },
        )
        connectors += [ConnectorStamp(*row) for row in rows]
    return connectors


async def _connector_versions(
    session: AsyncSession, connectors: Sequence[ConnectorStamp], cached: bool
) -> dict[UUID, ConnectorVersions]:
    """Each connector's candidates: kept under its stamp when `cached` allows, else read (one
    statement for all those not kept) and, when `cached`, kept for the next request."""
    found: dict[UUID, ConnectorVersions] = {}
    stale: dict[UUID, tuple[int, VersionSource]] = {}
    for connector in connectors:
        entry = CANDIDATES.get(connector.connector_id, connector.stamp) if cached else None
        if entry is not None:
            found[connector.connector_id] = entry
            continue
        source = VersionSource.MANAGED if connector.project_id is None else VersionSource.CUSTOM
        stale[connector.connector_id] = (connector.stamp, source)
    if stale:
        read = await _read_versions(session, stale)
        found.update(read)
        if cached:
            for entry in read.values():
                CANDIDATES.put(entry)
    return found


def _by_key(
    keys: Sequence[ProjectKey],
    connectors: Sequence[ConnectorStamp],
    found: Mapping[UUID, ConnectorVersions],
    cached: bool,
) -> dict[ProjectKey, KeyVersions]:
    """Each key's candidates: its project's custom connector's first, then the managed one's."""
    managed: dict[str, UUID] = {}
    custom: dict[ProjectKey, UUID] = {}
    for connector in connectors:
        if connector.project_id is None:
            managed[connector.connector_key] = connector.connector_id
        else:
            custom[ProjectKey(connector.project_id, connector.connector_key)] = (
                connector.connector_id
            )
    return {
        key: KeyVersions(
            connectors=tuple(
                found[connector_id]
                for connector_id in (custom.get(key), managed.get(key.connector_key))
                if connector_id is not None
            ),
            cached=cached,
        )
        for key in keys
    }


async def _read_versions(
    session: AsyncSession, connectors: dict[UUID, tuple[int, VersionSource]]
) -> dict[UUID, ConnectorVersions]:
    """Each connector's candidates, as of the stamp read before them."""
    read = {
        connector_id: ConnectorVersions(
            connector_id=connector_id, stamp=stamp, candidates=[], revisions={}
        )
        for connector_id, (stamp, _) in connectors.items()
    }
    rows = await column_rows(session, _CANDIDATES, {"connector_ids": list(connectors)})
    for connector_id, version_id, number, revision, published, binned, deprecated, message in rows:
        entry = read[connector_id]
        entry.candidates.append(
            Candidate(
                id=version_id,
                version=number,
                source=connectors[connector_id][1],
                published=published,
                binned=binned,
                deprecated=deprecated,
                deprecation_message=message,
            )
        )
        entry.revisions[version_id] = revision
    return read


def resolve_auth_config(auth_config: AuthConfig, versions: KeyVersions) -> Resolution[UUID]:
    """`resolve` for the auth config; kept per process for committed candidates, since the pin,
    its source and the connectors' stamps decide the answer entirely."""
    key: ResolutionKey = (auth_config.pin, str(auth_config.pin_source), versions.stamps)
    if versions.cached:
        kept = RESOLUTIONS.get(key)
        if kept is not None:
            return kept
    resolution = resolve(
        stored_pin(auth_config.pin), PinSource(auth_config.pin_source), versions.candidates
    )
    if versions.cached:
        RESOLUTIONS.put(key, resolution)
    return resolution
