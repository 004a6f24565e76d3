"""Keys may carry an expiry (DESIGN §11): it must be in the future, and a key past it is a 401."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.models import ApiKey
from app.db.types import utc_now
from tests.graphql.access.api_keys import issue_key, set_key_columns
from tests.graphql.access.documents import CREATE_API_KEY, VIEWER_KEY
from tests.graphql.operations import count_rows, mutate
from tests.graphql_client import GraphQLClient
from tests.keys import Keys


async def test_a_key_with_a_future_expiry_works_and_shows_it(
    graphql: GraphQLClient, keys: Keys
) -> None:
    # when alpha's ADMIN issues a key that expires in a day
    expires_at = (utc_now() + timedelta(days=1)).replace(microsecond=0)
    _, secret = await issue_key(graphql, key=keys.alpha.admin, expiresAt=expires_at.isoformat())

    # then the key works, and shows when it expires
    data = await graphql(VIEWER_KEY, key=secret)
    shown = datetime.fromisoformat(data["viewer"]["apiKey"]["expiresAt"])
    assert shown == expires_at


async def test_a_key_without_expiry_shows_none(graphql: GraphQLClient, keys: Keys) -> None:
    _, secret = await issue_key(graphql, key=keys.alpha.admin)
    data = await graphql(VIEWER_KEY, key=secret)
    assert data["viewer"]["apiKey"]["expiresAt"] is None


BAD_EXPIRIES: dict[str, Callable[[], str]] = {
    "in the past": lambda: (utc_now() - timedelta(minutes=1)).isoformat(),
    "long ago": lambda: "2001-01-01T00:00:00+00:00",
    "without a time zone": lambda: (
        (datetime.now(UTC) + timedelta(days=1)).replace(tzinfo=None).isoformat()
    ),
}


@pytest.mark.parametrize("expires_at", BAD_EXPIRIES.values(), ids=BAD_EXPIRIES.keys())
async def test_an_expiry_not_in_the_future_is_refused_and_nothing_is_written(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession, expires_at: Callable[[], str]
) -> None:
    keys_before = await count_rows(session, ApiKey)
    # when a key is issued with an expiry that is not a future moment
    result = await mutate(
        graphql,
        CREATE_API_KEY,
        {"name": "late", "role": "VIEWER", "expiresAt": expires_at()},
        key=keys.alpha.admin,
    )
    # then it is a typed INVALID_INPUT on expiresAt, and no key was issued
    assert result["__typename"] == "InvalidInputError", result
    assert (result["code"], result["field"]) == ("INVALID_INPUT", "expiresAt")
    assert await count_rows(session, ApiKey) == keys_before


async def test_an_expired_key_gets_a_401_in_json(
    graphql: GraphQLClient, http: httpx.AsyncClient, keys: Keys, session: AsyncSession
) -> None:
    # given a key that worked, and whose expiry has now passed
    api_key_id, secret = await issue_key(
        graphql, key=keys.alpha.admin, expiresAt=(utc_now() + timedelta(days=1)).isoformat()
    )
    await graphql(VIEWER_KEY, key=secret)
    await set_key_columns(session, api_key_id, expires_at=utc_now() - timedelta(seconds=1))

    # when it is used
    response = await http.post(
        "/graphql", json={"query": VIEWER_KEY}, headers={"Authorization": f"Bearer {secret}"}
    )

    # then it is refused as unauthenticated, saying why
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"].startswith("Bearer")
    (error,) = response.json()["errors"]
    assert error == {
        "message": "the API key has expired",
        "extensions": {"code": "UNAUTHENTICATED"},
    }
