"""The `/graphql` endpoint: API-key authentication, one session per request, then Strawberry."""

import json
from typing import Any

from cross_web import HTTPException  # what Strawberry raises for a request it cannot take
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types.unset import UnsetType

from app.db.engine import Database
from app.domain.api_keys import KeyRefusal
from app.graphql.context import Context, RequestSession, WebSocketConnection
from app.graphql.ide import GRAPHIQL_HTML
from app.graphql.key_bound import KeyBoundTransportWSHandler
from app.services.auth import authenticate
from app.services.key_usage import KeyUsage

_BEARER = "bearer "


def bearer_token(request: Request) -> str | None:
    return _bearer(request.headers.get("authorization", ""))


def _bearer(header: str) -> str | None:
    """The key of an `Authorization: Bearer <key>` value (the scheme in any case)."""
    if header[: len(_BEARER)].lower() != _BEARER:
        return None
    return header[len(_BEARER) :].strip() or None


def unauthorized(message: str) -> JSONResponse:
    return JSONResponse(
        {"errors": [{"message": message, "extensions": {"code": "UNAUTHENTICATED"}}]},
        status_code=401,
        headers={"WWW-Authenticate": 'Bearer realm="connector-registry"'},
    )


def client_error(status_code: int, message: str) -> JSONResponse:
    """A request the server cannot take as GraphQL (a malformed body, say), as JSON."""
    return JSONResponse(
        {"errors": [{"message": message, "extensions": {"code": "BAD_REQUEST"}}]},
        status_code=status_code,
    )


def key_usage_of(request: Request | WebSocket) -> KeyUsage:
    """Where this process notes key uses (`app.services.key_usage`)."""
    key_usage: KeyUsage = request.app.state.key_usage
    return key_usage


def connection_key(params: dict[str, object] | None) -> str | None:
    """The API key of a websocket's `connection_init` payload: `{"Authorization": "Bearer <key>"}`
    (any case) or `{"apiKey": "<key>"}`."""
    for name, value in (params or {}).items():
        if not isinstance(value, str):
            continue
        if name == "apiKey":
            return value.strip() or None
        if name.lower() == "authorization" and value[: len(_BEARER)].lower() == _BEARER:
            return _bearer(value)
    return None


class RegistryGraphQL(GraphQL[Context | WebSocketConnection, None]):
    """Every operation needs `Authorization: Bearer <key>`; the GraphiQL page itself does not.

    Websockets (graphql-transport-ws) send the key in the `connection_init` payload instead.
    """

    graphql_transport_ws_handler_class = KeyBoundTransportWSHandler

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("subscription_protocols", (GRAPHQL_TRANSPORT_WS_PROTOCOL,))
        super().__init__(*args, **kwargs)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope, receive)
        database: Database = request.app.state.database
        adapter = self.request_adapter_class(request)
        if self.graphql_ide and self.should_render_graphql_ide(adapter):
            # Not through Strawberry: it builds the context (which needs a principal) first.
            await (await self.render_graphql_ide(request))(scope, receive, send)
            return
        if not self.is_request_allowed(adapter):
            response = PlainTextResponse(
                "Method Not Allowed", status_code=405, headers={"Allow": "GET, POST"}
            )
            await response(scope, receive, send)
            return
        token = bearer_token(request)
        if token is None:
            await unauthorized("send an API key: Authorization: Bearer <key>")(scope, receive, send)
            return
        # One session for the whole request: authentication and everything the operation reads.
        async with database.request_slot(), database.session() as session:
            authenticated = await authenticate(session, token)
            if isinstance(authenticated, KeyRefusal):
                await unauthorized(authenticated.value)(scope, receive, send)
                return
            if authenticated.use_is_due:
                key_usage_of(request).note(authenticated.principal.api_key_id)
            scope.setdefault("state", {})
            scope["state"]["principal"] = authenticated.principal
            scope["state"]["session"] = RequestSession(session)
            answer: Response
            try:
                answer = await self.run(request)
            except HTTPException as error:
                # Strawberry answers a request it cannot parse in plain text; clients read JSON.
                answer = client_error(error.status_code, error.reason)
            await answer(scope, receive, send)

    def parse_json(self, data: str | bytes) -> Any:
        """The request body as JSON: a malformed one (not UTF-8, not JSON, nested too deeply for
        the decoder, or not an object) is the client's error, never a server error."""
        try:
            parsed = json.loads(data)
        except RecursionError:
            raise HTTPException(400, "the JSON body is nested too deeply") from None
        except ValueError:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
            raise HTTPException(400, "the body is not JSON in UTF-8") from None
        if not isinstance(parsed, dict | list):
            raise HTTPException(400, 'the body must be a JSON object: {"query": ...}')
        return parsed

    async def render_graphql_ide(self, request: Request) -> Response:
        """GraphiQL from this server's own static files (see `app.graphql.ide`), not a CDN."""
        if self.graphql_ide != "graphiql":
            return await super().render_graphql_ide(request)
        return HTMLResponse(GRAPHIQL_HTML)

    async def on_ws_connect(
        self, context: Context | WebSocketConnection
    ) -> UnsetType | dict[str, object] | None:
        """Accept the connection only with a valid API key in its `connection_init` payload."""
        assert isinstance(context, WebSocketConnection)
        token = connection_key(context.connection_params)
        if token is None:
            raise ConnectionRejectionError({"message": 'send an API key: {"apiKey": <key>}'})
        async with context.database.session() as session:
            authenticated = await authenticate(session, token)
        if isinstance(authenticated, KeyRefusal):
            raise ConnectionRejectionError({"message": authenticated.value})
        context.principal = authenticated.principal
        context.key_expires_at = authenticated.expires_at
        if authenticated.use_is_due:
            key_usage_of(context.request).note(authenticated.principal.api_key_id)
        return await super().on_ws_connect(context)

    async def get_context(
        self, request: Request | WebSocket, response: Response | Any
    ) -> Context | WebSocketConnection:
        if isinstance(request, WebSocket):
            return WebSocketConnection(
                request=request, response=response, database=request.app.state.database
            )
        return Context(
            request=request,
            response=response,
            principal=request.state.principal,
            session=request.state.session,
        )
