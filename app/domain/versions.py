"""Version numbers (semver 2.0) and the content that identifies a version."""

import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import semver

from app.domain.content_limits import ContentLimits, check_config_limits
from app.domain.errors import DomainError, ErrorCode, InvalidInput


class InvalidVersion(DomainError):
    code = ErrorCode.INVALID_VERSION


# What the version columns hold on every backend (app/db/models.py): the number is a VARCHAR(128),
# major, minor and patch are INTEGERs (32-bit on PostgreSQL).
MAX_VERSION_LENGTH = 128
MAX_VERSION_PART = 2**31 - 1
# Distinct version numbers whose parse is kept in memory (a few MB at most).
PARSED_NUMBERS_KEPT = 65_536


def parse_version(text: str, field: str = "version") -> semver.Version:
    """A full semver 2.0 number such as 1.2.0 or 2.0.0-beta.1 (no leading "v").

    Build metadata (`+build.5`) is refused: it does not count for precedence, so 1.2.0+a and
    1.2.0+b would be two versions that no pin could tell apart. Numbers the database cannot hold
    are refused here, so that both backends answer alike instead of one storing what the other
    fails on.
    """
    text = text.strip()
    if len(text) > MAX_VERSION_LENGTH:
        raise InvalidVersion(
            f"{field}: a version number has at most {MAX_VERSION_LENGTH} characters"
        )
    try:
        version = semver.Version.parse(text)
    except (ValueError, TypeError):
        raise InvalidVersion(
            f"{field}: {text!r} is not a semantic version such as 1.2.0 or 2.0.0-beta.1"
        ) from None
    if version.build:
        raise InvalidVersion(f"{field}: {text!r} has build metadata; leave out the '+…' part")
    if max(version.major, version.minor, version.patch) > MAX_VERSION_PART:
        raise InvalidVersion(
            f"{field}: {text!r} is too large; major, minor and patch are at most {MAX_VERSION_PART}"
        )
    return version


@lru_cache(maxsize=PARSED_NUMBERS_KEPT)
def precedence_key(text: str) -> semver.Version:
    """Sort key: semver precedence (build metadata ignored, prereleases before their release).

    Kept once parsed: resolution compares every candidate of a key on every request, and a
    number's parse never changes (`semver.Version` is immutable)."""
    return semver.Version.parse(text)


PrecedenceRank = tuple[int, int, int, int, tuple[tuple[int, int | str], ...]]


@lru_cache(maxsize=PARSED_NUMBERS_KEPT)
def precedence_rank(text: str) -> PrecedenceRank:
    """A plain tuple that orders like semver precedence, compared natively (comparing
    `semver.Version`s costs microseconds each, and resolution compares every candidate).

    (major, minor, patch, 1, ()) for a release, which ranks above its prereleases,
    (major, minor, patch, 0, identifiers) for a prerelease; numeric identifiers rank below
    alphanumeric ones and compare as numbers, the others as ASCII text; with equal leading
    identifiers, fewer identifiers rank lower (a shorter tuple is smaller).
    """
    version = precedence_key(text)
    if version.prerelease is None:
        return (version.major, version.minor, version.patch, 1, ())
    identifiers = tuple(
        (0, int(part)) if part.isdigit() else (1, part) for part in version.prerelease.split(".")
    )
    return (version.major, version.minor, version.patch, 0, identifiers)


@dataclass(frozen=True, slots=True)
class VersionContent:
    """What a version publishes; two versions with equal content have equal hashes."""

    name: str
    description: str
    readme: str
    definition: dict[str, Any] | None
    config: dict[str, Any]

    def content_hash(self) -> str:
        canonical = json.dumps(
            {
                "name": self.name,
                "description": self.description,
                "readme": self.readme,
                "definition": self.definition,
                "config": self.config,
            },
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
        )
        return hashlib.sha256(canonical.encode()).hexdigest()


CONFIG_SECTIONS = ("vcs", "application", "individual", "execution", "typeSpecific")


def validate_config(config: object, limits: ContentLimits) -> dict[str, Any]:
    """A version's configuration: an object of the `CONFIG_SECTIONS`, each an object, within
    the limits."""
    if not isinstance(config, dict):
        raise InvalidInput("config", "must be an object")
    unknown = sorted(set(config) - set(CONFIG_SECTIONS))
    if unknown:
        raise InvalidInput(
            "config",
            f"unknown section(s) {', '.join(map(repr, unknown))}; "
            f"the sections are {', '.join(CONFIG_SECTIONS)}",
        )
    for section, value in config.items():
        if not isinstance(value, dict):
            raise InvalidInput(f"config.{section}", "must be an object")
    check_config_limits(config, limits)
    return config
