"""Effective versions at past instants (DESIGN §15): what an account or an auth config ran at
any moment since history began, since when, and why, and the intervals of its timeline.

The state of every input at an instant comes from the history tables (`app.db.history_tables`,
written in the transaction of each change); the answer from the same rules as the present's:
`app.domain.resolution.resolve` for the auth config, `app.domain.rollouts.resolve_account` for an
account, `app.domain.accounts.account_status` for its status. Nothing here decides differently
from now; it only feeds them the state as it was.

What it costs: five indexed range reads (the key's connectors, their versions' history, the
auth config's, its rollouts' and the account's), then one resolution per instant at which an
input changed, in memory.
"""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.history_tables import AccountHistory, AuthConfigHistory, RolloutHistory, VersionHistory
from app.db.models import Connector, ConnectorVersion, VersionRevision
from app.db.types import utc_now
from app.domain.accounts import account_status
from app.domain.enums import AccountStatus, PinSource, VersionSource
from app.domain.history import HistoryChange, Interval, Step, holding_at, intervals
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

_HistoryRow = VersionHistory | AuthConfigHistory | RolloutHistory | AccountHistory


@dataclass
class _State:
    """Every input's latest row as the replay goes."""

    versions: dict[UUID, VersionHistory]
    auths: dict[tuple[UUID, int], dict[str, Any] | None]
    auth_config: AuthConfigHistory | None = None
    rollout: RolloutHistory | None = None
    account: AccountHistory | None = None

    def apply(self, row: _HistoryRow) -> None:
        if isinstance(row, VersionHistory):
            self.versions[row.version_id] = row
            self.auths[(row.version_id, row.revision)] = row.auth
        elif isinstance(row, AuthConfigHistory):
            self.auth_config = row
        elif isinstance(row, RolloutHistory):
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
            col(VersionHistory.connector_id).in_([id_ for id_, _ in connectors]),
            until,
        )
    rows += await _rows(
        session,
        AuthConfigHistory,
        col(AuthConfigHistory.auth_config_id) == subject.auth_config_id,
        until,
    )
    if subject.account_id is not None:
        rows += await _rows(
            session,
            RolloutHistory,
            col(RolloutHistory.auth_config_id) == subject.auth_config_id,
            until,
        )
        rows += await _rows(
            session,
            AccountHistory,
            col(AccountHistory.linked_account_id) == subject.account_id,
            until,
        )
    # One order for all: by instant, then as written (a transaction's rows share the instant).
    rows.sort(key=lambda row: (row.changed_at, _ORDER[type(row)], row.id or 0))
    return _Rows(subject, managed, rows)


_ORDER: dict[type, int] = {
    VersionHistory: 0,
    AuthConfigHistory: 1,
    RolloutHistory: 2,
    AccountHistory: 3,
}


async def _rows(session: AsyncSession, model: Any, where: Any, until: datetime) -> list[Any]:
    query = (
        select(model)
        .where(where, col(model.changed_at) <= until)
        .order_by(col(model.changed_at), col(model.id))
    )
    return list((await session.exec(query)).all())


def _steps(history: _Rows) -> Iterator[Step[PastEffectiveVersion, RecordedChange]]:
    """The answer after each instant at which an input changed, with the changes made then."""
    state = _State(versions={}, auths={})
    rows = history.rows
    index = 0
    while index < len(rows):
        at = rows[index].changed_at
        changes = []
        while index < len(rows) and rows[index].changed_at == at:
            row = rows[index]
            state.apply(row)
            changes.append(_recorded(row, history.managed))
            index += 1
        yield Step(at, _answer(state, history), tuple(changes))


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
    candidates = [
        Candidate(
            id=row.version_id,
            version=row.version,
            source=_source(row.connector_id, history.managed),
            published=row.published_at is not None,
            binned=row.binned_at is not None,
            deprecated=row.deprecated_at is not None,
            deprecation_message=row.deprecation_message,
        )
        for row in state.versions.values()
        if not row.deleted
    ]
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
    return AuthOfContent(version_id, wanted, auth)


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
    if isinstance(row, VersionHistory):
        label = f"{_source(row.connector_id, managed).value.lower()} {row.version}"
        what = words.removeprefix("version ")
        return f"{label} {what}"
    if isinstance(row, AuthConfigHistory):
        if kind is HistoryChange.PINNED or kind is HistoryChange.AUTH_CONFIG_CREATED:
            pin = row.pin or "no pin"
            return f"{words}: {pin}, source {row.pin_source}"
        return words
    if isinstance(row, RolloutHistory):
        target = f"{row.target_version} ({row.target_source.lower()})"
        return f"{words}: {target} at {row.percent}%"
    if row.authenticated_version_id is None:
        return words
    return (
        f"{words} (revision {row.authenticated_revision} of version {row.authenticated_version_id})"
    )


async def past_intervals(
    session: AsyncSession, subject: HistorySubject, *, until: datetime
) -> list[PastInterval]:
    """Every interval of the subject's history up to `until` (the caller may read the
    subject)."""
    return intervals(_steps(await _read(session, subject, until)))


async def effective_version_at(
    session: AsyncSession, subject: HistorySubject, at: datetime
) -> PastInterval | None:
    """What the subject ran at `at`, since when, until when and after which changes; None when
    history has nothing on it then (before it existed, or before history began)."""
    return holding_at(await past_intervals(session, subject, until=utc_now()), at)


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
