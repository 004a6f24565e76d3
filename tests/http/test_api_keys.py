"""The key lifecycle against real servers (DESIGN §11): `lastUsedAt` written by each process's
background task, revocation and expiry reaching every process."""

import asyncio
import time

from tests.http.server import create_project, graphql

TIMEOUT_SECONDS = 15
POLL_SECONDS = 0.2

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
