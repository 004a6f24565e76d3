"""Choosing the number of a new version (DESIGN §2: next major by default, first 1.0.0)."""

from collections.abc import Iterable

import semver

from app.domain.bumps import Bump

FIRST_VERSION = semver.Version(1, 0, 0)


def next_version_number(taken: Iterable[semver.Version], bump: Bump = Bump.MAJOR) -> semver.Version:
    """The next number after the highest one `taken` (binned and retired numbers included).

    After a prerelease, its own release comes next when it is that kind of step: 2.0.0 after
    2.0.0-beta.1 for a MAJOR bump, but 2.0.0 after 1.3.0-rc.1 (1.3.0 is no major).
    """
    highest = max(taken, default=None)
    if highest is None:
        return FIRST_VERSION
    if highest.prerelease and _release_is_a(bump, highest):
        return highest.finalize_version()
    if bump is Bump.MAJOR:
        return semver.Version(highest.major + 1, 0, 0)
    if bump is Bump.MINOR:
        return semver.Version(highest.major, highest.minor + 1, 0)
    return semver.Version(highest.major, highest.minor, highest.patch + 1)


def _release_is_a(bump: Bump, prerelease: semver.Version) -> bool:
    if bump is Bump.MAJOR:
        return prerelease.minor == 0 and prerelease.patch == 0
    if bump is Bump.MINOR:
        return prerelease.patch == 0
    return True
