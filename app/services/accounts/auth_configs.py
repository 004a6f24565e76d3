"""Auth configs: a project's use of a connector key, and the pin its linked accounts follow."""

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

import sqlalchemy
from sqlalchemy import Uuid, and_, bindparam, or_
from sqlalchemy.sql import ColumnElement
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from app.db.invalidation import LookupMemory, lookup_memory
from app.db.models import AuthConfig, Connector, Rollout
from app.db.types import utc_now
from app.domain import validation
from app.domain.access import Principal, require_project_admin
from app.domain.enums import PinSource
from app.domain.errors import Conflict, NotFound
from app.domain.events import EventKind
from app.domain.pin_targets import check_pin_target
from app.domain.pins import Pin, parse_pin
from app.services.effective.kept_auth_configs import (
    KeptAuthConfig,
    keep_auth_configs,
    kept_auth_configs,
)
from app.services.effective.resolution import ConnectorStamp, ProjectKey
from app.services.events import record_event
from app.services.key_locks import lock_key, versions_under_lock
from app.services.pages import Order, Page, PageRequest, fetch_page, fetch_pages_by_parent
from app.services.transactions import transaction


@dataclass(frozen=True)
class PinnedAuthConfig:
    """An auth config as a write left it, and the warnings of its pin (an exact pin to a
    deprecated version)."""

    auth_config: AuthConfig
    warnings: list[str]


async def create_auth_config(
    session: AsyncSession,
    *,
    actor: Principal,
    connector_key: str,
    name: str,
    pin: str | None = None,
    pin_source: PinSource = PinSource.ANY,
) -> PinnedAuthConfig:
    """A new auth config of a key the project can see; an exact pin must name a version it can
    run (`app.domain.pin_targets`)."""
    project_id = require_project_admin(actor, "create auth configs")
    key = validation.connector_key(connector_key, "connectorKey")
    parsed = parse_pin(pin)
    auth_config = AuthConfig(
        project_id=project_id,
        connector_key=key,
        name=validation.name(name),
        pin=parsed.text,
        pin_source=pin_source,
    )
    async with transaction(session):
        project_key = ProjectKey.of(auth_config)
        # The key's connectors visible to the project are exactly those `lock_key` holds.
        locked = await lock_key(session, project_key)
        if not locked:
            raise NotFound("connector", key)
        warnings = await _check_pin(session, project_key, locked, parsed, pin_source)
        session.add(auth_config)
        await session.flush()
        record_event(
            session,
            actor=actor,
            kind=EventKind.AUTH_CONFIG_CREATED,
            project_id=project_id,
            auth_config_id=auth_config.id,
            payload={
                "connectorKey": key,
                "name": auth_config.name,
                "pin": auth_config.pin,
                "pinSource": pin_source.value,
            },
        )
    return PinnedAuthConfig(auth_config, warnings)


async def pin_auth_config(
    session: AsyncSession,
    *,
    actor: Principal,
    auth_config_id: UUID,
    pin: str | None,
    pin_source: PinSource | None,
    revision: int,
    keep_pin: bool = False,
) -> PinnedAuthConfig:
    """Change the pin (None unpins) and/or its source; `revision` must be the one the caller read
    (else CONFLICT). The pin that results, when exact, must name a version it can run (kept pins
    too: a new source may leave their number without a version). Setting what is already there
    changes nothing, the revision included."""
    require_project_admin(actor, "pin auth configs")
    parsed = parse_pin(pin)
    async with transaction(session):
        auth_config, locked = await auth_config_for_change(session, actor, auth_config_id, revision)
        before = {"pin": auth_config.pin, "pinSource": auth_config.pin_source}
        new_pin = parse_pin(auth_config.pin) if keep_pin else parsed
        new_source = PinSource(auth_config.pin_source) if pin_source is None else pin_source
        warnings = await _check_pin(
            session, ProjectKey.of(auth_config), locked, new_pin, new_source
        )
        if (new_pin.text, new_source) == (auth_config.pin, auth_config.pin_source):
            return PinnedAuthConfig(auth_config, warnings)
        auth_config.pin, auth_config.pin_source = new_pin.text, new_source
        changed(auth_config)
        session.add(auth_config)
        record_event(
            session,
            actor=actor,
            kind=EventKind.AUTH_CONFIG_PINNED,
            project_id=auth_config.project_id,
            auth_config_id=auth_config.id,
            payload={
                "from": before,
                "to": {"pin": auth_config.pin, "pinSource": auth_config.pin_source},
                "revision": auth_config.revision,
            },
        )
    return PinnedAuthConfig(auth_config, warnings)


