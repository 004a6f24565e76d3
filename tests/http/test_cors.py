"""Pages on other origins: CORS for HTTP and the origin check of websockets (`CORS_ORIGINS`).

In process (through the app, on the test's database) and against a real server started with
`CORS_ORIGINS`, as an operator starts it.
"""

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from starlette.applications import Starlette
from starlette.types import Message

from app.db.engine import Database
from app.main import create_app
from app.settings import Settings
from tests.http.server import create_project, serving
from tests.keys import Keys

ALLOWED = "https://app.example.com"
REFUSED = "https://evil.example.net"
QUERY = {"query": "{ __typename }"}
TIMEOUT_SECONDS = 10
PROTOCOL = "graphql-transport-ws"


def preflight_headers(origin: str) -> dict[str, str]:
    """What a browser sends before a GraphQL POST from a page on `origin`."""
    return {
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type, x-request-id, "
        "apollographql-client-name",
    }


@pytest.fixture
def cors_app(database: Database, settings: Settings) -> Starlette:
    """The app on the test's database, allowing pages on `ALLOWED` (and bodies up to 1 KiB)."""
    listed = Settings(database_url=settings.database_url, cors_origins=ALLOWED, max_body_bytes=1024)
    return create_app(listed, database=database)


@pytest.fixture
async def cors_http(cors_app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=cors_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://registry.test") as client:
        yield client


async def test_a_preflight_from_a_listed_origin_is_answered(cors_http: httpx.AsyncClient) -> None:
    response = await cors_http.options("/graphql", headers=preflight_headers(ALLOWED))

    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == ALLOWED
    assert "POST" in response.headers["access-control-allow-methods"]
    allowed = response.headers["access-control-allow-headers"].lower()
    for header in ("authorization", "content-type", "x-request-id", "apollographql-client-name"):
        assert header in allowed
    assert "access-control-allow-credentials" not in response.headers


async def test_a_preflight_from_another_origin_is_refused(cors_http: httpx.AsyncClient) -> None:
    response = await cors_http.options("/graphql", headers=preflight_headers(REFUSED))

    assert response.status_code == 400
    assert "access-control-allow-origin" not in response.headers


async def test_by_default_no_other_origin_is_allowed(http: httpx.AsyncClient) -> None:
    preflight = await http.options("/graphql", headers=preflight_headers(ALLOWED))
    answered = await http.post("/graphql", json=QUERY, headers={"Origin": ALLOWED})

    assert "access-control-allow-origin" not in preflight.headers
    assert "access-control-allow-origin" not in answered.headers


async def test_a_cross_origin_request_from_a_listed_origin_can_read_the_answer(
    cors_http: httpx.AsyncClient, keys: Keys
) -> None:
    response = await cors_http.post(
        "/graphql",
        json=QUERY,
        headers={"Origin": ALLOWED, "Authorization": f"Bearer {keys.alpha.viewer}"},
    )

    assert response.status_code == 200
    assert response.json() == {"data": {"__typename": "Query"}}
    assert response.headers["access-control-allow-origin"] == ALLOWED
    assert "x-request-id" in response.headers["access-control-expose-headers"].lower()


async def test_a_cross_origin_request_from_another_origin_gets_no_cors_headers(
    cors_http: httpx.AsyncClient, keys: Keys
) -> None:
    response = await cors_http.post(
        "/graphql",
        json=QUERY,
        headers={"Origin": REFUSED, "Authorization": f"Bearer {keys.alpha.viewer}"},
    )

    assert "access-control-allow-origin" not in response.headers


@pytest.mark.parametrize(
    ("body", "headers", "status", "code"),
    [
        (b'{"query": "{ __typename }"}', {}, 401, "UNAUTHENTICATED"),
        (b"x" * 2048, {"Authorization": "Bearer crk_unused"}, 413, "PAYLOAD_TOO_LARGE"),
    ],
    ids=["no key", "body too large"],
)
async def test_a_refusal_carries_the_cors_headers_for_a_listed_origin(
    cors_http: httpx.AsyncClient, body: bytes, headers: dict[str, str], status: int, code: str
) -> None:
    response = await cors_http.post(
        "/graphql",
        content=body,
        headers={**headers, "Origin": ALLOWED, "Content-Type": "application/json"},
    )

    assert response.status_code == status
    assert response.json()["errors"][0]["extensions"]["code"] == code
    assert response.headers["access-control-allow-origin"] == ALLOWED


async def handshake(app: Starlette, origin: str | None) -> Message:
    """The app's first answer to a websocket upgrade to `/graphql` from a page on `origin`."""
    headers = [(b"host", b"registry.test"), (b"sec-websocket-protocol", PROTOCOL.encode())]
    if origin is not None:
        headers.append((b"origin", origin.encode()))
    scope = {
        "type": "websocket",
        "asgi": {"version": "3.0"},
        "scheme": "ws",
        "server": ("registry.test", 80),
        "client": ("127.0.0.1", 50000),
        "root_path": "",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "query_string": b"",
        "headers": headers,
        "subprotocols": [PROTOCOL],
        "state": {},
    }
    to_app: asyncio.Queue[Message] = asyncio.Queue()
    from_app: asyncio.Queue[Message] = asyncio.Queue()
    connection = asyncio.ensure_future(app(scope, to_app.get, from_app.put))
    to_app.put_nowait({"type": "websocket.connect"})
    try:
        return await asyncio.wait_for(from_app.get(), TIMEOUT_SECONDS)
    finally:
        to_app.put_nowait({"type": "websocket.disconnect", "code": 1000})
        await asyncio.wait_for(connection, TIMEOUT_SECONDS)


@pytest.mark.parametrize(
    ("origin", "answer"),
    [
        (ALLOWED, "websocket.accept"),
        (REFUSED, "websocket.close"),
        ("http://registry.test", "websocket.accept"),  # the server's own pages
        (None, "websocket.accept"),  # not a browser: no origin to check
    ],
    ids=["listed", "other", "same origin", "no origin"],
)
async def test_websockets_from_other_origins_need_to_be_listed(
    cors_app: Starlette, origin: str | None, answer: str
) -> None:
    assert (await handshake(cors_app, origin))["type"] == answer


async def test_by_default_a_websocket_from_another_origin_is_refused(app: Starlette) -> None:
    assert (await handshake(app, ALLOWED))["type"] == "websocket.close"


# Against a real server.


@pytest.fixture(scope="module")
def cors_server(
    running_server: str, server_env: dict[str, str], database_workdir: Path, backend: str
) -> Iterator[str]:
    """A one-worker server on the e2e database (migrated by `running_server`), started with
    `CORS_ORIGINS`."""
    env = {**server_env, "CORS_ORIGINS": ALLOWED}
    with serving(env, database_workdir / f"server-{backend}-cors.log", workers=1) as base_url:
        yield base_url


@pytest.mark.slow
async def test_a_real_server_answers_a_listed_origin_and_only_it(
    cors_server: str, platform_key: str
) -> None:
    admin_key = await asyncio.to_thread(create_project, cors_server, platform_key)
    async with httpx.AsyncClient(base_url=cors_server, timeout=TIMEOUT_SECONDS) as client:
        preflight = await client.options("/graphql", headers=preflight_headers(ALLOWED))
        refused_preflight = await client.options("/graphql", headers=preflight_headers(REFUSED))
        answered = await client.post(
            "/graphql",
            json=QUERY,
            headers={"Origin": ALLOWED, "Authorization": f"Bearer {admin_key}"},
        )
        unauthenticated = await client.post("/graphql", json=QUERY, headers={"Origin": ALLOWED})
        foreign = await client.post(
            "/graphql",
            json=QUERY,
            headers={"Origin": REFUSED, "Authorization": f"Bearer {admin_key}"},
        )

    assert (preflight.status_code, preflight.headers["access-control-allow-origin"]) == (
        200,
        ALLOWED,
    )
    assert refused_preflight.status_code == 400
    assert "access-control-allow-origin" not in refused_preflight.headers
    assert answered.json() == {"data": {"__typename": "Query"}}
    assert answered.headers["access-control-allow-origin"] == ALLOWED
    assert unauthenticated.status_code == 401
    assert unauthenticated.headers["access-control-allow-origin"] == ALLOWED
    assert foreign.status_code == 200
    assert "access-control-allow-origin" not in foreign.headers


async def connection_ack(base_url: str, origin: str, key: str) -> dict[str, Any]:
    """Open a websocket from a page on `origin` and return the answer to `connection_init`."""
    url = base_url.replace("http://", "ws://", 1) + "/graphql"
    async with websockets.connect(
        url, origin=websockets.Origin(origin), subprotocols=[websockets.Subprotocol(PROTOCOL)]
    ) as socket:
        await socket.send(json.dumps({"type": "connection_init", "payload": {"apiKey": key}}))
        answer: dict[str, Any] = json.loads(await asyncio.wait_for(socket.recv(), TIMEOUT_SECONDS))
        return answer


@pytest.mark.slow
async def test_a_real_server_takes_websockets_from_a_listed_origin_only(
    cors_server: str, platform_key: str
) -> None:
    admin_key = await asyncio.to_thread(create_project, cors_server, platform_key)

    acknowledged = await connection_ack(cors_server, ALLOWED, admin_key)
    with pytest.raises(websockets.InvalidStatus) as refused:
        await connection_ack(cors_server, REFUSED, admin_key)

    assert acknowledged == {"type": "connection_ack"}
    assert refused.value.response.status_code == 403
