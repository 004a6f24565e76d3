"""Effective versions at past instants (DESIGN §15): what an account or an auth config ran at
any moment since history began, since when, and why, and the intervals of its timeline.

The state of every input at an instant comes from the history tables (`app.db.history_tables`,
written in the transaction of each change); the answer from the same rules as the present's:
`app.domain.resolution.resolve` for the auth config, `app.domain.rollouts.resolve_account` for an
account, `app.domain.accounts.account_status` for its status. Nothing here decides differently
from now; it only feeds them the state as it was.

What it costs: five indexed range reads (the key's connectors, their versions' history, the
auth config's, its rollouts' and the account's), read as plain values; then, in memory, the
rows applied in time order and a resolution only for the instants a question needs
(`HistoryReplay`): the one asked about and those back to where its answer began, or a page of
a timeline's.
"""

import json
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.history_tables import AccountHistory, AuthConfigHistory, RolloutHistory, VersionHistory
from app.db.models import Connector, ConnectorVersion, VersionRevision
from app.db.types import utc_now
from app.domain.accounts import account_status
from app.domain.enums import AccountStatus, PinSource, VersionSource
from app.domain.history import HistoryChange, Interval
from app.domain.pins import stored_pin
from app.domain.resolution import Candidate, Resolution, ResolutionRule, resolve
from app.domain.rollouts import RunningRollout, resolve_account
from app.services.versions.reads import AuthOfContent


@dataclass(frozen=True, slots=True)
class HistorySubject:
    """Whose history: an auth config (the caller may read it), or one of its linked accounts."""

    auth_config_id: UUID
    project_id: UUID
    connector_key: str
    account_id: UUID | None = None


@dataclass(frozen=True, slots=True)
class VersionThen:
    """A version as it was at an instant: its number, source, which content (revision and hash),
    and its dates then. Its content itself is read only when asked for (`content_then`)."""

    id: UUID
    connector_id: UUID
    version: str
    source: VersionSource
    revision: int
    content_hash: str
    published_at: datetime | None
    deprecated_at: datetime | None
    deprecation_message: str | None
    binned_at: datetime | None


@dataclass(frozen=True, slots=True)
class PastEffectiveVersion:
    """What the subject ran from some instant on, and why: the resolution as the rules gave it
    then, the version chosen as it was, whether the account was in a running rollout, and (for
    an account) its status. Two are equal when nothing anyone can see of them differs."""

    resolution: Resolution[UUID]
    version: VersionThen | None
    in_rollout: bool
    status: AccountStatus | None


@dataclass(frozen=True, slots=True)
class RecordedChange:
    """One change of an input, as history recorded it: its kind, when, and what it was."""

    kind: HistoryChange
    at: datetime
    description: str


PastInterval = Interval[PastEffectiveVersion, RecordedChange]

# History rows as plain values (no ORM objects, `auth` left as JSON text until a status needs
# it): a key's history is hundreds of rows, and only a few answers look at their `auth`.


@dataclass(frozen=True, slots=True)
class _VersionRow:
    id: int
    version_id: UUID
    connector_id: UUID
    version: str
    revision: int
    content_hash: str
    auth: str | None
    published_at: datetime | None
    deprecated_at: datetime | None
    deprecation_message: str | None
    binned_at: datetime | None
    deleted: bool
    change: str
    changed_at: datetime


@dataclass(frozen=True, slots=True)
class _AuthConfigRow:
    id: int
    pin: str | None
    pin_source: str
    active: bool
    deleted: bool
    change: str
    changed_at: datetime


@dataclass(frozen=True, slots=True)
class _RolloutRow:
    id: int
    rollout_id: UUID
    target_version_id: UUID | None
    target_version: str
    target_source: str
    percent: int
    running: bool
    change: str
    changed_at: datetime


@dataclass(frozen=True, slots=True)
class _AccountRow:
    id: int
    authenticated_version_id: UUID | None
    authenticated_revision: int | None
    deleted: bool
    change: str
    changed_at: datetime


_HistoryRow = _VersionRow | _AuthConfigRow | _RolloutRow | _AccountRow


@dataclass
class _State:
    """Every input's latest row as the replay goes, and each version's candidate (built once
    per row, not once per instant)."""

    managed: frozenset[UUID]
    versions: dict[UUID, _VersionRow] = field(default_factory=dict)
    candidates: dict[UUID, Candidate[UUID]] = field(default_factory=dict)
    auths: dict[tuple[UUID, int], str | None] = field(default_factory=dict)
    auth_config: _AuthConfigRow | None = None
    rollout: _RolloutRow | None = None
    account: _AccountRow | None = None

    def apply(self, row: _HistoryRow) -> None:
        if isinstance(row, _VersionRow):
            self.versions[row.version_id] = row
            self.auths[(row.version_id, row.revision)] = row.auth
            if row.deleted:
                self.candidates.pop(row.version_id, None)
            else:
                self.candidates[row.version_id] = Candidate(
                    id=row.version_id,
                    version=row.version,
                    source=_source(row.connector_id, self.managed),
                    published=row.published_at is not None,
                    binned=row.binned_at is not None,
                    deprecated=row.deprecated_at is not None,
                    deprecation_message=row.deprecation_message,
                )
        elif isinstance(row, _AuthConfigRow):
            self.auth_config = row
        elif isinstance(row, _RolloutRow):
            self.rollout = row
        else:
            self.account = row


