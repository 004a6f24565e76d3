"""Who may call the API at all (401), and which roles may run which mutation (FORBIDDEN)."""

import re
from typing import Any

import httpx
import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.models import (
    ApiKey,
    Assignment,
    AuthConfig,
    Connector,
    ConnectorVersion,
    Event,
    LinkedAccount,
    Project,
)
from tests.graphql.access.api_keys import key_id_of
from tests.graphql.access.documents import CREATE_API_KEY, REVOKE_API_KEY
from tests.graphql.assignments.documents import ASSIGN_VERSION, UNASSIGN_VERSION
from tests.graphql.auth_configs.documents import (
    CREATE_AUTH_CONFIG,
    DELETE_AUTH_CONFIG,
    LINK_ACCOUNT,
    PIN_AUTH_CONFIG,
    REAUTHENTICATE_ACCOUNT,
    SET_AUTH_CONFIG_ACTIVE,
    UNLINK_ACCOUNT,
    UPDATE_AUTH_CONFIG,
)
from tests.graphql.connectors.documents import CREATE_CONNECTOR, UPDATE_CONNECTOR
from tests.graphql.lifecycle.documents import EVERY_LIFECYCLE_MUTATION
from tests.graphql.operations import (
    count_rows,
    create_auth_config,
    create_connector,
    global_id,
    link_account,
    mutate,
)
from tests.graphql.pipeline.documents import RECORD_DEPLOYMENT_STEP
from tests.graphql.projects.documents import CREATE_PROJECT, UPDATE_PROJECT_SETTINGS
from tests.graphql.rollouts.documents import (
    ABORT_ROLLOUT,
    COMPLETE_ROLLOUT,
    SET_ROLLOUT_PERCENT,
    START_ROLLOUT,
)
from tests.graphql.versions.documents import (
    CREATE_VERSION,
    PUBLISH_VERSION,
    PUSH_VERSION,
    UPDATE_VERSION,
)
from tests.graphql_client import GraphQLClient
from tests.keys import Keys

DEFINITION = {"auth": {"type": "api_key"}, "actions": [{"id": "list_contacts"}]}

VIEWER_QUERY = "{ viewer { role } }"

BAD_AUTHORIZATION = {
    "no header": None,
    "not bearer": "Basic dXNlcjpwYXNz",
    "bearer without a key": "Bearer",
    "bearer with blanks": "Bearer    ",
    "a key without a scheme": "crk_abcdefghijklmnop",
    "unknown key": "Bearer crk_this-key-was-never-issued",
    "not a registry key": "Bearer some-other-token",
}


def _assert_unauthenticated(response: httpx.Response) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"].startswith("Bearer")
    (error,) = response.json()["errors"]
    assert error["extensions"] == {"code": "UNAUTHENTICATED"}
    assert error["message"]


def _headers(authorization: str | None) -> dict[str, str]:
    return {} if authorization is None else {"Authorization": authorization}


@pytest.mark.parametrize("authorization", BAD_AUTHORIZATION.values(), ids=BAD_AUTHORIZATION.keys())
async def test_a_post_without_a_valid_key_is_401(
    http: httpx.AsyncClient, keys: Keys, authorization: str | None
) -> None:
    # given keys exist, when a POST comes without a valid one
    response = await http.post(
        "/graphql", json={"query": VIEWER_QUERY}, headers=_headers(authorization)
    )
    # then it is refused before GraphQL runs
    _assert_unauthenticated(response)


@pytest.mark.parametrize("authorization", BAD_AUTHORIZATION.values(), ids=BAD_AUTHORIZATION.keys())
async def test_a_get_with_a_query_without_a_valid_key_is_401(
    http: httpx.AsyncClient, keys: Keys, authorization: str | None
) -> None:
    # when a GET carries a query but no valid key (even from a browser)
    for accept in ("application/json", "text/html"):
        response = await http.get(
            "/graphql",
            params={"query": VIEWER_QUERY},
            headers={"Accept": accept, **_headers(authorization)},
        )
        # then it is refused
        _assert_unauthenticated(response)


