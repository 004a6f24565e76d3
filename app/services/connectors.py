"""Connectors: managed (platform-owned, readable by all) and custom (one project's)."""

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import or_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql import ColumnElement
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.models import Connector
from app.domain import validation
from app.domain.access import Principal, require_project_admin
from app.domain.enums import Runtime, VersionSource
from app.domain.errors import AlreadyExists, Forbidden, InvalidInput, NotFound
from app.domain.events import EventKind
from app.services.events import record_event
from app.services.lookups import rows_by_id
from app.services.pages import Order, Page, PageRequest, fetch_page
from app.services.transactions import is_unique_violation, transaction


def visible_to(actor: Principal) -> ColumnElement[bool]:
    """SQL condition: managed connectors, and the caller's own custom ones."""
    managed = col(Connector.project_id).is_(None)
    if actor.project_id is None:
        return managed
    return or_(managed, col(Connector.project_id) == actor.project_id)


def readable_by_project(project_id: ColumnElement[Any]) -> ColumnElement[bool]:
    """`visible_to` for statements built once: the caller's project is a bound parameter, and a
    platform key binds None (`project_id = NULL` holds for no row: managed connectors only)."""
    return or_(col(Connector.project_id).is_(None), col(Connector.project_id) == project_id)


async def connectors_by_id(
    session: AsyncSession, *, actor: Principal, connector_ids: Sequence[UUID]
) -> dict[UUID, Connector]:
    return await rows_by_id(session, Connector, connector_ids, visible_to(actor))


async def create_connector(
    session: AsyncSession,
    *,
    actor: Principal,
    key: str,
    name: str,
    description: str | None = None,
    runtime: Runtime,
) -> Connector:
    """A platform key creates a managed connector; a project ADMIN key a custom one."""
    project_id = None if actor.is_platform else require_project_admin(actor, "create connectors")
    connector = Connector(
        project_id=project_id,
        key=validation.connector_key(key),
        name=validation.name(name),
        description=validation.optional_text(description, "description"),
        runtime=runtime,
    )
    async with transaction(session):
        session.add(connector)
        try:
            await session.flush()
        except IntegrityError as error:
            if is_unique_violation(error):
                owner = "managed connector" if project_id is None else "connector in this project"
                raise AlreadyExists(owner, "key", key) from None
            raise
        record_event(
            session,
            actor=actor,
            kind=EventKind.CONNECTOR_CREATED,
            project_id=project_id,
            connector_id=connector.id,
            payload={
                "key": connector.key,
                "runtime": runtime.value,
                "managed": project_id is None,
            },
        )
    return connector


async def update_connector(
    session: AsyncSession,
    *,
    actor: Principal,
    connector_id: UUID,
    name: str | None = None,
    description: str | None = None,
) -> Connector:
    """Rename or re-describe a connector (None leaves a field as it is); the key never changes.
    The same rights as its versions: its project's ADMIN, or a platform key for a managed one.
    Setting what is already there writes nothing, no event either."""
    if name is None and description is None:
        raise InvalidInput("input", "give a name or a description to change")
    wanted: dict[str, str] = {}
    if name is not None:
        wanted["name"] = validation.name(name)
    if description is not None:
        wanted["description"] = validation.optional_text(description, "description")
    async with transaction(session):
        # Locked: two edits at once each record the value the other left as their `from`.
        connector = await connector_for_change(
            session, actor=actor, connector_id=connector_id, action="update connectors", lock=True
        )
        changes = {
            field: {"from": getattr(connector, field), "to": value}
            for field, value in wanted.items()
            if getattr(connector, field) != value
        }
        if not changes:
            return connector
        for field, change in changes.items():
            setattr(connector, field, change["to"])
        session.add(connector)
        record_event(
            session,
            actor=actor,
            kind=EventKind.CONNECTOR_UPDATED,
            project_id=connector.project_id,
            connector_id=connector.id,
            payload=changes,
        )
    return connector


async def find_connector(
    session: AsyncSession, *, actor: Principal, key: str, source: VersionSource | None
) -> Connector | None:
    """The connector of `key`; without a source, the custom one wins over the managed one."""
    candidates = await connectors_by_key(session, actor=actor, keys=[key])
    by_source = {
        VersionSource.CUSTOM if c.project_id else VersionSource.MANAGED: c for c in candidates
    }
    if source is not None:
        return by_source.get(source)
    return by_source.get(VersionSource.CUSTOM) or by_source.get(VersionSource.MANAGED)


async def connectors_by_key(
    session: AsyncSession, *, actor: Principal, keys: Sequence[str]
) -> Sequence[Connector]:
    """The connectors the caller can see with one of `keys` (a custom and a managed at most)."""
    query = select(Connector).where(col(Connector.key).in_(keys), visible_to(actor))
    return (await session.exec(query)).all()


BY_KEY: Order[Connector] = Order(
    columns=(col(Connector.key), col(Connector.project_id).is_(None), col(Connector.id)),
    key_of=lambda connector: (connector.key, connector.is_managed, connector.id),
)
"""Connectors by key, a custom one before the managed one of its key."""


async def list_connectors(
    session: AsyncSession,
    *,
    actor: Principal,
    source: VersionSource | None,
    page: PageRequest,
) -> Page[Connector]:
    query = select(Connector).where(visible_to(actor))
    if source == VersionSource.MANAGED:
        query = query.where(col(Connector.project_id).is_(None))
    elif source == VersionSource.CUSTOM:
        query = query.where(col(Connector.project_id).is_not(None))
    return await fetch_page(session, query, BY_KEY, page)


async def connector_for_change(
    session: AsyncSession, *, actor: Principal, connector_id: UUID, action: str, lock: bool = False
) -> Connector:
    """A connector the caller may change: its project's custom ones, or managed ones (platform).

    `lock` holds the connector's row until the transaction ends, so that changes to its versions
    (choosing the next number, say) happen one at a time.
    """
    connector = await session.get(Connector, connector_id, with_for_update=lock)
    if connector is None or not actor.can_read_project(connector.project_id):
        raise NotFound("connector")
    _require_change_rights(actor, connector, action)
    return connector


async def connector_for_push(
    session: AsyncSession, *, actor: Principal, key: str, lock: bool = False
) -> Connector:
    """The connector a push of `key` goes to: the project's custom one, or, for a platform key,
    the managed one."""
    owned_by_caller: ColumnElement[bool] = (
        col(Connector.project_id).is_(None)
        if actor.project_id is None
        else col(Connector.project_id) == actor.project_id
    )
    query = select(Connector).where(Connector.key == key, owned_by_caller)
    if lock:
        query = query.with_for_update()
    connector = (await session.exec(query)).first()
    if connector is None:
        owner = "managed connector" if actor.project_id is None else "connector in this project"
        raise NotFound(owner, key)
    _require_change_rights(actor, connector, "push versions")
    return connector


def _require_change_rights(actor: Principal, connector: Connector, action: str) -> None:
    if connector.is_managed:
        if not actor.is_platform:
            raise Forbidden(f"managed connectors are changed with a platform key; cannot {action}")
    else:
        require_project_admin(actor, action)
