"""GraphQL documents and helpers for the everyday edits: updateConnector, updateAuthConfig,
deleteAuthConfig, unlinkAccount, and the account lookup by external id."""

from typing import Any

from tests.graphql.auth_configs.documents import (
    ACCOUNT_BY_EXTERNAL_ID,
    DELETE_AUTH_CONFIG,
    UNLINK_ACCOUNT,
    UPDATE_AUTH_CONFIG,
)
from tests.graphql.connectors.documents import UPDATE_CONNECTOR
from tests.graphql.operations import mutate
from tests.graphql_client import GraphQLClient

Json = dict[str, Any]


async def update_connector(
    graphql: GraphQLClient, connector_id: str, *, key: str, **fields: str | None
) -> Json:
    return await mutate(graphql, UPDATE_CONNECTOR, {"connectorId": connector_id, **fields}, key=key)


async def update_auth_config(
    graphql: GraphQLClient, auth_config_id: str, name: str, *, revision: int, key: str
) -> Json:
    input = {"authConfigId": auth_config_id, "name": name, "revision": revision}
    return await mutate(graphql, UPDATE_AUTH_CONFIG, input, key=key)


async def delete_auth_config(
    graphql: GraphQLClient, auth_config_id: str, *, key: str, revision: int | None = None
) -> Json:
    input: Json = {"authConfigId": auth_config_id}
    if revision is not None:
        input["revision"] = revision
    return await mutate(graphql, DELETE_AUTH_CONFIG, input, key=key)


async def unlink_account(graphql: GraphQLClient, account_id: str, *, key: str) -> Json:
    return await mutate(graphql, UNLINK_ACCOUNT, {"linkedAccountId": account_id}, key=key)


async def account_by_external_id(
    graphql: GraphQLClient, auth_config_id: str, external_id: str, *, key: str
) -> Json | None:
    data = await graphql(
        ACCOUNT_BY_EXTERNAL_ID, {"id": auth_config_id, "externalId": external_id}, key=key
    )
    assert data["node"] is not None, "the auth config itself is not visible"
    return data["node"]["linkedAccount"]  # type: ignore[no-any-return]
