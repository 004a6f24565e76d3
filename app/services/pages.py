"""Offset pages, as the GraphQL connections ask for them."""

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import func
from sqlalchemy.orm import InstrumentedAttribute, aliased
from sqlalchemy.sql import ColumnElement
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True, slots=True)
class PageRequest:
    offset: int
    limit: int


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: Sequence[T]
    total: int
    offset: int

    @property
    def has_next(self) -> bool:
        return self.offset + len(self.items) < self.total


async def fetch_page(session: AsyncSession, query: SelectOfScalar[T], page: PageRequest) -> Page[T]:
    """Run `query` (already filtered and ordered) for one page, and count all its rows."""
    counted = select(func.count()).select_from(query.order_by(None).subquery())
    total = (await session.exec(counted)).one()
    rows = (await session.exec(query.offset(page.offset).limit(page.limit))).all()
    return Page(items=rows, total=total, offset=page.offset)


def slice_page(items: Sequence[T], page: PageRequest) -> Page[T]:
    return Page(
        items=items[page.offset : page.offset + page.limit],
        total=len(items),
        offset=page.offset,
    )


async def fetch_pages_by_parent(
    session: AsyncSession,
    *,
    model: type[T],
    parent: InstrumentedAttribute[K],
    parent_ids: Sequence[K],
    order_by: Sequence[Any],
    page: PageRequest,
    where: Sequence[ColumnElement[bool]] = (),
) -> dict[K, Page[T]]:
    """The same page of children for each parent, in two statements whatever their number."""
    conditions = [parent.in_(parent_ids), *where]
    position = func.row_number().over(partition_by=parent, order_by=order_by).label("position")
    numbered = select(model, position).where(*conditions).subquery()
    child = aliased(model, numbered)
    rows = (
        await session.exec(
            select(child)
            .where(
                numbered.c.position > page.offset,
                numbered.c.position <= page.offset + page.limit,
            )
            .order_by(numbered.c[parent.key], numbered.c.position)
        )
    ).all()
    counted = select(parent, func.count()).where(*conditions).group_by(parent)
    totals: dict[K, int] = dict((await session.exec(counted)).all())
    items: dict[K, list[T]] = {key: [] for key in parent_ids}
    for row in rows:
        items[getattr(row, parent.key)].append(row)
    return {
        key: Page(items=items[key], total=totals.get(key, 0), offset=page.offset)
        for key in parent_ids
    }