@dataclass(frozen=True)
class _Rows:
    """A subject's history up to an instant, and its key's managed connectors."""

    subject: HistorySubject
    managed: frozenset[UUID]
    rows: list[_HistoryRow]


async def _read(session: AsyncSession, subject: HistorySubject, until: datetime) -> _Rows:
    connectors = (
        await session.exec(
            select(col(Connector.id), col(Connector.project_id)).where(
                col(Connector.key) == subject.connector_key,
                or_(
                    col(Connector.project_id).is_(None),
                    col(Connector.project_id) == subject.project_id,
                ),
            )
        )
    ).all()
    managed = frozenset(id_ for id_, project_id in connectors if project_id is None)
    rows: list[_HistoryRow] = []
    if connectors:
        rows += await _rows(
            session,
            VersionHistory,
            _VersionRow,
            col(VersionHistory.connector_id).in_([id_ for id_, _ in connectors]),
            until,
        )
    rows += await _rows(
        session,
        AuthConfigHistory,
        _AuthConfigRow,
        col(AuthConfigHistory.auth_config_id) == subject.auth_config_id,
        until,
    )
    if subject.account_id is not None:
        rows += await _rows(
            session,
            RolloutHistory,
            _RolloutRow,
            col(RolloutHistory.auth_config_id) == subject.auth_config_id,
            until,
        )
        rows += await _rows(
            session,
            AccountHistory,
            _AccountRow,
            col(AccountHistory.linked_account_id) == subject.account_id,
            until,
        )
    # One order for all: by instant, then as written (a transaction's rows share the instant).
    rows.sort(key=lambda row: (row.changed_at, _ORDER[type(row)], row.id))
    return _Rows(subject, managed, rows)


_ORDER: dict[type, int] = {_VersionRow: 0, _AuthConfigRow: 1, _RolloutRow: 2, _AccountRow: 3}


async def _rows(
    session: AsyncSession, model: Any, row_type: Any, where: Any, until: datetime
) -> list[Any]:
    """`row_type`s of `model`'s rows that meet `where`, up to `until`, in time order: a range of
    the model's (subject, changed_at, id) index."""
    columns = [
        sa.cast(model.auth, sa.Text).label("auth") if name == "auth" else getattr(model, name)
        for name in row_type.__dataclass_fields__
    ]
    query = (
        select(*columns)
        .where(where, col(model.changed_at) <= until)
        .order_by(col(model.changed_at), col(model.id))
    )
    return [row_type(*row) for row in (await session.exec(query)).all()]


@dataclass(frozen=True, slots=True)
class _Group:
    """The changes recorded at one instant (one transaction's, or several's that share it)."""

    at: datetime
    rows: list[_HistoryRow]


class HistoryReplay:
    """A subject's history, replayed on demand: the answer after any instant at which an input
    changed is resolved only when asked for (a page of a timeline asks for a few), the inputs'
    state is rebuilt by applying rows (cheap), and answers are kept once resolved."""

    def __init__(self, history: _Rows) -> None:
        self._history = history
        self._groups: list[_Group] = []
        for row in history.rows:
            if self._groups and self._groups[-1].at == row.changed_at:
                self._groups[-1].rows.append(row)
            else:
                self._groups.append(_Group(row.changed_at, [row]))
        self._instants = [group.at for group in self._groups]
        self._answers: dict[int, PastEffectiveVersion | None] = {}
        self._state = _State(history.managed)
        self._applied = 0

    def _answer(self, index: int) -> PastEffectiveVersion | None:
        """The answer after the changes of group `index`."""
        if index in self._answers:
            return self._answers[index]
        if self._applied > index + 1:
            self._state, self._applied = _State(self._history.managed), 0
        while self._applied <= index:
            for row in self._groups[self._applied].rows:
                self._state.apply(row)
            self._applied += 1
        answer = _answer(self._state, self._history)
        self._answers[index] = answer
        return answer

    def _starts(self, index: int) -> bool:
        """Whether group `index` starts an interval (its answer differs from the one before)."""
        answer = self._answer(index)
        return answer is not None and (index == 0 or answer != self._answer(index - 1))

    def _interval(self, start: int) -> tuple[PastInterval, int]:
        """The interval starting at group `start`, and the group after its end."""
        answer = self._answer(start)
        assert answer is not None
        end = start + 1
        while end < len(self._groups) and self._answer(end) == answer:
            end += 1
        changes = tuple(_recorded(row, self._history.managed) for row in self._groups[start].rows)
        until = self._groups[end].at if end < len(self._groups) else None
        return Interval(self._groups[start].at, until, answer, changes), end

    def _start_of_holding(self, at: datetime) -> int | None:
        """The group that started the interval holding at `at`, if one holds."""
        index = bisect_right(self._instants, at) - 1
        if index < 0 or self._answer(index) is None:
            return None
        while not self._starts(index):
            index -= 1
        return index

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


