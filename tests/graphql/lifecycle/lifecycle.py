"""GraphQL documents and steps for the lifecycle tests (DESIGN §6): deprecation, the bin,
permanent delete, and what keeps a version in use."""

from typing import Any

from tests.graphql.lifecycle.documents import (
    LISTED_VERSIONS,
    READ_USAGE,
)
from tests.graphql.operations import mutate
from tests.graphql_client import GraphQLClient

Json = dict[str, Any]


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
