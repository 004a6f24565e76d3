"""Publishing: `publishVersion` for drafts, `pushVersion` for definitions, and the bump check both
share (DESIGN §2)."""

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import semver
from sqlalchemy import literal, tuple_
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.models import (
    Connector,
    ConnectorVersion,
    DeploymentStep,
    Project,
    RetiredVersionNumber,
    VersionRevision,
)
from app.db.types import utc_now
from app.domain import pushes, validation
from app.domain.access import Principal
from app.domain.bumps import Bump, Change, declared_bump, required_bump
from app.domain.changes import classify_changes
from app.domain.content_limits import ContentLimits
from app.domain.definition_problems import DefinitionProblem, InvalidDefinition
from app.domain.definitions import (
    ConnectorDefinition,
    definition_to_json,
    parse_definition,
    parse_definition_input,
)
from app.domain.enums import DeploymentState, Runtime
from app.domain.errors import Conflict, InvalidInput
from app.domain.events import EventKind
from app.domain.pipeline import DeploymentStep as PipelineStep
from app.domain.pipeline import StepOutcome
from app.domain.pushes import ExistingVersion, OverwriteRule, PushAction
from app.domain.version_errors import (
    InsufficientVersionBump,
    InvalidTransition,
    VersionInBin,
    VersionNumberRetired,
)
from app.domain.versions import VersionContent, parse_version, precedence_key, validate_config
from app.services.connectors import connector_for_push
from app.services.events import record_event
from app.services.transactions import is_unique_violation, transaction
from app.services.versions.drafts import version_for_change
from app.services.versions.reads import new_version_row

_PUSH_ATTEMPTS = 3


@dataclass(frozen=True)
class BumpCheck:
    """What a new definition changes against the previous published version."""

    previous: str | None = None
    changes: list[Change] = field(default_factory=list)

    @property
    def required_bump(self) -> Bump | None:
        return required_bump(self.changes)


@dataclass(frozen=True)
class PushOutcome:
    version: ConnectorVersion
    changed: bool
    check: BumpCheck


async def check_bump(
    session: AsyncSession,
    *,
    connector_id: UUID,
    number: semver.Version,
    definition: ConnectorDefinition,
) -> BumpCheck:
    """Classify the change against the previous release (`app.domain.pushes`) and refuse a
    too-small bump."""
    previous = await read_previous_release(session, connector_id=connector_id, number=number)
    if previous is None or previous.definition is None:
        return BumpCheck(previous=None if previous is None else previous.version)
    changes = classify_changes(parse_definition(previous.definition), definition)
    check = BumpCheck(previous=previous.version, changes=changes)
    required = check.required_bump
    declared = declared_bump(precedence_key(previous.version), number)
    if required is not None and (declared is None or declared < required):
        raise InsufficientVersionBump(
            version=str(number),
            previous=previous.version,
            required=required,
            declared=declared,
            changes=changes,
        )
    return check


@dataclass(frozen=True)
class PreviousRelease:
    version: str
    definition: dict[str, Any] | None


async def read_previous_release(
    session: AsyncSession, *, connector_id: UUID, number: semver.Version
) -> PreviousRelease | None:
    """The previous release for `number` (`app.domain.pushes.previous_release`, whose SQL twin
    this is), with its definition only.

    Releases have no prerelease part, so precedence among them is (major, minor, patch) and the
    database finds the one in question; a prerelease `number` ranks below its own release, which
    the same comparison gives. One row is read, however many versions the connector has.
    """
    below = tuple_(
        col(ConnectorVersion.major), col(ConnectorVersion.minor), col(ConnectorVersion.patch)
    ) < tuple_(literal(number.major), literal(number.minor), literal(number.patch))
    row = (
        await session.exec(
            select(col(ConnectorVersion.version), col(ConnectorVersion.definition))
            .where(
                ConnectorVersion.connector_id == connector_id,
                col(ConnectorVersion.published_at).is_not(None),
                col(ConnectorVersion.binned_at).is_(None),
                col(ConnectorVersion.prerelease).is_(None),
                below,
            )
            .order_by(
                col(ConnectorVersion.major).desc(),
                col(ConnectorVersion.minor).desc(),
                col(ConnectorVersion.patch).desc(),
            )
            .limit(1)
        )
    ).first()
    return None if row is None else PreviousRelease(version=row[0], definition=row[1])


