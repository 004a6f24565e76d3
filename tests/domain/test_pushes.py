"""Pushes (DESIGN §2): what a push does with the version of its number, the refusals in their
order, and the previous release a push is judged against (no database)."""

import pytest

from app.domain.enums import DeploymentState
from app.domain.errors import ErrorCode
from app.domain.pushes import (
    ExistingVersion,
    KnownVersion,
    OverwriteRule,
    PushAction,
    decide_push,
    overwrite_in_question,
    previous_release,
)
from app.domain.version_errors import VersionExists, VersionImmutable, VersionInBin
from app.domain.versions import parse_version

SAME, OTHER = "same-hash", "other-hash"
MANAGED, IMMUTABLE, WITH_FORCE = (
    OverwriteRule.MANAGED,
    OverwriteRule.IMMUTABLE,
    OverwriteRule.WITH_FORCE,
)


def existing(*flags: str, content: str = SAME) -> ExistingVersion:
    """ "published", "binned" among `flags`; a draft otherwise."""
    published = "published" in flags
    return ExistingVersion(
        number="1.2.0",
        state=DeploymentState.RELEASED if published else DeploymentState.UPDATED,
        published=published,
        binned="binned" in flags,
        content_hash=content,
    )


@pytest.mark.parametrize(
    ("found", "force", "rule", "action"),
    [
        pytest.param(None, False, None, PushAction.CREATE, id="new number: created"),
        pytest.param(None, True, None, PushAction.CREATE, id="force changes nothing on a new one"),
        pytest.param(
            existing("published"), False, None, PushAction.UNCHANGED, id="same content: unchanged"
        ),
        pytest.param(
            existing("published"), True, None, PushAction.UNCHANGED, id="same content, force"
        ),
        pytest.param(existing(), False, None, PushAction.PUBLISH_DRAFT, id="draft: published"),
        pytest.param(
            existing(content=OTHER), False, None, PushAction.PUBLISH_DRAFT, id="draft, new content"
        ),
        pytest.param(
            existing("published", content=OTHER),
            True,
            WITH_FORCE,
            PushAction.OVERWRITE,
            id="other content, force, mutable project: overwritten",
        ),
    ],
)
def test_what_a_push_does(
    found: ExistingVersion | None, force: bool, rule: OverwriteRule | None, action: PushAction
) -> None:
    assert decide_push(found, content_hash=SAME, force=force, overwrite=rule) is action


@pytest.mark.parametrize(
    ("found", "force", "rule", "refusal", "code"),
    [
        pytest.param(
            existing("published", content=OTHER),
            True,
            MANAGED,
            VersionImmutable,
            ErrorCode.VERSION_IMMUTABLE,
            id="managed: never overwritten, even with force",
        ),
        pytest.param(
            existing("published", content=OTHER),
            True,
            IMMUTABLE,
            VersionImmutable,
            ErrorCode.VERSION_IMMUTABLE,
            id="immutable project: force has no effect",
        ),
        pytest.param(
            existing("published", content=OTHER),
            False,
            WITH_FORCE,
            VersionExists,
            ErrorCode.VERSION_EXISTS,
            id="mutable project without force: exists",
        ),
        pytest.param(
            existing("published", "binned", content=OTHER),
            False,
            WITH_FORCE,
            VersionExists,
            ErrorCode.VERSION_EXISTS,
            id="binned, other content: the overwrite refusal comes first",
        ),
        pytest.param(
            existing("published", "binned", content=OTHER),
            True,
            IMMUTABLE,
            VersionImmutable,
            ErrorCode.VERSION_IMMUTABLE,
            id="binned, immutable: immutable first",
        ),
        pytest.param(
            existing("published", "binned", content=OTHER),
            True,
            WITH_FORCE,
            VersionInBin,
            ErrorCode.INVALID_TRANSITION,
            id="binned, an overwrite allowed: restore it first",
        ),
        pytest.param(
            existing("published", "binned"),
            False,
            None,
            VersionInBin,
            ErrorCode.INVALID_TRANSITION,
            id="binned, same content: restore it first",
        ),
        pytest.param(
            existing("binned"),
            False,
            None,
            VersionInBin,
            ErrorCode.INVALID_TRANSITION,
            id="binned draft: restore it first",
        ),
    ],
)
def test_refusals_in_order(
    found: ExistingVersion,
    force: bool,
    rule: OverwriteRule | None,
    refusal: type[Exception],
    code: ErrorCode,
) -> None:
    with pytest.raises(refusal) as raised:
        decide_push(found, content_hash=SAME, force=force, overwrite=rule)

    assert getattr(raised.value, "code", None) is code


@pytest.mark.parametrize(
    ("found", "in_question"),
    [
        pytest.param(None, False, id="new number"),
        pytest.param(existing(content=OTHER), False, id="draft: nothing published is replaced"),
        pytest.param(existing("published"), False, id="same content"),
        pytest.param(existing("published", content=OTHER), True, id="other content"),
        pytest.param(existing("published", "binned", content=OTHER), True, id="binned too"),
    ],
)
def test_the_overwrite_rule_is_needed_only_to_replace_published_content(
    found: ExistingVersion | None, in_question: bool
) -> None:
    assert overwrite_in_question(found, SAME) is in_question


def test_an_overwrite_without_its_rule_is_a_mistake() -> None:
    with pytest.raises(ValueError, match="overwrite rule"):
        decide_push(
            existing("published", content=OTHER), content_hash=SAME, force=True, overwrite=None
        )


def versions(*specs: str) -> list[KnownVersion]:
    """ "1.2.0" a published release; "1.2.0 draft", "1.2.0 binned" as said."""
    known = []
    for spec in specs:
        number, *flags = spec.split()
        known.append(
            KnownVersion(number=number, published="draft" not in flags, binned="binned" in flags)
        )
    return known


@pytest.mark.parametrize(
    ("pushed", "known", "previous"),
    [
        pytest.param("1.0.0", [], None, id="first version: none"),
        pytest.param("1.1.0", ["1.0.0"], "1.0.0", id="the release below"),
        pytest.param("1.2.5", ["1.2.4", "1.3.0", "2.0.0"], "1.2.4", id="backport: not the highest"),
        pytest.param(
            "2.0.0", ["1.9.0", "2.0.0-beta.1", "2.0.0-rc.1"], "1.9.0", id="prereleases aside"
        ),
        pytest.param(
            "2.0.0-beta.2", ["1.9.0", "2.0.0-beta.1"], "1.9.0", id="a prerelease: the last release"
        ),
        pytest.param("1.3.0", ["1.2.0", "1.2.9 draft"], "1.2.0", id="drafts aside"),
        pytest.param("1.3.0", ["1.2.0", "1.2.9 binned"], "1.2.0", id="the bin aside"),
        pytest.param("1.2.0", ["1.2.0", "1.1.0"], "1.1.0", id="not its own number"),
        pytest.param("0.1.0", ["1.0.0"], None, id="nothing below"),
        pytest.param("1.10.0", ["1.9.0", "1.2.0"], "1.9.0", id="by precedence, not by text"),
    ],
)
def test_previous_release(pushed: str, known: list[str], previous: str | None) -> None:
    assert previous_release(parse_version(pushed), versions(*known)) == previous