async def _check_pin(
    session: AsyncSession,
    key: ProjectKey,
    locked: list[ConnectorStamp],
    pin: Pin,
    pin_source: PinSource,
) -> list[str]:
    """`check_pin_target` on the versions of the connectors the transaction holds (floating
    pins read none)."""
    if pin.is_floating:
        return []
    versions = await versions_under_lock(session, key, locked)
    return check_pin_target(pin, pin_source, versions.candidates)


async def set_auth_config_active(
    session: AsyncSession,
    *,
    actor: Principal,
    auth_config_id: UUID,
    active: bool,
    revision: int | None = None,
) -> AuthConfig:
    """Turn an auth config (and so its accounts) on or off; `revision` is checked when given."""
    require_project_admin(actor, "activate or deactivate auth configs")
    async with transaction(session):
        auth_config, _ = await auth_config_for_change(session, actor, auth_config_id, revision)
        if auth_config.active != active:
            auth_config.active = active
            changed(auth_config)
            session.add(auth_config)
            record_event(
                session,
                actor=actor,
                kind=EventKind.AUTH_CONFIG_ACTIVATED
                if active
                else EventKind.AUTH_CONFIG_DEACTIVATED,
                project_id=auth_config.project_id,
                auth_config_id=auth_config.id,
                payload={"active": active, "revision": auth_config.revision},
            )
    return auth_config


async def auth_config_for_change(
    session: AsyncSession, actor: Principal, auth_config_id: UUID, revision: int | None
) -> tuple[AuthConfig, list[ConnectorStamp]]:
    """The auth config, locked and read afresh, at the revision the caller read; and the
    connectors of its key, locked before it (`app.services.key_locks`: connectors first)."""
    found = await session.get(AuthConfig, auth_config_id)
    if found is None or found.project_id != actor.project_id:
        raise NotFound("auth config")
    # The project and the key never change, so the unlocked read names the right connectors.
    locked = await lock_key(session, ProjectKey.of(found))
    auth_config = await session.get(
        AuthConfig, auth_config_id, with_for_update=True, populate_existing=True
    )
    if auth_config is None:
        raise NotFound("auth config")
    if revision is not None and auth_config.revision != revision:
        raise Conflict(
            f"the auth config is at revision {auth_config.revision}, not {revision}: "
            "read it again and retry"
        )
    return auth_config, locked


def changed(auth_config: AuthConfig) -> None:
    """A new revision of the auth config, now."""
    auth_config.revision += 1
    auth_config.updated_at = utc_now()


def auth_config_visible_to(actor: Principal) -> ColumnElement[bool]:
    """SQL condition: the caller's project's auth configs (a platform key has none)."""
    return col(AuthConfig.project_id) == actor.project_id


_BY_ID_WITH_STAMPS = (
    sqlalchemy.select(
        AuthConfig,
        col(Connector.id),
        col(Connector.project_id),
        col(Connector.key),
        col(Connector.versions_stamp),
        Rollout,
    )
    .outerjoin(
        Connector,
        and_(
            col(Connector.key) == col(AuthConfig.connector_key),
            or_(
                col(Connector.project_id).is_(None),
                col(Connector.project_id) == col(AuthConfig.project_id),
            ),
        ),
    )
    # Its running rollout, if any: an account's version depends on it (an index lookup).
    .outerjoin(
        Rollout,
        and_(col(Rollout.auth_config_id) == col(AuthConfig.id), col(Rollout.ended_at).is_(None)),
    )
    .where(
        col(AuthConfig.id).in_(bindparam("auth_config_ids", expanding=True)),
        col(AuthConfig.project_id) == bindparam("viewer_project_id", type_=Uuid),
    )
)


@dataclass(frozen=True)
class AuthConfigsRead:
    """Auth configs by id, and the stamps of the connectors each one's key names (read in the
    same statement: resolution needs them next, see `app.services.effective.candidate_cache`), and
    the running rollout of each (None without one)."""

    auth_configs: dict[UUID, AuthConfig]
    stamps: dict[ProjectKey, list[ConnectorStamp]]
    rollouts: dict[UUID, Rollout | None]

    def add(self, found: KeptAuthConfig) -> None:
        auth_config = found.auth_config
        self.auth_configs[auth_config.id] = auth_config
        self.rollouts[auth_config.id] = found.rollout
        self.stamps[ProjectKey.of(auth_config)] = list(found.stamps)


