"""The inputs of resolution as they were at one instant of a subject's history, and the answer
the rules give for them (DESIGN §15).

`ReplayState` moves through history one recorded row at a time, forward (`apply`) and back
(`undo`, with what `apply` returned), so that finding where an answer began and ended costs a
few rows a step, not a replay from the start. The answer comes from the same rules as the
present's: `app.domain.resolution.resolve`, `app.domain.rollouts.resolve_account`,
`app.domain.accounts.account_status`. What the state keeps along the way only saves repeating
them: each version row's candidate is built once, each set of candidates once, and the auth
config's resolution once per pin and set of candidates (a rollout step, a re-authentication or
the active flag do not change it).
"""

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from app.domain.accounts import account_status
from app.domain.enums import AccountStatus, PinSource, VersionSource
from app.domain.pins import stored_pin
from app.domain.resolution import Candidate, Resolution, ResolutionRule, resolve
from app.domain.rollouts import RunningRollout, resolve_account
from app.services.effective.history_rows import (
    AccountRow,
    AuthConfigRow,
    HistoryRow,
    HistorySubject,
    RolloutRow,
    VersionRow,
    utc,
)
from app.services.versions.reads import AuthOfContent


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


def source_of(row: VersionRow) -> VersionSource:
    return VersionSource.MANAGED if row.managed else VersionSource.CUSTOM


_ABSENT = object()
Undo = tuple[Any, ...]
"""What `ReplayState.undo` needs to take one applied row back."""


