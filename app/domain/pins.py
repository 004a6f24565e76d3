"""Pins (DESIGN §5.1): which versions an auth config's accounts may run.

A pin is one of: no pin (None or "", the default), `latest`, `X.x.x` (newest X.*.*), `X.Y.x`
(newest X.Y.*), or an exact version (`1.2.0`, `2.0.0-beta.1`). Everything else is refused with
`InvalidPin`, which lists the accepted forms and, where it can tell, suggests the pin that was
probably meant.

Decisions where §5.1 leaves room:
- One spelling per pin: `latest` and the `x` of a line are lowercase only (`LATEST`, `1.X.X` are
  refused with a "did you mean" hint). The stored text is then always canonical, and an exact
  version's prerelease is case-sensitive in semver anyway, so "pins ignore case" could not hold.
- `*`, `x` and `x.x.x` are refused: `latest` is the one way to say it.
- Surrounding whitespace is ignored (as for version numbers), but a pin that is only whitespace
  is refused: no pin is null or the empty string, never an accident of a blank form field.
- Build metadata (`1.2.0+build`) is refused as for versions: it does not count for precedence, so
  it could not pick anything the plain number does not.
- Line numbers follow semver's spelling (no leading zeros) and, like version parts, fit a 32-bit
  INTEGER; the text fits the VARCHAR(128) column.
"""

import re
from dataclasses import dataclass
from enum import StrEnum

import semver

from app.domain.errors import DomainError, ErrorCode
from app.domain.versions import (
    MAX_VERSION_LENGTH,
    MAX_VERSION_PART,
    InvalidVersion,
    parse_version,
)

ACCEPTED_PIN_FORMS = ["latest", "1.x.x", "1.2.x", "1.2.0", "2.0.0-beta.1"]
_FORMS_SENTENCE = (
    "a pin is one of: none (the default: the latest custom version, else the latest managed one), "
    "latest, 1.x.x (the newest 1.*.*), 1.2.x (the newest 1.2.*), or an exact version such as "
    "1.2.0 or 2.0.0-beta.1"
)

_NUMBER = r"(0|[1-9][0-9]*)"  # [0-9], not \d: \d also matches other scripts' digits
_MAJOR_LINE = re.compile(rf"{_NUMBER}\.x\.x")
_MINOR_LINE = re.compile(rf"{_NUMBER}\.{_NUMBER}\.x")


class InvalidPin(DomainError):
    code = ErrorCode.INVALID_PIN

    def __init__(self, problem: str) -> None:
        super().__init__(f"pin: {problem}; {_FORMS_SENTENCE}")
        self.accepted_forms = list(ACCEPTED_PIN_FORMS)


class PinKind(StrEnum):
    NONE = "NONE"
    LATEST = "LATEST"
    MAJOR = "MAJOR"  # X.x.x
    MINOR = "MINOR"  # X.Y.x
    EXACT = "EXACT"


@dataclass(frozen=True, slots=True)
class Pin:
    """A parsed pin; build one with `parse_pin`.

    `major` is set for MAJOR and MINOR pins, `minor` for MINOR pins, `version` for EXACT pins.
    `str(pin)` is the canonical text ("" for no pin, so `parse_pin(str(pin)) == pin` always);
    `pin.text` is what the pin column holds (None for no pin).
    """

    kind: PinKind
    major: int | None = None
    minor: int | None = None
    version: semver.Version | None = None

    def __str__(self) -> str:
        if self.kind is PinKind.LATEST:
            return "latest"
        if self.kind is PinKind.MAJOR:
            return f"{self.major}.x.x"
        if self.kind is PinKind.MINOR:
            return f"{self.major}.{self.minor}.x"
        if self.kind is PinKind.EXACT:
            return str(self.version)
        return ""

    @property
    def text(self) -> str | None:
        return str(self) if self.kind is not PinKind.NONE else None

    @property
    def is_floating(self) -> bool:
        """Whether the pin follows new publishes (everything but an exact version)."""
        return self.kind is not PinKind.EXACT

    def matches(self, version: semver.Version) -> bool:
        """Whether `version` is within the pin's range, prereleases included.

        Skipping prereleases and deprecated versions is resolution's business, not the range's.
        """
        if self.kind is PinKind.MAJOR:
            return version.major == self.major
        if self.kind is PinKind.MINOR:
            return version.major == self.major and version.minor == self.minor
        if self.kind is PinKind.EXACT:
            # Equal precedence (build metadata aside), without `compare`'s cost and stopping at
            # the first part that differs: resolution asks this of every candidate of a key.
            pinned = self.version
            return (
                pinned is not None
                and version.patch == pinned.patch
                and version.minor == pinned.minor
                and version.major == pinned.major
                and version.prerelease == pinned.prerelease
            )
        return True