def _source(connector_id: UUID, managed: frozenset[UUID]) -> VersionSource:
    return VersionSource.MANAGED if connector_id in managed else VersionSource.CUSTOM


def _answer(state: _State, history: _Rows) -> PastEffectiveVersion | None:
    """The answer the rules give for the state: None when the subject did not exist."""
    config = state.auth_config
    subject = history.subject
    if config is None or config.deleted:
        return None
    account = state.account
    if subject.account_id is not None and (account is None or account.deleted):
        return None
    candidates = list(state.candidates.values())
    resolution = resolve(stored_pin(config.pin), PinSource(config.pin_source), candidates)
    if subject.account_id is None or account is None:
        return PastEffectiveVersion(resolution, _then(state, resolution, history), False, None)
    resolution = resolve_account(resolution, _running(state, candidates), subject.account_id)
    chosen = resolution.version
    effective = None if chosen is None else _content(state, chosen.id, None)
    authenticated = (
        None
        if account.authenticated_version_id is None
        else _content(state, account.authenticated_version_id, account.authenticated_revision)
    )
    status = account_status(
        auth_config_active=config.active, authenticated=authenticated, effective=effective
    )
    return PastEffectiveVersion(
        resolution,
        _then(state, resolution, history),
        resolution.rule is ResolutionRule.ROLLOUT,
        status,
    )


def _running(state: _State, candidates: Sequence[Candidate[UUID]]) -> RunningRollout[UUID] | None:
    """The running rollout, as the present reads it (`running_rollout_of`): none when its
    target is no candidate."""
    rollout = state.rollout
    if rollout is None or not rollout.running:
        return None
    target = next((c for c in candidates if c.id == rollout.target_version_id), None)
    if target is None or not target.published or target.binned:
        return None
    return RunningRollout(id=rollout.rollout_id, percent=rollout.percent, target=target)


def _content(state: _State, version_id: UUID, revision: int | None) -> AuthOfContent | None:
    """A content of a version as a status judges it; None once deleted for good (as now)."""
    row = state.versions.get(version_id)
    if row is None or row.deleted:
        return None
    wanted = row.revision if revision is None else revision
    # A revision replaced before history began: judged by the one history knows, as the
    # present falls back to the current content.
    auth = state.auths.get((version_id, wanted), row.auth)
    parsed = None if auth is None else json.loads(auth)
    return AuthOfContent(version_id, wanted, parsed if isinstance(parsed, dict) else None)


def _then(state: _State, resolution: Resolution[UUID], history: _Rows) -> VersionThen | None:
    chosen = resolution.version
    if chosen is None:
        return None
    row = state.versions[chosen.id]
    return VersionThen(
        id=row.version_id,
        connector_id=row.connector_id,
        version=row.version,
        source=_source(row.connector_id, history.managed),
        revision=row.revision,
        content_hash=row.content_hash,
        published_at=row.published_at,
        deprecated_at=row.deprecated_at,
        deprecation_message=row.deprecation_message,
        binned_at=row.binned_at,
    )


def _recorded(row: _HistoryRow, managed: frozenset[UUID]) -> RecordedChange:
    kind = HistoryChange(row.change)
    return RecordedChange(kind, row.changed_at, describe(row, kind, managed))


def describe(row: _HistoryRow, kind: HistoryChange, managed: frozenset[UUID]) -> str:
    """The change in a few words: "custom 1.2.0 published", "pinned to 1.x.x (source ANY)"."""
    words = kind.value.lower().replace("_", " ")
    if isinstance(row, _VersionRow):
        label = f"{_source(row.connector_id, managed).value.lower()} {row.version}"
        what = words.removeprefix("version ")
        return f"{label} {what}"
    if isinstance(row, _AuthConfigRow):
        if kind is HistoryChange.PINNED or kind is HistoryChange.AUTH_CONFIG_CREATED:
            pin = row.pin or "no pin"
            return f"{words}: {pin}, source {row.pin_source}"
        return words
    if isinstance(row, _RolloutRow):
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
    the subject): five indexed range reads."""
    return HistoryReplay(await _read(session, subject, until or utc_now()))


async def effective_version_at(
    session: AsyncSession, subject: HistorySubject, at: datetime
) -> PastInterval | None:
    """What the subject ran at `at`, since when, until when and after which changes; None when
    history has nothing on it then (before it existed, or before history began)."""
    return (await read_history(session, subject)).at(at)


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
