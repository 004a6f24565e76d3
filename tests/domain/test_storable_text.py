"""Which text the databases can store, and where in a JSON value the first that cannot is
(no database)."""

import pytest

from app.domain.storable_text import UnstorableText, find_unstorable_text, unstorable_character


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", None),
        ("plain", None),
        ("tab\tnew line\n", None),
        ("é ü 中文", None),
        ("\U0001f600", None),
        ("\x00", "a NUL character (U+0000)"),
        ("before\x00after", "a NUL character (U+0000)"),
        ("\ud800", "a lone surrogate (U+D800)"),
        ("x\udfffy", "a lone surrogate (U+DFFF)"),
        ("\ud83d\ude00", "a lone surrogate (U+D83D)"),  # a pair never decoded stays unstorable
    ],
)
def test_unstorable_character(text: str, expected: str | None) -> None:
    assert unstorable_character(text) == expected


NUL = "a NUL character (U+0000)"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        (42, None),
        ({"a": ["b", {"c": "d"}], "e": True}, None),
        ("\x00", UnstorableText("", NUL, in_key=False)),
        ({"name": "a\x00"}, UnstorableText(".name", NUL, in_key=False)),
        ({"a": [1, {"b": ["x", "y\x00"]}]}, UnstorableText(".a[1].b[1]", NUL, in_key=False)),
        ({"a": {"k\x00": 1}}, UnstorableText(".a", NUL, in_key=True)),
        (["ok", "\x00", "\ud800"], UnstorableText("[1]", NUL, in_key=False)),
        (("tuple", "\x00"), UnstorableText("[1]", NUL, in_key=False)),
        (
            {"a": "ok", "b": "\ud800"},
            UnstorableText(".b", "a lone surrogate (U+D800)", in_key=False),
        ),
    ],
)
def test_find_unstorable_text(value: object, expected: UnstorableText | None) -> None:
    assert find_unstorable_text(value) == expected


def test_a_value_nested_deeper_than_the_stack_is_walked() -> None:
    value: object = "\x00"
    for _ in range(5_000):
        value = [value]
    found = find_unstorable_text(value)
    assert found is not None
    assert found.path == "[0]" * 5_000


def test_the_problem_says_what_and_where() -> None:
    assert UnstorableText(".a", NUL, in_key=False).problem() == (
        "contains a NUL character (U+0000), which cannot be stored"
    )
    assert UnstorableText(".a", NUL, in_key=True).problem() == (
        "has a key that contains a NUL character (U+0000), which cannot be stored"
    )
