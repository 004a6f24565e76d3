"""Drafts: the dev-portal *Add version* (a copy of the most recent version) and editing a draft."""

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy.exc import IntegrityError
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.models import Connector, ConnectorVersion, RetiredVersionNumber
from app.db.types import utc_now
from app.domain import validation
from app.domain.access import Principal
from app.domain.bumps import Bump
from app.domain.content_limits import ContentLimits
from app.domain.definitions import definition_to_json, parse_definition_input
from app.domain.enums import DeploymentState
from app.domain.errors import Conflict, InvalidInput, NotFound
from app.domain.events import EventKind
from app.domain.numbering import next_version_number
from app.domain.version_errors import (
    VersionExists,
    VersionImmutable,
    VersionInBin,
    VersionNumberRetired,
)
from app.domain.versions import VersionContent, parse_version, precedence_key, validate_config
from app.services.connectors import connector_for_change
from app.services.events import record_event
from app.services.transactions import is_unique_violation, transaction
from app.services.versions.reads import content_of, new_version_row

# Each attempt sees the numbers the others committed; the connector's row lock makes a second
# attempt rare (SQLite and PostgreSQL both queue writers), the retry makes it harmless.
_NUMBER_ATTEMPTS = 5


async def create_version(
    session: AsyncSession,
    *,
    actor: Principal,
    connector_id: UUID,
    bump: Bump | None = None,
    number: str | None = None,
) -> ConnectorVersion:
    """Add a version: a copy of the most recent one (not binned) under the next free number."""
    if bump is not None and number is not None:
        raise InvalidInput("version", "give a bump or a version number, not both")
    wanted = None if number is None else parse_version(number)
    for _ in range(_NUMBER_ATTEMPTS):
        try:
            return await _create_version_once(session, actor, connector_id, bump, wanted)
        except IntegrityError as error:
            if not is_unique_violation(error):
                raise
            if wanted is not None:
                raise VersionExists(str(wanted)) from None
    raise Conflict("another version was created at the same moment each time; try again")


async def _create_version_once(
    session: AsyncSession,
    actor: Principal,
    connector_id: UUID,
    bump: Bump | None,
    wanted: Any,
) -> ConnectorVersion:
    async with transaction(session):
        connector = await connector_for_change(
            session, actor=actor, connector_id=connector_id, action="create versions", lock=True
        )
        existing = (
            await session.exec(
                select(ConnectorVersion).where(ConnectorVersion.connector_id == connector.id)
            )
        ).all()
        retired = set(
            (
                await session.exec(
                    select(RetiredVersionNumber.version).where(
                        RetiredVersionNumber.connector_id == connector.id
                    )
                )
            ).all()
        )
        if wanted is None:
            taken = [precedence_key(v.version) for v in existing]
            taken += [precedence_key(number) for number in retired]
            number = next_version_number(taken, bump or Bump.MAJOR)
        else:
            number = wanted
            if str(number) in retired:
                raise VersionNumberRetired(str(number))
            if any(v.version == str(number) for v in existing):
                raise VersionExists(str(number))
        version = _copy_of_most_recent(connector, existing, str(number))
        session.add(version)
        await session.flush()
        record_event(
            session,
            actor=actor,
            kind=EventKind.VERSION_CREATED,
            project_id=connector.project_id,
            connector_id=connector.id,
            version_id=version.id,
            payload={"version": version.version},
        )
    return version


def _copy_of_most_recent(
    connector: Connector, existing: Sequence[ConnectorVersion], number: str
) -> ConnectorVersion:
    candidates = [v for v in existing if v.binned_at is None]
    source = max(candidates, key=lambda v: precedence_key(v.version), default=None)
    if source is None:
        content = VersionContent(
            name=connector.name, description="", readme="", definition=None, config={}
        )
    else:
        content = content_of(source)
    version = new_version_row(connector_id=connector.id, number=number, content=content)
    if source is not None and source.dev_environment:
        version.dev_environment = dict(source.dev_environment)
    return version


async def update_version(
    session: AsyncSession,
    *,
    actor: Principal,
    version_id: UUID,
    name: str | None = None,
    description: str | None = None,
    readme: str | None = None,
    definition: object | None = None,
    config: object | None = None,
    limits: ContentLimits,
) -> ConnectorVersion:
    """Edit an unpublished version; an edit after `UPDATED` sends it back to be built again.
    The edits are checked (a definition and config against `limits`) before the first
    statement."""
    changes = _validated_edits(name, description, readme, definition, config, limits)
    if not changes:
        raise InvalidInput("input", "give at least one field to change")
    async with transaction(session):
        version, connector = await version_for_change(session, actor, version_id, "edit versions")
        if version.binned_at is not None:
            raise VersionInBin(version.version, DeploymentState(version.state))
        if version.published_at is not None:
            raise VersionImmutable(version.version, "create or push a new version instead")
        for field, value in changes.items():
            setattr(version, field, value)
        previous_state = version.state
        version.state = DeploymentState.UPDATED
        version.content_hash = content_of(version).content_hash()
        version.updated_at = utc_now()
        session.add(version)
        record_event(
            session,
            actor=actor,
            kind=EventKind.VERSION_UPDATED,
            project_id=connector.project_id,
            connector_id=version.connector_id,
            version_id=version.id,
            payload={
                "version": version.version,
                "fields": sorted(changes),
                "state": {"from": previous_state, "to": version.state},
            },
        )
    return version


def _validated_edits(
    name: str | None,
    description: str | None,
    readme: str | None,
    definition: object | None,
    config: object | None,
    limits: ContentLimits,
) -> dict[str, Any]:
    edits: dict[str, Any] = {}
    if name is not None:
        edits["name"] = validation.name(name)
    if description is not None:
        edits["description"] = validation.optional_text(description, "description")
    if readme is not None:
        edits["readme"] = validation.optional_text(readme, "readme", validation.README_MAX_LENGTH)
    if definition is not None:
        edits["definition"] = definition_to_json(parse_definition_input(definition, limits))
    if config is not None:
        edits["config"] = validate_config(config, limits)
    return edits


async def version_for_change(
    session: AsyncSession, actor: Principal, version_id: UUID, action: str
) -> tuple[ConnectorVersion, Connector]:
    """A version the caller may change, read after its connector's row is locked."""
    version = await session.get(ConnectorVersion, version_id)
    if version is None:
        raise NotFound("connector version")
    try:
        connector = await connector_for_change(
            session, actor=actor, connector_id=version.connector_id, action=action, lock=True
        )
    except NotFound:
        raise NotFound("connector version") from None
    # Read again under the lock: a concurrent change may have committed since the first read.
    await session.refresh(version)
    return version, connector
