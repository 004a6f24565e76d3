"""A ceiling on request bodies: a larger one gets 413 before the server reads (or parses) it.

A declared `Content-Length` over the limit is refused at once; a body without one (chunked) is
counted as it arrives and refused as soon as it passes the limit, so no more than the limit is
ever held in memory.
"""

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.http.refusals import RefusalCode, refusal


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

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
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
            await self._refuse(scope, receive, send)

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

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = refusal(
            413,
            f"the request body is larger than {self.max_bytes:,} bytes (MAX_BODY_BYTES)",
            RefusalCode.PAYLOAD_TOO_LARGE,
            # The rest of the body is not read: the client must not reuse this connection.
            headers={"Connection": "close"},
        )
        await response(scope, receive, send)
