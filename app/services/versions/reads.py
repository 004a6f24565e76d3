"""Reading connector versions, and making new version rows.

A version is read in two parts: its header (number, state, dates: small columns) and its body
(definition, config, readme, environments: JSON documents that can be tens of kilobytes). Lists,
resolution and lookups read headers; a body is read only for a version whose content a request
asks for (`version_bodies`).
"""

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, NamedTuple
from uuid import UUID

import sqlmodel
from sqlalchemy import Uuid, bindparam, select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.models import Connector, ConnectorVersion, VersionRevision
from app.domain.access import Principal
from app.domain.enums import DeploymentState
from app.domain.versions import VersionContent, parse_version, precedence_key
from app.services.connectors import readable_by_project
from app.services.lookups import column_rows
from app.services.pages import Page, PageRequest, slice_page


@dataclass(frozen=True, slots=True)
class VersionHeader:
    """A version without its body: what lists and lookups show, and whether its connector is
    managed."""

    id: UUID
    connector_id: UUID
    managed: bool
    version: str
    prerelease: str | None
    name: str
    description: str
    state: str
    published_at: datetime | None
    revision: int
    content_hash: str
    deprecated_at: datetime | None
    deprecation_message: str | None
    sunset_at: datetime | None
    binned_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: ConnectorVersion, *, managed: bool) -> "VersionHeader":
        columns = (getattr(row, name) for name in _HEADER_FIELDS[3:])
        return cls(row.id, row.connector_id, managed, *columns)


@dataclass(frozen=True, slots=True)
class VersionBody:
    """A version's documents, read only for the versions whose content a request asks for."""

    readme: str
    definition: dict[str, Any] | None
    config: dict[str, Any]
    dev_environment: dict[str, Any] | None
    prod_environment: dict[str, Any] | None

    @classmethod
    def of(cls, row: ConnectorVersion) -> "VersionBody":
        return cls(*(getattr(row, name) for name in _BODY_FIELDS))


_HEADER_FIELDS = tuple(field.name for field in fields(VersionHeader))
_BODY_FIELDS = tuple(field.name for field in fields(VersionBody))
_HEADER_COLUMNS = (
    col(ConnectorVersion.id),
    col(ConnectorVersion.connector_id),
    col(Connector.project_id).is_(None),
    *(col(getattr(ConnectorVersion, name)) for name in _HEADER_FIELDS[3:]),
)
_BODY_COLUMNS = tuple(col(getattr(ConnectorVersion, name)) for name in _BODY_FIELDS)


_HEADERS_BY_ID = (
    select(*_HEADER_COLUMNS)
    .join(Connector, col(Connector.id) == col(ConnectorVersion.connector_id))
    .where(
        col(ConnectorVersion.id).in_(bindparam("version_ids", expanding=True)),
        readable_by_project(bindparam("viewer_project_id", type_=Uuid)),
    )
)


async def version_headers(
    session: AsyncSession, *, actor: Principal, version_ids: Sequence[UUID]
) -> dict[UUID, VersionHeader]:
    """The headers of those of `version_ids` that `actor` may read (DESIGN §7)."""
    rows = await column_rows(
        session,
        _HEADERS_BY_ID,
        {"version_ids": list(version_ids), "viewer_project_id": actor.project_id},
    )
    headers = (VersionHeader(*row) for row in rows)
    return {header.id: header for header in headers}


async def version_bodies(
    session: AsyncSession, *, version_ids: Sequence[UUID]
) -> dict[UUID, VersionBody]:
    """The bodies of `version_ids`; the caller has read their headers, so it may read them."""
    query = select(col(ConnectorVersion.id), *_BODY_COLUMNS).where(
        col(ConnectorVersion.id).in_(version_ids)
    )
    return {row[0]: VersionBody(*row[1:]) for row in await column_rows(session, query)}


def new_version_row(
    *,
    connector_id: UUID,
    number: str,
    content: VersionContent,
    published_at: datetime | None = None,
    state: DeploymentState = DeploymentState.UPDATED,
) -> ConnectorVersion:
    version = parse_version(number)
    return ConnectorVersion(
        connector_id=connector_id,
        version=str(version),
        major=version.major,
        minor=version.minor,
        patch=version.patch,
        prerelease=version.prerelease,
        name=content.name,
        description=content.description,
        readme=content.readme,
        definition=content.definition,
        config=content.config,
        state=state,
        published_at=published_at,
        content_hash=content.content_hash(),
    )


def content_of(version: ConnectorVersion) -> VersionContent:
    return VersionContent(
        name=version.name,
        description=version.description,
        readme=version.readme,
        definition=version.definition,
        config=version.config,
    )


