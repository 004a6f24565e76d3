"""The key lifecycle against real servers (DESIGN §11): `lastUsedAt` written by each process's
background task, revocation and expiry reaching every process."""

import asyncio
import re
import time
from collections.abc import AsyncGenerator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from gql.transport.exceptions import TransportConnectionFailed
from sqlalchemy import delete
from sqlalchemy.engine import URL
from sqlmodel import col
from strawberry import relay
from websockets.exceptions import ConnectionClosed

from app.db.engine import Database
from app.db.models import ApiKey
from tests.graphql.access.documents import CREATE_API_KEY, REVOKE_API_KEY
from tests.http.server import create_project, graphql, mutate, run_cli
from tests.http.test_subscriptions import connected, events_of, new_connector, new_version

pytestmark = pytest.mark.slow

TIMEOUT_SECONDS = 15
POLL_SECONDS = 0.2
# Long enough for a subscription to become live first; the test waits that long.
EXPIRING_SECONDS = 8

LAST_USED = "{ viewer { apiKey { lastUsedAt } } }"


def _last_used_at(base_url: str, key: str) -> str | None:
    response = graphql(base_url, key, LAST_USED)
    assert response.status_code == 200, response.text
    value = response.json()["data"]["viewer"]["apiKey"]["lastUsedAt"]
    return None if value is None else str(value)


def _first_last_used_at(base_url: str, key: str) -> str:
    """The key's lastUsedAt, once a server process has written it."""
    deadline = time.monotonic() + TIMEOUT_SECONDS
    while (value := _last_used_at(base_url, key)) is None:
        assert time.monotonic() < deadline, "lastUsedAt was never written"
        time.sleep(POLL_SECONDS)
    return value


async def test_a_servers_requests_get_their_keys_last_use_written(
    running_server: str, platform_key: str
) -> None:
    # given a new project, whose ADMIN key was just issued (and never used)
    admin_key = await asyncio.to_thread(create_project, running_server, platform_key)

    # when it is used, then its lastUsedAt gets written after the requests, by the server
    first = await asyncio.to_thread(_first_last_used_at, running_server, admin_key)

    # and further uses within the minute leave it as it is
    for _ in range(3):
        assert await asyncio.to_thread(_last_used_at, running_server, admin_key) == first


# Subscriptions: a connection closes with 4403 as soon as its key stops working.


def _issue_key(base_url: str, admin_key: str, **fields: object) -> tuple[str, str]:
    """A new VIEWER key of the ADMIN key's project: (its global id, its secret)."""
    issued = mutate(
        base_url, admin_key, CREATE_API_KEY, {"name": "live", "role": "VIEWER", **fields}
    )
    assert issued["__typename"] == "CreateApiKeySuccess", issued
    return str(issued["apiKey"]["id"]), str(issued["secret"])


def _revoke(base_url: str, admin_key: str, api_key_id: str) -> None:
    revoked = mutate(base_url, admin_key, REVOKE_API_KEY, {"apiKeyId": api_key_id})
    assert revoked["__typename"] == "RevokeApiKeySuccess", revoked


async def _until_delivered(
    subscriptions: list[AsyncGenerator[dict[str, Any], None]],
    writer: str,
    admin_key: str,
    connector_id: str,
) -> None:
    """Create versions until each subscription received one: they are live from then on."""
    pending = {asyncio.ensure_future(anext(events)) for events in subscriptions}
    deadline = asyncio.get_running_loop().time() + TIMEOUT_SECONDS
    while pending:
        assert asyncio.get_running_loop().time() < deadline, "no event arrived"
        await asyncio.to_thread(new_version, writer, admin_key, connector_id)
        _, pending = await asyncio.wait(pending, timeout=1.0)


async def _close_of(events: AsyncGenerator[dict[str, Any], None]) -> tuple[int, str]:
    """The code and reason the server closed the subscription's connection with."""
    with pytest.raises(TransportConnectionFailed) as raised:
        async with asyncio.timeout(TIMEOUT_SECONDS):
            await anext(events)
    closed = raised.value.__cause__
    assert isinstance(closed, ConnectionClosed), repr(closed)
    assert closed.rcvd is not None
    return closed.rcvd.code, closed.rcvd.reason


async def test_a_subscription_closes_with_4403_when_its_key_is_revoked_on_another_server(
    servers: tuple[str, str], platform_key: str
) -> None:
    # given two live subscriptions to a connector's events: one with a VIEWER key, one with
    # the ADMIN key
    writer, reader = servers
    admin_key = await asyncio.to_thread(create_project, writer, platform_key)
    viewer_id, viewer_key = await asyncio.to_thread(_issue_key, writer, admin_key)
    connector_id = await asyncio.to_thread(new_connector, writer, admin_key)
    async with (
        connected(reader, {"apiKey": viewer_key}) as viewer_ws,
        connected(reader, {"apiKey": admin_key}) as admin_ws,
    ):
        viewer_events = viewer_ws.subscribe(events_of(connector_id))
        admin_events = admin_ws.subscribe(events_of(connector_id))
        await _until_delivered([viewer_events, admin_events], writer, admin_key, connector_id)

        # when the VIEWER key is revoked through the other server, with no event after it
        await asyncio.to_thread(_revoke, writer, admin_key, viewer_id)

        # then its connection is closed at once, with 4403 and why
        assert await _close_of(viewer_events) == (4403, "the API key has been revoked")
        # while the ADMIN key's subscription goes on
        await _until_delivered([admin_events], writer, admin_key, connector_id)
        await admin_events.aclose()