def auth_configs_kept(
    memory: LookupMemory | None, *, actor: Principal, auth_config_ids: Sequence[UUID]
) -> tuple[AuthConfigsRead, Sequence[UUID]]:
    """What this process's copies answer of `auth_configs_by_id` (those in the caller's
    project), and the ids they cannot answer for (all of them while copies may not be served).
    No I/O: a lookup asks it before taking any turn of the session."""
    read = AuthConfigsRead(auth_configs={}, stamps={}, rollouts={})
    if memory is None or not memory.serves:
        return read, auth_config_ids
    kept, missing = kept_auth_configs(memory, auth_config_ids)
    for found in kept:
        if found.auth_config.project_id == actor.project_id:
            read.add(found)
    return read, missing


async def auth_configs_by_id(
    session: AsyncSession, *, actor: Principal, auth_config_ids: Sequence[UUID]
) -> AuthConfigsRead:
    """Those of `auth_config_ids` in the caller's project (`auth_config_visible_to`, with the
    project bound: a platform key binds None and reads none).

    This process's copies answer while they may (`app.services.effective.kept_auth_configs`);
    the others are read in one statement, and kept unless something changed meanwhile."""
    memory = lookup_memory(session)
    read, missing = auth_configs_kept(memory, actor=actor, auth_config_ids=auth_config_ids)
    if not missing:
        return read
    start = None if memory is None else memory.start_read()
    parameters = {"auth_config_ids": list(missing), "viewer_project_id": actor.project_id}
    rows = (await session.exec(_BY_ID_WITH_STAMPS, params=parameters)).all()  # type: ignore[call-overload]
    fresh: dict[UUID, KeptAuthConfig] = {}
    for auth_config, connector_id, project_id, key, stamp, rollout in rows:
        found = fresh.get(auth_config.id) or KeptAuthConfig(auth_config, (), rollout)
        if connector_id is not None:
            stamps = (*found.stamps, ConnectorStamp(connector_id, project_id, key, stamp))
            found = KeptAuthConfig(auth_config, stamps, rollout)
        fresh[auth_config.id] = found
    for found in fresh.values():
        read.add(found)
    if memory is not None:
        keep_auth_configs(memory, start, fresh.values())
    return read


async def get_auth_config(
    session: AsyncSession, *, actor: Principal, auth_config_id: UUID
) -> AuthConfig:
    auth_config = await session.get(AuthConfig, auth_config_id)
    if auth_config is None or auth_config.project_id != actor.project_id:
        raise NotFound("auth config")
    return auth_config


OLDEST_FIRST: Order[AuthConfig] = Order(
    columns=(col(AuthConfig.created_at), col(AuthConfig.id)),
    key_of=lambda auth_config: (auth_config.created_at, auth_config.id),
)
"""Auth configs' order, served within a project (and a connector key) by an index."""


def _visible(actor: Principal, connector_key: str | None) -> SelectOfScalar[AuthConfig]:
    query = select(AuthConfig).where(auth_config_visible_to(actor))
    if connector_key is not None:
        query = query.where(AuthConfig.connector_key == connector_key)
    return query


async def list_auth_configs(
    session: AsyncSession,
    *,
    actor: Principal,
    connector_key: str | None,
    page: PageRequest,
) -> Page[AuthConfig]:
    """The caller's project's auth configs (a platform key has none)."""
    return await fetch_page(session, _visible(actor, connector_key), OLDEST_FIRST, page)


async def auth_configs_by_connector_key(
    session: AsyncSession,
    *,
    actor: Principal,
    connector_keys: Sequence[str],
    page: PageRequest,
) -> dict[str, Page[AuthConfig]]:
    """One page of the caller's auth configs for each connector key."""
    return await fetch_pages_by_parent(
        session,
        model=AuthConfig,
        parent=AuthConfig.connector_key,  # type: ignore[arg-type]
        parent_ids=connector_keys,
        order=OLDEST_FIRST,
        page=page,
        where=(auth_config_visible_to(actor),),
    )
