"""Version numbers and content hashes (no database)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.versions import (
    InvalidVersion,
    VersionContent,
    parse_version,
    precedence_key,
    precedence_rank,
)

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


IDENTIFIER = st.one_of(
    st.integers(min_value=0, max_value=30).map(str),
    st.sampled_from(["alpha", "beta", "rc", "a", "b", "x-1", "Z", "zz"]),
)
NUMBERS = st.builds(
    lambda major, minor, patch, pre: (
        f"{major}.{minor}.{patch}" + (f"-{'.'.join(pre)}" if pre else "")
    ),
    st.integers(0, 3),
    st.integers(0, 3),
    st.integers(0, 3),
    st.lists(IDENTIFIER, max_size=3),
)


@given(NUMBERS, NUMBERS)
def test_the_precedence_rank_orders_like_semver(left: str, right: str) -> None:
    expected = precedence_key(left).compare(precedence_key(right))
    ranked = (precedence_rank(left) > precedence_rank(right)) - (
        precedence_rank(left) < precedence_rank(right)
    )
    assert ranked == expected, (left, right)


@pytest.mark.parametrize(
    "ordered",
    [["1.0.0-1", "1.0.0-2", "1.0.0-10", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-beta", "1.0.0"]],
)
def test_the_precedence_rank_orders_the_spec_example(ordered: list[str]) -> None:
    assert sorted(reversed(ordered), key=precedence_rank) == ordered
