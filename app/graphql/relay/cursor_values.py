"""The kinds of value a cursor's sort key holds, each with how it is written to JSON and read back.

Reading is strict: a value that has the wrong JSON type, does not parse, or would not fit its
column (a number beyond 64 bits, a text no key could have) is refused here, so that a forged
cursor becomes INVALID_INPUT and never a database error.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from app.domain.validation import CONNECTOR_KEY as CONNECTOR_KEY_PATTERN
from app.domain.validation import PROJECT_SLUG as PROJECT_SLUG_PATTERN
from app.domain.versions import precedence_key
from app.services.pages import SortValue

JSONValue = str | int | bool
_MAX_BIGINT = 2**63 - 1
_MAX_VERSION_LENGTH = 128  # the column's length


@dataclass(frozen=True, slots=True)
class Value:
    """One sort key value: `dump` writes it for a cursor, `load` reads it back or raises
    ValueError."""

    dump: Callable[[SortValue], JSONValue]
    load: Callable[[object], SortValue]


def _text(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{what}: not a string")
    return value


def _dump_timestamp(value: SortValue) -> JSONValue:
    if not isinstance(value, datetime):
        raise TypeError(f"not a timestamp: {value!r}")
    return value.isoformat()


def _load_timestamp(value: object) -> SortValue:
    parsed = datetime.fromisoformat(_text(value, "timestamp"))
    if parsed.tzinfo is None:
        raise ValueError("timestamp: no time zone")
    return parsed.astimezone(UTC)


def _load_row_id(value: object) -> SortValue:
    return UUID(_text(value, "id"))


def _load_event_id(value: object) -> SortValue:
    # bool is an int in Python, but never an id.
    if type(value) is not int or not 1 <= value <= _MAX_BIGINT:
        raise ValueError("event id: not a positive 64-bit integer")
    return value


def _load_connector_key(value: object) -> SortValue:
    text = _text(value, "connector key")
    if not CONNECTOR_KEY_PATTERN.fullmatch(text):
        raise ValueError("connector key: not one")
    return text


def _load_project_slug(value: object) -> SortValue:
    text = _text(value, "project slug")
    if not PROJECT_SLUG_PATTERN.fullmatch(text):
        raise ValueError("project slug: not one")
    return text


def _load_flag(value: object) -> SortValue:
    if type(value) is not bool:
        raise ValueError("flag: not a boolean")
    return value


def _load_version_number(value: object) -> SortValue:
    text = _text(value, "version")
    if len(text) > _MAX_VERSION_LENGTH:
        raise ValueError("version: too long")
    precedence_key(text)  # raises ValueError when it is not a version number
    return text


def _as_is(value: SortValue) -> JSONValue:
    if isinstance(value, datetime | UUID):
        raise TypeError(f"not a JSON value: {value!r}")
    return value


TIMESTAMP = Value(dump=_dump_timestamp, load=_load_timestamp)
ROW_ID = Value(dump=str, load=_load_row_id)
EVENT_ID = Value(dump=_as_is, load=_load_event_id)
CONNECTOR_KEY = Value(dump=_as_is, load=_load_connector_key)
MANAGED = Value(dump=_as_is, load=_load_flag)
VERSION_NUMBER = Value(dump=_as_is, load=_load_version_number)
PROJECT_SLUG = Value(dump=_as_is, load=_load_project_slug)
