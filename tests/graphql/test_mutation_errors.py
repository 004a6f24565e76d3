"""Every mutation's expected failures are typed errors in its result union, and change nothing."""

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.models import ApiKey, AuthConfig, Connector, Event, LinkedAccount, Project
from tests.graphql.access.documents import CREATE_API_KEY
from tests.graphql.auth_configs.documents import CREATE_AUTH_CONFIG, LINK_ACCOUNT
from tests.graphql.connectors.documents import CREATE_CONNECTOR
from tests.graphql.operations import (
    count_rows,
    create_auth_config,
    create_connector,
    global_id,
    link_account,
    mutate,
)
from tests.graphql.projects.documents import CREATE_PROJECT, UPDATE_PROJECT_SETTINGS
from tests.graphql_client import GraphQLClient
from tests.keys import Keys

BAD_NAMES = ["", "   ", "x" * 201]


def _assert_error(result: dict[str, object], typename: str, code: str) -> None:
    assert result["__typename"] == typename, result
    assert result["code"] == code, result
    assert result["message"], result


# createProject


BAD_SLUGS = ["", "Bad", "has space", "-leading-dash", "under_score", "é", "a" * 64]


@pytest.mark.parametrize("slug", BAD_SLUGS)
async def test_create_project_refuses_an_invalid_slug(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession, slug: str
) -> None:
    result = await mutate(
        graphql, CREATE_PROJECT, {"slug": slug, "name": "Gamma"}, key=keys.platform
    )
    _assert_error(result, "InvalidInputError", "INVALID_INPUT")
    assert result["field"] == "slug"
    assert await count_rows(session, Project) == 2


@pytest.mark.parametrize("name", BAD_NAMES)
async def test_create_project_refuses_a_blank_or_long_name(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession, name: str
) -> None:
    result = await mutate(
        graphql, CREATE_PROJECT, {"slug": "gamma", "name": name}, key=keys.platform
    )
    _assert_error(result, "InvalidInputError", "INVALID_INPUT")
    assert result["field"] == "name"
    assert await count_rows(session, Project) == 2


