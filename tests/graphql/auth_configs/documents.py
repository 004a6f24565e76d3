"""GraphQL documents of auth configs and their linked accounts: creating, pinning, turning off
and on, renaming and deleting auth configs; linking, re-authenticating and unlinking accounts;
and reading either back with its effective version."""

from tests.graphql.fragments import CODE, ERROR_FIELDS, NOT_PINNABLE, TAKEN_FIELD

AUTH_CONFIG_FIELDS = "id name connectorKey pin pinSource active revision"
EFFECTIVE_FIELDS = """
  effectiveVersion {
    version { id version source }
    rule source reason warnings
    skipped { version source cause reason }
  }
"""
ACCOUNT_FIELDS = f"id externalId status authenticatedVersion {{ id version }} {EFFECTIVE_FIELDS}"
PIN_ERRORS = f"... on InvalidPinError {{ acceptedForms }} {NOT_PINNABLE}"

CREATE_AUTH_CONFIG = f"""
mutation ($input: CreateAuthConfigInput!) {{
  createAuthConfig(input: $input) {{
    __typename
    ... on CreateAuthConfigSuccess {{ authConfig {{ {AUTH_CONFIG_FIELDS} }} warnings }}
    {ERROR_FIELDS} {PIN_ERRORS}
  }}
}}
"""


def _pin_auth_config(success: str) -> str:
    return f"""
mutation ($input: PinAuthConfigInput!) {{
  pinAuthConfig(input: $input) {{
    __typename
    ... on PinAuthConfigSuccess {{ {success} }}
    {CODE} {PIN_ERRORS}
  }}
}}
"""


PIN_AUTH_CONFIG = _pin_auth_config("authConfig { id pin pinSource revision }")
PIN_AUTH_CONFIG_WITH_WARNINGS = _pin_auth_config(
    "authConfig { id pin pinSource revision } warnings"
)
"""The pin change with the warnings it carries (an exact pin on a deprecated version)."""


SET_AUTH_CONFIG_ACTIVE = f"""
mutation ($input: SetAuthConfigActiveInput!) {{
  setAuthConfigActive(input: $input) {{
    __typename
    ... on SetAuthConfigActiveSuccess {{ authConfig {{ id active revision }} }}
    {CODE}
  }}
}}
"""

UPDATE_AUTH_CONFIG = f"""
mutation ($input: UpdateAuthConfigInput!) {{
  updateAuthConfig(input: $input) {{
    __typename
    ... on UpdateAuthConfigSuccess {{ authConfig {{ id name connectorKey revision }} }}
    {ERROR_FIELDS}
  }}
}}
"""

DELETE_AUTH_CONFIG = f"""
mutation ($input: DeleteAuthConfigInput!) {{
  deleteAuthConfig(input: $input) {{
    __typename
    ... on DeleteAuthConfigSuccess {{ deletedAuthConfigId }}
    ... on AuthConfigHasAccountsError {{ linkedAccountCount }}
    {CODE}
  }}
}}
"""

READ_AUTH_CONFIG = f"""
query ($id: ID!) {{
  node(id: $id) {{ __typename ... on AuthConfig {{ {AUTH_CONFIG_FIELDS} {EFFECTIVE_FIELDS} }} }}
}}
"""

LINK_ACCOUNT = f"""
mutation ($input: LinkAccountInput!) {{
  linkAccount(input: $input) {{
    __typename
    ... on LinkAccountSuccess {{ linkedAccount {{ {ACCOUNT_FIELDS} }} }}
    {ERROR_FIELDS} {TAKEN_FIELD}
  }}
}}
"""

REAUTHENTICATE_ACCOUNT = f"""
mutation ($input: ReauthenticateAccountInput!) {{
  reauthenticateAccount(input: $input) {{
    __typename
    ... on ReauthenticateAccountSuccess {{
      linkedAccount {{ id status authenticatedVersion {{ version }} }}
    }}
    {CODE}
  }}
}}
"""

UNLINK_ACCOUNT = f"""
mutation ($input: UnlinkAccountInput!) {{
  unlinkAccount(input: $input) {{
    __typename
    ... on UnlinkAccountSuccess {{
      unlinkedAccountId externalId authConfig {{ id linkedAccounts {{ totalCount }} }}
    }}
    {CODE}
  }}
}}
"""

READ_ACCOUNT = f"""
query ($id: ID!) {{
  node(id: $id) {{ __typename ... on LinkedAccount {{ {ACCOUNT_FIELDS} }} }}
}}
"""

ACCOUNT_BY_EXTERNAL_ID = """
query ($id: ID!, $externalId: String!) {
  node(id: $id) {
    ... on AuthConfig {
      linkedAccount(externalId: $externalId) {
        id externalId status effectiveVersion { version { version } }
      }
    }
  }
}
"""
