"""The CORS middleware's shorter path (a request without `Origin`) answers exactly as
Starlette's `CORSMiddleware` does, whatever the answer's headers; the other requests take
Starlette's own path."""

from typing import Any

import pytest
from starlette.middleware.cors import CORSMiddleware
from starlette.types import Message, Receive, Scope, Send

from app.http import cors

ANSWER_HEADERS: list[list[tuple[bytes, bytes]]] = [
    [],
    [(b"content-type", b"application/json")],
    [(b"vary", b"Accept")],
    [(b"vary", b"Accept"), (b"content-length", b"2"), (b"vary", b"Accept-Encoding")],
    [(b"x-a", b"1"), (b"vary", b"Origin"), (b"x-b", b"2")],
]
REQUEST_HEADERS: list[list[tuple[bytes, bytes]]] = [
    [],
    [(b"authorization", b"Bearer k"), (b"x-request-id", b"abc")],
    [(b"origin", b"https://app.example")],
    [(b"origin", b"https://other.example")],
]


def _answering(headers: list[tuple[bytes, bytes]]) -> Any:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": list(headers)})
        await send({"type": "http.response.body", "body": b"{}"})

    return app


async def _sent(middleware: Any, request_headers: list[tuple[bytes, bytes]]) -> list[Message]:
    scope = {"type": "http", "method": "POST", "path": "/graphql", "headers": request_headers}
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    await middleware(scope, receive, send)
    return sent


@pytest.mark.parametrize("answer_headers", ANSWER_HEADERS)
@pytest.mark.parametrize("request_headers", REQUEST_HEADERS)
@pytest.mark.parametrize("origins", [(), ("https://app.example",), ("*",)])
async def test_an_answer_is_starlettes_own(
    answer_headers: list[tuple[bytes, bytes]],
    request_headers: list[tuple[bytes, bytes]],
    origins: tuple[str, ...],
) -> None:
    options: dict[str, Any] = dict(cors.cors(origins).kwargs)
    app = _answering(answer_headers)
    ours = await _sent(cors.RegistryCORS(app, **options), list(request_headers))
    theirs = await _sent(CORSMiddleware(app, **options), list(request_headers))
    assert ours == theirs
    assert any(key == b"vary" for key, _ in ours[0]["headers"])
