"""GraphQL documents of the impact preview (DESIGN §12)."""

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
