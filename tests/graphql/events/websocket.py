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


def websocket_scope() -> dict[str, Any]:
    """The ASGI scope of a graphql-transport-ws upgrade to `/graphql`, as a client sends it."""
    return {
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


async def websocket_operation(
    app: ASGIApp, document: str, variables: dict[str, Any], *, key: str
) -> dict[str, Any]:
    """The first message the server sends about the operation (`next`, `error` or `complete`),
    after a `connection_init` with `key` was acknowledged."""
    to_app: asyncio.Queue[Message] = asyncio.Queue()
    from_app: asyncio.Queue[Message] = asyncio.Queue()
    scope = websocket_scope()
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


class WebSocketSession:
    """A graphql-transport-ws connection to the app in this process, for several operations.

    `receive` gives each message the server sends, parsed; a close comes as
    `{"type": "close", "code": ...}`.
    """

    def __init__(self, app: ASGIApp, key: str) -> None:
        self._app = app
        self._key = key
        self._to_app: asyncio.Queue[Message] = asyncio.Queue()
        self._from_app: asyncio.Queue[Message] = asyncio.Queue()
        self._connection: asyncio.Future[None] | None = None

    async def __aenter__(self) -> "WebSocketSession":
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
            "headers": [
                (b"host", b"registry.test"),
                (b"sec-websocket-protocol", _PROTOCOL.encode()),
            ],
            "subprotocols": [_PROTOCOL],
            "state": {},
        }
        self._connection = asyncio.ensure_future(
            self._app(scope, self._to_app.get, self._from_app.put)
        )
        self._to_app.put_nowait({"type": "websocket.connect"})
        accepted = await asyncio.wait_for(self._from_app.get(), TIMEOUT_SECONDS)
        assert accepted["type"] == "websocket.accept", accepted
        self._send({"type": "connection_init", "payload": {"apiKey": self._key}})
        acknowledged = await self.receive()
        assert acknowledged["type"] == "connection_ack", acknowledged
        return self

    async def __aexit__(self, *_exc: object) -> None:
        self._to_app.put_nowait({"type": "websocket.disconnect", "code": 1000})
        assert self._connection is not None
        try:
            await asyncio.wait_for(self._connection, TIMEOUT_SECONDS)
        except TimeoutError:
            self._connection.cancel()

    def _send(self, payload: dict[str, Any]) -> None:
        self._to_app.put_nowait({"type": "websocket.receive", "text": json.dumps(payload)})

    def subscribe(self, operation_id: str, document: str, variables: dict[str, Any]) -> None:
        payload = {"query": document, "variables": variables}
        self._send({"id": operation_id, "type": "subscribe", "payload": payload})

    def complete(self, operation_id: str) -> None:
        self._send({"id": operation_id, "type": "complete"})

    async def receive(self, seconds: float = TIMEOUT_SECONDS) -> dict[str, Any]:
        message = await asyncio.wait_for(self._from_app.get(), seconds)
        if message["type"] == "websocket.close":
            return {"type": "close", "code": message.get("code")}
        assert message["type"] == "websocket.send", message
        return json.loads(message["text"])  # type: ignore[no-any-return]

    async def nothing_more(self, seconds: float) -> bool:
        """Whether the server sends nothing for `seconds`."""
        try:
            message = await asyncio.wait_for(self._from_app.get(), seconds)
        except TimeoutError:
            return True
        self._from_app.put_nowait(message)
        return False
