"""Version numbers and content hashes (no database)."""

import pytest

from app.domain.versions import InvalidVersion, VersionContent, parse_version, precedence_key

LONGEST = "1.0.0-" + "a" * 122  # 128 characters: the width of the version column
LARGEST = "2147483647.2147483647.2147483647"  # the largest INTEGER on PostgreSQL


@pytest.mark.parametrize(
    "text", ["1.0.0", "2.0.0-beta.1", "1.2.3-rc.1.2", "10.20.30", LONGEST, LARGEST]
)
def test_semver_numbers_parse(text: str) -> None:
    assert str(parse_version(text)) == text


@pytest.mark.parametrize(
    "text",
    [
        "1",
        "1.0",
        "v1.0.0",
        "1.0.0.0",
        "01.0.0",
        "latest",
        "",
        "1.2.3+build.5",
        LONGEST + "a",
        "2147483648.0.0",
        "1.2147483648.0",
        "1.0.2147483648",
        "99999999999999999999.0.0",
    ],
)
def test_anything_else_is_an_invalid_version(text: str) -> None:
    with pytest.raises(InvalidVersion):
        parse_version(text)


def test_precedence_puts_prereleases_before_their_release_and_compares_numerically() -> None:
    numbers = ["1.10.0", "2.0.0", "2.0.0-beta.2", "1.2.0", "2.0.0-beta.10", "1.9.9"]
    assert sorted(numbers, key=precedence_key) == [
        "1.2.0",
        "1.9.9",
        "1.10.0",
        "2.0.0-beta.2",
        "2.0.0-beta.10",
        "2.0.0",
    ]


def test_the_content_hash_ignores_key_order_and_sees_every_field() -> None:
    base = VersionContent(
        name="CRM", description="", readme="", definition={"a": 1, "b": 2}, config={}
    )
    reordered = VersionContent(
        name="CRM", description="", readme="", definition={"b": 2, "a": 1}, config={}
    )
    assert base.content_hash() == reordered.content_hash()
    changed = VersionContent(name="CRM", description="", readme="!", definition=None, config={})
    assert base.content_hash() != changed.content_hash()
