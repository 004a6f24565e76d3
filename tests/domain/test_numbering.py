"""The number `createVersion` chooses (no database)."""

import pytest
import semver

from app.domain.bumps import Bump
from app.domain.numbering import next_version_number


@pytest.mark.parametrize(
    ("taken", "bump", "expected"),
    [
        ([], Bump.MAJOR, "1.0.0"),
        ([], Bump.PATCH, "1.0.0"),
        (["1.0.0"], Bump.MAJOR, "2.0.0"),
        (["1.0.0", "1.4.2"], Bump.MINOR, "1.5.0"),
        (["1.0.0", "1.4.2"], Bump.PATCH, "1.4.3"),
        (["2.0.0", "1.9.0"], Bump.MINOR, "2.1.0"),
        (["1.0.0", "2.0.0-beta.1"], Bump.MAJOR, "2.0.0"),
        (["1.0.0", "2.0.0-beta.1"], Bump.PATCH, "2.0.0"),
        (["1.0.0", "1.3.0-rc.1"], Bump.MAJOR, "2.0.0"),
        (["1.0.0", "1.3.0-rc.1"], Bump.MINOR, "1.3.0"),
        (["1.2.1-rc.1"], Bump.MINOR, "1.3.0"),
    ],
)
def test_the_next_number_follows_the_highest_taken(
    taken: list[str], bump: Bump, expected: str
) -> None:
    versions = [semver.Version.parse(number) for number in taken]
    assert str(next_version_number(versions, bump)) == expected
