"""Pins (DESIGN §5.1): the accepted forms and everything refused (no database)."""

import pytest
import semver

from app.domain.errors import DomainError, ErrorCode
from app.domain.pins import (
    ACCEPTED_PIN_FORMS,
    NO_PIN,
    InvalidPin,
    Pin,
    PinKind,
    parse_pin,
    stored_pin,
)

LONGEST = "1.0.0-" + "a" * 122  # 128 characters: the width of the pin column
LARGEST = 2**31 - 1  # the largest INTEGER on PostgreSQL


@pytest.mark.parametrize(
    ("text", "kind", "canonical"),
    [
        pytest.param(None, PinKind.NONE, None, id="null is no pin"),
        pytest.param("", PinKind.NONE, None, id="empty is no pin"),
        pytest.param("latest", PinKind.LATEST, "latest", id="latest"),
        pytest.param("1.x.x", PinKind.MAJOR, "1.x.x", id="major line"),
        pytest.param("0.x.x", PinKind.MAJOR, "0.x.x", id="major line 0"),
        pytest.param("1.2.x", PinKind.MINOR, "1.2.x", id="minor line"),
        pytest.param("10.20.x", PinKind.MINOR, "10.20.x", id="minor line, two digits"),
        pytest.param("1.2.0", PinKind.EXACT, "1.2.0", id="exact"),
        pytest.param("2.0.0-beta.1", PinKind.EXACT, "2.0.0-beta.1", id="exact prerelease"),
        pytest.param("1.2.0-BETA.1", PinKind.EXACT, "1.2.0-BETA.1", id="prerelease keeps case"),
        pytest.param(" 1.2.x\n", PinKind.MINOR, "1.2.x", id="surrounding whitespace ignored"),
        pytest.param(f"{LARGEST}.x.x", PinKind.MAJOR, f"{LARGEST}.x.x", id="largest major"),
        pytest.param(
            f"{LARGEST}.{LARGEST}.x", PinKind.MINOR, f"{LARGEST}.{LARGEST}.x", id="largest minor"
        ),
        pytest.param(LONGEST, PinKind.EXACT, LONGEST, id="128 characters"),
    ],
)
def test_accepted_pins(text: str | None, kind: PinKind, canonical: str | None) -> None:
    pin = parse_pin(text)

    assert pin.kind is kind
    assert pin.text == canonical
    assert parse_pin(str(pin)) == pin  # the canonical text parses back to the same pin
    assert pin.is_floating is (kind is not PinKind.EXACT)


