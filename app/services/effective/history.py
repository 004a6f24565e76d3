"""Effective versions at past instants (DESIGN §15): what an account or an auth config ran at
any moment since history began, since when, and why, and the intervals of its timeline.

The state of every input at an instant comes from the history tables (`app.db.history_tables`,
written in the transaction of each change; read by `app.services.effective.history_rows`); the
answer from the same rules as the present's (`app.services.effective.history_state`). Nothing
here decides differently from now; it only feeds them the state as it was.

What it costs: two indexed range reads for an auth config (its key's versions, its own rows),
four for an account (its auth config's rollouts and its own rows too), read as plain tuples;
then, in memory, a walk through the instants at which an input changed (`HistoryReplay`), one
step forward or back applying or taking back that instant's rows, and a resolution only at the
instants a question needs: the one asked about, back to where its answer began and on to where
it ended, or those of a page of a timeline.
"""

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.models import ConnectorVersion, VersionRevision
from app.db.types import utc_now
from app.domain.history import HistoryChange, Interval
from app.services.effective.history_rows import (
    AuthConfigRow,
    HistoryRow,
    HistorySubject,
    RolloutRow,
    VersionRow,
    read_rows,
)
from app.services.effective.history_state import (
    PastEffectiveVersion,
    ReplayState,
    Undo,
    VersionThen,
    source_of,
)
from app.services.effective.history_window import HistoryWindow, read_window

__all__ = [
    "ContentThen",
    "HistoryReplay",
    "HistorySubject",
    "PastEffectiveVersion",
    "PastInterval",
    "RecordedChange",
    "VersionThen",
    "content_then",
    "effective_version_at",
    "read_history",
]


@dataclass(frozen=True, slots=True)
class RecordedChange:
    """One change of an input, as history recorded it: its kind, when, and what it was."""

    kind: HistoryChange
    at: datetime
    description: str


PastInterval = Interval[PastEffectiveVersion, RecordedChange]


@dataclass(frozen=True, slots=True)
class _Group:
    """The changes recorded at one instant (one transaction's, or several's that share it)."""

    at: datetime
    rows: list[HistoryRow]


class HistoryReplay:
    """A subject's history, replayed on demand: the answer after any instant at which an input
    changed is resolved only when asked for (a page of a timeline asks for a few), the state
    moves there from where it is by applying or taking back the rows between (cheap), and
    answers are kept once resolved."""

    def __init__(
        self,
        subject: HistorySubject,
        rows: list[HistoryRow],
        window: HistoryWindow | None = None,
    ) -> None:
        """`rows`: the whole history; or, with `window`, its rows after the window's state."""
        self._groups: list[_Group] = []
        for row in rows:
            if self._groups and self._groups[-1].at == row.changed_at:
                self._groups[-1].rows.append(row)
            else:
                self._groups.append(_Group(row.changed_at, [row]))
        self._instants = [group.at for group in self._groups]
        self._answers: dict[int, PastEffectiveVersion | None] = {}
        self._state = ReplayState(subject)
        self._applied = 0
        self._undo: list[list[Undo]] = []
        self._whole_start = window is None or window.starts_at_beginning
        self._whole_end = window is None or window.reaches_end
        for row in [] if window is None else window.state:
            self._state.apply(row)

    def _move_to(self, index: int) -> None:
        """Bring the state to just after the changes of group `index`."""
        state, wanted = self._state, index + 1
        while self._applied < wanted:
            rows = self._groups[self._applied].rows
            self._undo.append([state.apply(row) for row in rows])
            self._applied += 1
        while self._applied > wanted:
            for undo in reversed(self._undo.pop()):
                state.undo(undo)
            self._applied -= 1

    def _answer(self, index: int) -> PastEffectiveVersion | None:
        """The answer after the changes of group `index` (-1: before the first group, None
        unless a window's state says otherwise)."""
        if index in self._answers:
            return self._answers[index]
        self._move_to(index)
        answer = self._state.answer()
        self._answers[index] = answer
        return answer

    def _starts(self, index: int) -> bool:
        """Whether group `index` starts an interval (its answer differs from the one before)."""
        answer = self._answer(index)
        if answer is None:
            return False
        if index == 0 and self._whole_start:
            return True
        return answer != self._answer(index - 1)

    def _interval(self, start: int) -> tuple[PastInterval, int]:
        """The interval starting at group `start`, and the group after its end."""
        answer = self._answer(start)
        assert answer is not None
        end = start + 1
        while end < len(self._groups) and self._answer(end) == answer:
            end += 1
        if end == len(self._groups) and not self._whole_end:
            raise OutsideWindow
        changes = tuple(_recorded(row) for row in self._groups[start].rows)
        until = self._groups[end].at if end < len(self._groups) else None
        return Interval(self._groups[start].at, until, answer, changes), end

    def _start_of_holding(self, at: datetime) -> int | None:
        """The group that started the interval holding at `at`, if one holds."""
        index = bisect_right(self._instants, at) - 1
        holding = self._answer(index) if index >= 0 else self._before_first()
        if holding is None:
            return None
        while index >= 0 and not self._starts(index):
            index -= 1
        if index < 0:
            raise OutsideWindow
        return index

    def _before_first(self) -> PastEffectiveVersion | None:
        return None if self._whole_start else self._answer(-1)

    def at(self, at: datetime) -> PastInterval | None:
        """The interval holding at `at`: None before the subject existed (or history began)."""
        start = self._start_of_holding(at)
        return None if start is None else self._interval(start)[0]

    def intervals(
        self,
        *,
        start: datetime | None,
        end: datetime | None,
        after: datetime | None = None,
        limit: int | None = None,
    ) -> list[PastInterval]:
        """The intervals that overlap [start, end) (None: unbounded), oldest first; only those
        that began after `after`, and at most `limit`."""
        if after is not None:
            index = bisect_right(self._instants, after)
        elif start is not None:
            holding = self._start_of_holding(start)
            index = bisect_left(self._instants, start) if holding is None else holding
        else:
            index = 0
        found: list[PastInterval] = []
        while index < len(self._groups) and (limit is None or len(found) < limit):
            if end is not None and self._groups[index].at >= end:
                break
            if not self._starts(index):
                index += 1
                continue
            interval, index = self._interval(index)
            found.append(interval)
        return found


