"""GraphQL documents and steps for site assignments (DESIGN §10)."""

from typing import Any

from tests.graphql.operations import mutate
from tests.graphql_client import GraphQLClient

Json = dict[str, Any]

ASSIGNMENT_FIELDS = (
    "id siteId kind externalReference createdAt assignedByApiKeyId version { id version }"
)
CODE = "... on Error { code message }"

ASSIGN_VERSION = f"""
mutation ($input: AssignVersionInput!) {{
  assignVersion(input: $input) {{
    __typename
    ... on AssignVersionSuccess {{ assignment {{ {ASSIGNMENT_FIELDS} }} }}
    {CODE}
    ... on InvalidInputError {{ field }}
    ... on AlreadyExistsError {{ field }}
    ... on InvalidTransitionError {{ currentState }}
  }}
}}
"""

UNASSIGN_VERSION = f"""
mutation ($input: UnassignVersionInput!) {{
  unassignVersion(input: $input) {{
    __typename
    ... on UnassignVersionSuccess {{
      unassignedAssignmentId assignment {{ id siteId kind }}
    }}
    {CODE}
  }}
}}
"""

ASSIGNMENT_BLOCKER = "assignmentId projectId siteId kind"

MOVE_TO_BIN = f"""
mutation ($input: MoveVersionToBinInput!) {{
  moveVersionToBin(input: $input) {{
    __typename
    ... on MoveVersionToBinSuccess {{ version {{ binnedAt }} }}
    {CODE}
    ... on VersionInUseError {{
      blockers {{ authConfigId }} assignments {{ {ASSIGNMENT_BLOCKER} }}
    }}
  }}
}}
"""

READ_ASSIGNMENTS = f"""
query ($id: ID!) {{
  node(id: $id) {{
    ... on ConnectorVersion {{
      usage {{ inUse assignments {{ {ASSIGNMENT_BLOCKER} }} }}
      assignments(first: 100) {{ totalCount edges {{ node {{ id siteId kind }} }} }}
    }}
  }}
}}
"""

READ_ASSIGNMENT = """
query ($id: ID!) {
  node(id: $id) { __typename ... on Assignment { id siteId kind version { id } } }
  _entities(representations: [{__typename: "Assignment", id: $id}]) {
    ... on Assignment { id }
  }
}
"""


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
    return await mutate(graphql, MOVE_TO_BIN, {"versionId": version_id}, key=key)


async def assignments_of(graphql: GraphQLClient, version_id: str, *, key: str) -> Json | None:
    """The version's usage (assignments) and its assignments page as `key` sees them."""
    data = await graphql(READ_ASSIGNMENTS, {"id": version_id}, key=key)
    return data["node"]  # type: ignore[no-any-return]


def blocker(assignment_id: str, project_id: str, site_id: str, kind: str) -> Json:
    return {"assignmentId": assignment_id, "projectId": project_id, "siteId": site_id, "kind": kind}
