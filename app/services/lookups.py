"""Reading rows by id in one statement, under the access rule the caller passes in, and reading
plain column rows.

Hot reads use statements built once, at import, with bound parameters (`bindparam`): building a
statement and computing its cache key cost more than running it, and a statement object
remembers its key.
"""

from collections.abc import Mapping, Sequence
from typing import Any, Protocol, TypeVar
from uuid import UUID
from weakref import WeakKeyDictionary

from sqlalchemy import Row, Select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import ColumnElement
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession


class _Identified(Protocol):
    id: Any


M = TypeVar("M", bound=_Identified)


async def rows_by_id(
    session: AsyncSession,
    model: type[M],
    ids: Sequence[UUID],
    *where: ColumnElement[bool],
) -> dict[UUID, M]:
    """The rows of `model` with one of `ids` that also meet `where` (missing ids are absent)."""
    query = select(model).where(col(model.id).in_(ids), *where)
    rows: Sequence[M] = (await session.exec(query)).all()
    return {row.id: row for row in rows}


async def column_rows(
    session: AsyncSession,
    query: Select[*tuple[Any, ...]],
    parameters: Mapping[str, Any] | None = None,
) -> Sequence[Row[*tuple[Any, ...]]]:
    """The rows of a select of columns (not models), run on the session's connection: reads that
    need a few columns skip the ORM's row handling altogether."""
    result = await (await _connection_of(session)).execute(query, parameters)
    return result.all()


# Each session's connection, with the transaction it belongs to: asking the session for it
# again walks its transaction machinery on every statement of the hot path.
_CONNECTIONS: "WeakKeyDictionary[AsyncSession, tuple[object, AsyncConnection]]" = (
    WeakKeyDictionary()
)


async def _connection_of(session: AsyncSession) -> AsyncConnection:
    """The session's connection in its current transaction (a new one after a commit)."""
    kept = _CONNECTIONS.get(session)
    if kept is not None and kept[0] is session.sync_session.get_transaction():
        return kept[1]
    connection = await session.connection()
    _CONNECTIONS[session] = (session.sync_session.get_transaction(), connection)
    return connection
