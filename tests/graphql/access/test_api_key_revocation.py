"""revokeApiKey (DESIGN §11, §7): who may revoke which key, and a revoked key is a 401 at once."""

from datetime import datetime

import httpx
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.models import ApiKey, Event
from tests.graphql.access.api_keys import issue_key, key_id_of, revoke
from tests.graphql.access.documents import VIEWER_KEY
from tests.graphql.operations import count_rows, global_id, with_type
from tests.graphql_client import GraphQLClient
from tests.keys import Keys


async def _status(http: httpx.AsyncClient, secret: str) -> tuple[int, object]:
    """The HTTP status of a request with `secret`, and its errors (None when it worked)."""
    response = await http.post(
        "/graphql", json={"query": VIEWER_KEY}, headers={"Authorization": f"Bearer {secret}"}
    )
    return response.status_code, response.json().get("errors")


async def _revocations(session: AsyncSession) -> int:
    return await count_rows(session, Event, col(Event.kind) == "api_key.revoked")


async def _revoked_keys(session: AsyncSession) -> int:
    return await count_rows(session, ApiKey, col(ApiKey.revoked_at).is_not(None))


REVOKED_401 = (
    401,
    [{"message": "the API key has been revoked", "extensions": {"code": "UNAUTHENTICATED"}}],
)


async def test_an_admin_revokes_a_key_of_its_project_and_it_is_refused_at_once(
    graphql: GraphQLClient, http: httpx.AsyncClient, keys: Keys, session: AsyncSession
) -> None:
    # given a working VIEWER key of alpha
    api_key_id, secret = await issue_key(graphql, key=keys.alpha.admin)
    assert (await _status(http, secret))[0] == 200

    # when alpha's ADMIN revokes it
    result = await revoke(graphql, api_key_id, key=keys.alpha.admin)

    # then it is revoked, with the moment, and recorded as an event
    assert result["__typename"] == "RevokeApiKeySuccess", result
    assert result["apiKey"]["id"] == api_key_id
    assert datetime.fromisoformat(result["apiKey"]["revokedAt"])
    assert await _revocations(session) == 1
    # and the next request with it is a 401 that says so
    assert await _status(http, secret) == REVOKED_401
    # while the project's other keys work on
    assert (await _status(http, keys.alpha.viewer))[0] == 200


async def test_revoking_twice_succeeds_and_changes_nothing(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given a revoked key
    api_key_id, _ = await issue_key(graphql, key=keys.alpha.admin)
    first = await revoke(graphql, api_key_id, key=keys.alpha.admin)

    # when it is revoked again (by the platform, this time)
    again = await revoke(graphql, api_key_id, key=keys.platform)

    # then that succeeds, keeps the first revokedAt and records no second event
    assert again["__typename"] == "RevokeApiKeySuccess", again
    assert again["apiKey"]["revokedAt"] == first["apiKey"]["revokedAt"]
    assert await _revocations(session) == 1


async def test_an_admin_may_revoke_its_own_key(
    graphql: GraphQLClient, http: httpx.AsyncClient, keys: Keys
) -> None:
    own = await key_id_of(graphql, keys.alpha.admin)
    result = await revoke(graphql, own, key=keys.alpha.admin)
    assert result["__typename"] == "RevokeApiKeySuccess", result
    assert await _status(http, keys.alpha.admin) == REVOKED_401


async def test_a_viewer_may_not_revoke_any_key_not_even_its_own(
    graphql: GraphQLClient, http: httpx.AsyncClient, keys: Keys, session: AsyncSession
) -> None:
    targets = [
        await key_id_of(graphql, keys.alpha.viewer),
        await key_id_of(graphql, keys.alpha.admin),
        await key_id_of(graphql, keys.beta.viewer),
        global_id("ApiKey"),
    ]
    for target in targets:
        result = await revoke(graphql, target, key=keys.alpha.viewer)
        assert (result["__typename"], result["code"]) == ("ForbiddenError", "FORBIDDEN")
    assert await _revoked_keys(session) == 0
    assert await _revocations(session) == 0
    assert (await _status(http, keys.alpha.viewer))[0] == 200


async def test_another_projects_key_is_not_found_like_a_missing_one(
    graphql: GraphQLClient, http: httpx.AsyncClient, keys: Keys, session: AsyncSession
) -> None:
    # given beta's keys, the platform's, and ids that name no key
    beta_viewer = await key_id_of(graphql, keys.beta.viewer)
    targets = {
        "beta's ADMIN": await key_id_of(graphql, keys.beta.admin),
        "beta's VIEWER": beta_viewer,
        "the platform's": await key_id_of(graphql, keys.platform),
        "missing": global_id("ApiKey"),
        "another type": with_type(beta_viewer, "Project"),
        "malformed": "not-an-id",
    }

    # when alpha's ADMIN revokes each
    answers = {
        name: await revoke(graphql, target, key=keys.alpha.admin)
        for name, target in targets.items()
    }

    # then every one is the same NOT_FOUND, and nothing was revoked
    assert {(a["__typename"], a["code"], a["message"]) for a in answers.values()} == {
        ("NotFoundError", "NOT_FOUND", "API key was not found")
    }
    assert await _revoked_keys(session) == 0
    for secret in (keys.beta.admin, keys.beta.viewer, keys.platform):
        assert (await _status(http, secret))[0] == 200


async def test_a_platform_key_revokes_any_key(
    graphql: GraphQLClient, http: httpx.AsyncClient, keys: Keys, session: AsyncSession
) -> None:
    # given another platform key
    other_platform, other_secret = await issue_key(
        graphql, key=keys.platform, role="PLATFORM_ADMIN"
    )

    # when the platform revokes beta's ADMIN key and the other platform key
    for target in (await key_id_of(graphql, keys.beta.admin), other_platform):
        result = await revoke(graphql, target, key=keys.platform)
        assert result["__typename"] == "RevokeApiKeySuccess", result

    # then both are refused from now on
    assert await _status(http, keys.beta.admin) == REVOKED_401
    assert await _status(http, other_secret) == REVOKED_401
    assert await _revocations(session) == 2
