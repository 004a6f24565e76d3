"""Reading the history (DESIGN §1): the events a caller may see, newest first.

A project key sees its project's events; a platform key sees the platform's own (those with no
project, e.g. managed connectors and their versions). History outlives what it mentions, so the
filters are plain ids and need no longer name a visible object.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from sqlalchemy.sql import ColumnElement
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from app.db.models import Event
from app.domain.access import Principal
from app.domain.events import EventKind
from app.services.pages import Order, Page, PageRequest, fetch_page


@dataclass(frozen=True, slots=True)
class EventFilter:
    """Each set field narrows the events to those naming that object or kind."""

    connector_id: UUID | None = None
    version_id: UUID | None = None
    auth_config_id: UUID | None = None
    kind: EventKind | None = None


def in_scope(actor: Principal) -> ColumnElement[bool]:
    """The events `actor` may read."""
    if actor.is_platform:
        return col(Event.project_id).is_(None)
    return col(Event.project_id) == actor.project_id


def _visible(actor: Principal, where: EventFilter) -> SelectOfScalar[Event]:
    conditions = [in_scope(actor)]
    if where.connector_id is not None:
        conditions.append(col(Event.connector_id) == where.connector_id)
    if where.version_id is not None:
        conditions.append(col(Event.version_id) == where.version_id)
    if where.auth_config_id is not None:
        conditions.append(col(Event.auth_config_id) == where.auth_config_id)
    if where.kind is not None:
        conditions.append(col(Event.kind) == where.kind)
    return select(Event).where(*conditions)


def _id_of(event: Event) -> int:
    if event.id is None:
        raise ValueError("an event read from the database has an id")
    return event.id


NEWEST_FIRST: Order[Event] = Order(
    columns=(col(Event.id),), key_of=lambda event: (_id_of(event),), descending=True
)
"""Events' order; the (project_id, filter, id) indexes serve it for each filter."""


async def list_events(
    session: AsyncSession, *, actor: Principal, where: EventFilter, page: PageRequest
) -> Page[Event]:
    """The events `actor` may read that match `where`, newest first."""
    return await fetch_page(session, _visible(actor, where), NEWEST_FIRST, page)


async def visible_events(
    session: AsyncSession, *, actor: Principal, event_ids: Sequence[int], where: EventFilter
) -> list[Event]:
    """Those of `event_ids` that `actor` may read and that match `where`, oldest first."""
    if not event_ids:
        return []
    query = _visible(actor, where).where(col(Event.id).in_(event_ids))
    return list((await session.exec(query.order_by(col(Event.id)))).all())
