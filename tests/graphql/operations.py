"""GraphQL documents and small helpers shared by the access, isolation and error tests."""

import base64
from typing import Any
from uuid import uuid4

from sqlalchemy import func
from sqlmodel import SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession
from strawberry import relay

from tests.graphql_client import GraphQLClient

ERROR_FIELDS = "... on Error { code message } ... on InvalidInputError { field }"
TAKEN_FIELD = "... on AlreadyExistsError { field }"

CREATE_PROJECT = f"""
mutation ($input: CreateProjectInput!) {{
  createProject(input: $input) {{
    __typename
    ... on CreateProjectSuccess {{ project {{ id slug }} apiKey {{ role }} secret }}
    {ERROR_FIELDS} {TAKEN_FIELD}
  }}
}}
"""

CREATE_API_KEY = f"""
mutation ($input: CreateApiKeyInput!) {{
  createApiKey(input: $input) {{
    __typename
    ... on CreateApiKeySuccess {{ apiKey {{ id role project {{ id }} }} secret }}
    {ERROR_FIELDS}
  }}
}}
"""

CREATE_CONNECTOR = f"""
mutation ($input: CreateConnectorInput!) {{
  createConnector(input: $input) {{
    __typename
    ... on CreateConnectorSuccess {{ connector {{ id key source }} }}
    {ERROR_FIELDS} {TAKEN_FIELD}
  }}
}}
"""

CREATE_AUTH_CONFIG = f"""
mutation ($input: CreateAuthConfigInput!) {{
  createAuthConfig(input: $input) {{
    __typename
    ... on CreateAuthConfigSuccess {{ authConfig {{ id connectorKey }} }}
    {ERROR_FIELDS}
  }}
}}
"""

LINK_ACCOUNT = f"""
mutation ($input: LinkAccountInput!) {{
  linkAccount(input: $input) {{
    __typename
    ... on LinkAccountSuccess {{ linkedAccount {{ id externalId }} }}
    {ERROR_FIELDS} {TAKEN_FIELD}
  }}
}}
"""

UPDATE_PROJECT_SETTINGS = f"""
mutation ($input: UpdateProjectSettingsInput!) {{
  updateProjectSettings(input: $input) {{
    __typename
    ... on UpdateProjectSettingsSuccess {{ project {{ id immutableVersioning }} }}
    {ERROR_FIELDS}
  }}
}}
"""

VERSION_FIELDS = "id version state published revision contentHash definition"
BUMP_ERROR_FIELDS = (
    "... on InsufficientVersionBumpError { requiredBump declaredBump previousVersion "
    "changes { bump path description affectsAuth } }"
)
DEFINITION_ERROR_FIELDS = "... on InvalidDefinitionError { problems { path message } }"

CREATE_VERSION = f"""
mutation ($input: CreateVersionInput!) {{
  createVersion(input: $input) {{
    __typename
    ... on CreateVersionSuccess {{ version {{ {VERSION_FIELDS} }} }}
    {ERROR_FIELDS}
  }}
}}
"""

UPDATE_VERSION = f"""
mutation ($input: UpdateVersionInput!) {{
  updateVersion(input: $input) {{
    __typename
    ... on UpdateVersionSuccess {{ version {{ {VERSION_FIELDS} }} }}
    {ERROR_FIELDS} {DEFINITION_ERROR_FIELDS}
  }}
}}
"""

PUBLISH_VERSION = f"""
mutation ($input: PublishVersionInput!) {{
  publishVersion(input: $input) {{
    __typename
    ... on PublishVersionSuccess {{
      version {{ {VERSION_FIELDS} }} previousVersion requiredBump changes {{ bump path }}
    }}
    ... on Error {{ code message }} ... on InvalidTransitionError {{ currentState }}
    {DEFINITION_ERROR_FIELDS} {BUMP_ERROR_FIELDS}
  }}
}}
"""

PUSH_VERSION = f"""
mutation ($input: PushVersionInput!) {{
  pushVersion(input: $input) {{
    __typename
    ... on PushVersionSuccess {{
      version {{ {VERSION_FIELDS} }} changed previousVersion requiredBump
      changes {{ bump path description affectsAuth }}
    }}
    {ERROR_FIELDS} {DEFINITION_ERROR_FIELDS} {BUMP_ERROR_FIELDS}
  }}
}}
"""

PIN_AUTH_CONFIG = """
mutation ($input: PinAuthConfigInput!) {
  pinAuthConfig(input: $input) {
    __typename
    ... on PinAuthConfigSuccess { authConfig { id pin pinSource revision } }
    ... on Error { code message } ... on InvalidPinError { acceptedForms }
  }
}
"""

SET_AUTH_CONFIG_ACTIVE = """
mutation ($input: SetAuthConfigActiveInput!) {
  setAuthConfigActive(input: $input) {
    __typename
    ... on SetAuthConfigActiveSuccess { authConfig { id active revision } }
    ... on Error { code message }
  }
}
"""

REAUTHENTICATE_ACCOUNT = """
mutation ($input: ReauthenticateAccountInput!) {
  reauthenticateAccount(input: $input) {
    __typename
    ... on ReauthenticateAccountSuccess {
      linkedAccount { id status authenticatedVersion { version } }
    }
    ... on Error { code message }
  }
}
"""


async def mutate(
    graphql: GraphQLClient, document: str, input: dict[str, Any], *, key: str
) -> dict[str, Any]:
    """The result union of a one-mutation document (never a top-level error)."""
    data = await graphql(document, {"input": input}, key=key)
    (result,) = data.values()
    return result  # type: ignore[no-any-return]


async def create_connector(graphql: GraphQLClient, connector_key: str, *, key: str) -> str:
    result = await mutate(
        graphql, CREATE_CONNECTOR, {"key": connector_key, "name": connector_key.title()}, key=key
    )
    assert result["__typename"] == "CreateConnectorSuccess", result
    return str(result["connector"]["id"])


async def create_auth_config(
    graphql: GraphQLClient, connector_key: str, name: str, *, key: str
) -> str:
    result = await mutate(
        graphql, CREATE_AUTH_CONFIG, {"connectorKey": connector_key, "name": name}, key=key
    )
    assert result["__typename"] == "CreateAuthConfigSuccess", result
    return str(result["authConfig"]["id"])


async def link_account(
    graphql: GraphQLClient, auth_config_id: str, external_id: str, *, key: str
) -> str:
    result = await mutate(
        graphql,
        LINK_ACCOUNT,
        {"authConfigId": auth_config_id, "externalId": external_id},
        key=key,
    )
    assert result["__typename"] == "LinkAccountSuccess", result
    return str(result["linkedAccount"]["id"])


def global_id(type_name: str, node_id: str | None = None) -> str:
    """A well-formed global id; a random UUID unless one is given."""
    return relay.to_base64(type_name, node_id or str(uuid4()))


def row_id(global_id_value: str) -> str:
    """The UUID inside a global id (tests only: clients treat ids as opaque)."""
    return relay.GlobalID.from_id(global_id_value).node_id


def with_type(global_id_value: str, type_name: str) -> str:
    """The same row id under another type name: an id of another type."""
    return global_id(type_name, row_id(global_id_value))


def raw_cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


async def count_rows(session: AsyncSession, model: type[SQLModel], *where: Any) -> int:
    """Rows in the database (what the app committed), read outside the app."""
    total = (await session.exec(select(func.count()).select_from(model).where(*where))).one()
    await session.rollback()  # end this read, so the next one sees later writes
    return int(total)
