"""Reading only the part of a subject's history around one instant (DESIGN §15), for `at:`.

Each table is read in one statement of three parts: the last `WINDOW` rows at or before the
instant, the state just before them (each object's latest row at or before the boundary, the
instant of the row before those), and the first `WINDOW` rows after the instant. So an `at:`
decodes about one row per version and a few dozen changes, not the key's whole history; when
the answer began before the window or ended after it, the caller reads the whole history.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy import bindparam
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.history_tables import AccountHistory, AuthConfigHistory, RolloutHistory, VersionHistory
from app.services.effective.history_rows import (
    ORDER,
    AccountRow,
    AuthConfigRow,
    HistoryRow,
    HistorySubject,
    RolloutRow,
    VersionRow,
    range_columns,
    utc,
    version_columns,
    versions_of_key,
)
from app.services.lookups import column_rows

WINDOW = 24
"""Rows of each table read on either side of the instant (read at each call: a test narrows
it to make every answer cross the window's edges)."""

_AT: Any = bindparam("at")
_UNTIL: Any = bindparam("until")
_BEFORE, _STATE, _AFTER = 0, 1, 2


@dataclass(frozen=True, slots=True)
class HistoryWindow:
    """The state before `start` (`state`: rows to apply, in replay order) and every row after
    it up to `end` (exclusive; None: up to `until`), in replay order."""

    state: list[HistoryRow]
    rows: list[HistoryRow]
    starts_at_beginning: bool
    reaches_end: bool


def _parts(
    size: int,
    columns: list[Any],
    where: list[Any],
    changed_at: Any,
    id_: Any,
    join: Any,
    state: Any,
) -> Any:
    """One table's three parts, each row led by which part it is."""

    def base(part: int, *conditions: Any) -> Any:
        query = sa.select(sa.literal(part).label("part"), *columns)
        if join is not None:
            query = query.select_from(join)
        return query.where(*where, *conditions)

    boundary = (
        (sa.select(changed_at).select_from(join) if join is not None else sa.select(changed_at))
        .where(*where, changed_at <= _AT)
        .order_by(changed_at.desc(), id_.desc())
        .offset(size)
        .limit(1)
        .scalar_subquery()
    )
    before = base(_BEFORE, changed_at <= _AT, sa.or_(boundary.is_(None), changed_at > boundary))
    after = (
        base(_AFTER, changed_at > _AT, changed_at <= _UNTIL)
        .order_by(changed_at, id_)
        .limit(size + 1)
        .subquery()
    )
    latest = state(base(_STATE, changed_at <= boundary))
    return sa.union_all(before, latest, sa.select(*after.c))


def _latest_of_each(partition: list[Any], changed_at: Any, id_: Any) -> Any:
    """Keeps each object's latest row of a part (`partition` names the object)."""

    def keep(query: Any) -> Any:
        ranked = query.add_columns(
            sa.func.row_number()
            .over(partition_by=partition, order_by=(changed_at.desc(), id_.desc()))
            .label("rank")
        ).subquery()
        return sa.select(*[c for c in ranked.c if c.key != "rank"]).where(ranked.c.rank == 1)

    return keep


def _latest_one(changed_at: Any, id_: Any) -> Any:
    """Keeps the part's latest row (the table has one object per subject)."""
    return lambda query: sa.select(
        *query.order_by(changed_at.desc(), id_.desc()).limit(1).subquery().c
    )


def _versions(size: int, with_auth: bool) -> Any:
    join, where = versions_of_key()
    changed_at, id_ = col(VersionHistory.changed_at), col(VersionHistory.id)
    # each content's latest row, not only each version's: a status may compare a content
    # overwritten since
    partition = [col(VersionHistory.version_id), col(VersionHistory.revision)]
    return _parts(
        size,
        version_columns(with_auth),
        where,
        changed_at,
        id_,
        join,
        _latest_of_each(partition, changed_at, id_),
    )


def _range(size: int, model: Any, row_type: type[Any], subject_column: Any) -> Any:
    changed_at, id_ = col(model.changed_at), col(model.id)
    return _parts(
        size,
        range_columns(model, row_type),
        [subject_column == bindparam("subject")],
        changed_at,
        id_,
        None,
        _latest_one(changed_at, id_),
    )


@dataclass(frozen=True, slots=True)
class _Statements:
    versions_with_auth: Any
    versions: Any
    auth_config: Any
    rollouts: Any
    account: Any


@cache
def _statements(size: int) -> _Statements:
    """The statements of a window of `size` rows a side, built once."""
    return _Statements(
        _versions(size, True),
        _versions(size, False),
        _range(size, AuthConfigHistory, AuthConfigRow, col(AuthConfigHistory.auth_config_id)),
        _range(size, RolloutHistory, RolloutRow, col(RolloutHistory.auth_config_id)),
        _range(size, AccountHistory, AccountRow, col(AccountHistory.linked_account_id)),
    )


async def read_window(
    session: AsyncSession, subject: HistorySubject, at: datetime, until: datetime
) -> HistoryWindow:
    """The subject's history around `at`: as many statements as `read_rows` sends."""
    size, account = WINDOW, subject.account_id is not None
    statements = _statements(size)
    reads: list[tuple[Any, type[Any], dict[str, Any]]] = [
        (
            statements.versions_with_auth if account else statements.versions,
            VersionRow,
            {"connector_key": subject.connector_key, "project": subject.project_id},
        ),
        (statements.auth_config, AuthConfigRow, {"subject": subject.auth_config_id}),
    ]
    if account:
        reads.append((statements.rollouts, RolloutRow, {"subject": subject.auth_config_id}))
        reads.append((statements.account, AccountRow, {"subject": subject.account_id}))
    read: list[tuple[int, HistoryRow]] = []
    start: datetime | None = None
    end: datetime | None = None
    for statement, row_type, parameters in reads:
        found = await column_rows(session, statement, {**parameters, "at": at, "until": until})
        after: list[datetime] = []
        for values in found:
            row = row_type._make(values[1:])
            if row.changed_at.tzinfo is not UTC:
                row = row._replace(changed_at=utc(row.changed_at))
            part = values[0]
            read.append((part, row))
            if part == _STATE and (start is None or row.changed_at > start):
                start = row.changed_at
            elif part == _AFTER:
                after.append(row.changed_at)
        if len(after) > size:
            # the table's rows are all read only before its last one's instant
            last = max(after)
            end = last if end is None else min(end, last)
    state = [row for part, row in read if start is not None and row.changed_at <= start]
    rows = [
        row
        for part, row in read
        if (start is None or row.changed_at > start) and (end is None or row.changed_at < end)
    ]
    state.sort(key=_replay_order)
    rows.sort(key=_replay_order)
    return HistoryWindow(state, rows, start is None, end is None)


def _replay_order(row: HistoryRow) -> tuple[Any, ...]:
    return (row.changed_at, ORDER[type(row)], row.id)