class OutsideWindow(Exception):
    """The question needs history before or after the window read."""


def _recorded(row: HistoryRow) -> RecordedChange:
    kind = HistoryChange(row.change)
    return RecordedChange(kind, row.changed_at, describe(row, kind))


def describe(row: HistoryRow, kind: HistoryChange) -> str:
    """The change in a few words: "custom 1.2.0 published", "pinned to 1.x.x (source ANY)"."""
    words = kind.value.lower().replace("_", " ")
    if isinstance(row, VersionRow):
        label = f"{source_of(row).value.lower()} {row.version}"
        what = words.removeprefix("version ")
        return f"{label} {what}"
    if isinstance(row, AuthConfigRow):
        if kind is HistoryChange.PINNED or kind is HistoryChange.AUTH_CONFIG_CREATED:
            pin = row.pin or "no pin"
            return f"{words}: {pin}, source {row.pin_source}"
        return words
    if isinstance(row, RolloutRow):
        target = f"{row.target_version} ({row.target_source.lower()})"
        return f"{words}: {target} at {row.percent}%"
    if row.authenticated_version_id is None:
        return words
    return (
        f"{words} (revision {row.authenticated_revision} of version {row.authenticated_version_id})"
    )


async def read_history(
    session: AsyncSession, subject: HistorySubject, *, until: datetime | None = None
) -> HistoryReplay:
    """The subject's history up to `until` (default: now), ready to answer (the caller may read
    the subject): two indexed range reads for an auth config, four for an account."""
    return HistoryReplay(subject, await read_rows(session, subject, until or utc_now()))


async def effective_version_at(
    session: AsyncSession, subject: HistorySubject, at: datetime
) -> PastInterval | None:
    """What the subject ran at `at`, since when, until when and after which changes; None when
    history has nothing on it then (before it existed, or before history began). Read from the
    history around `at` (`read_window`), or the whole of it when the answer began before that
    or ended after it."""
    until = utc_now()
    window = await read_window(session, subject, at, until)
    try:
        return HistoryReplay(subject, window.rows, window).at(at)
    except OutsideWindow:
        return (await read_history(session, subject, until=until)).at(at)


@dataclass(frozen=True, slots=True)
class ContentThen:
    """One content of a version (`revision`), as it was published."""

    definition: dict[str, Any] | None


async def content_then(
    session: AsyncSession, *, version_id: UUID, revision: int
) -> ContentThen | None:
    """The version's content at `revision`: its current one, or the one a forced push replaced
    (kept in its revision history); None once the version is deleted for good. The caller has
    read the version's history, so it may read this."""
    current = (
        await session.exec(
            select(col(ConnectorVersion.revision), col(ConnectorVersion.definition)).where(
                col(ConnectorVersion.id) == version_id
            )
        )
    ).first()
    if current is None:
        return None
    if current[0] == revision:
        return ContentThen(current[1])
    replaced = (
        await session.exec(
            select(col(VersionRevision.definition)).where(
                col(VersionRevision.version_id) == version_id,
                col(VersionRevision.revision) == revision,
            )
        )
    ).first()
    return ContentThen(replaced)