NO_PIN = Pin(PinKind.NONE)


def parse_pin(text: str | None) -> Pin:
    """The pin `text` names; `InvalidPin` for anything but the accepted forms."""
    if text is None or text == "":
        return NO_PIN
    stripped = text.strip()
    if not stripped:
        raise InvalidPin("a pin cannot be blank; leave it out (null) for no pin")
    if len(stripped) > MAX_VERSION_LENGTH:
        raise InvalidPin(f"a pin has at most {MAX_VERSION_LENGTH} characters")
    pin = _parse_accepted(stripped)
    if pin is None:
        raise InvalidPin(_problem(stripped))
    return pin


def stored_pin(text: str | None) -> Pin:
    """A pin read back from an auth config. `parse_pin` accepted it when it was written, so a
    refusal now is the server's fault, not the caller's: a ValueError (an unexpected error),
    never `InvalidPin`, which would tell a caller who sent no pin at all that theirs is wrong."""
    try:
        return parse_pin(text)
    except InvalidPin as error:
        raise ValueError(f"a stored pin is not accepted: {error.message}") from None


def _parse_accepted(text: str) -> Pin | None:
    """The pin, None when `text` is not one of the accepted forms."""
    if text == "latest":
        return Pin(PinKind.LATEST)
    if line := _MAJOR_LINE.fullmatch(text):
        major = int(line[1])
        return Pin(PinKind.MAJOR, major=major) if major <= MAX_VERSION_PART else None
    if line := _MINOR_LINE.fullmatch(text):
        major, minor = int(line[1]), int(line[2])
        fits = max(major, minor) <= MAX_VERSION_PART
        return Pin(PinKind.MINOR, major=major, minor=minor) if fits else None
    try:
        return Pin(PinKind.EXACT, version=parse_version(text, field="pin"))
    except InvalidVersion:
        return None


def _problem(text: str) -> str:
    """Why `text` is refused, with the pin that was probably meant when there is one."""
    suggestion = _suggestion(text)
    if text[0] in "^~<>=!" or " " in text or "|" in text:
        problem = f"{text!r} is a version range, and ranges (^, ~, <, >=, …) are not pins"
        return f"{problem}; the closest pin is {suggestion!r}" if suggestion else problem
    if suggestion:
        return f"{text!r} is not a pin; did you mean {suggestion!r}?"
    if "+" in text:
        return f"{text!r} has build metadata; leave out the '+…' part"
    if _MAJOR_LINE.fullmatch(text) or _MINOR_LINE.fullmatch(text):
        return f"{text!r} is too large; numbers are at most {MAX_VERSION_PART}"
    if text[0].isdigit() and not any(wildcard in text for wildcard in "xX*"):
        try:
            parse_version(text, field="pin")
        except InvalidVersion as error:
            return error.message.removeprefix("pin: ")
    return f"{text!r} is not a pin"


# A near-miss: numbers, then wildcards (x, X or *) only; a prerelease only after three numbers.
_NEAR_MISS = re.compile(r"([0-9]+)(?:\.([0-9]+))?(?:\.([0-9]+)(?:-[0-9A-Za-z.-]+)?)?(?:\.[xX*])*")


def _suggestion(text: str) -> str | None:
    """An accepted pin close to `text`: another case, a leading "v", `*` for `x`, missing parts.

    A caret or tilde range becomes the line it stays within (^1.2.0 → 1.x.x, ~1.2.0 → 1.2.x; a
    caret below 1.0.0 stays within its minor line). Other ranges get no suggestion.
    """
    if text.lower() in ("latest", "*", "x", "x.x.x", "*.*.*"):
        return "latest"
    operator = text[0] if text[0] in "^~" else ""
    body = text[len(operator) :].removeprefix("=")
    body = body[1:] if body[:1] in ("v", "V") else body
    if not operator:
        for candidate in (body, body.lower()):
            if candidate != text and _parse_accepted(candidate):
                return candidate
    shape = _NEAR_MISS.fullmatch(body)
    if shape is None:
        return None
    major, minor, patch = shape.groups()
    if patch is not None and not operator:
        return None  # three numbers and more: no line is clearly meant
    keep_minor = minor is not None and (operator == "~" or not operator or major == "0")
    line = f"{major}.{minor}.x" if keep_minor else f"{major}.x.x"
    return line if _parse_accepted(line) else None