async def test_a_subscription_closes_with_4403_when_its_key_expires(
    servers: tuple[str, str], platform_key: str
) -> None:
    # given a live subscription with a key that expires in a few seconds
    writer, reader = servers
    admin_key = await asyncio.to_thread(create_project, writer, platform_key)
    expires_at = datetime.now(UTC) + timedelta(seconds=EXPIRING_SECONDS)
    _, expiring_key = await asyncio.to_thread(
        _issue_key, writer, admin_key, expiresAt=expires_at.isoformat()
    )
    connector_id = await asyncio.to_thread(new_connector, writer, admin_key)
    async with connected(reader, {"apiKey": expiring_key}) as ws:
        events = ws.subscribe(events_of(connector_id))
        await _until_delivered([events], writer, admin_key, connector_id)

        # when its expiry passes, with no event after it, then the connection is closed
        assert await _close_of(events) == (4403, "the API key has expired")


async def test_a_subscription_closes_with_4403_once_its_key_was_deleted(
    servers: tuple[str, str], platform_key: str, server_database_url: URL
) -> None:
    # given a live subscription with a VIEWER key
    writer, reader = servers
    admin_key = await asyncio.to_thread(create_project, writer, platform_key)
    viewer_id, viewer_key = await asyncio.to_thread(_issue_key, writer, admin_key)
    connector_id = await asyncio.to_thread(new_connector, writer, admin_key)
    async with connected(reader, {"apiKey": viewer_key}) as ws:
        events = ws.subscribe(events_of(connector_id))
        await _until_delivered([events], writer, admin_key, connector_id)

        # when the key is deleted straight in the database (no announcement), and an event
        # follows
        await _delete_key(server_database_url, viewer_id)
        await asyncio.to_thread(new_version, writer, admin_key, connector_id)

        # then that event is not delivered: the connection is closed instead
        assert await _close_of(events) == (4403, "the API key is not valid")


async def _delete_key(url: URL, api_key_id: str) -> None:
    database = Database.from_url(url)
    try:
        async with database.session() as session:
            key_id = UUID(relay.GlobalID.from_id(api_key_id).node_id)
            await session.exec(delete(ApiKey).where(col(ApiKey.id) == key_id))
            await session.commit()
    finally:
        await database.dispose()


async def test_a_revoked_key_cannot_open_a_connection(
    servers: tuple[str, str], platform_key: str
) -> None:
    writer, reader = servers
    admin_key = await asyncio.to_thread(create_project, writer, platform_key)
    viewer_id, viewer_key = await asyncio.to_thread(_issue_key, writer, admin_key)
    await asyncio.to_thread(_revoke, writer, admin_key, viewer_id)

    async def connect() -> None:
        async with asyncio.timeout(TIMEOUT_SECONDS), connected(reader, {"apiKey": viewer_key}):
            pytest.fail("the connection was accepted")

    with pytest.raises(TransportConnectionFailed) as raised:
        await connect()
    closed = raised.value.__cause__
    assert isinstance(closed, ConnectionClosed), repr(closed)
    assert closed.rcvd is not None
    assert (closed.rcvd.code, closed.rcvd.reason) == (4403, "Forbidden")


def test_the_cli_issues_a_platform_key_with_an_expiry(
    running_server: str, server_env: dict[str, str]
) -> None:
    # when the CLI issues a platform key expiring tomorrow
    expires_at = (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0)
    issued = run_cli("create-platform-key", "--expires-at", expires_at.isoformat(), env=server_env)

    # then the key works and shows its expiry
    assert issued.returncode == 0, issued.stderr
    match = re.search(r"(crk_\S+)", issued.stdout)
    assert match, issued.stdout
    response = graphql(running_server, match.group(1), "{ viewer { apiKey { expiresAt } } }")
    assert response.status_code == 200, response.text
    shown = response.json()["data"]["viewer"]["apiKey"]["expiresAt"]
    assert datetime.fromisoformat(shown) == expires_at


@pytest.mark.parametrize(
    ("expires_at", "exit_code", "message"),
    [
        ("2001-01-01T00:00:00Z", 1, "INVALID_INPUT: expiresAt: must be in the future"),
        ("2031-01-01T00:00:00", 1, "INVALID_INPUT: expiresAt: needs a time zone"),
        ("next tuesday", 2, "'next tuesday' is not an ISO 8601"),
    ],
    ids=["past", "no time zone", "not a date"],
)
def test_the_cli_refuses_an_expiry_that_is_not_a_future_moment(
    server_env: dict[str, str], expires_at: str, exit_code: int, message: str
) -> None:
    refused = run_cli("create-platform-key", "--expires-at", expires_at, env=server_env)
    assert refused.returncode == exit_code, refused.stdout
    assert message in refused.stderr
    assert "crk_" not in refused.stdout