async def publish_version(
    session: AsyncSession, *, actor: Principal, version_id: UUID
) -> tuple[ConnectorVersion, BumpCheck]:
    """Publish a draft: an IMAGE version from PROD_SYNCED (its RELEASE step), a DEFINITION
    version when its definition is valid. Both pass the bump check when they carry a definition."""
    async with transaction(session):
        version, connector = await version_for_change(
            session, actor, version_id, "publish versions"
        )
        state_before = DeploymentState(version.state)
        check = await release_version(session, actor=actor, version=version, connector=connector)
        if connector.runtime == Runtime.IMAGE:
            # The RELEASE step, whichever mutation ran it, belongs in the deployment history.
            session.add(
                DeploymentStep(
                    version_id=version.id,
                    step=PipelineStep.RELEASE,
                    outcome=StepOutcome.SUCCEEDED,
                    message="released by publishVersion",
                    state_before=state_before,
                    state_after=version.state,
                    api_key_id=actor.api_key_id,
                )
            )
    return version, check


async def release_version(
    session: AsyncSession, *, actor: Principal, version: ConnectorVersion, connector: Connector
) -> BumpCheck:
    """Publish a version read under its connector's lock, inside the caller's transaction: the
    checks, the RELEASED state and the `version.published` event that every way of publishing a
    draft shares (`publishVersion`, and the pipeline's RELEASE step)."""
    if version.binned_at is not None:
        raise VersionInBin(version.version, DeploymentState(version.state))
    if version.published_at is not None:
        raise InvalidTransition(
            DeploymentState(version.state), f"version {version.version} is already published"
        )
    if connector.runtime == Runtime.IMAGE and version.state != DeploymentState.PROD_SYNCED:
        raise InvalidTransition(
            DeploymentState(version.state),
            "an IMAGE version is released from PROD_SYNCED: record its BUILD, SYNC_DEV, TEST "
            "and SYNC_PROD steps first",
        )
    if version.definition is None:
        if connector.runtime == Runtime.DEFINITION:
            raise InvalidDefinition(
                [DefinitionProblem("", "a DEFINITION version needs a definition to publish")]
            )
        check = BumpCheck()
    else:
        check = await check_bump(
            session,
            connector_id=connector.id,
            # The stored number was checked when written: read it, do not judge it again.
            number=precedence_key(version.version),
            definition=parse_definition(version.definition),
        )
    version.published_at = utc_now()
    version.state = DeploymentState.RELEASED
    version.updated_at = version.published_at
    session.add(version)
    record_event(
        session,
        actor=actor,
        kind=EventKind.VERSION_PUBLISHED,
        project_id=connector.project_id,
        connector_id=connector.id,
        version_id=version.id,
        payload={"version": version.version, "requiredBump": _bump_value(check)},
    )
    return check


@dataclass(frozen=True)
class PushRequest:
    connector_key: str
    number: semver.Version
    definition: ConnectorDefinition
    name: str | None
    description: str
    readme: str
    config: dict[str, Any]
    force: bool

    def content(self, connector: Connector) -> VersionContent:
        return VersionContent(
            name=self.name or connector.name,
            description=self.description,
            readme=self.readme,
            definition=definition_to_json(self.definition),
            config=self.config,
        )


async def push_version(
    session: AsyncSession,
    *,
    actor: Principal,
    connector_key: str,
    number: str,
    definition: object,
    name: str | None = None,
    description: str | None = None,
    readme: str | None = None,
    config: object | None = None,
    force: bool = False,
    limits: ContentLimits,
) -> PushOutcome:
    """Create and publish version `number` of a DEFINITION connector in one step (DESIGN §2).

    Everything sent is checked before the first statement, a definition against `limits`
    before anything else looks at it."""
    request = prepare_push(
        connector_key=connector_key,
        number=number,
        definition=definition,
        name=name,
        description=description,
        readme=readme,
        config=config,
        force=force,
        limits=limits,
    )
    return await push_prepared(session, actor=actor, request=request)


def prepare_push(
    *,
    connector_key: str,
    number: str,
    definition: object,
    name: str | None,
    description: str | None,
    readme: str | None,
    config: object | None,
    force: bool,
    limits: ContentLimits,
) -> "PushRequest":
    """A push's input checked, without a statement: what `push_version` does first (an impact
    preview does it before its transaction, as the push does)."""
    return PushRequest(
        connector_key=validation.connector_key(connector_key, "connectorKey"),
        number=parse_version(number),
        definition=parse_definition_input(definition, limits),
        name=None if name is None else validation.name(name),
        description=validation.optional_text(description, "description"),
        readme=validation.optional_text(readme, "readme", validation.README_MAX_LENGTH),
        config=validate_config({} if config is None else config, limits),
        force=force,
    )


async def push_prepared(
    session: AsyncSession, *, actor: Principal, request: "PushRequest"
) -> PushOutcome:
    """`push_version` for an input `prepare_push` checked."""
    for _ in range(_PUSH_ATTEMPTS):
        try:
            return await _push_once(session, actor, request)
        except IntegrityError as error:
            # Two pushes of one new number: the loser sees the winner's version next time round
            # and answers as such. The connector's row lock makes this rare.
            if not is_unique_violation(error):
                raise
    raise Conflict("another push of this version landed at the same moment each time; try again")


