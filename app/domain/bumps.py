"""Version bumps (PATCH < MINOR < MAJOR), the changes that need them, and the bump a version
number declares."""

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

import semver


@functools.total_ordering
class Bump(Enum):
    """How far a version number must move: PATCH < MINOR < MAJOR."""

    PATCH = "PATCH"
    MINOR = "MINOR"
    MAJOR = "MAJOR"

    @property
    def rank(self) -> int:
        return _RANKS[self]

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Bump):
            return NotImplemented
        return self.rank < other.rank


_RANKS = {Bump.PATCH: 0, Bump.MINOR: 1, Bump.MAJOR: 2}


@dataclass(frozen=True, slots=True)
class Change:
    """One difference between two definitions, and the bump it needs (see `changes`)."""

    bump: Bump
    path: str
    description: str
    affects_auth: bool = False


def required_bump(changes: Iterable[Change]) -> Bump | None:
    """The largest bump among the changes; None when there are none."""
    return max((change.bump for change in changes), default=None)


def declared_bump(previous: semver.Version, new: semver.Version) -> Bump | None:
    """The bump `new` declares over `previous`; None when it is not greater.

    By semver precedence: build metadata counts for nothing, and a version that differs from the
    previous only by its prerelease (2.0.0 after 2.0.0-rc.1) declares a PATCH.
    """
    if new.compare(previous) <= 0:
        return None
    if new.major != previous.major:
        return Bump.MAJOR
    if new.minor != previous.minor:
        return Bump.MINOR
    return Bump.PATCH
