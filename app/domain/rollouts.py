"""Rollouts (DESIGN §13): a target version for a percentage of an auth config's accounts.

An account is in a rollout when its bucket, a stable hash of (rollout id, account id) in
0..9999, is below `percent * 100`. The bucket never changes while the rollout runs, so raising
the percentage only adds accounts, lowering it only takes some back, and no account flips back
and forth between requests. A new rollout has a new id, so its buckets are drawn afresh: the
accounts that went first last time are not always the ones that go first.

The bucket's definition is fixed: aggregates compute the same in SQL
(`app.db.rollout_buckets`), and must agree with this module to the account.

`resolve_account` is the one place that decides an account's effective version: the target in
the rollout (rule ROLLOUT), the auth config's own resolution outside it.
"""

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Generic
from uuid import UUID, uuid5

import semver

from app.domain.enums import PinSource, VersionSource
from app.domain.errors import DomainError, ErrorCode, InvalidInput
from app.domain.pin_targets import resolve_pin_target
from app.domain.pins import Pin, PinKind
from app.domain.resolution import Candidate, Resolution, ResolutionRule, resolve
from app.domain.resolution_values import IdT
from app.domain.versions import parse_version

BUCKETS = 10_000
"""Buckets per rollout: a percentage point is 100 of them."""

MIN_PERCENT = 0
MAX_PERCENT = 100


class RolloutEnding(StrEnum):
    """How a rollout ended."""

    COMPLETED = "COMPLETED"  # the target became the auth config's exact pin
    ABORTED = "ABORTED"  # every account went back to the auth config's own resolution


class RolloutInProgress(DomainError):
    """The auth config already runs a rollout; complete or abort it first."""

    code = ErrorCode.ROLLOUT_IN_PROGRESS

    def __init__(self, target_version: str, percent: int) -> None:
        super().__init__(
            f"the auth config is rolling out {target_version} to {percent}% of its accounts; "
            "complete or abort that rollout first"
        )
        self.target_version = target_version
        self.percent = percent


class NoRolloutInProgress(DomainError):
    """The auth config runs no rollout to change."""

    code = ErrorCode.NO_ROLLOUT_IN_PROGRESS

    def __init__(self) -> None:
        super().__init__("the auth config has no rollout in progress; start one first")


ROLLOUT_ID_NAMESPACE = UUID("5f0c2b9e-8a47-4d1e-9c3a-6b2f7e1d4a80")
"""The namespace of rollout ids (`rollout_id_for`); fixed for good: changing it would draw every
future rollout's buckets differently from what its preview showed."""


def rollout_id_for(auth_config_id: UUID, revision: int) -> UUID:
    """The id of the rollout that a start at `revision` of the auth config creates.

    Derived, not random, so that an impact preview of the start (which runs it and rolls it
    back) puts in the rollout exactly the accounts the real start will: the buckets derive
    from the id. The revision only grows and every start bumps it, so each rollout of an auth
    config still gets a new id (and fresh buckets); a start at a stale revision is CONFLICT
    before any id is taken."""
    return uuid5(ROLLOUT_ID_NAMESPACE, f"{auth_config_id}:{revision}")


def rollout_bucket(rollout_id: UUID, account_id: UUID) -> int:
    """The account's bucket in the rollout, 0..9999: the first 32 bits of the MD5 of
    "<rollout id>:<account id>" (lowercase, hyphenated UUIDs), modulo 10000."""
    digest = hashlib.md5(f"{rollout_id}:{account_id}".encode()).hexdigest()
    return int(digest[:8], 16) % BUCKETS


def bucket_limit(percent: int) -> int:
    """Buckets below this are in a rollout at `percent`."""
    return percent * (BUCKETS // 100)


def in_rollout(rollout_id: UUID, account_id: UUID, percent: int) -> bool:
    return rollout_bucket(rollout_id, account_id) < bucket_limit(percent)


def checked_percent(percent: int, field: str = "percent") -> int:
    """A whole percentage 0..100. 0 is accepted: a rollout at 0% moves no account but keeps its
    target in use and its buckets, so raising it again brings back the same accounts."""
    if not MIN_PERCENT <= percent <= MAX_PERCENT:
        raise InvalidInput(field, f"a whole percentage from {MIN_PERCENT} to {MAX_PERCENT}")
    return percent


# Not slotted, like `Candidate`: slots break `RunningRollout[UUID](...)`.
@dataclass(frozen=True, kw_only=True)
class RunningRollout(Generic[IdT]):
    """What resolution needs of a running rollout: its id (the buckets' seed), its percentage,
    and its target among the candidates of the auth config's key."""

    id: UUID
    percent: int
    target: Candidate[IdT]


def resolve_account(
    own: Resolution[IdT], rollout: RunningRollout[IdT] | None, account_id: UUID
) -> Resolution[IdT]:
    """The account's effective version: the rollout's target when its bucket is below the
    percentage (rule ROLLOUT, the bucket in the reason), else `own`, the auth config's
    resolution, with a sentence on why the account is not in the rollout."""
    if rollout is None:
        return own
    bucket = rollout_bucket(rollout.id, account_id)
    limit = bucket_limit(rollout.percent)
    target = rollout.target
    rolling = f"rolling out {target.label} to {rollout.percent}% of accounts"
    if bucket < limit:
        return Resolution(
            version=target,
            rule=ResolutionRule.ROLLOUT,
            source=target.source,
            reason=f"{rolling}; this account's bucket {bucket:04d} is below {limit}",
            warnings=target_warnings(target),
            skipped=[],
        )
    outside = (
        f"not in the rollout: {rolling}, and this account's bucket {bucket:04d} "
        f"is not below {limit}"
    )
    return replace(own, reason=f"{own.reason}; {outside}")


def rollout_target(
    number: str, source: PinSource, candidates: Iterable[Candidate[IdT]]
) -> Candidate[IdT]:
    """The version a rollout to `number` within `source` targets: resolved like an exact pin
    (under ANY the custom version of the number first); `PinnedVersionNotFound` when no
    published, not binned version of the key has it."""
    pin = Pin(PinKind.EXACT, version=_number(number))
    chosen = resolve_pin_target(pin, source, candidates).version
    # resolve_pin_target raises rather than choose nothing
    assert chosen is not None
    return chosen


def target_warnings(target: Candidate[IdT]) -> list[str]:
    """What to know about a target: that it is deprecated (the rollout keeps it, as an exact
    pin would)."""
    if not target.deprecated:
        return []
    message = f" ({target.deprecation_message})" if target.deprecation_message else ""
    source = target.source.value.lower()
    deprecated = f"rollout target {source} version {target.version} is deprecated{message}"
    return [f"{deprecated}; the rollout keeps it until it ends"]


def completion_pin_source(
    current: PinSource, target: Candidate[IdT], candidates: Iterable[Candidate[IdT]]
) -> PinSource:
    """The pin source under which an exact pin to the target's number resolves to the target
    itself: the auth config's own when it does (ANY for a custom target, say), else the
    target's source (a managed target under ANY while a custom version of that number exists
    would otherwise pin the custom one)."""
    everything = list(candidates)
    pin = Pin(PinKind.EXACT, version=_number(target.version))
    chosen = resolve(pin, current, everything).version
    if chosen is not None and chosen.id == target.id:
        return current
    return PinSource.MANAGED if target.source is VersionSource.MANAGED else PinSource.CUSTOM


def _number(text: str) -> semver.Version:
    return parse_version(text, "targetVersion")
