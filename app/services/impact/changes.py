"""The changes an impact preview can be asked about (DESIGN §12), each one a mutation's own
service call plus the auth configs it may move.

A change names its scope before it runs (which auth configs can move at all), taking the lock
its mutation takes first, so that what is read before it is what the mutation decides on. Then
`apply` runs the mutation's service function itself: the preview and the change cannot disagree.
A new kind is one more class with these two methods.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.models import AuthConfig, Connector, ConnectorVersion
from app.domain.access import Principal
from app.domain.content_limits import ContentLimits
from app.domain.enums import PinSource
from app.services.accounts import auth_configs, rollouts
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

    @property
    def managed_by_platform(self) -> bool:
        return True

    async def scope(self, session: AsyncSession, actor: Principal) -> Scope:
        return Scope.of_connector(await _connector_of_version(session, self.version_id))


@dataclass(frozen=True)
class PublishChange(_VersionChange):
    async def apply(self, session: AsyncSession, actor: Principal) -> None:
        await publishing.publish_version(session, actor=actor, version_id=self.version_id)


@dataclass(frozen=True)
class DeprecateChange(_VersionChange):
    message: str | None = None
    sunset_at: datetime | None = None

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
    async def apply(self, session: AsyncSession, actor: Principal) -> None:
        await lifecycle.undeprecate_version(session, actor=actor, version_id=self.version_id)


@dataclass(frozen=True)
class MoveToBinChange(_VersionChange):
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
        await publishing.push_version(
            session,
            actor=actor,
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


@dataclass(frozen=True)
class _AuthConfigChange:
    """A change to one auth config of the caller's project: it can move only that one."""

    auth_config_id: UUID
    revision: int

    @property
    def managed_by_platform(self) -> bool:
        return False

    async def scope(self, session: AsyncSession, actor: Principal) -> Scope:
        # Not locked here: the mutation locks the key's connectors before the auth config.
        found = await session.get(AuthConfig, self.auth_config_id)
        if found is None or found.project_id != actor.project_id:
            return NOTHING
        return Scope(auth_config_id=found.id)


@dataclass(frozen=True)
class PinChange(_AuthConfigChange):
    """`pinAuthConfig`'s input."""

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

    async def apply(self, session: AsyncSession, actor: Principal) -> None:
        await rollouts.complete_rollout(
            session, actor=actor, auth_config_id=self.auth_config_id, revision=self.revision
        )


@dataclass(frozen=True)
class AbortRolloutChange(_AuthConfigChange):
    """`abortRollout`'s input."""

    async def apply(self, session: AsyncSession, actor: Principal) -> None:
        await rollouts.abort_rollout(
            session, actor=actor, auth_config_id=self.auth_config_id, revision=self.revision
        )
