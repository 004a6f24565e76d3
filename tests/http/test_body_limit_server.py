"""A body over MAX_BODY_BYTES, sent to a real server by a client that writes all of it before it
reads the answer (httpx does): the server reads and discards the rest of the body before it
answers, so the client gets its 413 instead of a connection reset under it (httpx's async client
reported a ReadError for each of them)."""

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.http.server import graphql

pytestmark = pytest.mark.slow

MIB = 1024 * 1024
DEFAULT_MAX_BODY_BYTES = 4 * MIB


def _over_the_limit(size: int) -> bytes:
    return b'{"query": "{ viewer { role } }", "variables": {"x": "' + b"a" * size + b'"}}'


def _assert_refused(response: httpx.Response) -> None:
    assert response.status_code == 413, response.text
    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
    assert "MAX_BODY_BYTES" in error["message"]


def _headers(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}


@pytest.mark.parametrize("size_mib", [5, 16])
async def test_a_declared_body_over_the_limit_gets_its_413(
    running_server: str, platform_key: str, size_mib: int
) -> None:
    body = _over_the_limit(size_mib * MIB)
    assert len(body) > DEFAULT_MAX_BODY_BYTES
    async with httpx.AsyncClient(base_url=running_server, timeout=60) as http:
        for _ in range(2):  # on fresh connections, then on connections used before
            responses = await asyncio.gather(
                *(
                    http.post("/graphql", content=body, headers=_headers(platform_key))
                    for _ in range(4)
                )
            )
            for response in responses:
                _assert_refused(response)
    assert graphql(running_server, platform_key, "{ viewer { role } }").json() == {
        "data": {"viewer": {"role": "PLATFORM_ADMIN"}}
    }


async def test_a_streamed_body_over_the_limit_gets_its_413(
    running_server: str, platform_key: str
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"query": "{ viewer { role } }", "variables": {"x": "'
        for _ in range(6 * 16):
            yield b"a" * (64 * 1024)
        yield b'"}}'

    async with httpx.AsyncClient(base_url=running_server, timeout=60) as http:
        for _ in range(3):
            response = await http.post("/graphql", content=chunks(), headers=_headers(platform_key))
            _assert_refused(response)
