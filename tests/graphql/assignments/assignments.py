"""GraphQL documents and steps for site assignments (DESIGN §10)."""

from typing import Any

from tests.graphql.assignments.documents import (
    ASSIGN_VERSION,
    READ_ASSIGNMENTS,
    UNASSIGN_VERSION,
)
from tests.graphql.lifecycle.documents import MOVE_VERSION_TO_BIN
from tests.graphql.operations import mutate
from tests.graphql_client import GraphQLClient

Json = dict[str, Any]


async def assign(
    graphql: GraphQLClient,
    version_id: str,
    site_id: str,
    kind: str = "DATASOURCE",
    *,
    key: str,
    **extra: Any,
) -> Json:
    """The `assignVersion` result, success or error."""
    return await mutate(
        graphql,
        ASSIGN_VERSION,
        {"versionId": version_id, "siteId": site_id, "kind": kind, **extra},
        key=key,
    )


async def assigned(
    graphql: GraphQLClient,
    version_id: str,
    site_id: str,
    kind: str = "DATASOURCE",
    *,
    key: str,
    **extra: Any,
) -> Json:
    """An `assignVersion` that must succeed; the assignment."""
    result = await assign(graphql, version_id, site_id, kind, key=key, **extra)
    assert result["__typename"] == "AssignVersionSuccess", result
    return result["assignment"]  # type: ignore[no-any-return]


async def unassign(graphql: GraphQLClient, assignment_id: str, *, key: str) -> Json:
    return await mutate(graphql, UNASSIGN_VERSION, {"assignmentId": assignment_id}, key=key)


async def move_to_bin(graphql: GraphQLClient, version_id: str, *, key: str) -> Json:
    return await mutate(graphql, MOVE_VERSION_TO_BIN, {"versionId": version_id}, key=key)


async def assignments_of(graphql: GraphQLClient, version_id: str, *, key: str) -> Json | None:
    """The version's usage (assignments) and its assignments page as `key` sees them."""
    data = await graphql(READ_ASSIGNMENTS, {"id": version_id}, key=key)
    return data["node"]  # type: ignore[no-any-return]


def blocker(assignment_id: str, project_id: str, site_id: str, kind: str) -> Json:
    return {"assignmentId": assignment_id, "projectId": project_id, "siteId": site_id, "kind": kind}
