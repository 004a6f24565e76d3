"""Choosing the number of a new version (DESIGN §2: next major by default, first 1.0.0)."""

from collections.abc import Iterable

import semver

from app.domain.bumps import Bump

FIRST_VERSION = semver.Version(1, 0, 0)


def next_version_number(taken: Iterable[semver.Version], bump: Bump = Bump.MAJOR) -> semver.Version:
    """The next number after the highest one `taken` (binned and retired numbers included)."""
    highest = max(taken, default=None)
    if highest is None:
        return FIRST_VERSION
    if bump is Bump.MAJOR:
        return semver.Version(highest.major + 1, 0, 0)
    if bump is Bump.MINOR:
        return semver.Version(highest.major, highest.minor + 1, 0)
    return semver.Version(highest.major, highest.minor, highest.patch + 1)
