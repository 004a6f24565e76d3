"""pushVersion input that is refused before anything is compared (DESIGN §2, §7): invalid numbers,
definitions and config, IMAGE connectors, and connectors the caller may not push to; and the widest
numbers that are accepted."""

from typing import Any

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.graphql.versions.version_definitions import (
    BASE,
    INVALID_NUMBERS,
    LARGEST_NUMBER,
    LONGEST_NUMBER,
)
from tests.graphql.versions.version_rows import stored_versions, written
from tests.graphql.versions.versioning import assert_error, new_connector, push, pushed
from tests.graphql_client import GraphQLClient
from tests.keys import Keys


@pytest.mark.parametrize("number", INVALID_NUMBERS)
async def test_an_invalid_version_number_is_refused(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession, number: str
) -> None:
    connector_id = await new_connector(graphql, "crm", key=keys.alpha.admin)
    before = await written(session)

    result = await push(graphql, "crm", number, BASE, key=keys.alpha.admin)

    assert_error(result, "InvalidVersionError", "INVALID_VERSION")
    assert await written(session) == before
    assert await stored_versions(session, connector_id) == {}


async def test_the_widest_numbers_are_pushed(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    connector_id = await new_connector(graphql, "crm", key=keys.alpha.admin)
    for number in (LONGEST_NUMBER, LARGEST_NUMBER):
        assert (await pushed(graphql, "crm", number, BASE, key=keys.alpha.admin))["version"][
            "version"
        ] == number
    assert set(await stored_versions(session, connector_id)) == {LONGEST_NUMBER, LARGEST_NUMBER}


INVALID_DEFINITIONS: list[tuple[Any, list[str]]] = [
    ("not an object", [""]),
    ({"actions": []}, ["auth"]),
    (
        {
            "auth": {"type": "api_key", "scopes": ["a", "a"]},
            "actions": [
                {"id": "list", "params": [{"name": "limit", "type": "integer", "default": "ten"}]},
                {"id": "list", "pagination": {"type": "infinite"}},
            ],
            "version": 2,
        },
        [
            "actions[0].params[0].default",
            "actions[1].id",
            "actions[1].pagination.type",
            "auth.scopes[1]",
            "version",
        ],
    ),
]


@pytest.mark.parametrize(("definition", "paths"), INVALID_DEFINITIONS)
async def test_an_invalid_definition_is_refused_with_the_problems_paths(
    graphql: GraphQLClient,
    keys: Keys,
    session: AsyncSession,
    definition: object,
    paths: list[str],
) -> None:
    connector_id = await new_connector(graphql, "crm", key=keys.alpha.admin)
    before = await written(session)

    result = await push(graphql, "crm", "1.0.0", definition, key=keys.alpha.admin)

    assert_error(result, "InvalidDefinitionError", "INVALID_DEFINITION")
    assert [problem["path"] for problem in result["problems"]] == paths
    assert all(problem["message"] for problem in result["problems"])
    assert await written(session) == before
    assert await stored_versions(session, connector_id) == {}


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"config": {"deploy": {}}}, "config"),
        ({"config": {"vcs": 1}}, "config.vcs"),
        ({"name": " "}, "name"),
        ({"connectorKey": "Not A Key"}, "connectorKey"),
    ],
)
async def test_other_invalid_input_is_refused(
    graphql: GraphQLClient,
    keys: Keys,
    session: AsyncSession,
    extra: dict[str, Any],
    field: str,
) -> None:
    connector_id = await new_connector(graphql, "crm", key=keys.alpha.admin)
    before = await written(session)

    result = await push(graphql, "crm", "1.0.0", BASE, key=keys.alpha.admin, **extra)

    assert_error(result, "InvalidInputError", "INVALID_INPUT")
    assert result["field"] == field
    assert await written(session) == before
    assert await stored_versions(session, connector_id) == {}


async def test_an_image_connector_is_not_pushed_to(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given an IMAGE connector
    connector_id = await new_connector(graphql, "crm", key=keys.alpha.admin, runtime="IMAGE")
    before = await written(session)

    # when a definition is pushed to it
    result = await push(graphql, "crm", "1.0.0", BASE, key=keys.alpha.admin)

    # then it is refused: IMAGE connectors publish through their pipeline
    assert_error(result, "InvalidInputError", "INVALID_INPUT")
    assert result["field"] == "connectorKey"
    assert await written(session) == before
    assert await stored_versions(session, connector_id) == {}


async def test_a_push_goes_only_to_the_callers_own_connector(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given alpha's "crm" and beta's "erp"
    crm = await new_connector(graphql, "crm", key=keys.alpha.admin)
    erp = await new_connector(graphql, "erp", key=keys.beta.admin)
    before = await written(session)

    # when alpha's keys push where they may not
    for connector_key, key, typename, code in [
        ("crm", keys.alpha.viewer, "ForbiddenError", "FORBIDDEN"),
        ("erp", keys.alpha.admin, "NotFoundError", "NOT_FOUND"),
        ("nowhere", keys.alpha.admin, "NotFoundError", "NOT_FOUND"),
        ("crm", keys.platform, "NotFoundError", "NOT_FOUND"),
    ]:
        result = await push(graphql, connector_key, "1.0.0", BASE, key=key)
        # then they are refused, and nothing was written
        assert_error(result, typename, code)
    assert await written(session) == before
    assert await stored_versions(session, crm) == {}
    assert await stored_versions(session, erp) == {}
