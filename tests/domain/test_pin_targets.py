"""What an exact pin may name when it is set (no database): one row per case.

Versions are written as in test_resolution: "custom 1.2.0", flags `deprecated`, `draft`, `binned`.
"""

import pytest

from app.domain.enums import PinSource
from app.domain.errors import ErrorCode
from app.domain.pin_targets import PinnedVersionNotFound, check_pin_target, pinnable_numbers
from app.domain.pins import parse_pin
from tests.domain.test_resolution import version

ANY, MANAGED, CUSTOM = PinSource.ANY, PinSource.MANAGED, PinSource.CUSTOM

DEPRECATED_CUSTOM = (
    "pinned custom version 1.0.0 is deprecated (broken pagination); "
    "the pin keeps it until the pin changes"
)
DEPRECATED_MANAGED = DEPRECATED_CUSTOM.replace("custom", "managed")


@pytest.mark.parametrize(
    ("pin", "source", "versions", "warnings"),
    [
        pytest.param("1.0.0", ANY, ["custom 1.0.0"], [], id="a published custom version"),
        pytest.param("1.0.0", ANY, ["managed 1.0.0"], [], id="ANY: a managed version"),
        pytest.param(
            "1.0.0",
            ANY,
            ["custom 1.0.0 binned", "managed 1.0.0"],
            [],
            id="ANY: the managed one when the custom one is in the bin",
        ),
        pytest.param("1.0.0", MANAGED, ["managed 1.0.0"], [], id="MANAGED: a managed version"),
        pytest.param("1.0.0", CUSTOM, ["custom 1.0.0"], [], id="CUSTOM: a custom version"),
        pytest.param(
            "2.0.0-beta.1", ANY, ["custom 2.0.0-beta.1"], [], id="a prerelease, pinned exactly"
        ),
        pytest.param(
            "1.0.0",
            ANY,
            ["custom 1.0.0 deprecated"],
            [DEPRECATED_CUSTOM],
            id="a deprecated version, with a warning",
        ),
        pytest.param(
            "1.0.0",
            MANAGED,
            ["custom 1.0.0", "managed 1.0.0 deprecated"],
            [DEPRECATED_MANAGED],
            id="MANAGED: the deprecated managed one, with its warning",
        ),
        pytest.param(
            "1.0.0",
            ANY,
            ["custom 1.0.0", "managed 1.0.0 deprecated"],
            [],
            id="ANY: the custom one wins, and it is not deprecated",
        ),
        # floating pins are never checked: a later publish may fill them
        pytest.param(None, ANY, [], [], id="no pin, nothing published"),
        pytest.param("latest", CUSTOM, ["managed 1.0.0"], [], id="latest, nothing in source"),
        pytest.param("9.x.x", ANY, ["custom 1.0.0"], [], id="an empty major line"),
        pytest.param("9.9.x", ANY, ["custom 9.9.0 binned"], [], id="a minor line in the bin"),
        pytest.param(
            "latest",
            ANY,
            ["custom 1.0.0 deprecated"],
            [],
            id="a floating pin on a deprecated version: no warning here",
        ),
    ],
)
def test_a_pin_that_can_be_set(
    pin: str | None, source: PinSource, versions: list[str], warnings: list[str]
) -> None:
    assert check_pin_target(parse_pin(pin), source, [version(v) for v in versions]) == warnings


@pytest.mark.parametrize(
    ("pin", "source", "versions", "reason", "available"),
    [
        pytest.param(
            "9.9.9",
            ANY,
            ["custom 1.0.0", "managed 2.0.0"],
            "no published custom or managed version is 9.9.9",
            ["2.0.0", "1.0.0"],
            id="a number that does not exist",
        ),
        pytest.param(
            "1.0.1",
            ANY,
            ["custom 1.0.0", "custom 1.0.1 binned"],
            "no published custom or managed version is 1.0.1; in the bin: custom 1.0.1",
            ["1.0.0"],
            id="a number in the bin",
        ),
        pytest.param(
            "1.1.0",
            ANY,
            ["custom 1.0.0", "custom 1.1.0 draft"],
            "no published custom or managed version is 1.1.0; not published: custom 1.1.0",
            ["1.0.0"],
            id="a draft",
        ),
        pytest.param(
            "1.0.0",
            MANAGED,
            ["custom 1.0.0", "managed 2.0.0"],
            "no published managed version is 1.0.0; custom 1.0.0 matches, but the pin source "
            "is MANAGED",
            ["2.0.0"],
            id="MANAGED: only a custom version has the number",
        ),
        pytest.param(
            "2.0.0",
            CUSTOM,
            ["custom 1.0.0", "managed 2.0.0"],
            "no published custom version is 2.0.0; managed 2.0.0 matches, but the pin source "
            "is CUSTOM",
            ["1.0.0"],
            id="CUSTOM: only a managed version has the number",
        ),
        pytest.param(
            "1.0.0",
            ANY,
            [],
            "no published custom or managed version is 1.0.0",
            [],
            id="no versions at all",
        ),
        pytest.param(
            "1.0.0",
            ANY,
            ["custom 1.0.0 binned", "managed 1.0.0 binned"],
            "no published custom or managed version is 1.0.0; "
            "in the bin: custom 1.0.0, managed 1.0.0",
            [],
            id="both sources' versions in the bin",
        ),
    ],
)
def test_an_exact_pin_to_a_version_that_cannot_run_is_refused_with_what_can(
    pin: str, source: PinSource, versions: list[str], reason: str, available: list[str]
) -> None:
    with pytest.raises(PinnedVersionNotFound) as raised:
        check_pin_target(parse_pin(pin), source, [version(v) for v in versions])

    error = raised.value
    assert error.code is ErrorCode.PINNED_VERSION_NOT_FOUND
    assert (error.version_number, error.pin_source) == (pin, source)
    assert error.available_versions == available
    listed = (
        f"the versions it can pin: {', '.join(available)}"
        if available
        else "there is no version it can pin yet"
    )
    assert error.message == f"pin {pin}: {reason}; {listed}"


@pytest.mark.parametrize(
    ("source", "available"),
    [
        (ANY, ["2.0.0", "2.0.0-rc.1", "1.10.0", "1.2.0"]),
        (MANAGED, ["1.10.0", "1.2.0"]),
        (CUSTOM, ["2.0.0", "2.0.0-rc.1", "1.2.0"]),
    ],
)
def test_the_numbers_an_exact_pin_can_name(source: PinSource, available: list[str]) -> None:
    # highest first by precedence (1.10.0 above 1.2.0), each number once, drafts and bin left out
    versions = [
        "custom 1.2.0",
        "managed 1.2.0",
        "managed 1.10.0 deprecated",
        "custom 2.0.0-rc.1",
        "custom 2.0.0",
        "custom 3.0.0 draft",
        "managed 4.0.0 binned",
    ]
    assert pinnable_numbers(source, [version(v) for v in versions]) == available


def test_the_message_names_the_highest_ten_and_counts_the_rest() -> None:
    versions = [version(f"custom 1.{minor}.0") for minor in range(25)]

    with pytest.raises(PinnedVersionNotFound) as raised:
        check_pin_target(parse_pin("2.0.0"), ANY, versions)

    error = raised.value
    assert len(error.available_versions) == 25
    named = ", ".join(f"1.{minor}.0" for minor in range(24, 14, -1))
    assert error.message.endswith(f"the versions it can pin: {named} and 15 more")
