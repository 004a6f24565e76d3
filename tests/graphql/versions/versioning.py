"""GraphQL documents and steps for the version tests: creating, editing, publishing and pushing
versions, and reading them back."""

from typing import Any
from uuid import UUID

from tests.graphql.operations import (
    BUMP_ERROR_FIELDS,
    CREATE_CONNECTOR,
    DEFINITION_ERROR_FIELDS,
    UPDATE_PROJECT_SETTINGS,
    mutate,
    row_id,
)
from tests.graphql_client import GraphQLClient

Json = dict[str, Any]

# --- GraphQL documents ------------------------------------------------------------------------

ENVIRONMENT = "{ accountId projectId siteId syncedAt }"
VERSION_DETAILS = f"""
  id version name description readme definition config state published publishedAt revision
  contentHash deprecatedAt deprecationMessage sunsetAt binnedAt source
  devEnvironment {ENVIRONMENT} prodEnvironment {ENVIRONMENT}
  revisions {{
    revision name description readme definition config contentHash publishedAt replacedAt
  }}
"""

CODE = "... on Error { code message }"
FIELD = "... on InvalidInputError { field }"
EXISTS = "... on VersionExistsError { versionNumber }"
IMMUTABLE = "... on VersionImmutableError { versionNumber }"
RETIRED = "... on VersionNumberRetiredError { versionNumber }"
TRANSITION = "... on InvalidTransitionError { currentState }"
CHANGES = "changes { bump path description affectsAuth }"

CREATE_VERSION = f"""
mutation ($input: CreateVersionInput!) {{
  createVersion(input: $input) {{
    __typename
    ... on CreateVersionSuccess {{ version {{ {VERSION_DETAILS} }} }}
    {CODE} {FIELD} {EXISTS} {RETIRED}
  }}
}}
"""

UPDATE_VERSION = f"""
mutation ($input: UpdateVersionInput!) {{
  updateVersion(input: $input) {{
    __typename
    ... on UpdateVersionSuccess {{ version {{ {VERSION_DETAILS} }} }}
    {CODE} {FIELD} {IMMUTABLE} {DEFINITION_ERROR_FIELDS}
  }}
}}
"""

PUBLISH_VERSION = f"""
mutation ($input: PublishVersionInput!) {{
  publishVersion(input: $input) {{
    __typename
    ... on PublishVersionSuccess {{
      version {{ {VERSION_DETAILS} }} previousVersion requiredBump {CHANGES}
    }}
    {CODE} {TRANSITION} {DEFINITION_ERROR_FIELDS} {BUMP_ERROR_FIELDS}
  }}
}}
"""

PUSH_VERSION = f"""
mutation ($input: PushVersionInput!) {{
  pushVersion(input: $input) {{
    __typename
    ... on PushVersionSuccess {{
      version {{ {VERSION_DETAILS} }} changed previousVersion requiredBump {CHANGES}
    }}
    {CODE} {FIELD} {EXISTS} {IMMUTABLE} {RETIRED} {DEFINITION_ERROR_FIELDS} {BUMP_ERROR_FIELDS}
  }}
}}
"""

READ_VERSION = f"""
query ($id: ID!) {{
  node(id: $id) {{ __typename ... on ConnectorVersion {{ {VERSION_DETAILS} }} }}
}}
"""

READ_CONNECTOR_VERSIONS = f"""
query ($key: String!, $source: VersionSource, $number: String!) {{
  connector(key: $key, source: $source) {{
    id source
    versions(first: 100, includeBinned: true) {{ totalCount edges {{ node {{ version }} }} }}
    version(number: $number) {{ {VERSION_DETAILS} }}
    latestVersion {{ version }}
  }}
}}
"""

COMPARE_VERSIONS = """
query ($connectorId: ID!, $from: String!, $to: String!) {
  compareVersions(connectorId: $connectorId, from: $from, to: $to) {
    __typename
    ... on VersionComparison {
      requiredBump declaredBump sufficient changes { bump path description affectsAuth }
    }
    ... on Error { code message }
    ... on InvalidInputError { field }
  }
}
"""

VIEWER_KEY_ID = "{ viewer { apiKey { id } } }"

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
    data = await graphql(VIEWER_KEY_ID, key=key)
    return UUID(row_id(data["viewer"]["apiKey"]["id"]))


def assert_error(result: Json, typename: str, code: str) -> None:
    assert result["__typename"] == typename, result
    assert result["code"] == code, result
    assert result["message"], result
