"""Reading connector versions, and adding them (the seed data; creating and pushing come later)."""

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.models import ConnectorVersion, VersionRevision
from app.domain.enums import DeploymentState
from app.domain.versions import VersionContent, parse_version, precedence_key


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


def by_precedence_descending(
    versions: Sequence[ConnectorVersion],
) -> list[ConnectorVersion]:
    return sorted(versions, key=lambda v: precedence_key(v.version), reverse=True)


async def versions_by_connector(
    session: AsyncSession, *, connector_ids: Sequence[UUID], include_binned: bool
) -> dict[UUID, list[ConnectorVersion]]:
    """Each connector's versions, highest first. The caller has checked it may read them."""
    query = select(ConnectorVersion).where(col(ConnectorVersion.connector_id).in_(connector_ids))
    if not include_binned:
        query = query.where(col(ConnectorVersion.binned_at).is_(None))
    grouped: dict[UUID, list[ConnectorVersion]] = {key: [] for key in connector_ids}
    for version in (await session.exec(query)).all():
        grouped[version.connector_id].append(version)
    return {key: by_precedence_descending(rows) for key, rows in grouped.items()}


def latest_published(versions: Sequence[ConnectorVersion]) -> ConnectorVersion | None:
    """The highest published release (no prerelease), among versions sorted highest first."""
    for version in versions:
        if version.published_at is not None and version.prerelease is None:
            return version
    return None


async def revisions_by_version(
    session: AsyncSession, *, version_ids: Sequence[UUID]
) -> dict[UUID, list[VersionRevision]]:
    """Each version's replaced contents, newest first. The caller has checked it may read them."""
    query = select(VersionRevision).where(col(VersionRevision.version_id).in_(version_ids))
    grouped: dict[UUID, list[VersionRevision]] = {key: [] for key in version_ids}
    for revision in (await session.exec(query)).all():
        grouped[revision.version_id].append(revision)
    return {
        key: sorted(rows, key=lambda r: r.revision, reverse=True) for key, rows in grouped.items()
    }
