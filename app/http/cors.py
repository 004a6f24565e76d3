"""CORS for the API: which pages on other origins may call it, and what they may send and read.

Keys travel in `Authorization`, never in cookies, so credentialed requests are not allowed; the
browser then sends no cookies, and `*` answers any origin without naming it.
"""

from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.types import Message, Receive, Scope, Send

ALLOWED_HEADERS = (
    "Authorization",
    "Content-Type",
    "X-Request-ID",
    # What Apollo Client and Apollo's CSRF prevention send alongside an operation.
    "Apollo-Require-Preflight",
    "Apollographql-Client-Name",
    "Apollographql-Client-Version",
    "X-Apollo-Operation-Name",
)
EXPOSED_HEADERS = (
    "X-Request-ID",  # what an operator asks for when a user reports a failure
    "Retry-After",  # when to retry after a 503
    "WWW-Authenticate",  # with a 401
)
PREFLIGHT_MAX_AGE_SECONDS = 600


_ORIGIN = b"origin"
_VARY = b"vary"


class RegistryCORS(CORSMiddleware):
    """Starlette's `CORSMiddleware`, with a shorter path to the same answer for a request that
    sends no `Origin` (any but a browser's cross-origin one, so nearly every request): nothing
    to answer for it but the `Vary: Origin` every answer carries, written without parsing the
    request's headers or the answer's into header objects (about 20 Python calls a request)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        for key, _value in scope["headers"]:
            if key == _ORIGIN:
                await super().__call__(scope, receive, send)
                return

        async def varying_by_origin(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = vary_by_origin(message.get("headers", []))
            await send(message)

        await self.app(scope, receive, varying_by_origin)


def vary_by_origin(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """`headers` with `Origin` added to their `Vary`, as `CORSMiddleware` adds it to an answer
    to a request without `Origin`: one `Vary` with the values of all, in the first one's place
    (or last)."""
    varies = [index for index, (key, _value) in enumerate(headers) if key == _VARY]
    value = ", ".join([*(headers[index][1].decode("latin-1") for index in varies), "Origin"])
    varied = list(headers)
    if not varies:
        varied.append((_VARY, value.encode("latin-1")))
        return varied
    varied[varies[0]] = (_VARY, value.encode("latin-1"))
    for index in reversed(varies[1:]):
        del varied[index]
    return varied


def cors(origins: tuple[str, ...]) -> Middleware:
    """The middleware answering preflights and marking responses for `origins`."""
    return Middleware(
        RegistryCORS,
        allow_origins=origins,
        allow_methods=("GET", "POST"),
        allow_headers=ALLOWED_HEADERS,
        expose_headers=EXPOSED_HEADERS,
        allow_credentials=False,
        max_age=PREFLIGHT_MAX_AGE_SECONDS,
    )