class ReplayState:
    """Every input's latest row at the current instant of a replay."""

    def __init__(self, subject: HistorySubject) -> None:
        self.subject = subject
        self.versions: dict[UUID, VersionRow] = {}
        # Each content's `auth` as JSON text, by (version, revision): a status compares the
        # content an account authenticated under, which may have been overwritten since.
        self.auths: dict[tuple[UUID, int], str | None] = {}
        self.auth_config: AuthConfigRow | None = None
        self.rollout: RolloutRow | None = None
        self.account: AccountRow | None = None
        self.candidate_set = 0
        """Names the set of candidates at this instant: the id of the last version row that
        changed what resolution sees of a version (an overwrite, say, does not)."""
        self._candidate_of: dict[int, Candidate[UUID]] = {}
        # The candidates now (versions not deleted for good), kept as rows are applied.
        self._live: dict[UUID, Candidate[UUID]] = {}
        self._candidates: dict[int, list[Candidate[UUID]]] = {}
        self._resolutions: dict[tuple[int, str | None, str], Resolution[UUID]] = {}
        self._parsed: dict[str, Any] = {}

    def apply(self, row: HistoryRow) -> Undo:
        """Make `row` the latest of its object; returns what takes it back."""
        if isinstance(row, VersionRow):
            key = (row.version_id, row.revision)
            live = self._live.get(row.version_id)
            undone: Undo = (
                row,
                self.versions.get(row.version_id),
                self.auths.get(key, _ABSENT),
                live,
                self.candidate_set,
            )
            self.versions[row.version_id] = row
            self.auths[key] = row.auth
            candidate = None if row.deleted else self._candidate(row)
            if candidate != live:
                if candidate is None:
                    del self._live[row.version_id]
                else:
                    self._live[row.version_id] = candidate
                self.candidate_set = row.id
            return undone
        undo: Undo
        if isinstance(row, AuthConfigRow):
            undo = (row, self.auth_config)
            self.auth_config = row
        elif isinstance(row, RolloutRow):
            undo = (row, self.rollout)
            self.rollout = row
        else:
            undo = (row, self.account)
            self.account = row
        return undo

    def undo(self, undo: Undo) -> None:
        """Take back a row `apply` made the latest (the last applied first)."""
        row, previous = undo[0], undo[1]
        if isinstance(row, VersionRow):
            if previous is None:
                del self.versions[row.version_id]
            else:
                self.versions[row.version_id] = previous
            key = (row.version_id, row.revision)
            if undo[2] is _ABSENT:
                del self.auths[key]
            else:
                self.auths[key] = undo[2]
            if undo[3] is None:
                self._live.pop(row.version_id, None)
            else:
                self._live[row.version_id] = undo[3]
            self.candidate_set = undo[4]
        elif isinstance(row, AuthConfigRow):
            self.auth_config = previous
        elif isinstance(row, RolloutRow):
            self.rollout = previous
        else:
            self.account = previous

    def _candidate(self, row: VersionRow) -> Candidate[UUID]:
        candidate = self._candidate_of.get(row.id)
        if candidate is None:
            candidate = Candidate(
                id=row.version_id,
                version=row.version,
                source=source_of(row),
                published=row.published_at is not None,
                binned=row.binned_at is not None,
                deprecated=row.deprecated_at is not None,
                deprecation_message=row.deprecation_message,
            )
            self._candidate_of[row.id] = candidate
        return candidate

    def candidates(self) -> list[Candidate[UUID]]:
        """Every version not deleted for good, as resolution sees it."""
        found = self._candidates.get(self.candidate_set)
        if found is None:
            found = list(self._live.values())
            self._candidates[self.candidate_set] = found
        return found

    def _resolution(self, config: AuthConfigRow) -> Resolution[UUID]:
        """`resolve` for the auth config as it was."""
        key = (self.candidate_set, config.pin, config.pin_source)
        resolution = self._resolutions.get(key)
        if resolution is None:
            resolution = resolve(
                stored_pin(config.pin), PinSource(config.pin_source), self.candidates()
            )
            self._resolutions[key] = resolution
        return resolution

    def answer(self) -> PastEffectiveVersion | None:
        """The answer the rules give now: None when the subject did not exist."""
        config = self.auth_config
        if config is None or config.deleted:
            return None
        account = self.account
        if self.subject.account_id is None:
            resolution = self._resolution(config)
            return PastEffectiveVersion(resolution, self._then(resolution), False, None)
        if account is None or account.deleted:
            return None
        resolution = resolve_account(
            self._resolution(config), self._running(), self.subject.account_id
        )
        chosen = resolution.version
        effective = None if chosen is None else self._content(chosen.id, None)
        authenticated = (
            None
            if account.authenticated_version_id is None
            else self._content(account.authenticated_version_id, account.authenticated_revision)
        )
        status = account_status(
            auth_config_active=config.active, authenticated=authenticated, effective=effective
        )
        return PastEffectiveVersion(
            resolution,
            self._then(resolution),
            resolution.rule is ResolutionRule.ROLLOUT,
            status,
        )

    def _running(self) -> RunningRollout[UUID] | None:
        """The running rollout, as the present reads it (`running_rollout_of`): none when its
        target is no candidate."""
        rollout = self.rollout
        if rollout is None or not rollout.running or rollout.target_version_id is None:
            return None
        row = self.versions.get(rollout.target_version_id)
        if row is None or row.deleted:
            return None
        target = self._candidate(row)
        if not target.published or target.binned:
            return None
        return RunningRollout(id=rollout.rollout_id, percent=rollout.percent, target=target)

    def _content(self, version_id: UUID, revision: int | None) -> AuthOfContent | None:
        """A content of a version as a status judges it; None once deleted for good (as now)."""
        row = self.versions.get(version_id)
        if row is None or row.deleted:
            return None
        wanted = row.revision if revision is None else revision
        # A revision replaced before history began: judged by the one history knows, as the
        # present falls back to the current content.
        auth = self.auths.get((version_id, wanted), row.auth)
        parsed = None if auth is None else self._parse(auth)
        return AuthOfContent(version_id, wanted, parsed if isinstance(parsed, dict) else None)

    def _parse(self, text: str) -> Any:
        if text not in self._parsed:
            self._parsed[text] = json.loads(text)
        return self._parsed[text]

    def _then(self, resolution: Resolution[UUID]) -> VersionThen | None:
        chosen = resolution.version
        if chosen is None:
            return None
        row = self.versions[chosen.id]
        return VersionThen(
            id=row.version_id,
            connector_id=row.connector_id,
            version=row.version,
            source=source_of(row),
            revision=row.revision,
            content_hash=row.content_hash,
            published_at=utc(row.published_at),
            deprecated_at=utc(row.deprecated_at),
            deprecation_message=row.deprecation_message,
            binned_at=utc(row.binned_at),
        )
