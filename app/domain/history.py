"""History of effective versions (DESIGN §15): the changes it records, and intervals.

What an account or an auth config ran at an instant is decided by the same rules as now
(`app.domain.resolution`, `app.domain.rollouts`, `app.domain.accounts`), fed with the state its
inputs had then (`app.services.effective.history`). This module names the kinds of change
history records and turns a sequence of answers, one per instant at which an input changed,
into intervals during which one answer held.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Generic, TypeVar

A = TypeVar("A")
C = TypeVar("C")


class HistoryChange(StrEnum):
    """A change of one input of resolution, as history records it."""

    RECORDED = "RECORDED"  # history began: the state found when recording started
    VERSION_CREATED = "VERSION_CREATED"  # a draft: not a candidate, but named in "no match"
    VERSION_PUBLISHED = "VERSION_PUBLISHED"
    VERSION_OVERWRITTEN = "VERSION_OVERWRITTEN"  # a forced push: same number, new content
    VERSION_DEPRECATED = "VERSION_DEPRECATED"
    VERSION_UNDEPRECATED = "VERSION_UNDEPRECATED"
    VERSION_BINNED = "VERSION_BINNED"
    VERSION_RESTORED = "VERSION_RESTORED"
    VERSION_DELETED = "VERSION_DELETED"
    AUTH_CONFIG_CREATED = "AUTH_CONFIG_CREATED"
    PINNED = "PINNED"  # pin or pin source changed
    ACTIVATED = "ACTIVATED"
    DEACTIVATED = "DEACTIVATED"
    AUTH_CONFIG_DELETED = "AUTH_CONFIG_DELETED"
    ROLLOUT_STARTED = "ROLLOUT_STARTED"
    ROLLOUT_CHANGED = "ROLLOUT_CHANGED"  # its percentage
    ROLLOUT_COMPLETED = "ROLLOUT_COMPLETED"
    ROLLOUT_ABORTED = "ROLLOUT_ABORTED"
    ACCOUNT_LINKED = "ACCOUNT_LINKED"
    REAUTHENTICATED = "REAUTHENTICATED"
    ACCOUNT_UNLINKED = "ACCOUNT_UNLINKED"


@dataclass(frozen=True, slots=True)
class Interval(Generic[A, C]):
    """A span during which one answer held: from `start` (inclusive) to `end` (exclusive; None
    while it still holds), with the changes made at `start` (those that started it)."""

    start: datetime
    end: datetime | None
    answer: A
    changes: tuple[C, ...]


@dataclass(frozen=True, slots=True)
class Step(Generic[A, C]):
    """The answer from `at` on, after `changes` (made at `at`); `answer` None: the subject did
    not exist."""

    at: datetime
    answer: A | None
    changes: tuple[C, ...]


def intervals(steps: Iterable[Step[A, C]]) -> list[Interval[A, C]]:
    """The intervals of a time-ordered sequence of steps: a step whose answer equals the one
    before it extends that interval; a step without an answer ends it (the subject was gone)."""
    found: list[Interval[A, C]] = []
    current: Interval[A, C] | None = None
    for step in steps:
        if current is not None and step.answer == current.answer:
            continue
        if current is not None:
            found.append(Interval(current.start, step.at, current.answer, current.changes))
            current = None
        if step.answer is not None:
            current = Interval(step.at, None, step.answer, step.changes)
    if current is not None:
        found.append(current)
    return found


def holding_at(found: Sequence[Interval[A, C]], at: datetime) -> Interval[A, C] | None:
    """The interval that holds at `at`, if any."""
    for interval in reversed(found):
        if interval.start <= at:
            return interval if interval.end is None or at < interval.end else None
    return None
