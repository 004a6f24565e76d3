"""Keyset pages, as the GraphQL connections ask for them.

A page is the rows strictly after a sort key in the list's order, read with `LIMIT limit + 1`
so the extra row tells whether there is a next page. Every order ends with a unique column, so
the sort key of a row names one position: rows inserted or deleted elsewhere never shift a page,
and a deep page costs what the first one does. Counting all rows is a separate statement that
runs only when asked for.
"""

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy import Row
from sqlalchemy.orm import InstrumentedAttribute, Mapped, QueryableAttribute, aliased
from sqlalchemy.sql import ColumnElement
from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from app.services.lookups import column_rows

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)

SortValue = datetime | UUID | int | str | bool
SortKey = tuple[SortValue, ...]
"""A row's values of its list's order columns, in order: where a page starts after."""


@dataclass(frozen=True, slots=True)
class PageRequest:
    """`limit` rows after `after` (from the start when None); `count` asks for the total too."""

    limit: int
    after: SortKey | None = None
    count: bool = False


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: Sequence[T]
    keys: Sequence[SortKey]
    """Each item's sort key, for its cursor."""
    has_next: bool
    has_previous: bool
    total: int | None
    """How many rows the whole list has; None unless the request asked for it."""


@dataclass(frozen=True)
class Order(Generic[T]):
    """A list's order: columns that end with a unique one, all ascending or all descending."""

    columns: tuple[ColumnElement[Any] | Mapped[Any], ...]
    key_of: Callable[[T], SortKey]
    descending: bool = False

    @property
    def expressions(self) -> list[ColumnElement[Any]]:
        return [_expression(column) for column in self.columns]

    def by(self) -> list[ColumnElement[Any]]:
        return [column.desc() if self.descending else column for column in self.expressions]

    def after(self, key: SortKey) -> ColumnElement[bool]:
        """Rows strictly after `key`: one row comparison, which both databases match against an
        index on the same columns (an OR of equalities would not be)."""
        columns = self.expressions
        # Typed binds: each value is stored the way its column stores it (SQLite keeps
        # timestamps and UUIDs as text, so an untyped bind would compare as something else).
        values = [
            sa.literal(value, type_=column.type) for value, column in zip(key, columns, strict=True)
        ]
        if len(columns) == 1:
            return columns[0] < values[0] if self.descending else columns[0] > values[0]
        left, right = sa.tuple_(*columns), sa.tuple_(*values)
        return left < right if self.descending else left > right

    def page(self, rows: Sequence[T], page: PageRequest, total: int | None) -> Page[T]:
        """The page out of `rows`, which were read with `LIMIT page.limit + 1`."""
        return page_of(rows, page, self.key_of, total)


def _expression(column: ColumnElement[Any] | Mapped[Any]) -> ColumnElement[Any]:
    if isinstance(column, QueryableAttribute):
        return column.expression
    if isinstance(column, ColumnElement):
        return column
    raise TypeError(f"not a column: {column!r}")


def page_of(
    rows: Sequence[T], page: PageRequest, key_of: Callable[[T], SortKey], total: int | None
) -> Page[T]:
    """The page out of `rows`: what comes after `page.after`, up to one row more than a page."""
    items = rows[: page.limit]
    return Page(
        items=items,
        keys=[key_of(item) for item in items],
        has_next=len(rows) > page.limit,
        has_previous=page.after is not None,
        total=total,
    )


async def fetch_page(
    session: AsyncSession, query: SelectOfScalar[T], order: Order[T], page: PageRequest
) -> Page[T]:
    """One page of `query` (filtered, not ordered) in `order`, and its total when asked for."""
    total = None
    if page.count:
        counted = select(func.count()).select_from(query.subquery())
        total = (await session.exec(counted)).one()
    if page.after is not None:
        query = query.where(order.after(page.after))
    rows = (await session.exec(query.order_by(*order.by()).limit(page.limit + 1))).all()
    return order.page(rows, page, total)


def slice_page(
    items: Sequence[T],
    page: PageRequest,
    *,
    key_of: Callable[[T], SortKey],
    follows: Callable[[T], bool],
) -> Page[T]:
    """The page out of a whole list held in memory, in its order: `follows(item)` says whether
    `item` comes after the position `page.after` names (which need not be in the list)."""
    rest = items if page.after is None else [item for item in items if follows(item)]
    return page_of(rest[: page.limit + 1], page, key_of, len(items) if page.count else None)


