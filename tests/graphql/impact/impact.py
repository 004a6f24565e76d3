"""GraphQL documents and steps for the impact preview tests (DESIGN §12)."""

from typing import Any

from tests.graphql.auth_configs.pinning import in_line
from tests.graphql_client import GraphQLClient

Json = dict[str, Any]

SIDE = "number source rule version { id version }"
MOVE = f"""
  authConfig {{ id name }} active
  from {{ {SIDE} }} to {{ {SIDE} }}
  accountsMoving accountsNeedingReauthentication accountsNewlyNeedingReauthentication
"""

IMPACT = f"""
query ($change: ChangeInput!) {{
  impact(change: $change) {{
    refusal {{
      __typename
      ... on Error {{ code message }}
      ... on VersionInUseError {{ blockers {{ authConfigId linkedAccountCount }} }}
      ... on InsufficientVersionBumpError {{ requiredBump changes {{ bump path }} }}
    }}
    authConfigsChanged accountsMoving accountsNewlyNeedingReauthentication
    moves(first: 100) {{ totalCount edges {{ node {{ {MOVE} }} }} }}
    leftWithoutVersion(first: 100) {{ edges {{ node {{ authConfig {{ id }} }} }} }}
  }}
}}
"""

MOVING_ACCOUNTS = """
query ($change: ChangeInput!, $first: Int!, $after: String) {
  impact(change: $change) {
    movingAccounts(first: $first, after: $after) {
      totalCount pageInfo { hasNextPage endCursor } edges { node { id externalId } }
    }
  }
}
"""


async def impact(graphql: GraphQLClient, change: Json, *, key: str) -> Json:
    """The `impact` answer for one change."""
    answer = await graphql(IMPACT, {"change": change}, key=key)
    return answer["impact"]  # type: ignore[no-any-return]


def moves(answer: Json) -> dict[str, Json]:
    """The moves by auth config id."""
    return {edge["node"]["authConfig"]["id"]: edge["node"] for edge in answer["moves"]["edges"]}


def reauth_line(major: int, *scopes: str) -> Json:
    """`in_line(major)` whose auth asks for more scopes (a MAJOR change to credentials)."""
    definition = in_line(major)
    definition["auth"]["scopes"] = ["contacts.read", *scopes]
    return definition


def push_change(connector_key: str, version: str, definition: Json) -> Json:
    """A `ChangeInput` for a push."""
    return {
        "pushVersion": {"connectorKey": connector_key, "version": version, "definition": definition}
    }


IMPACT_WITH_ACCOUNTS = f"""
query ($change: ChangeInput!) {{
  impact(change: $change) {{
    refusal {{ __typename }}
    authConfigsChanged accountsMoving accountsNewlyNeedingReauthentication
    moves(first: 100) {{ totalCount edges {{ node {{ {MOVE} }} }} }}
    movingAccounts(first: 5) {{ totalCount edges {{ node {{ id externalId status }} }} }}
  }}
}}
"""
