"""Display names (DESIGN §10): the major alone, or the full number when the major has other
published, not binned releases; a prerelease always in full (no database)."""

import pytest

from app.domain.display_names import Sibling, display_name


def published(*numbers: str) -> list[Sibling]:
    return [Sibling(number, published=True, binned=False) for number in numbers]


CASES = [
    # (version, its siblings, display name)
    ("2.0.0", [], "My Connector v2"),
    ("2.0.0", published("2.0.0"), "My Connector v2"),  # itself never counts
    ("2.0.0", published("1.0.0", "3.0.0"), "My Connector v2"),  # majors only: one per major
    ("2.1.0", published("2.0.0", "2.1.0"), "My Connector v2.1.0"),  # a major with minors
    ("2.0.0", published("2.0.0", "2.1.0"), "My Connector v2.0.0"),
    ("2.0.1", published("2.0.0"), "My Connector v2.0.1"),  # a patch is another version too
    ("2.0.0", published("2.1.0-beta.1"), "My Connector v2"),  # a prerelease does not count
    ("2.0.0-beta.1", [], "My Connector v2.0.0-beta.1"),  # and always shows in full
    ("2.0.0-beta.1", published("2.0.0"), "My Connector v2.0.0-beta.1"),
    ("2.0.0", [Sibling("2.1.0", published=False, binned=False)], "My Connector v2"),  # a draft
    ("2.0.0", [Sibling("2.1.0", published=True, binned=True)], "My Connector v2"),  # binned
    ("2.1.0", published("2.0.0"), "My Connector v2.1.0"),  # a draft next to a published 2.0.0
    ("10.0.0", published("1.0.0", "1.1.0"), "My Connector v10"),
]


@pytest.mark.parametrize(("version", "siblings", "expected"), CASES)
def test_display_names(version: str, siblings: list[Sibling], expected: str) -> None:
    assert display_name("My Connector", version, siblings) == expected
