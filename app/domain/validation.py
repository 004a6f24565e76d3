"""Rules for the names and identifiers people type in."""

import re

from app.domain.errors import InvalidInput

CONNECTOR_KEY = re.compile(r"[a-z0-9][a-z0-9_-]{0,62}")
PROJECT_SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
NAME_MAX_LENGTH = 200
EXTERNAL_ID_MAX_LENGTH = 255
DESCRIPTION_MAX_LENGTH = 10_000
README_MAX_LENGTH = 100_000


def connector_key(value: str, field: str = "key") -> str:
    if not CONNECTOR_KEY.fullmatch(value):
        raise InvalidInput(
            field,
            f"{value!r} is not a connector key: 1-63 characters of a-z, 0-9, '_' and '-', "
            "starting with a letter or digit",
        )
    return value


def project_slug(value: str, field: str = "slug") -> str:
    if not PROJECT_SLUG.fullmatch(value):
        raise InvalidInput(
            field,
            f"{value!r} is not a project slug: 1-63 characters of a-z, 0-9 and '-', "
            "starting with a letter or digit",
        )
    return value


def name(value: str, field: str = "name") -> str:
    value = value.strip()
    if not value:
        raise InvalidInput(field, "must not be blank")
    if len(value) > NAME_MAX_LENGTH:
        raise InvalidInput(field, f"must be at most {NAME_MAX_LENGTH} characters")
    return value


def optional_text(value: str | None, field: str, max_length: int = DESCRIPTION_MAX_LENGTH) -> str:
    value = (value or "").strip()
    if len(value) > max_length:
        raise InvalidInput(field, f"must be at most {max_length} characters")
    return value


def external_id(value: str, field: str = "externalId") -> str:
    value = value.strip()
    if not value:
        raise InvalidInput(field, "must not be blank")
    if len(value) > EXTERNAL_ID_MAX_LENGTH:
        raise InvalidInput(field, f"must be at most {EXTERNAL_ID_MAX_LENGTH} characters")
    return value
