"""A graphql-transport-ws connection to the app in this process, over raw ASGI messages, for
tests that send several operations over one socket and watch every message and the close."""

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.types import ASGIApp, Message

from tests.graphql.events.websocket import websocket_scope

TIMEOUT_SECONDS = 15


class InProcessSocket:
    def __init__(self) -> None:
        self.to_app: asyncio.Queue[Message] = asyncio.Queue()
        self.from_app: asyncio.Queue[Message] = asyncio.Queue()
        self.closed: Message | None = None
        self.dropped = False

    def drop(self) -> None:
        """The client's connection is gone without a close: what the app sends from now on
        fails as it does on a real server (an OSError), until the app reads the disconnect."""
        self.dropped = True

    async def from_app_put(self, message: Message) -> None:
        if self.dropped:
            raise OSError("the client is gone")
        await self.from_app.put(message)

    def send(self, payload: dict[str, Any]) -> None:
        self.to_app.put_nowait({"type": "websocket.receive", "text": json.dumps(payload)})

    def subscribe(
        self, operation_id: str, document: str, variables: dict[str, Any] | None = None
    ) -> None:
        payload = {"query": document, "variables": variables or {}}
        self.send({"id": operation_id, "type": "subscribe", "payload": payload})

    async def receive(self, within: float = TIMEOUT_SECONDS) -> dict[str, Any]:
        """The next message the server sends; `{"type": "websocket.close", ...}` once it closed
        the connection."""
        message = await asyncio.wait_for(self.from_app.get(), within)
        if message["type"] == "websocket.close":
            self.closed = message
            return dict(message)
        assert message["type"] == "websocket.send", message
        return json.loads(message["text"])  # type: ignore[no-any-return]

    async def answer(self, operation_id: str, document: str) -> dict[str, Any]:
        """Send one operation and return the first message about it (`next` or `error`); a
        `next` is read up to its `complete`."""
        self.subscribe(operation_id, document)
        first: dict[str, Any] | None = None
        while True:
            message = await self.receive()
            if message.get("id") != operation_id:
                continue
            if first is None:
                first = message
            if message["type"] in ("complete", "error"):
                return first


@asynccontextmanager
async def in_process_socket(app: ASGIApp, key: str) -> AsyncIterator[InProcessSocket]:
    """A socket whose `connection_init` with `key` was acknowledged; the client leaves (a
    disconnect) at the end of the block, and the app's handler has ended when it returns."""
    socket = InProcessSocket()
    scope = websocket_scope()
    handler: asyncio.Future[None] = asyncio.ensure_future(
        app(scope, socket.to_app.get, socket.from_app_put)
    )
    try:
        socket.to_app.put_nowait({"type": "websocket.connect"})
        accepted = await asyncio.wait_for(socket.from_app.get(), TIMEOUT_SECONDS)
        assert accepted["type"] == "websocket.accept", accepted
        socket.send({"type": "connection_init", "payload": {"apiKey": key}})
        assert (await socket.receive())["type"] == "connection_ack"
        yield socket
    finally:
        socket.to_app.put_nowait({"type": "websocket.disconnect", "code": 1000})
        try:
            await asyncio.wait_for(handler, TIMEOUT_SECONDS)
        except TimeoutError:
            handler.cancel()
