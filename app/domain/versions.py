"""Version numbers (semver 2.0) and the content that identifies a version."""

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import semver

from app.domain.errors import DomainError, ErrorCode


class InvalidVersion(DomainError):
    code = ErrorCode.INVALID_VERSION


def parse_version(text: str, field: str = "version") -> semver.Version:
    """A full semver 2.0 number such as 1.2.0 or 2.0.0-beta.1 (no leading "v")."""
    try:
        return semver.Version.parse(text.strip())
    except (ValueError, TypeError):
        raise InvalidVersion(
            f"{field}: {text!r} is not a semantic version such as 1.2.0 or 2.0.0-beta.1"
        ) from None


def precedence_key(text: str) -> semver.Version:
    """Sort key: semver precedence (build metadata ignored, prereleases before their release)."""
    return semver.Version.parse(text)


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
