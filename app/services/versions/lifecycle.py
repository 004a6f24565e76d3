"""Deprecation, the bin and permanent delete (DESIGN §6).

Each operation locks the version's connector row (as every change to its versions does), checks
the caller may change the connector — a project ADMIN for custom versions, a platform key for
managed ones — and writes its event in the same transaction.

Refusals: deprecating or undeprecating a version that is not published is INVALID_TRANSITION
(a draft has no accounts to move); so is any of them on a version in the bin (restore it first),
and binning a version already in the bin. Restoring or deleting a version outside the bin is
VERSION_NOT_IN_BIN. Binning a version in use is VERSION_IN_USE with its blockers (auth configs)
and its site assignments.
"""

from datetime import datetime
from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.models import Connector, ConnectorVersion, RetiredVersionNumber
from app.db.types import utc_now
from app.domain import validation
from app.domain.access import Principal
from app.domain.enums import DeploymentState
from app.domain.errors import InvalidInput
from app.domain.events import EventKind
from app.domain.version_errors import (
    InvalidTransition,
    VersionInBin,
    VersionInUse,
    VersionNotInBin,
)
from app.services.events import record_event
from app.services.transactions import transaction
from app.services.versions.drafts import version_for_change
from app.services.versions.usage import EVERY_PROJECT, usage_of_versions


async def deprecate_version(
    session: AsyncSession,
    *,
    actor: Principal,
    version_id: UUID,
    message: str | None = None,
    sunset_at: datetime | None = None,
) -> ConnectorVersion:
    """Deprecate a published version: floating pins leave it at once, exact pins keep it and
    warn. Deprecating it again replaces the message and sunset date and keeps `deprecatedAt`."""
    text = validation.optional_text(message, "message") or None
    if sunset_at is not None and sunset_at.tzinfo is None:
        raise InvalidInput("sunsetAt", "needs a time zone")
    async with transaction(session):
        version, connector = await _published(session, actor, version_id, "deprecate versions")
        version.deprecated_at = version.deprecated_at or utc_now()
        version.deprecation_message = text
        version.sunset_at = sunset_at
        _changed(session, version)
        _event(
            session,
            actor,
            EventKind.VERSION_DEPRECATED,
            version,
            connector,
            message=text,
            sunsetAt=None if sunset_at is None else sunset_at.isoformat(),
        )
    return version


async def undeprecate_version(
    session: AsyncSession, *, actor: Principal, version_id: UUID
) -> ConnectorVersion:
    """Take a deprecation back: floating pins may choose the version again at once."""
    async with transaction(session):
        version, connector = await _published(session, actor, version_id, "undeprecate versions")
        if version.deprecated_at is None:
            return version  # nothing to take back, nothing written
        version.deprecated_at = None
        version.deprecation_message = None
        version.sunset_at = None
        _changed(session, version)
        _event(session, actor, EventKind.VERSION_UNDEPRECATED, version, connector)
    return version


async def move_version_to_bin(
    session: AsyncSession, *, actor: Principal, version_id: UUID
) -> ConnectorVersion:
    """Bin a version nothing uses. For a managed version every project's auth configs and site
    assignments count.

    The connector row it holds is the one that writes putting a version into use lock first
    (`app.services.key_locks`), so none of them can slip in between the check and the bin."""
    async with transaction(session):
        version, connector = await version_for_change(
            session, actor, version_id, "move versions to the bin"
        )
        if version.binned_at is not None:
            raise InvalidTransition(
                DeploymentState(version.state), f"version {version.version} is already in the bin"
            )
        scope = EVERY_PROJECT if connector.project_id is None else connector.project_id
        usages = await usage_of_versions(
            session, versions=[(version.id, connector)], project_id=scope, lock=True
        )
        usage, _ = usages[version.id]
        if usage.in_use:
            raise VersionInUse(version.version, usage.blockers, usage.assignments)
        version.binned_at = utc_now()
        _changed(session, version)
        _event(session, actor, EventKind.VERSION_BINNED, version, connector)
    return version


async def restore_version_from_bin(
    session: AsyncSession, *, actor: Principal, version_id: UUID
) -> ConnectorVersion:
    async with transaction(session):
        version, connector = await version_for_change(
            session, actor, version_id, "restore versions from the bin"
        )
        if version.binned_at is None:
            raise VersionNotInBin(version.version, "restore it")
        version.binned_at = None
        _changed(session, version)
        _event(session, actor, EventKind.VERSION_RESTORED, version, connector)
    return version


async def delete_version_permanently(
    session: AsyncSession, *, actor: Principal, version_id: UUID
) -> ConnectorVersion:
    """Delete a binned version and its revisions for good, and retire its number.

    Linked accounts authenticated under it keep their rows (the reference becomes null). The
    event carries what a worker needs to remove its image and platform references. Returns the
    deleted row, detached.
    """
    async with transaction(session):
        version, connector = await version_for_change(session, actor, version_id, "delete versions")
        if version.binned_at is None:
            raise VersionNotInBin(version.version, "delete it permanently")
        config = version.config or {}
        _event(
            session,
            actor,
            EventKind.VERSION_DELETED,
            version,
            connector,
            connectorKey=connector.key,
            managed=connector.project_id is None,
            contentHash=version.content_hash,
            vcs=config.get("vcs"),
            execution=config.get("execution"),
            devEnvironment=version.dev_environment,
            prodEnvironment=version.prod_environment,
        )
        # Through the session, so that history records the delete (app.db.history_recorder).
        await session.delete(version)
        session.add(RetiredVersionNumber(connector_id=connector.id, version=version.version))
    return version


async def _published(
    session: AsyncSession, actor: Principal, version_id: UUID, action: str
) -> tuple[ConnectorVersion, Connector]:
    version, connector = await version_for_change(session, actor, version_id, action)
    if version.binned_at is not None:
        raise VersionInBin(version.version, DeploymentState(version.state))
    if version.published_at is None:
        raise InvalidTransition(
            DeploymentState(version.state),
            f"version {version.version} is a draft; only published versions are deprecated",
        )
    return version, connector


def _changed(session: AsyncSession, version: ConnectorVersion) -> None:
    version.updated_at = utc_now()
    session.add(version)


def _event(
    session: AsyncSession,
    actor: Principal,
    kind: EventKind,
    version: ConnectorVersion,
    connector: Connector,
    **payload: object,
) -> None:
    record_event(
        session,
        actor=actor,
        kind=kind,
        project_id=connector.project_id,
        connector_id=connector.id,
        version_id=version.id,
        payload={"version": version.version, **payload},
    )
