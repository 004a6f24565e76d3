"""Small helpers every area's tests share: one mutation's result, ids, cursors and row counts.

The GraphQL documents live in each area's `documents` module; the few that tests outside
tests/graphql take from here are re-exported under their names."""

import base64
from typing import Any
from uuid import uuid4

from sqlalchemy import func
from sqlmodel import SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession
from strawberry import relay

from tests.graphql.auth_configs.documents import CREATE_AUTH_CONFIG, LINK_ACCOUNT
from tests.graphql.connectors.documents import CREATE_CONNECTOR
from tests.graphql.versions.documents import CREATE_VERSION, UPDATE_VERSION
from tests.graphql_client import GraphQLClient

__all__ = [
    "CREATE_CONNECTOR",
    "CREATE_VERSION",
    "UPDATE_VERSION",
    "count_rows",
    "create_auth_config",
    "create_connector",
    "global_id",
    "link_account",
    "mutate",
    "raw_cursor",
    "row_id",
    "with_type",
]


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
