"""One graphql-transport-ws operation against the app in this process, over raw ASGI messages.

In process, so that a test can count the statements the operation sends and share the test's
rolled-back database; `tests/http/test_subscriptions.py` covers real servers.
"""

import asyncio
import json
from typing import Any

from starlette.types import ASGIApp, Message

TIMEOUT_SECONDS = 10
_PROTOCOL = "graphql-transport-ws"


async def websocket_operation(
    app: ASGIApp, document: str, variables: dict[str, Any], *, key: str
) -> dict[str, Any]:
    """The first message the server sends about the operation (`next`, `error` or `complete`),
    after a `connection_init` with `key` was acknowledged."""
    to_app: asyncio.Queue[Message] = asyncio.Queue()
    from_app: asyncio.Queue[Message] = asyncio.Queue()
    scope = {
        "type": "websocket",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "scheme": "ws",
        "server": ("registry.test", 80),
        "client": ("127.0.0.1", 50000),
        "root_path": "",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "query_string": b"",
        "headers": [(b"host", b"registry.test"), (b"sec-websocket-protocol", _PROTOCOL.encode())],
        "subprotocols": [_PROTOCOL],
        "state": {},
    }
    connection: asyncio.Future[None] = asyncio.ensure_future(app(scope, to_app.get, from_app.put))

    async def receive() -> dict[str, Any]:
        message = await asyncio.wait_for(from_app.get(), TIMEOUT_SECONDS)
        assert message["type"] == "websocket.send", message
        return json.loads(message["text"])  # type: ignore[no-any-return]

    def send(payload: dict[str, Any]) -> None:
        # Escaped as ASCII, so that lone surrogates travel as JSON escapes, as a client sends them.
        to_app.put_nowait({"type": "websocket.receive", "text": json.dumps(payload)})

    try:
        to_app.put_nowait({"type": "websocket.connect"})
        accepted = await asyncio.wait_for(from_app.get(), TIMEOUT_SECONDS)
        assert accepted["type"] == "websocket.accept", accepted
        send({"type": "connection_init", "payload": {"apiKey": key}})
        assert (await receive())["type"] == "connection_ack"
        payload = {"query": document, "variables": variables}
        send({"id": "1", "type": "subscribe", "payload": payload})
        return await receive()
    finally:
        to_app.put_nowait({"type": "websocket.disconnect", "code": 1000})
        try:
            await asyncio.wait_for(connection, TIMEOUT_SECONDS)
        except TimeoutError:
            connection.cancel()
