"""Reading the history (DESIGN §1): the events a caller may see, newest first.

The rule of who reads which events, and what a filter keeps, is `app.domain.event_visibility`;
here it becomes SQL (the live fan-out applies the same rule in memory).
"""

from collections.abc import Sequence

from sqlalchemy.sql import ColumnElement
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from app.db.models import Event
from app.domain.access import Principal
from app.domain.event_visibility import EventFilter, readable_project
from app.services.pages import Order, Page, PageRequest, fetch_page

__all__ = ["EventFilter", "events_by_id", "in_scope", "list_events", "visible_events"]


def in_scope(actor: Principal) -> ColumnElement[bool]:
    """The events `actor` may read (`event_visibility.may_read`, in SQL)."""
    project_id = readable_project(actor)
    if project_id is None:
        return col(Event.project_id).is_(None)
    return col(Event.project_id) == project_id


def _visible(actor: Principal, where: EventFilter) -> SelectOfScalar[Event]:
    """`event_visibility.visible`, in SQL."""
    conditions = [in_scope(actor)]
    for column, value in where.subject_ids().items():
        conditions.append(getattr(Event, column) == value)
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


async def events_by_id(session: AsyncSession, event_ids: Sequence[int]) -> list[Event]:
    """The events of `event_ids`, whoever may read them, oldest first: for the live fan-out,
    which applies `event_visibility.visible` to each subscriber in memory."""
    if not event_ids:
        return []
    query = select(Event).where(col(Event.id).in_(event_ids)).order_by(col(Event.id))
    return list((await session.exec(query)).all())
