"""GraphQL documents and helpers for API keys and their lifecycle (DESIGN §11)."""

from typing import Any
from uuid import UUID

from sqlalchemy import update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.models import ApiKey
from tests.graphql.access.documents import CREATE_API_KEY, REVOKE_API_KEY, VIEWER_KEY
from tests.graphql.operations import mutate, row_id
from tests.graphql_client import GraphQLClient


async def issue_key(
    graphql: GraphQLClient, *, key: str, role: str = "VIEWER", **fields: Any
) -> tuple[str, str]:
    """A new key issued with `key`: (its global id, its secret)."""
    result = await mutate(
        graphql, CREATE_API_KEY, {"name": "issued", "role": role, **fields}, key=key
    )
    assert result["__typename"] == "CreateApiKeySuccess", result
    return str(result["apiKey"]["id"]), str(result["secret"])


async def set_key_columns(session: AsyncSession, api_key_id: str, **values: Any) -> None:
    """Change a key's row straight in the database (e.g. to make it expire without waiting)."""
    await session.exec(
        update(ApiKey).where(col(ApiKey.id) == UUID(row_id(api_key_id))).values(**values)
    )
    await session.commit()


async def key_id_of(graphql: GraphQLClient, secret: str) -> str:
    """The global id of the key whose secret this is."""
    data = await graphql(VIEWER_KEY, key=secret)
    return str(data["viewer"]["apiKey"]["id"])


async def revoke(graphql: GraphQLClient, api_key_id: str, *, key: str) -> dict[str, Any]:
    """The result union of revokeApiKey."""
    return await mutate(graphql, REVOKE_API_KEY, {"apiKeyId": api_key_id}, key=key)
