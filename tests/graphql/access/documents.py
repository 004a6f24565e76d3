"""GraphQL documents of API keys (DESIGN §11): issuing and revoking them, and the caller's own."""

from tests.graphql.fragments import CODE, ERROR_FIELDS

KEY_FIELDS = "id name role expiresAt lastUsedAt revokedAt"

CREATE_API_KEY = f"""
mutation ($input: CreateApiKeyInput!) {{
  createApiKey(input: $input) {{
    __typename
    ... on CreateApiKeySuccess {{ apiKey {{ {KEY_FIELDS} project {{ id }} }} secret }}
    {ERROR_FIELDS}
  }}
}}
"""

REVOKE_API_KEY = f"""
mutation ($input: RevokeApiKeyInput!) {{
  revokeApiKey(input: $input) {{
    __typename
    ... on RevokeApiKeySuccess {{ apiKey {{ {KEY_FIELDS} }} }}
    {CODE}
  }}
}}
"""

VIEWER_KEY = f"{{ viewer {{ apiKey {{ {KEY_FIELDS} }} }} }}"
