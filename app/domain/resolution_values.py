"""The values resolution takes and gives (see `app.domain.resolution` for the rules)."""

from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from typing import Generic, TypeVar

import semver

from app.domain.enums import PinSource, VersionSource
from app.domain.versions import PrecedenceRank, precedence_key, precedence_rank

IdT = TypeVar("IdT")


class ResolutionRule(StrEnum):
    """The rule that chose (or found nothing), named after the kind of pin."""

    DEFAULT = "DEFAULT"  # no pin: the latest custom version, else the latest managed one
    LATEST = "LATEST"
    MAJOR_LINE = "MAJOR_LINE"
    MINOR_LINE = "MINOR_LINE"
    EXACT = "EXACT"
    ROLLOUT = "ROLLOUT"  # a linked account in its auth config's rollout runs the target


class SkipCause(StrEnum):
    """Why a candidate in the pin's range was not chosen."""

    PIN_SOURCE = "PIN_SOURCE"  # the pin source is the other one
    PRERELEASE = "PRERELEASE"  # floating pins skip prereleases
    CUSTOM_PRECEDENCE = "CUSTOM_PRECEDENCE"  # source ANY, and a custom version matches
    DEPRECATED = "DEPRECATED"  # floating pins skip it while a non-deprecated one matches


# Generic dataclasses here are not slotted: a slotted frozen one breaks `Candidate[UUID](...)`.
@dataclass(frozen=True, kw_only=True)
class Candidate(Generic[IdT]):
    """A version of the custom or the managed connector of the auth config's key.

    `id` is opaque to resolution (a row's UUID, say) and comes back in the answer.
    """

    id: IdT
    version: str
    source: VersionSource
    published: bool
    binned: bool
    deprecated: bool
    deprecation_message: str | None = None

    # Kept on the candidate once asked for (`cached_property` writes the instance's own
    # attributes, which a frozen dataclass allows it; they take no part in equality):
    # resolution asks them of every candidate, often several times.
    @cached_property
    def number(self) -> semver.Version:
        return precedence_key(self.version)

    @cached_property
    def rank(self) -> PrecedenceRank:
        """Its number's precedence as a plain tuple: cheap to compare."""
        return precedence_rank(self.version)

    @property
    def label(self) -> str:
        """ "custom 1.2.0" """
        return f"{self.source.value.lower()} {self.version}"


@dataclass(frozen=True, kw_only=True)
class Skipped(Generic[IdT]):
    """A candidate in the pin's range that a rule took out, and why."""

    id: IdT
    version: str
    source: VersionSource
    cause: SkipCause
    reason: str


@dataclass(frozen=True, kw_only=True)
class Resolution(Generic[IdT]):
    """The effective version and why: `version` and `source` are None when nothing matches."""

    version: Candidate[IdT] | None
    rule: ResolutionRule
    source: VersionSource | None
    reason: str
    warnings: list[str]
    skipped: list[Skipped[IdT]]


# A candidate a rule took out, and the rule.
Skip = tuple[Candidate[IdT], SkipCause]

# What a pin source keeps (ANY keeps both).
ONLY = {PinSource.MANAGED: VersionSource.MANAGED, PinSource.CUSTOM: VersionSource.CUSTOM}
