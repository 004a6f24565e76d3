"""GraphQL documents and steps for the lifecycle tests (DESIGN §6): deprecation, the bin,
permanent delete, and what keeps a version in use."""

from typing import Any

from tests.graphql.operations import mutate
from tests.graphql_client import GraphQLClient

Json = dict[str, Any]

LIFECYCLE_FIELDS = "id version deprecatedAt deprecationMessage sunsetAt binnedAt"
CODE = "... on Error { code message }"
FIELD = "... on InvalidInputError { field }"
TRANSITION = "... on InvalidTransitionError { currentState }"
NOT_IN_BIN = "... on VersionNotInBinError { versionNumber }"
IN_USE = (
    "... on VersionInUseError "
    "{ blockers { authConfigId authConfigName linkedAccountCount reason } }"
)
VERSION = f"version {{ {LIFECYCLE_FIELDS} }}"


def _document(mutation: str, success: str, *errors: str) -> str:
    name = mutation[0].upper() + mutation[1:]
    return f"""
mutation ($input: {name}Input!) {{
  {mutation}(input: $input) {{
    __typename
    ... on {name}Success {{ {success} }}
    {CODE} {" ".join(errors)}
  }}
}}
"""


DEPRECATE_VERSION = _document("deprecateVersion", VERSION, FIELD, TRANSITION)
UNDEPRECATE_VERSION = _document("undeprecateVersion", VERSION, TRANSITION)
MOVE_VERSION_TO_BIN = _document("moveVersionToBin", VERSION, TRANSITION, IN_USE)
RESTORE_VERSION_FROM_BIN = _document("restoreVersionFromBin", VERSION, NOT_IN_BIN)
DELETE_VERSION_PERMANENTLY = _document(
    "deleteVersionPermanently", "deletedVersionId versionNumber", NOT_IN_BIN
)
EVERY_LIFECYCLE_MUTATION = (
    DEPRECATE_VERSION,
    UNDEPRECATE_VERSION,
    MOVE_VERSION_TO_BIN,
    RESTORE_VERSION_FROM_BIN,
    DELETE_VERSION_PERMANENTLY,
)

READ_USAGE = """
query ($id: ID!) {
  node(id: $id) {
    ... on ConnectorVersion {
      version
      usage {
        inUse
        exactPins { id name }
        resolvingAuthConfigs { authConfig { id name } linkedAccountCount }
        blockers { authConfigId authConfigName linkedAccountCount reason }
      }
    }
  }
}
"""

LISTED_VERSIONS = """
query ($key: String!) {
  connector(key: $key) {
    versions(first: 100) { edges { node { version } } }
    binned: versions(first: 100, includeBinned: true) { edges { node { version } } }
  }
}
"""


async def lifecycle(
    graphql: GraphQLClient, document: str, version_id: str, *, key: str, **extra: Any
) -> Json:
    """The result union of one lifecycle mutation, success or error."""
    return await mutate(graphql, document, {"versionId": version_id, **extra}, key=key)


async def succeeded(
    graphql: GraphQLClient, document: str, version_id: str, *, key: str, **extra: Any
) -> Json:
    """A lifecycle mutation that must succeed; its success."""
    result = await lifecycle(graphql, document, version_id, key=key, **extra)
    assert result["__typename"].endswith("Success"), result
    return result


async def usage(graphql: GraphQLClient, version_id: str, *, key: str) -> Json:
    data = await graphql(READ_USAGE, {"id": version_id}, key=key)
    assert data["node"] is not None, version_id
    return data["node"]["usage"]  # type: ignore[no-any-return]


async def listed(graphql: GraphQLClient, connector_key: str, *, key: str) -> tuple[list[str], ...]:
    """(versions listed, versions listed with the bin included) of the connector of the key."""
    connector = (await graphql(LISTED_VERSIONS, {"key": connector_key}, key=key))["connector"]
    return tuple(
        [edge["node"]["version"] for edge in connector[field]["edges"]]
        for field in ("versions", "binned")
    )


def blocker(auth_config_id: str, name: str, accounts: int, reason: str) -> Json:
    return {
        "authConfigId": auth_config_id,
        "authConfigName": name,
        "linkedAccountCount": accounts,
        "reason": reason,
    }