async def fetch_pages_by_parent(
    session: AsyncSession,
    *,
    model: type[T],
    parent: InstrumentedAttribute[K],
    parent_ids: Sequence[K],
    order: Order[T],
    page: PageRequest,
    where: Sequence[ColumnElement[bool]] = (),
) -> dict[K, Page[T]]:
    """The same page of children for each parent: one statement whatever their number (and one
    more for the totals, when asked for).

    Each parent's page is read on its own through an index on (parent, order columns), so it
    costs `limit` rows however many children the parent has and however deep the page is.
    """
    return await _pages_by_parent(
        session, model, parent, parent_ids, order, page, where, plain=False
    )


async def fetch_row_pages_by_parent(
    session: AsyncSession,
    *,
    model: type[Any],
    parent: InstrumentedAttribute[K],
    parent_ids: Sequence[K],
    order: Order[Any],
    page: PageRequest,
    where: Sequence[ColumnElement[bool]] = (),
) -> dict[K, Page[Row[Any]]]:
    """`fetch_pages_by_parent`, each child a plain row of `model`'s columns (named as its
    attributes) rather than an ORM instance: for pages whose children are only read, where an
    instance per child (its state, identity map entry and instrumented attributes) costs more
    than the rest of its reading."""
    return await _pages_by_parent(
        session, model, parent, parent_ids, order, page, where, plain=True
    )


async def _pages_by_parent(
    session: AsyncSession,
    model: type[Any],
    parent: InstrumentedAttribute[K],
    parent_ids: Sequence[K],
    order: Order[Any],
    page: PageRequest,
    where: Sequence[ColumnElement[bool]],
    *,
    plain: bool,
) -> dict[K, Page[Any]]:
    if not parent_ids:
        return {}
    parents = (
        sa.values(sa.column("parent", parent.type), name="parents")
        .data([(key,) for key in parent_ids])
        .cte("parents")
    )
    conditions = [parent == parents.c.parent, *where]
    if page.after is not None:
        conditions.append(order.after(page.after))
    if session.get_bind().dialect.name == "postgresql":
        query = _lateral_pages(model, parents, conditions, order, page.limit + 1, plain)
    else:
        query = _correlated_pages(model, parents, conditions, order, page.limit + 1, plain)
    rows: Sequence[Any] = (
        await column_rows(session, query) if plain else (await session.exec(query)).all()
    )

    totals: dict[K, int] = {}
    if page.count:
        counted = select(parent, func.count()).where(parent.in_(parent_ids), *where)
        totals = dict((await session.exec(counted.group_by(parent))).all())

    children: dict[K, list[Any]] = {key: [] for key in parent_ids}
    for row in rows:
        children[getattr(row, parent.key)].append(row)
    return {
        key: order.page(children[key], page, totals.get(key, 0) if page.count else None)
        for key in parent_ids
    }


def _lateral_pages(
    model: type[Any],
    parents: sa.CTE,
    conditions: Sequence[ColumnElement[bool]],
    order: Order[Any],
    limit: int,
    plain: bool,
) -> Any:
    """PostgreSQL: for each parent, an index range scan that stops after `limit` rows."""
    per_parent = select(model).where(*conditions).order_by(*order.by()).limit(limit).lateral("page")
    child = aliased(model, per_parent)
    query = _select_children(model, child, plain).select_from(parents).join(per_parent, sa.true())
    return query.order_by(*_in_order(order, child))


def _correlated_pages(
    model: type[Any],
    parents: sa.CTE,
    conditions: Sequence[ColumnElement[bool]],
    order: Order[Any],
    limit: int,
    plain: bool,
) -> Any:
    """SQLite (no LATERAL): for each parent, a correlated subquery picks the page's ids through
    the index, and each row is then fetched by its primary key."""
    primary_key = sa.inspect(model).primary_key[0]
    page_ids = select(primary_key).where(*conditions).order_by(*order.by()).limit(limit)
    child = aliased(model)
    return (
        _select_children(model, child, plain)
        .select_from(parents)
        .join(child, getattr(child, primary_key.key).in_(page_ids))
        .order_by(*_in_order(order, child))
    )


def _select_children(model: type[Any], child: Any, plain: bool) -> Any:
    """The children as ORM instances of `model`, or (`plain`) as rows of its columns, each
    named as its attribute."""
    if not plain:
        return select(child)
    attributes = sa.inspect(model).column_attrs
    return sa.select(*(getattr(child, attribute.key) for attribute in attributes))


def _in_order(order: Order[T], child: Any) -> list[ColumnElement[Any]]:
    """`order` on an alias of its table: the pages of all parents together, each in order (a
    sort of a few pages' rows, not of the children)."""
    columns = []
    for column in order.expressions:
        if column.key is None:
            raise ValueError("per-parent pages are ordered by plain columns")
        columns.append(getattr(child, column.key))
    return [column.desc() if order.descending else column for column in columns]
