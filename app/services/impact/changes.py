"""The changes an impact preview can be asked about (DESIGN §12), each one a mutation's own
service call plus the auth configs it may move.

First `refuse` raises what the mutation raises before it takes a lock or writes: its checks of
the input, then of the caller's right to make the change (a VIEWER, a project key for a managed
version), with the same helpers and messages, reading without locks. Only a change that passes
goes on: it names its scope (which auth configs can move at all), taking the lock its mutation
takes first, so that what is read before it is what the mutation decides on. Then `apply` runs
the mutation's service function itself: the preview and the change cannot disagree. A new kind
is one more class with these three methods.
"""

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Protocol
from uuid import UUID

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.models import AuthConfig, Connector, ConnectorVersion
from app.domain import validation
from app.domain.access import Principal, require_project_admin
from app.domain.content_limits import ContentLimits
from app.domain.enums import PinSource
from app.domain.errors import InvalidInput, NotFound
from app.services.accounts import auth_configs, rollouts
from app.services.connectors import connector_for_change, connector_for_push
from app.services.versions import lifecycle, publishing

EVERY_PROJECT = None


@dataclass(frozen=True)
class Scope:
    """The auth configs a change can move: those of `connector_key` in `project_id` (None:
    every project, for a managed connector), or the one auth config `auth_config_id`."""

    connector_key: str | None = None
    project_id: UUID | None = EVERY_PROJECT
    auth_config_id: UUID | None = None

    @classmethod
    def of_connector(cls, connector: Connector | None) -> "Scope":
        if connector is None:
            return NOTHING
        return cls(connector_key=connector.key, project_id=connector.project_id)


NOTHING = Scope(connector_key="", project_id=EVERY_PROJECT)
"""No auth config: the change's object does not exist, and its mutation will say so."""


class ProposedChange(Protocol):
    """One change, as its mutation would make it."""

    @property
    def managed_by_platform(self) -> bool:
        """Whether a platform key may stand in for a project key that may not make it (a change
        to a version names its connector, which may be a managed one; a push or a pin always
        means the caller's own project)."""
        ...

    async def refuse(self, session: AsyncSession, actor: Principal) -> None:
        """Raise what the mutation raises before its first lock and write, if anything: no
        lock is taken and nothing is written."""
        ...

    async def scope(self, session: AsyncSession, actor: Principal) -> Scope: ...

    async def apply(self, session: AsyncSession, actor: Principal) -> None: ...


async def _connector_of_version(session: AsyncSession, version_id: UUID) -> Connector | None:
    """The version's connector, locked as its mutation locks it first."""
    query = (
        select(Connector)
        .join(ConnectorVersion, col(ConnectorVersion.connector_id) == col(Connector.id))
        .where(ConnectorVersion.id == version_id)
        .with_for_update(of=Connector)
    )
    return (await session.exec(query)).first()


@dataclass(frozen=True)
class _VersionChange:
    version_id: UUID

    action = ""
    """The mutation's words for what it does, as its refusals say them."""

    @property
    def managed_by_platform(self) -> bool:
        return True

    async def refuse(self, session: AsyncSession, actor: Principal) -> None:
        """`version_for_change`'s checks, without its lock."""
        version = await session.get(ConnectorVersion, self.version_id)
        if version is None:
            raise NotFound("connector version")
        try:
            await connector_for_change(
                session, actor=actor, connector_id=version.connector_id, action=self.action
            )
        except NotFound:
            raise NotFound("connector version") from None

    async def scope(self, session: AsyncSession, actor: Principal) -> Scope:
        return Scope.of_connector(await _connector_of_version(session, self.version_id))


@dataclass(frozen=True)
class PublishChange(_VersionChange):
    action = "publish versions"

    async def apply(self, session: AsyncSession, actor: Principal) -> None:
        await publishing.publish_version(session, actor=actor, version_id=self.version_id)


@dataclass(frozen=True)
class DeprecateChange(_VersionChange):
    message: str | None = None
    sunset_at: datetime | None = None

    action = "deprecate versions"

    async def refuse(self, session: AsyncSession, actor: Principal) -> None:
        validation.optional_text(self.message, "message")
        if self.sunset_at is not None and self.sunset_at.tzinfo is None:
            raise InvalidInput("sunsetAt", "needs a time zone")
        await super().refuse(session, actor)

    async def apply(self, session: AsyncSession, actor: Principal) -> None:
        await lifecycle.deprecate_version(
            session,
            actor=actor,
            version_id=self.version_id,
            message=self.message,
            sunset_at=self.sunset_at,
        )


@dataclass(frozen=True)
class UndeprecateChange(_VersionChange):
    action = "undeprecate versions"

    async def apply(self, session: AsyncSession, actor: Principal) -> None:
        await lifecycle.undeprecate_version(session, actor=actor, version_id=self.version_id)


