"""History of effective versions (DESIGN §15): the changes it records, and intervals.

What an account or an auth config ran at an instant is decided by the same rules as now
(`app.domain.resolution`, `app.domain.rollouts`, `app.domain.accounts`), fed with the state its
inputs had then (`app.services.effective.history`). This module names the kinds of change
history records and turns a sequence of answers, one per instant at which an input changed,
into intervals during which one answer held.
"""

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