async def test_a_valid_key_works_for_post_and_get(http: httpx.AsyncClient, keys: Keys) -> None:
    # given a valid key, when it is sent by POST and by GET
    headers = {"Authorization": f"Bearer {keys.alpha.viewer}"}
    posted = await http.post("/graphql", json={"query": VIEWER_QUERY}, headers=headers)
    got = await http.get(
        "/graphql",
        params={"query": VIEWER_QUERY},
        headers={"Accept": "application/json", **headers},
    )
    # then both answer (the 401s above are about the key, not the transport)
    for response in (posted, got):
        assert response.status_code == 200, response.text
        assert response.json() == {"data": {"viewer": {"role": "VIEWER"}}}


async def test_a_browser_gets_graphiql_without_a_key(http: httpx.AsyncClient) -> None:
    # when a browser opens /graphql with no query and no key
    response = await http.get("/graphql", headers={"Accept": "text/html"})
    # then it gets the GraphiQL page, not a 401
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "graphiql" in response.text.lower()


async def _written(session: AsyncSession) -> dict[str, int]:
    models: list[Any] = [
        Project,
        ApiKey,
        Connector,
        ConnectorVersion,
        AuthConfig,
        LinkedAccount,
        Assignment,
        Event,
    ]
    return {model.__name__: await count_rows(session, model) for model in models}