@dataclass(frozen=True)
class MoveToBinChange(_VersionChange):
    action = "move versions to the bin"

    async def apply(self, session: AsyncSession, actor: Principal) -> None:
        await lifecycle.move_version_to_bin(session, actor=actor, version_id=self.version_id)


@dataclass(frozen=True)
class PushChange:
    """`pushVersion`'s input, checked by the push itself."""

    connector_key: str
    number: str
    definition: object
    limits: ContentLimits
    name: str | None = None
    description: str | None = None
    readme: str | None = None
    config: object | None = None
    force: bool = False

    @property
    def managed_by_platform(self) -> bool:
        return False

    @cached_property
    def request(self) -> publishing.PushRequest:
        """The input checked, as the push checks it before its transaction."""
        return publishing.prepare_push(
            connector_key=self.connector_key,
            number=self.number,
            definition=self.definition,
            name=self.name,
            description=self.description,
            readme=self.readme,
            config=self.config,
            force=self.force,
            limits=self.limits,
        )

    async def refuse(self, session: AsyncSession, actor: Principal) -> None:
        await connector_for_push(session, actor=actor, key=self.request.connector_key)

    async def scope(self, session: AsyncSession, actor: Principal) -> Scope:
        owner = (
            col(Connector.project_id).is_(None)
            if actor.project_id is None
            else col(Connector.project_id) == actor.project_id
        )
        query = (
            select(Connector).where(Connector.key == self.connector_key, owner).with_for_update()
        )
        return Scope.of_connector((await session.exec(query)).first())

    async def apply(self, session: AsyncSession, actor: Principal) -> None:
        await publishing.push_prepared(session, actor=actor, request=self.request)


@dataclass(frozen=True)
class _AuthConfigChange:
    """A change to one auth config of the caller's project: it can move only that one."""

    auth_config_id: UUID
    revision: int

    action = ""
    """The mutation's words for what it does, as its refusals say them."""

    @property
    def managed_by_platform(self) -> bool:
        return False

    async def refuse(self, session: AsyncSession, actor: Principal) -> None:
        """The mutation's first check, before it reads anything."""
        require_project_admin(actor, self.action)

    async def scope(self, session: AsyncSession, actor: Principal) -> Scope:
        # Not locked here: the mutation locks the key's connectors before the auth config.
        found = await session.get(AuthConfig, self.auth_config_id)
        if found is None or found.project_id != actor.project_id:
            return NOTHING
        return Scope(auth_config_id=found.id)


@dataclass(frozen=True)
class PinChange(_AuthConfigChange):
    """`pinAuthConfig`'s input."""

    action = "pin auth configs"

    pin: str | None = None
    pin_source: PinSource | None = None
    keep_pin: bool = False

    async def apply(self, session: AsyncSession, actor: Principal) -> None:
        await auth_configs.pin_auth_config(
            session,
            actor=actor,
            auth_config_id=self.auth_config_id,
            pin=self.pin,
            pin_source=self.pin_source,
            revision=self.revision,
            keep_pin=self.keep_pin,
        )


@dataclass(frozen=True)
class StartRolloutChange(_AuthConfigChange):
    """`startRollout`'s input. The rollout's id derives from the auth config and the revision
    (`app.domain.rollouts.rollout_id_for`), so the preview's buckets are the start's."""

    action = "start rollouts"

    target_version: str = ""
    target_source: PinSource = PinSource.ANY
    percent: int = 0

    async def apply(self, session: AsyncSession, actor: Principal) -> None:
        await rollouts.start_rollout(
            session,
            actor=actor,
            auth_config_id=self.auth_config_id,
            target_version=self.target_version,
            target_source=self.target_source,
            percent=self.percent,
            revision=self.revision,
        )


@dataclass(frozen=True)
class SetRolloutPercentChange(_AuthConfigChange):
    """`setRolloutPercent`'s input."""

    action = "change rollouts"

    percent: int = 0

    async def apply(self, session: AsyncSession, actor: Principal) -> None:
        await rollouts.set_rollout_percent(
            session,
            actor=actor,
            auth_config_id=self.auth_config_id,
            percent=self.percent,
            revision=self.revision,
        )


@dataclass(frozen=True)
class CompleteRolloutChange(_AuthConfigChange):
    """`completeRollout`'s input."""

    action = "complete rollouts"

    async def apply(self, session: AsyncSession, actor: Principal) -> None:
        await rollouts.complete_rollout(
            session, actor=actor, auth_config_id=self.auth_config_id, revision=self.revision
        )


@dataclass(frozen=True)
class AbortRolloutChange(_AuthConfigChange):
    """`abortRollout`'s input."""

    action = "abort rollouts"

    async def apply(self, session: AsyncSession, actor: Principal) -> None:
        await rollouts.abort_rollout(
            session, actor=actor, auth_config_id=self.auth_config_id, revision=self.revision
        )
