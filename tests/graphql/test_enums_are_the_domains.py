"""The GraphQL enums are the domain's own classes, so an input's value goes to the services as it
is: a value converted from one to the other would only hide a second vocabulary."""

import pytest

from app.domain import bumps, enums, errors, events, history, resolution_values
from app.graphql import enums as graphql_enums

DOMAIN_MODULES = (bumps, enums, errors, events, history, resolution_values)


@pytest.mark.parametrize("name", graphql_enums.__all__)
def test_each_graphql_enum_is_the_domains(name: str) -> None:
    exposed = getattr(graphql_enums, name)

    owners = [module for module in DOMAIN_MODULES if getattr(module, name, None) is exposed]

    assert owners, f"{name} is not a domain enum"
    assert hasattr(exposed, "__strawberry_definition__")