async def test_create_project_refuses_a_taken_slug_and_writes_nothing(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given the projects alpha and beta with their keys
    keys_before = await count_rows(session, ApiKey)
    events_before = await count_rows(session, Event)
    # when another project takes the slug "alpha"
    result = await mutate(
        graphql, CREATE_PROJECT, {"slug": "alpha", "name": "Again"}, key=keys.platform
    )
    # then it already exists, and no project, key or event was written
    _assert_error(result, "AlreadyExistsError", "ALREADY_EXISTS")
    assert result["field"] == "slug"
    assert await count_rows(session, Project) == 2
    assert await count_rows(session, ApiKey) == keys_before
    assert await count_rows(session, Event) == events_before

    # and the next project is created normally after the failure
    ok = await mutate(graphql, CREATE_PROJECT, {"slug": "gamma", "name": "G"}, key=keys.platform)
    assert ok["__typename"] == "CreateProjectSuccess"
    assert await count_rows(session, Project) == 3


# createConnector


BAD_KEYS = ["", "Bad", "has space", "_leading", "-leading", "dot.ted", "a" * 64]


@pytest.mark.parametrize("connector_key", BAD_KEYS)
async def test_create_connector_refuses_an_invalid_key(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession, connector_key: str
) -> None:
    result = await mutate(
        graphql, CREATE_CONNECTOR, {"key": connector_key, "name": "X"}, key=keys.alpha.admin
    )
    _assert_error(result, "InvalidInputError", "INVALID_INPUT")
    assert result["field"] == "key"
    assert await count_rows(session, Connector) == 0


@pytest.mark.parametrize("name", BAD_NAMES)
async def test_create_connector_refuses_a_blank_or_long_name(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession, name: str
) -> None:
    result = await mutate(
        graphql, CREATE_CONNECTOR, {"key": "crm", "name": name}, key=keys.alpha.admin
    )
    _assert_error(result, "InvalidInputError", "INVALID_INPUT")
    assert result["field"] == "name"
    assert await count_rows(session, Connector) == 0


@pytest.mark.parametrize("owner", ["platform", "project"])
async def test_create_connector_refuses_a_key_taken_by_the_same_owner(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession, owner: str
) -> None:
    # given a connector "crm" (managed, or alpha's custom one)
    key = keys.platform if owner == "platform" else keys.alpha.admin
    await create_connector(graphql, "crm", key=key)
    events_before = await count_rows(session, Event)
    # when the same owner creates "crm" again
    result = await mutate(graphql, CREATE_CONNECTOR, {"key": "crm", "name": "Again"}, key=key)
    # then it already exists and nothing was written
    _assert_error(result, "AlreadyExistsError", "ALREADY_EXISTS")
    assert result["field"] == "key"
    assert await count_rows(session, Connector) == 1
    assert await count_rows(session, Event) == events_before


async def test_the_same_connector_key_may_be_managed_and_custom_in_each_project(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # when the platform, alpha and beta each create "crm"
    for key in (keys.platform, keys.alpha.admin, keys.beta.admin):
        result = await mutate(graphql, CREATE_CONNECTOR, {"key": "crm", "name": "CRM"}, key=key)
        # then each succeeds
        assert result["__typename"] == "CreateConnectorSuccess", result
    assert await count_rows(session, Connector, Connector.key == "crm") == 3
    data = await graphql(
        '{ connectors { totalCount edges { node { source } } } connector(key: "crm") { source } }',
        key=keys.alpha.viewer,
    )
    assert data["connectors"]["totalCount"] == 2
    assert data["connector"] == {"source": "CUSTOM"}


# createAuthConfig


async def test_create_auth_config_for_an_unknown_key_is_not_found(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    result = await mutate(
        graphql,
        CREATE_AUTH_CONFIG,
        {"connectorKey": "nowhere", "name": "Sales"},
        key=keys.alpha.admin,
    )
    _assert_error(result, "NotFoundError", "NOT_FOUND")
    assert await count_rows(session, AuthConfig) == 0


@pytest.mark.parametrize("connector_key", BAD_KEYS)
async def test_create_auth_config_refuses_an_invalid_key(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession, connector_key: str
) -> None:
    result = await mutate(
        graphql,
        CREATE_AUTH_CONFIG,
        {"connectorKey": connector_key, "name": "Sales"},
        key=keys.alpha.admin,
    )
    _assert_error(result, "InvalidInputError", "INVALID_INPUT")
    assert result["field"] == "connectorKey"
    assert await count_rows(session, AuthConfig) == 0


@pytest.mark.parametrize("name", BAD_NAMES)
async def test_create_auth_config_refuses_a_blank_or_long_name(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession, name: str
) -> None:
    await create_connector(graphql, "crm", key=keys.alpha.admin)
    result = await mutate(
        graphql, CREATE_AUTH_CONFIG, {"connectorKey": "crm", "name": name}, key=keys.alpha.admin
    )
    _assert_error(result, "InvalidInputError", "INVALID_INPUT")
    assert result["field"] == "name"
    assert await count_rows(session, AuthConfig) == 0


# linkAccount


async def test_link_account_refuses_a_taken_external_id_in_the_same_auth_config(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given two auth configs of alpha's, the first with account "cust-1"
    await create_connector(graphql, "crm", key=keys.alpha.admin)
    first = await create_auth_config(graphql, "crm", "Sales", key=keys.alpha.admin)
    second = await create_auth_config(graphql, "crm", "Support", key=keys.alpha.admin)
    await link_account(graphql, first, "cust-1", key=keys.alpha.admin)
    events_before = await count_rows(session, Event)

    # when "cust-1" is linked again to the first (also with blanks around it)
    for external_id in ("cust-1", "  cust-1 "):
        result = await mutate(
            graphql,
            LINK_ACCOUNT,
            {"authConfigId": first, "externalId": external_id},
            key=keys.alpha.admin,
        )
        # then it already exists, and nothing was written
        _assert_error(result, "AlreadyExistsError", "ALREADY_EXISTS")
        assert result["field"] == "externalId"
    assert await count_rows(session, LinkedAccount) == 1
    assert await count_rows(session, Event) == events_before

    # while the same external id is fine in the other auth config
    assert await link_account(graphql, second, "cust-1", key=keys.alpha.admin)
    assert await count_rows(session, LinkedAccount) == 2


@pytest.mark.parametrize("external_id", ["", "   ", "x" * 256])
async def test_link_account_refuses_a_blank_or_long_external_id(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession, external_id: str
) -> None:
    await create_connector(graphql, "crm", key=keys.alpha.admin)
    auth_config_id = await create_auth_config(graphql, "crm", "Sales", key=keys.alpha.admin)
    result = await mutate(
        graphql,
        LINK_ACCOUNT,
        {"authConfigId": auth_config_id, "externalId": external_id},
        key=keys.alpha.admin,
    )
    _assert_error(result, "InvalidInputError", "INVALID_INPUT")
    assert result["field"] == "externalId"
    assert await count_rows(session, LinkedAccount) == 0


async def test_link_account_to_a_missing_auth_config_is_not_found(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    result = await mutate(
        graphql,
        LINK_ACCOUNT,
        {"authConfigId": global_id("AuthConfig"), "externalId": "cust-1"},
        key=keys.alpha.admin,
    )
    _assert_error(result, "NotFoundError", "NOT_FOUND")
    assert await count_rows(session, LinkedAccount) == 0


# createApiKey


async def _key_count(session: AsyncSession) -> int:
    return await count_rows(session, ApiKey)


@pytest.mark.parametrize("role", ["ADMIN", "VIEWER"])
async def test_a_platform_key_must_name_the_project_of_a_project_key(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession, role: str
) -> None:
    before = await _key_count(session)
    result = await mutate(graphql, CREATE_API_KEY, {"name": "ci", "role": role}, key=keys.platform)
    _assert_error(result, "InvalidInputError", "INVALID_INPUT")
    assert result["field"] == "projectId"
    assert await _key_count(session) == before


async def test_a_platform_admin_key_belongs_to_no_project(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    before = await _key_count(session)
    result = await mutate(
        graphql,
        CREATE_API_KEY,
        {
            "name": "root",
            "role": "PLATFORM_ADMIN",
            "projectId": global_id("Project", keys.alpha.project_id),
        },
        key=keys.platform,
    )
    _assert_error(result, "InvalidInputError", "INVALID_INPUT")
    assert result["field"] == "projectId"
    assert await _key_count(session) == before


@pytest.mark.parametrize("name", BAD_NAMES)
async def test_create_api_key_refuses_a_blank_or_long_name(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession, name: str
) -> None:
    before = await _key_count(session)
    result = await mutate(
        graphql, CREATE_API_KEY, {"name": name, "role": "VIEWER"}, key=keys.alpha.admin
    )
    _assert_error(result, "InvalidInputError", "INVALID_INPUT")
    assert result["field"] == "name"
    assert await _key_count(session) == before


async def test_create_api_key_for_a_missing_project_is_not_found(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    before = await _key_count(session)
    result = await mutate(
        graphql,
        CREATE_API_KEY,
        {"name": "ci", "role": "ADMIN", "projectId": global_id("Project")},
        key=keys.platform,
    )
    _assert_error(result, "NotFoundError", "NOT_FOUND")
    assert await _key_count(session) == before

    # while a platform key may issue one for an existing project
    ok = await mutate(
        graphql,
        CREATE_API_KEY,
        {"name": "ci", "role": "ADMIN", "projectId": global_id("Project", keys.beta.project_id)},
        key=keys.platform,
    )
    assert ok["__typename"] == "CreateApiKeySuccess"
    assert ok["apiKey"]["project"] == {"id": global_id("Project", keys.beta.project_id)}


# updateProjectSettings

SETTINGS = "{ viewer { project { immutableVersioning } } }"


async def test_update_project_settings_needs_a_setting(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    events_before = await count_rows(session, Event)
    result = await mutate(graphql, UPDATE_PROJECT_SETTINGS, {}, key=keys.alpha.admin)
    _assert_error(result, "InvalidInputError", "INVALID_INPUT")
    assert await count_rows(session, Event) == events_before
    assert (await graphql(SETTINGS, key=keys.alpha.viewer))["viewer"]["project"] == {
        "immutableVersioning": True
    }


async def test_update_project_settings_changes_only_the_callers_project(
    graphql: GraphQLClient, keys: Keys
) -> None:
    # when alpha's ADMIN turns immutable versioning off
    result = await mutate(
        graphql, UPDATE_PROJECT_SETTINGS, {"immutableVersioning": False}, key=keys.alpha.admin
    )
    # then alpha's project shows it, to any of its keys, and beta's does not change
    assert result["__typename"] == "UpdateProjectSettingsSuccess"
    assert result["project"] == {
        "id": global_id("Project", keys.alpha.project_id),
        "immutableVersioning": False,
    }
    alpha = await graphql(SETTINGS, key=keys.alpha.viewer)
    beta = await graphql(SETTINGS, key=keys.beta.viewer)
    assert alpha["viewer"]["project"] == {"immutableVersioning": False}
    assert beta["viewer"]["project"] == {"immutableVersioning": True}

    # and it can be turned back on
    await mutate(
        graphql, UPDATE_PROJECT_SETTINGS, {"immutableVersioning": True}, key=keys.alpha.admin
    )
    alpha = await graphql(SETTINGS, key=keys.alpha.viewer)
    assert alpha["viewer"]["project"] == {"immutableVersioning": True}
