"""Input rules for keys, slugs and names (no database)."""

import pytest

from app.domain import validation
from app.domain.errors import InvalidInput


@pytest.mark.parametrize("key", ["a", "hubspot", "my_crm-2", "0day", "a" * 63])
def test_valid_connector_keys(key: str) -> None:
    assert validation.connector_key(key) == key


@pytest.mark.parametrize("key", ["", "HubSpot", "-crm", "_crm", "crm!", "a b", "a" * 64, "ünï"])
def test_invalid_connector_keys_name_the_field(key: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        validation.connector_key(key)
    assert raised.value.field == "key"


@pytest.mark.parametrize("slug", ["", "Acme", "acme_inc", "-acme", "a" * 64])
def test_invalid_project_slugs(slug: str) -> None:
    with pytest.raises(InvalidInput):
        validation.project_slug(slug)


def test_names_are_trimmed_and_must_not_be_blank_or_too_long() -> None:
    assert validation.name("  CRM  ") == "CRM"
    with pytest.raises(InvalidInput):
        validation.name("   ")
    with pytest.raises(InvalidInput):
        validation.name("x" * (validation.NAME_MAX_LENGTH + 1))