async def _push_once(session: AsyncSession, actor: Principal, request: PushRequest) -> PushOutcome:
    async with transaction(session):
        connector = await connector_for_push(
            session, actor=actor, key=request.connector_key, lock=True
        )
        if connector.runtime != Runtime.DEFINITION:
            raise InvalidInput(
                "connectorKey", "an IMAGE connector publishes through its deployment pipeline"
            )
        number = request.number
        await _refuse_retired(session, connector, number)
        content = request.content(connector)
        content_hash = content.content_hash()
        existing = (
            await session.exec(
                select(ConnectorVersion).where(
                    ConnectorVersion.connector_id == connector.id,
                    ConnectorVersion.version == str(number),
                )
            )
        ).first()
        found = None if existing is None else _as_existing(existing)
        action = pushes.decide_push(
            found,
            content_hash=content_hash,
            force=request.force,
            overwrite=(
                await _overwrite_rule(session, connector)
                if pushes.overwrite_in_question(found, content_hash)
                else None
            ),
        )
        if action is PushAction.UNCHANGED:
            assert existing is not None
            return PushOutcome(version=existing, changed=False, check=BumpCheck())
        check = await check_bump(
            session, connector_id=connector.id, number=number, definition=request.definition
        )
        version, kind = await _write_push(session, connector, action, existing, content, number)
        session.add(version)
        record_event(
            session,
            actor=actor,
            kind=kind,
            project_id=connector.project_id,
            connector_id=connector.id,
            version_id=version.id,
            payload={
                "version": version.version,
                "revision": version.revision,
                "contentHash": version.content_hash,
                "requiredBump": _bump_value(check),
            },
        )
    return PushOutcome(version=version, changed=True, check=check)


async def _refuse_retired(
    session: AsyncSession, connector: Connector, number: semver.Version
) -> None:
    retired = (
        await session.exec(
            select(RetiredVersionNumber).where(
                RetiredVersionNumber.connector_id == connector.id,
                RetiredVersionNumber.version == str(number),
            )
        )
    ).first()
    if retired is not None:
        raise VersionNumberRetired(str(number))


async def _write_push(
    session: AsyncSession,
    connector: Connector,
    action: PushAction,
    existing: ConnectorVersion | None,
    content: VersionContent,
    number: semver.Version,
) -> tuple[ConnectorVersion, EventKind]:
    """Write what `decide_push` said: create the version, publish the draft, or overwrite the
    published one (keeping its content as a revision)."""
    if action is PushAction.CREATE:
        version = new_version_row(
            connector_id=connector.id,
            number=str(number),
            content=content,
            published_at=utc_now(),
            state=DeploymentState.RELEASED,
        )
        session.add(version)
        await session.flush()
        return version, EventKind.VERSION_PUSHED
    assert existing is not None, action
    if action is PushAction.PUBLISH_DRAFT:
        version = _replace_content(existing, content)
        version.published_at = version.updated_at
        version.state = DeploymentState.RELEASED
        return version, EventKind.VERSION_PUSHED
    assert action is PushAction.OVERWRITE, action
    session.add(_revision_of(existing))
    version = _replace_content(existing, content)
    version.revision += 1
    return version, EventKind.VERSION_OVERWRITTEN


def _as_existing(version: ConnectorVersion) -> ExistingVersion:
    return ExistingVersion(
        number=version.version,
        state=DeploymentState(version.state),
        published=version.published_at is not None,
        binned=version.binned_at is not None,
        content_hash=version.content_hash,
    )


async def _overwrite_rule(session: AsyncSession, connector: Connector) -> OverwriteRule:
    """Read only when an overwrite is in question: a custom connector's rule costs a statement."""
    if connector.project_id is None:
        return OverwriteRule.MANAGED
    project = await session.get(Project, connector.project_id)
    if project is None or project.immutable_versioning:
        return OverwriteRule.IMMUTABLE
    return OverwriteRule.WITH_FORCE


def _revision_of(version: ConnectorVersion) -> VersionRevision:
    """The content a forced overwrite replaces, kept in the version's history."""
    return VersionRevision(
        version_id=version.id,
        revision=version.revision,
        name=version.name,
        description=version.description,
        readme=version.readme,
        definition=version.definition,
        config=version.config,
        content_hash=version.content_hash,
        published_at=version.published_at,
    )


def _replace_content(version: ConnectorVersion, content: VersionContent) -> ConnectorVersion:
    version.name = content.name
    version.description = content.description
    version.readme = content.readme
    version.definition = content.definition
    version.config = content.config
    version.content_hash = content.content_hash()
    version.updated_at = utc_now()
    return version


def _bump_value(check: BumpCheck) -> str | None:
    bump = check.required_bump
    return None if bump is None else bump.value
