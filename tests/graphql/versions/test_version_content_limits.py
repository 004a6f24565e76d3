"""A definition or config beyond its limits (settings) is refused before anything runs.

A definition of 10 MB, or of thousands of actions, was validated, compared, hashed and stored.
Now `pushVersion` and `updateVersion` refuse it with INVALID_DEFINITION and a problem at the
path (a config: INVALID_INPUT), before the first statement past the API key's lookup. What is
already stored is not judged again: `createVersion` copies it, and it can be published.
"""

import copy
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.engine import Database
from app.main import create_app
from app.settings import Settings, load_settings
from tests.database_contents import database_contents
from tests.graphql.operations import mutate
from tests.graphql.versions.documents import PUSH_VERSION, UPDATE_VERSION
from tests.graphql.versions.version_definitions import BASE
from tests.graphql.versions.versioning import created, new_connector, publish, pushed
from tests.graphql_client import GraphQLClient
from tests.keys import Keys
from tests.statements import beyond_authentication, recorded_statements

Json = dict[str, Any]

# Small limits, so that the documents beyond them stay small.
LIMITS = {
    "definition_max_bytes": 3_000,
    "definition_max_actions": 3,
    "definition_max_params": 2,
    "config_max_bytes": 200,
}


@pytest.fixture
async def limited(database: Database, settings: Settings) -> AsyncIterator[GraphQLClient]:
    """A client of an app started with LIMITS in its settings."""
    limited_settings = load_settings(database_url=settings.database_url, **LIMITS)
    app = create_app(limited_settings, database=database)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://registry.test") as client:
        yield GraphQLClient(client)


def _with_actions(count: int) -> Json:
    definition = copy.deepcopy(BASE)
    definition["actions"] = [{"id": f"action_{index}"} for index in range(count)]
    return definition


def _with_params(count: int) -> Json:
    definition = copy.deepcopy(BASE)
    definition["actions"][0]["params"] = [
        {"name": f"p{index}", "type": "string"} for index in range(count)
    ]
    return definition


def _with_description(length: int) -> Json:
    definition = copy.deepcopy(BASE)
    definition["actions"][0]["description"] = "x" * length
    return definition


def _json_bytes(value: object) -> int:
    return len(json.dumps(value, separators=(",", ":")).encode())


# (what is sent, the error's __typename, and its problems or field)
REFUSALS = [
    (
        {"definition": _with_actions(4)},
        "InvalidDefinitionError",
        [{"path": "actions", "message": "at most 3, got 4"}],
    ),
    (
        {"definition": _with_params(3)},
        "InvalidDefinitionError",
        [{"path": "actions[0].params", "message": "at most 2, got 3"}],
    ),
    (
        {"definition": _with_description(3_000)},
        "InvalidDefinitionError",
        [
            {
                "path": "",
                "message": "the definition is at most 3,000 bytes of JSON, "
                f"got {_json_bytes(_with_description(3_000)):,}",
            }
        ],
    ),
    (
        # Beyond a limit and invalid too: refused before validation, which would report `colour`.
        {"definition": {**_with_actions(4), "colour": "blue"}},
        "InvalidDefinitionError",
        [{"path": "actions", "message": "at most 3, got 4"}],
    ),
    ({"config": {"vcs": {"url": "x" * 200}}}, "InvalidInputError", "config"),
]
REFUSAL_IDS = ["actions", "params", "bytes", "before-validation", "config"]


async def _refused_without_sql(
    graphql: GraphQLClient,
    engine: AsyncEngine,
    session: AsyncSession,
    document: str,
    input: Json,
    key: str,
) -> Json:
    before = await database_contents(session)
    with recorded_statements(engine) as statements:
        result = await mutate(graphql, document, input, key=key)
    assert beyond_authentication(statements) == [], statements
    assert await database_contents(session) == before
    return result


def _assert_refusal(result: Json, typename: str, expected: object) -> None:
    assert result["__typename"] == typename, result
    if typename == "InvalidDefinitionError":
        assert result["code"] == "INVALID_DEFINITION"
        assert result["problems"] == expected
    else:
        assert result["code"] == "INVALID_INPUT"
        assert result["field"] == expected
        assert result["message"] == "config: at most 200 bytes of JSON, got 218"


