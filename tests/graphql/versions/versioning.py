"""GraphQL documents and steps for the version tests: creating, editing, publishing and pushing
versions, and reading them back."""

from typing import Any
from uuid import UUID

from tests.graphql.access.documents import VIEWER_KEY
from tests.graphql.connectors.documents import CREATE_CONNECTOR
from tests.graphql.operations import mutate, row_id
from tests.graphql.projects.documents import UPDATE_PROJECT_SETTINGS
from tests.graphql.versions.documents import (
    CREATE_VERSION,
    PUBLISH_VERSION,
    PUSH_VERSION,
    READ_VERSION,
    UPDATE_VERSION,
)
from tests.graphql_client import GraphQLClient

Json = dict[str, Any]

# --- GraphQL documents ------------------------------------------------------------------------


# --- GraphQL steps ----------------------------------------------------------------------------


async def new_connector(
    graphql: GraphQLClient, connector_key: str, *, key: str, runtime: str = "DEFINITION"
) -> str:
    result = await mutate(
        graphql,
        CREATE_CONNECTOR,
        {"key": connector_key, "name": connector_key.upper(), "runtime": runtime},
        key=key,
    )
    assert result["__typename"] == "CreateConnectorSuccess", result
    return str(result["connector"]["id"])


async def push(
    graphql: GraphQLClient,
    connector_key: str,
    version: str,
    definition: object,
    *,
    key: str,
    **extra: Any,
) -> Json:
    """The `pushVersion` result, success or error."""
    return await mutate(
        graphql,
        PUSH_VERSION,
        {"connectorKey": connector_key, "version": version, "definition": definition, **extra},
        key=key,
    )


async def pushed(
    graphql: GraphQLClient,
    connector_key: str,
    version: str,
    definition: object,
    *,
    key: str,
    **extra: Any,
) -> Json:
    """A push that must succeed; its `PushVersionSuccess`."""
    result = await push(graphql, connector_key, version, definition, key=key, **extra)
    assert result["__typename"] == "PushVersionSuccess", result
    return result


async def create(graphql: GraphQLClient, connector_id: str, *, key: str, **extra: Any) -> Json:
    """The `createVersion` result, success or error."""
    return await mutate(graphql, CREATE_VERSION, {"connectorId": connector_id, **extra}, key=key)


async def update(graphql: GraphQLClient, version_id: str, *, key: str, **fields: Any) -> Json:
    """The `updateVersion` result, success or error."""
    return await mutate(graphql, UPDATE_VERSION, {"versionId": version_id, **fields}, key=key)


async def publish(graphql: GraphQLClient, version_id: str, *, key: str) -> Json:
    """The `publishVersion` result, success or error."""
    return await mutate(graphql, PUBLISH_VERSION, {"versionId": version_id}, key=key)


async def created(graphql: GraphQLClient, connector_id: str, *, key: str, **extra: Any) -> Json:
    """A `createVersion` that must succeed; the new version."""
    result = await create(graphql, connector_id, key=key, **extra)
    assert result["__typename"] == "CreateVersionSuccess", result
    return result["version"]  # type: ignore[no-any-return]


async def updated(graphql: GraphQLClient, version_id: str, *, key: str, **fields: Any) -> Json:
    """An `updateVersion` that must succeed; the edited version."""
    result = await update(graphql, version_id, key=key, **fields)
    assert result["__typename"] == "UpdateVersionSuccess", result
    return result["version"]  # type: ignore[no-any-return]


async def read_version(graphql: GraphQLClient, version_id: str, *, key: str) -> Json:
    """The version as GraphQL shows it now, revisions included."""
    node = (await graphql(READ_VERSION, {"id": version_id}, key=key))["node"]
    assert node is not None, version_id
    typename = node.pop("__typename")
    assert typename == "ConnectorVersion", node
    return node  # type: ignore[no-any-return]


async def turn_immutable_versioning(graphql: GraphQLClient, on: bool, *, key: str) -> None:
    result = await mutate(graphql, UPDATE_PROJECT_SETTINGS, {"immutableVersioning": on}, key=key)
    assert result["__typename"] == "UpdateProjectSettingsSuccess", result


async def api_key_id(graphql: GraphQLClient, key: str) -> UUID:
    """The row id of the key a secret belongs to."""
    data = await graphql(VIEWER_KEY, key=key)
    return UUID(row_id(data["viewer"]["apiKey"]["id"]))


def assert_error(result: Json, typename: str, code: str) -> None:
    assert result["__typename"] == typename, result
    assert result["code"] == code, result
    assert result["message"], result
