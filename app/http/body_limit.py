"""A ceiling on request bodies: a larger one gets 413 before the server parses (or keeps) it.

A declared `Content-Length` over the limit is refused without passing the body on; a body
without one (chunked) is counted as it arrives and refused as soon as it passes the limit, so no
more than the limit is ever held in memory.

Before the 413 is sent, the rest of the body is read and thrown away (a lingering close), up to
`LINGER_MAX_BYTES` or for `LINGER_SECONDS`, whichever comes first. A client that writes its whole
body before it reads the answer (httpx, most HTTP libraries) would otherwise have the connection
closed under it while it still sends, and report a reset or read error instead of the 413. Past
either bound the server stops reading and closes the connection.
"""

import asyncio

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.http.refusals import RefusalCode, refusal

# How much of a refused body is read and discarded before the 413, and for how long at most.
LINGER_MAX_BYTES = 64 * 1024 * 1024
LINGER_SECONDS = 5.0


class BodyTooLarge(Exception):
    pass


class BodySizeLimit:
    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = self._declared_length(scope)
        if declared is not None:
            # The server delivers exactly the declared length: checking it is enough.
            if declared > self.max_bytes:
                await self._refuse(scope, receive, send)
            else:
                await self.app(scope, receive, send)
            return
        received = 0
        started = False
        body_ended = False

        async def counted_receive() -> Message:
            nonlocal received, body_ended
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                body_ended = not message.get("more_body", False)
                if received > self.max_bytes:
                    raise BodyTooLarge
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except BodyTooLarge:
            if started:
                raise
            await self._refuse(scope, receive, send, body_ended=body_ended)

    @staticmethod
    def _declared_length(scope: Scope) -> int | None:
        """The Content-Length, if the request declares one the server will hold it to."""
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    return int(value)
                except ValueError:
                    return None
        return None

    async def _refuse(
        self, scope: Scope, receive: Receive, send: Send, *, body_ended: bool = False
    ) -> None:
        drained = body_ended or await _drain(receive)
        response = refusal(
            413,
            f"the request body is larger than {self.max_bytes:,} bytes (MAX_BODY_BYTES)",
            RefusalCode.PAYLOAD_TOO_LARGE,
            # Unless all of the body was read, the client must not reuse this connection.
            headers=None if drained else {"Connection": "close"},
        )
        await response(scope, receive, send)


async def _drain(receive: Receive) -> bool:
    """Read and discard what is left of the request body, within the lingering bounds; true if
    it was read to its end (the connection can serve another request)."""
    discarded = 0
    try:
        async with asyncio.timeout(LINGER_SECONDS):
            while discarded <= LINGER_MAX_BYTES:
                message = await receive()
                if message["type"] != "http.request":
                    return False  # the client left
                discarded += len(message.get("body", b""))
                if not message.get("more_body", False):
                    return True
    except TimeoutError:
        pass
    return False