@pytest.mark.parametrize(("sent", "typename", "expected"), REFUSALS, ids=REFUSAL_IDS)
async def test_push_version_refuses_content_beyond_the_limits(
    limited: GraphQLClient,
    engine: AsyncEngine,
    session: AsyncSession,
    keys: Keys,
    sent: Json,
    typename: str,
    expected: object,
) -> None:
    # given a DEFINITION connector
    await new_connector(limited, "crm", key=keys.alpha.admin)
    # when a version beyond the app's limits is pushed
    input = {"connectorKey": "crm", "version": "1.0.0", "definition": BASE, **sent}
    result = await _refused_without_sql(
        limited, engine, session, PUSH_VERSION, input, keys.alpha.admin
    )
    # then it is refused with the limit at its path, and nothing past the key's lookup ran
    _assert_refusal(result, typename, expected)


@pytest.mark.parametrize(("sent", "typename", "expected"), REFUSALS, ids=REFUSAL_IDS)
async def test_update_version_refuses_content_beyond_the_limits(
    limited: GraphQLClient,
    engine: AsyncEngine,
    session: AsyncSession,
    keys: Keys,
    sent: Json,
    typename: str,
    expected: object,
) -> None:
    # given a draft
    connector_id = await new_connector(limited, "crm", key=keys.alpha.admin)
    draft = await created(limited, connector_id, key=keys.alpha.admin)
    # when it is edited beyond the app's limits
    input = {"versionId": draft["id"], **sent}
    result = await _refused_without_sql(
        limited, engine, session, UPDATE_VERSION, input, keys.alpha.admin
    )
    # then the edit is refused with the limit at its path, and nothing past the key's lookup ran
    _assert_refusal(result, typename, expected)


async def test_content_at_the_limits_is_taken(limited: GraphQLClient, keys: Keys) -> None:
    await new_connector(limited, "crm", key=keys.alpha.admin)
    definition = _with_params(2)
    definition["actions"] += [{"id": "third"}]
    config = {"vcs": {"url": "x" * 182}}  # 200 bytes of JSON
    result = await pushed(limited, "crm", "1.0.0", definition, key=keys.alpha.admin, config=config)
    assert len(result["version"]["definition"]["actions"]) == 3


async def test_stored_content_is_not_judged_again(
    graphql: GraphQLClient, limited: GraphQLClient, keys: Keys
) -> None:
    # given a version of 4 actions, pushed while the limits allowed it
    await new_connector(graphql, "crm", key=keys.alpha.admin)
    await pushed(graphql, "crm", "1.0.0", _with_actions(4), key=keys.alpha.admin)
    connector_id = (await graphql('{ connector(key: "crm") { id } }', key=keys.alpha.admin))[
        "connector"
    ]["id"]
    # when a server with lower limits copies it into a draft and publishes the draft
    draft = await created(limited, connector_id, key=keys.alpha.admin)
    published = await publish(limited, draft["id"], key=keys.alpha.admin)
    # then both work: the limits judge what is sent, not what is kept
    assert len(draft["definition"]["actions"]) == 4
    assert published["__typename"] == "PublishVersionSuccess", published


async def test_the_default_limits_apply_without_settings(
    graphql: GraphQLClient, engine: AsyncEngine, session: AsyncSession, keys: Keys
) -> None:
    # given the app as started with default settings, and a DEFINITION connector
    await new_connector(graphql, "crm", key=keys.alpha.admin)
    # when a definition of 501 actions is pushed
    input = {"connectorKey": "crm", "version": "1.0.0", "definition": _with_actions(501)}
    result = await _refused_without_sql(
        graphql, engine, session, PUSH_VERSION, input, keys.alpha.admin
    )
    # then it is refused for its actions
    assert result["__typename"] == "InvalidDefinitionError", result
    assert result["problems"] == [{"path": "actions", "message": "at most 500, got 501"}]
