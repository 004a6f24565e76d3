"""Pushes (DESIGN §2): what `pushVersion` does with a number, and which release it is judged
against.

A push names a number and sends content. What happens depends on the version of that number
the connector already has, in this order:

1. None: the version is **created**, published (`version.pushed`).
2. A published one with the same content, not in the bin: **unchanged**; nothing is written,
   and the push answers with the version as it is (a retried push is harmless).
3. A published one with other content: an **overwrite**, refused unless the overwrite rule
   allows it. A managed version never changes; a custom one does not while its project's
   immutable versioning is on (`force` has no effect then); otherwise only a push with `force`
   overwrites, keeping the replaced content as a revision (`version.overwritten`).
4. A version in the bin is refused (restore it first), after the refusals above: restoring it
   would not make those pushes possible.
5. A draft of that number: its content is **replaced** and it is published (`version.pushed`).

Every push that writes passes the bump check against the *previous release*: the highest
published release (no prerelease part) not in the bin whose number ranks below the pushed one
by semver precedence. A backport 1.2.5 is judged against 1.2.4, not 2.0.0; 2.0.0 against the
last 1.x release rather than its own betas; a prerelease 2.0.0-beta.1 against the last 1.x
release too, since it ranks below 2.0.0.

The previous release is kept in two forms: `previous_release` here and the query in
`app.services.versions.publishing`, which reads one row however many versions a connector has;
`tests/db/test_previous_release.py` holds them to the same answers.

Reading the project's rule costs a statement, so the service reads it only when an overwrite is
in question (`overwrite_in_question`).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

import semver

from app.domain.enums import DeploymentState
from app.domain.version_errors import VersionExists, VersionImmutable, VersionInBin
from app.domain.versions import precedence_key


class PushAction(StrEnum):
    """What a push that is not refused does."""

    UNCHANGED = "UNCHANGED"  # the same content is published under that number: write nothing
    CREATE = "CREATE"  # no version of that number: create it, published
    PUBLISH_DRAFT = "PUBLISH_DRAFT"  # a draft of that number: replace its content, publish it
    OVERWRITE = "OVERWRITE"  # published with other content: keep it as a revision, replace it


class OverwriteRule(StrEnum):
    """Whether a published version's content may be replaced."""

    MANAGED = "MANAGED"  # a managed connector's versions never change
    IMMUTABLE = "IMMUTABLE"  # the project's immutable versioning is on
    WITH_FORCE = "WITH_FORCE"  # a push with `force` may overwrite


@dataclass(frozen=True)
class ExistingVersion:
    """The connector's version of the pushed number, as a push sees it."""

    number: str
    state: DeploymentState
    published: bool
    binned: bool
    content_hash: str


def overwrite_in_question(existing: ExistingVersion | None, content_hash: str) -> bool:
    """Whether the push would replace published content, so that the rule must be known."""
    return existing is not None and existing.published and existing.content_hash != content_hash


def decide_push(
    existing: ExistingVersion | None,
    *,
    content_hash: str,
    force: bool,
    overwrite: OverwriteRule | None,
) -> PushAction:
    """What a push of content `content_hash` does with `existing`, or the refusal it gets.

    `overwrite` is needed only when `overwrite_in_question`; pass None otherwise.
    Raises VersionImmutable, VersionExists or VersionInBin, in that order.
    """
    if existing is None:
        return PushAction.CREATE
    if existing.published and existing.content_hash == content_hash and not existing.binned:
        return PushAction.UNCHANGED
    if overwrite_in_question(existing, content_hash):
        if overwrite is None:
            raise ValueError("an overwrite is in question: the overwrite rule is needed")
        _refuse_overwrite(existing.number, overwrite, force)
    if existing.binned:
        raise VersionInBin(existing.number, existing.state)
    return PushAction.OVERWRITE if existing.published else PushAction.PUBLISH_DRAFT


def _refuse_overwrite(number: str, rule: OverwriteRule, force: bool) -> None:
    if rule is OverwriteRule.MANAGED:
        raise VersionImmutable(number, "managed versions are always immutable")
    if rule is OverwriteRule.IMMUTABLE:
        raise VersionImmutable(
            number,
            "the project's immutable versioning is on (force has no effect); push a new version",
        )
    if not force:
        raise VersionExists(number, " with other content; push with force to overwrite it")


@dataclass(frozen=True)
class KnownVersion:
    """A version of the connector, as the previous-release rule sees it."""

    number: str
    published: bool
    binned: bool


def previous_release(number: semver.Version, versions: Iterable[KnownVersion]) -> str | None:
    """The number of the previous release for a push of `number` (see the module's docstring),
    or None when there is none."""
    below = [
        (key, version.number)
        for version in versions
        if version.published and not version.binned
        for key in (precedence_key(version.number),)
        if key.prerelease is None and key.compare(number) < 0
    ]
    return None if not below else max(below)[1]