def test_the_numbers_of_a_pin() -> None:
    assert parse_pin("3.x.x") == Pin(PinKind.MAJOR, major=3)
    assert parse_pin("3.4.x") == Pin(PinKind.MINOR, major=3, minor=4)
    assert parse_pin("3.4.5-rc.1") == Pin(PinKind.EXACT, version=semver.Version.parse("3.4.5-rc.1"))
    assert parse_pin(None) == NO_PIN
    assert str(NO_PIN) == ""


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("^1.2.0", id="caret"),
        pytest.param("~1.2", id="tilde"),
        pytest.param(">=1.0.0", id="comparison"),
        pytest.param("<2", id="less than"),
        pytest.param("=1.2.0", id="equals"),
        pytest.param("1.0.0 - 2.0.0", id="hyphen range"),
        pytest.param("1.2.0 || 2.0.0", id="or range"),
        pytest.param("1.x", id="two-part line"),
        pytest.param("1", id="bare major"),
        pytest.param("1.2", id="two-part version"),
        pytest.param("1.*", id="star"),
        pytest.param("1.2.*", id="star minor"),
        pytest.param("*", id="bare star"),
        pytest.param("x.x.x", id="all wildcards"),
        pytest.param("1.x.2", id="wildcard before a number"),
        pytest.param("1.2.x-beta", id="line with prerelease"),
        pytest.param("v1.2.0", id="leading v"),
        pytest.param("LATEST", id="uppercase latest"),
        pytest.param("Latest", id="capitalised latest"),
        pytest.param("1.X.X", id="uppercase x"),
        pytest.param("latest.x", id="latest with junk"),
        pytest.param("01.x.x", id="leading zero major"),
        pytest.param("1.02.x", id="leading zero minor"),
        pytest.param("01.2.0", id="leading zero exact"),
        pytest.param("1.2.3.4", id="four parts"),
        pytest.param("1.2.3+build.5", id="build metadata"),
        pytest.param("\uff11.2.0", id="fullwidth digit"),
        pytest.param(f"{LARGEST + 1}.x.x", id="major too large"),
        pytest.param(f"1.{LARGEST + 1}.x", id="minor too large"),
        pytest.param(f"{LARGEST + 1}.0.0", id="exact too large"),
        pytest.param(LONGEST + "a", id="129 characters"),
        pytest.param("   ", id="whitespace only"),
        pytest.param("stable", id="a word"),
    ],
)
def test_everything_else_is_an_invalid_pin(text: str) -> None:
    with pytest.raises(InvalidPin) as raised:
        parse_pin(text)

    error = raised.value
    assert error.code is ErrorCode.INVALID_PIN
    assert error.accepted_forms == ACCEPTED_PIN_FORMS
    for form in ACCEPTED_PIN_FORMS:
        assert form in error.message


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        pytest.param("LATEST", "did you mean 'latest'?", id="case"),
        pytest.param("1.X.X", "did you mean '1.x.x'?", id="uppercase x"),
        pytest.param("v1.2.0", "did you mean '1.2.0'?", id="leading v"),
        pytest.param("1.x", "did you mean '1.x.x'?", id="short line"),
        pytest.param("1.2", "did you mean '1.2.x'?", id="short minor line"),
        pytest.param("*", "did you mean 'latest'?", id="star"),
        pytest.param("^1.2.0", "the closest pin is '1.x.x'", id="caret stays in its major"),
        pytest.param("^0.2.0", "the closest pin is '0.2.x'", id="caret below 1 stays in its minor"),
        pytest.param("~1.2.0", "the closest pin is '1.2.x'", id="tilde stays in its minor"),
        pytest.param(">=1.0.0", "ranges (^, ~, <, >=, …) are not pins", id="no closest pin"),
        pytest.param("1.2.3+b", "leave out the '+…' part", id="build metadata"),
        pytest.param(f"{LARGEST + 1}.x.x", f"at most {LARGEST}", id="too large"),
        pytest.param("  ", "leave it out (null) for no pin", id="blank"),
        pytest.param(LONGEST + "a", "at most 128 characters", id="too long"),
    ],
)
def test_a_refused_pin_says_what_was_probably_meant(text: str, hint: str) -> None:
    with pytest.raises(InvalidPin) as raised:
        parse_pin(text)

    assert hint in raised.value.message


def test_a_long_refused_pin_is_not_echoed() -> None:
    with pytest.raises(InvalidPin) as raised:
        parse_pin("x" * 10_000)

    assert "xxxx" not in raised.value.message


V = semver.Version.parse


@pytest.mark.parametrize(
    ("pin", "version", "matches"),
    [
        pytest.param("", "3.1.4", True, id="no pin matches everything"),
        pytest.param("latest", "0.0.1-alpha", True, id="latest matches everything"),
        pytest.param("1.x.x", "1.9.3", True, id="major line, same major"),
        pytest.param("1.x.x", "1.0.0-beta.1", True, id="major line, prerelease in range"),
        pytest.param("1.x.x", "2.0.0", False, id="major line, other major"),
        pytest.param("1.2.x", "1.2.7", True, id="minor line, same minor"),
        pytest.param("1.2.x", "1.3.0", False, id="minor line, other minor"),
        pytest.param("1.2.x", "2.2.0", False, id="minor line, other major"),
        pytest.param("1.2.0", "1.2.0", True, id="exact, same"),
        pytest.param("1.2.0", "1.2.1", False, id="exact, other"),
        pytest.param("1.2.0", "1.2.0-rc.1", False, id="exact release is not its prerelease"),
        pytest.param("2.0.0-beta.1", "2.0.0-beta.1", True, id="exact prerelease"),
    ],
)
def test_the_range_of_a_pin(pin: str, version: str, matches: bool) -> None:
    assert parse_pin(pin).matches(V(version)) is matches


def test_a_stored_pin_reads_as_written_and_a_bad_one_is_the_servers_error() -> None:
    assert stored_pin("1.2.x") == parse_pin("1.2.x")
    assert stored_pin(None) == NO_PIN
    # a stored pin that is no longer accepted is not the caller's INVALID_PIN
    with pytest.raises(ValueError, match="a stored pin is not accepted") as raised:
        stored_pin("^1.2.0")
    assert not isinstance(raised.value, DomainError)