def by_precedence_descending(versions: Sequence[VersionHeader]) -> list[VersionHeader]:
    return sorted(versions, key=lambda v: precedence_key(v.version), reverse=True)


async def versions_by_connector(
    session: AsyncSession, *, connector_ids: Sequence[UUID], include_binned: bool
) -> dict[UUID, list[VersionHeader]]:
    """Each connector's version headers, highest first. The caller has checked it may read
    them."""
    query = (
        select(*_HEADER_COLUMNS)
        .join(Connector, col(Connector.id) == col(ConnectorVersion.connector_id))
        .where(col(ConnectorVersion.connector_id).in_(connector_ids))
    )
    if not include_binned:
        query = query.where(col(ConnectorVersion.binned_at).is_(None))
    grouped: dict[UUID, list[VersionHeader]] = {key: [] for key in connector_ids}
    for row in await column_rows(session, query):
        header = VersionHeader(*row)
        grouped[header.connector_id].append(header)
    return {key: by_precedence_descending(rows) for key, rows in grouped.items()}


def page_of_versions(versions: Sequence[VersionHeader], page: PageRequest) -> Page[VersionHeader]:
    """A page of versions sorted highest first: those below the cursor's number. The number
    need not be there any more (binned or deleted since), since precedence alone places it."""
    after = None
    if page.after is not None:
        (number,) = page.after
        if not isinstance(number, str):
            raise ValueError(f"versions are placed by their number, got {number!r}")
        after = precedence_key(number)

    def follows(version: VersionHeader) -> bool:
        return after is None or precedence_key(version.version) < after

    return slice_page(versions, page, key_of=lambda version: (version.version,), follows=follows)


def latest_published(versions: Sequence[VersionHeader]) -> VersionHeader | None:
    """The highest published release (no prerelease), among versions sorted highest first."""
    for version in versions:
        if version.published_at is not None and version.prerelease is None:
            return version
    return None


async def revisions_by_version(
    session: AsyncSession, *, version_ids: Sequence[UUID]
) -> dict[UUID, list[VersionRevision]]:
    """Each version's replaced contents, newest first. The caller has checked it may read them."""
    query = sqlmodel.select(VersionRevision).where(col(VersionRevision.version_id).in_(version_ids))
    grouped: dict[UUID, list[VersionRevision]] = {key: [] for key in version_ids}
    for revision in (await session.exec(query)).all():
        grouped[revision.version_id].append(revision)
    return {
        key: sorted(rows, key=lambda r: r.revision, reverse=True) for key, rows in grouped.items()
    }


class ContentKey(NamedTuple):
    """One content of a version: a forced overwrite keeps the id but changes the content.
    `revision` None means the version's current content."""

    version_id: UUID
    revision: int | None


@dataclass(frozen=True, slots=True)
class AuthOfContent:
    """The `auth` section of one content of a version (None for a version without definition),
    and which revision that content is."""

    version_id: UUID
    revision: int
    auth: dict[str, Any] | None


async def auth_sections(
    session: AsyncSession, *, keys: Sequence[ContentKey]
) -> dict[ContentKey, AuthOfContent]:
    """The `auth` of each content that still exists (a version deleted for good is absent).

    Only `auth` is read out of the definitions, in at most two statements: current contents
    from the versions, replaced ones from their revision history.
    """
    current_rows = await column_rows(
        session, _CURRENT_AUTH, {"version_ids": list({key.version_id for key in keys})}
    )
    current = {row[0]: AuthOfContent(*row) for row in current_rows}
    found: dict[ContentKey, AuthOfContent] = {}
    replaced: list[ContentKey] = []
    for key in keys:
        content = current.get(key.version_id)
        if content is None:
            continue
        if key.revision is None or key.revision == content.revision:
            found[key] = content
        else:
            replaced.append(key)
    if replaced:
        rows = await column_rows(
            session, _REPLACED_AUTH, {"version_ids": list({key.version_id for key in replaced})}
        )
        older = {ContentKey(row[0], row[1]): AuthOfContent(*row) for row in rows}
        for key in replaced:
            # History is never deleted, so every replaced revision is there.
            found[key] = older.get(key, current[key.version_id])
    return found


def _auth_select(version_id: Any, revision: Any, definition: Any) -> Any:
    """(version id, revision, the definition's `auth` object or null) of some versions' contents,
    current or replaced."""
    return select(version_id, revision, definition["auth"].label("auth")).where(
        version_id.in_(bindparam("version_ids", expanding=True))
    )


_CURRENT_AUTH = _auth_select(
    col(ConnectorVersion.id), col(ConnectorVersion.revision), col(ConnectorVersion.definition)
)
_REPLACED_AUTH = _auth_select(
    col(VersionRevision.version_id), col(VersionRevision.revision), col(VersionRevision.definition)
)