async def test_a_viewer_key_is_forbidden_every_mutation_and_nothing_is_written(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given an auth config in alpha, made by its ADMIN
    connector_id = await create_connector(graphql, "crm", key=keys.alpha.admin)
    auth_config_id = await create_auth_config(graphql, "crm", "Sales", key=keys.alpha.admin)
    draft = await mutate(
        graphql, CREATE_VERSION, {"connectorId": connector_id}, key=keys.alpha.admin
    )
    version_id = draft["version"]["id"]
    account_id = await link_account(graphql, auth_config_id, "cust-0", key=keys.alpha.admin)
    before = await _written(session)

    # when alpha's VIEWER tries every mutation with otherwise valid input
    attempts: list[tuple[str, dict[str, Any]]] = [
        (CREATE_PROJECT, {"slug": "gamma", "name": "Gamma"}),
        (CREATE_API_KEY, {"name": "more", "role": "VIEWER"}),
        (CREATE_API_KEY, {"name": "mine", "role": "VIEWER", "projectId": _alpha(keys)}),
        (CREATE_API_KEY, {"name": "up", "role": "ADMIN"}),
        (CREATE_API_KEY, {"name": "platform", "role": "PLATFORM_ADMIN"}),
        (REVOKE_API_KEY, {"apiKeyId": await key_id_of(graphql, keys.alpha.admin)}),
        (CREATE_CONNECTOR, {"key": "erp", "name": "ERP"}),
        (CREATE_AUTH_CONFIG, {"connectorKey": "crm", "name": "Support"}),
        (LINK_ACCOUNT, {"authConfigId": auth_config_id, "externalId": "cust-1"}),
        (UPDATE_PROJECT_SETTINGS, {"immutableVersioning": False}),
        (CREATE_VERSION, {"connectorId": connector_id}),
        (UPDATE_VERSION, {"versionId": version_id, "name": "Renamed"}),
        (PUBLISH_VERSION, {"versionId": version_id}),
        (PUSH_VERSION, {"connectorKey": "crm", "version": "2.0.0", "definition": DEFINITION}),
        (CREATE_VERSION, {"connectorId": connector_id}),
        (UPDATE_VERSION, {"versionId": version_id, "name": "Renamed"}),
        (PUBLISH_VERSION, {"versionId": version_id}),
        (PUSH_VERSION, {"connectorKey": "crm", "version": "2.0.0", "definition": DEFINITION}),
        (PIN_AUTH_CONFIG, {"authConfigId": auth_config_id, "pin": "latest", "revision": 1}),
        (SET_AUTH_CONFIG_ACTIVE, {"authConfigId": auth_config_id, "active": False}),
        (REAUTHENTICATE_ACCOUNT, {"linkedAccountId": account_id}),
        *_rollout_changes(auth_config_id),
        *((document, {"versionId": version_id}) for document in EVERY_LIFECYCLE_MUTATION),
        (RECORD_DEPLOYMENT_STEP, {"versionId": version_id, "step": "BUILD", "outcome": "FAILED"}),
        (ASSIGN_VERSION, {"versionId": version_id, "siteId": "site-1", "kind": "EXPORT"}),
        # a well-formed id: the role is refused before anything is looked up
        (UNASSIGN_VERSION, {"assignmentId": global_id("Assignment")}),
        (UPDATE_CONNECTOR, {"connectorId": connector_id, "name": "Renamed"}),
        (UPDATE_AUTH_CONFIG, {"authConfigId": auth_config_id, "name": "Renamed", "revision": 1}),
        (DELETE_AUTH_CONFIG, {"authConfigId": auth_config_id}),
        (UNLINK_ACCOUNT, {"linkedAccountId": account_id}),
    ]
    for document, input in attempts:
        result = await mutate(graphql, document, input, key=keys.alpha.viewer)
        # then each is a typed FORBIDDEN in the result union
        assert result["__typename"] == "ForbiddenError", (input, result)
        assert result["code"] == "FORBIDDEN"

    # and that was every mutation of the schema (a new one needs its case above)
    tried = {_mutation_name(document) for document, _ in attempts}
    assert tried == await _schema_mutations(graphql, keys.alpha.viewer)

    # and nothing was written, nor any event recorded
    assert await _written(session) == before
    data = await graphql(
        "{ viewer { project { immutableVersioning apiKeys { totalCount } } } "
        "connectors(source: CUSTOM) { totalCount } authConfigs { totalCount "
        "edges { node { linkedAccounts { totalCount } } } } }",
        key=keys.alpha.viewer,
    )
    assert data["viewer"]["project"] == {"immutableVersioning": True, "apiKeys": {"totalCount": 2}}
    assert data["connectors"]["totalCount"] == 1
    assert data["authConfigs"]["totalCount"] == 1
    assert data["authConfigs"]["edges"][0]["node"]["linkedAccounts"]["totalCount"] == 1


def _rollout_changes(auth_config_id: str) -> list[tuple[str, dict[str, Any]]]:
    """Each rollout mutation on the auth config, with otherwise valid input."""
    on_it = {"authConfigId": auth_config_id, "revision": 1}
    return [
        (START_ROLLOUT, {**on_it, "targetVersion": "1.0.0", "percent": 10}),
        (SET_ROLLOUT_PERCENT, {**on_it, "percent": 20}),
        (COMPLETE_ROLLOUT, on_it),
        (ABORT_ROLLOUT, on_it),
    ]


def _mutation_name(document: str) -> str:
    match = re.search(r"\{\s*(\w+)\(input:", document)
    assert match, document
    return match.group(1)


async def _schema_mutations(graphql: GraphQLClient, key: str) -> set[str]:
    data = await graphql("{ __schema { mutationType { fields { name } } } }", key=key)
    return {field["name"] for field in data["__schema"]["mutationType"]["fields"]}


def _alpha(keys: Keys) -> str:
    return global_id("Project", keys.alpha.project_id)


async def test_a_project_admin_cannot_create_projects_or_platform_keys(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    before = await _written(session)
    # when alpha's ADMIN creates a project, or a platform key
    project = await mutate(
        graphql, CREATE_PROJECT, {"slug": "gamma", "name": "Gamma"}, key=keys.alpha.admin
    )
    platform = await mutate(
        graphql, CREATE_API_KEY, {"name": "root", "role": "PLATFORM_ADMIN"}, key=keys.alpha.admin
    )
    # then both are forbidden and nothing is written
    assert (project["__typename"], project["code"]) == ("ForbiddenError", "FORBIDDEN")
    assert (platform["__typename"], platform["code"]) == ("ForbiddenError", "FORBIDDEN")
    assert await _written(session) == before

    # while it may issue keys for its own project
    viewer = await mutate(
        graphql, CREATE_API_KEY, {"name": "ci", "role": "VIEWER"}, key=keys.alpha.admin
    )
    assert viewer["__typename"] == "CreateApiKeySuccess"
    assert viewer["apiKey"]["project"] == {"id": _alpha(keys)}


async def test_a_platform_key_is_forbidden_project_mutations(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given a managed connector, and an auth config of alpha's on it with an account
    await create_connector(graphql, "crm", key=keys.platform)
    auth_config_id = await create_auth_config(graphql, "crm", "Sales", key=keys.alpha.admin)
    account_id = await link_account(graphql, auth_config_id, "cust-0", key=keys.alpha.admin)
    before = await _written(session)

    # when the platform key does what only a project's ADMIN may
    attempts: list[tuple[str, dict[str, Any]]] = [
        (CREATE_AUTH_CONFIG, {"connectorKey": "crm", "name": "Platform's"}),
        (LINK_ACCOUNT, {"authConfigId": auth_config_id, "externalId": "cust-1"}),
        (UPDATE_PROJECT_SETTINGS, {"immutableVersioning": False}),
        (UPDATE_AUTH_CONFIG, {"authConfigId": auth_config_id, "name": "Mine", "revision": 1}),
        (DELETE_AUTH_CONFIG, {"authConfigId": auth_config_id}),
        (UNLINK_ACCOUNT, {"linkedAccountId": account_id}),
        *_rollout_changes(auth_config_id),
    ]
    for document, input in attempts:
        result = await mutate(graphql, document, input, key=keys.platform)
        # then each is forbidden
        assert result["__typename"] == "ForbiddenError", (input, result)
        assert result["code"] == "FORBIDDEN"
    assert await _written(session) == before


async def test_platform_keys_create_managed_and_project_admins_custom_connectors(
    graphql: GraphQLClient, keys: Keys
) -> None:
    # when the platform and alpha's ADMIN each create a connector
    managed = await mutate(
        graphql, CREATE_CONNECTOR, {"key": "crm", "name": "CRM"}, key=keys.platform
    )
    custom = await mutate(
        graphql, CREATE_CONNECTOR, {"key": "erp", "name": "ERP"}, key=keys.alpha.admin
    )
    # then the platform's is managed (everyone sees it), alpha's is custom (only alpha sees it)
    assert managed["connector"]["source"] == "MANAGED"
    assert custom["connector"]["source"] == "CUSTOM"
    query = "{ connectors { edges { node { key source } } } }"
    seen_by_beta = await graphql(query, key=keys.beta.viewer)
    assert [edge["node"] for edge in seen_by_beta["connectors"]["edges"]] == [
        {"key": "crm", "source": "MANAGED"}
    ]


async def test_a_platform_key_creates_projects_and_platform_keys(
    graphql: GraphQLClient, keys: Keys
) -> None:
    # when the platform key creates a project and another platform key
    project = await mutate(
        graphql, CREATE_PROJECT, {"slug": "gamma", "name": "Gamma"}, key=keys.platform
    )
    platform = await mutate(
        graphql, CREATE_API_KEY, {"name": "ops", "role": "PLATFORM_ADMIN"}, key=keys.platform
    )
    # then both succeed
    assert project["__typename"] == "CreateProjectSuccess"
    assert project["apiKey"]["role"] == "ADMIN"
    assert platform["__typename"] == "CreateApiKeySuccess"
    assert platform["apiKey"]["project"] is None
