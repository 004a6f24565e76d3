"""The `/graphql` endpoint: API-key authentication, one session per request, then Strawberry."""

import asyncio
import dataclasses
import json
import logging
from typing import Any

from cross_web import (
    AsyncHTTPRequestAdapter,
    HTTPException,  # what Strawberry raises for a request it cannot take
)
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.http.base import BaseRequestProtocol
from strawberry.http.types import QueryParams
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult
from strawberry.types.unset import UnsetType

from app.db.admission import Overloaded
from app.db.engine import Database
from app.domain.api_keys import KeyRefusal
from app.graphql.context import Context, RequestSession, WebSocketConnection
from app.graphql.endpoint.ide import GRAPHIQL_HTML
from app.graphql.endpoint.key_bound import KeyBoundTransportWSHandler
from app.graphql.endpoint.over_http import (
    GRAPHQL_RESPONSE_CONTENT_TYPE,
    GRAPHQL_RESPONSE_JSON,
    JSON,
    as_request_error,
    is_request_error,
    response_media_type,
)
from app.graphql.endpoint.persisted import Refusal, persisted_documents_of, with_document_id
from app.graphql.guards.budget import budget_of, json_size_over, may_be_large
from app.http.refusals import RefusalCode, refusal
from app.observability.record import current_record
from app.services.access.auth import authenticate
from app.services.access.key_usage import KeyUsage

_BEARER = "bearer "
_MEDIA_TYPE = "graphql_media_type"  # the response's media type, in the request's scope state

logger = logging.getLogger(__name__)


def bearer_token(request: HTTPConnection) -> str | None:
    """The key of a request's (or a websocket upgrade's) `Authorization` header."""
    return _bearer(request.headers.get("authorization", ""))


def _bearer(header: str) -> str | None:
    """The key of an `Authorization: Bearer <key>` value (the scheme in any case)."""
    if header[: len(_BEARER)].lower() != _BEARER:
        return None
    return header[len(_BEARER) :].strip() or None


def unauthorized(message: str) -> JSONResponse:
    return refusal(
        401,
        message,
        RefusalCode.UNAUTHENTICATED,
        headers={"WWW-Authenticate": 'Bearer realm="connector-registry"'},
    )


def _timed_out(timeout: float) -> JSONResponse:
    return refusal(
        503,
        f"the request took longer than {timeout:g} s (REQUEST_TIMEOUT): ask for less at once; "
        "a write it made was rolled back unless it had committed before then",
        RefusalCode.TIMEOUT,
    )


def client_error(status_code: int, message: str) -> JSONResponse:
    """A request the server cannot take as GraphQL (a malformed body, say), as JSON."""
    return refusal(status_code, message, RefusalCode.BAD_REQUEST)


def key_usage_of(request: Request | WebSocket) -> KeyUsage:
    """Where this process notes key uses (`app.services.access.key_usage`)."""
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


def _is_unicode(value: object) -> bool:
    if not isinstance(value, str):
        return True
    try:
        value.encode()
    except UnicodeEncodeError:
        return False
    return True


class RegistryGraphQL(GraphQL[Context | WebSocketConnection, None]):
    """Every operation needs `Authorization: Bearer <key>`; the GraphiQL page itself does not.

    Websockets (graphql-transport-ws) send the key in the `connection_init` payload, or in the
    upgrade request's `Authorization` header (what a gateway forwards).
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
        media_type = response_media_type(request.headers.get("accept"))
        scope.setdefault("state", {})[_MEDIA_TYPE] = media_type
        token = bearer_token(request)
        if token is None:
            answer: Response = unauthorized("send an API key: Authorization: Bearer <key>")
            await _in_media_type(answer, media_type)(scope, receive, send)
            return
        timeout = budget_of(request).request_timeout
        deadline = asyncio.timeout(timeout)
        try:
            async with deadline:
                answer = await self._answer(request, database, token)
        except Overloaded as overloaded:
            answer = refusal(
                503,
                f"the server is at capacity ({overloaded.reason}): retry shortly",
                RefusalCode.OVERLOADED,
                headers={"Retry-After": "1"},
            )
        except TimeoutError:
            answer = _timed_out(timeout)
        except Exception:
            if not deadline.expired():
                raise
            # Cut off, the request was cancelled wherever it was, and undoing what it had begun
            # failed in its turn (a rollback on the connection the cancellation closed, say):
            # the session has discarded that connection, and the cut-off is the answer.
            logger.warning("a request cut off by REQUEST_TIMEOUT failed as it ended", exc_info=True)
            answer = _timed_out(timeout)
        await _in_media_type(answer, media_type)(scope, receive, send)

    async def _answer(self, request: Request, database: Database, token: str) -> Response:
        """Authenticate and run the operation in one session, which takes a slot of the
        admission queue when it first uses the database (an answer from memory takes none)."""
        first_use_slot = database.first_use_slot()
        async with database.session(first_use_slot=first_use_slot) as session:
            answer = await self._answer_in(request, session, token)
        if first_use_slot is not None and first_use_slot.refused is not None:
            # A resolver found no slot: nothing used the database, and the answer is the
            # refusal, as when authenticating found none.
            raise Overloaded(first_use_slot.refused.reason)
        return answer

    async def _answer_in(self, request: Request, session: AsyncSession, token: str) -> Response:
        """Authenticate, then run the operation in `session`."""
        authenticated = await authenticate(session, token)
        if isinstance(authenticated, KeyRefusal):
            return unauthorized(authenticated.value)
        if authenticated.use_is_due:
            key_usage_of(request).note(authenticated.principal.api_key_id)
        request.scope.setdefault("state", {})
        request.scope["state"]["principal"] = authenticated.principal
        current_record().api_key_id = authenticated.principal.api_key_id
        shared = RequestSession(session)
        request.scope["state"]["session"] = shared
        try:
            return await self.run(request)
        except HTTPException as error:
            # Strawberry answers a request it cannot parse in plain text; clients read JSON.
            answer = client_error(error.status_code, error.reason)
            if error.status_code == 405:
                answer.headers["Allow"] = "POST"
            return answer
        finally:
            # Cut off, the request stops waiting for its resolvers before the one using the
            # session is done with it; the session is closed only once it is.
            await shared.end()

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        """The result as JSON data — unless it would be larger than the response budget (then
        a RESPONSE_TOO_LARGE error, without encoding it)."""
        response = await super().process_result(request, result)
        context = getattr(request.state, "context", None)
        if result.data is None:
            return _shaped_for(request, result, response)
        if context is not None and not may_be_large(context):
            return response
        limit = budget_of(request).max_response_bytes
        size = json_size_over(result.data, limit)
        if size is None:
            return response
        message = (
            f"the response would be about {size:,} bytes, over the limit of {limit:,} "
            "(MAX_RESPONSE_BYTES): ask for smaller pages or fewer large fields at once"
        )
        code = RefusalCode.RESPONSE_TOO_LARGE.value
        return {"data": None, "errors": [{"message": message, "extensions": {"code": code}}]}

    async def execute_single(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: Context | WebSocketConnection,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        """Run the request's document — or the persisted one it names
        (`app.graphql.endpoint.persisted`), registering it once it has run."""
        assert isinstance(context, Context)
        persisted = persisted_documents_of(request)
        resolved = await persisted.resolve(
            context.session, context.principal, request_data.query, request_data.extensions
        )
        if isinstance(resolved, Refusal):
            sub_response.status_code = resolved.status
            # Not to be cached: the id is about to be registered.
            sub_response.headers["Cache-Control"] = "private, no-cache, must-revalidate"
            return ExecutionResult(data=None, errors=[resolved.error])
        if resolved.query is not request_data.query:
            request_data = dataclasses.replace(request_data, query=resolved.query)
        try:
            result = await super().execute_single(
                request, request_adapter, sub_response, context, root_value, request_data
            )
        except HTTPException as error:
            if isinstance(error.__cause__, InvalidOperationTypeError):
                # GraphQL over HTTP: a mutation sent by GET is a 405, and nothing of it runs.
                raise HTTPException(405, error.reason) from error.__cause__
            raise
        if resolved.register_as is not None and resolved.query and not is_request_error(result):
            await persisted.register(context.session, resolved.register_as, resolved.query)
        return result

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
        if isinstance(parsed, dict):
            parsed = with_document_id(parsed)
        if isinstance(parsed, dict) and not all(
            _is_unicode(parsed.get(name)) for name in ("query", "operationName")
        ):
            # A lone surrogate ("\ud800") would come back in an error message that cannot be
            # written as UTF-8; variables are checked with their argument's name (`guards.checks`).
            raise HTTPException(400, "the query and operationName must be valid Unicode")
        return parsed

    async def parse_http_body(
        self, request: AsyncHTTPRequestAdapter
    ) -> GraphQLRequestData | list[GraphQLRequestData]:
        """What a client nearly always sends, a POST of one JSON operation, read without
        Strawberry's general path (which parses the media type with the `email` package and
        scans the headers for a streaming transport, this endpoint offers none): about 100
        Python calls less. Anything else takes Strawberry's path."""
        if (
            request.method == "POST"
            and request.headers.get("content-type") == JSON
            and not self._stream_transport_map
        ):
            data = self.parse_json(await request.get_body())
            if isinstance(data, dict):
                return _operation_of(data)
        return await super().parse_http_body(request)

    def parse_query_params(self, params: QueryParams) -> dict[str, Any]:
        return with_document_id(super().parse_query_params(params))

    def should_render_graphql_ide(self, request: BaseRequestProtocol) -> bool:
        """A browser's GET without a query — but not a persisted query's GET, which names its
        document in `extensions` instead (whatever `Accept` its client sends)."""
        return (
            super().should_render_graphql_ide(request)
            and request.query_params.get("extensions") is None
            and request.query_params.get("documentId") is None
        )

    @property
    def graphql_ide_html(self) -> str:
        """Strawberry's hook for the IDE page: GraphiQL from this server's own static files
        (see `app.graphql.endpoint.ide`), not a CDN."""
        if self.graphql_ide != "graphiql":
            return super().graphql_ide_html
        return GRAPHIQL_HTML

    async def on_ws_connect(
        self, context: Context | WebSocketConnection
    ) -> UnsetType | dict[str, object] | None:
        """Accept the connection only with a valid API key: the `connection_init` payload's, or
        else the upgrade request's `Authorization: Bearer <key>`.

        The payload wins when both carry a key: it is what the client itself chose, and a client
        that worked before keeps the same key whatever a proxy adds to the upgrade.
        """
        assert isinstance(context, WebSocketConnection)
        token = connection_key(context.connection_params) or bearer_token(context.request)
        if token is None:
            raise ConnectionRejectionError(
                {"message": 'send an API key: {"apiKey": <key>} or Authorization: Bearer <key>'}
            )
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
        context = Context(
            request=request,
            response=response,
            principal=request.state.principal,
            session=request.state.session,
        )
        request.state.context = context  # for `process_result`
        return context


def _operation_of(data: dict[str, Any]) -> GraphQLRequestData:
    """One operation of a JSON body, its members checked as Strawberry checks them."""
    query = data.get("query")
    if not isinstance(query, str | None):
        raise HTTPException(
            400, "The GraphQL operation's `query` must be a string or null, if provided."
        )
    variables = data.get("variables")
    if not isinstance(variables, dict | None):
        raise HTTPException(
            400, "The GraphQL operation's `variables` must be an object or null, if provided."
        )
    extensions = data.get("extensions")
    if not isinstance(extensions, dict | None):
        raise HTTPException(
            400, "The GraphQL operation's `extensions` must be an object or null, if provided."
        )
    return GraphQLRequestData(
        query=query,
        variables=variables,
        operation_name=data.get("operationName"),
        extensions=extensions,
        protocol="http",
    )


def _shaped_for(
    request: Request, result: ExecutionResult, response: GraphQLHTTPResponse
) -> GraphQLHTTPResponse:
    """A request error in `application/graphql-response+json`: a 400 without `data`, unless the
    refusal has a status of its own (`app.graphql.endpoint.over_http`)."""
    if request.scope["state"].get(_MEDIA_TYPE) != GRAPHQL_RESPONSE_JSON or not is_request_error(
        result
    ):
        return response
    sub_response = getattr(getattr(request.state, "context", None), "response", None)
    if isinstance(sub_response, Response) and sub_response.status_code is None:
        sub_response.status_code = 400
    return as_request_error(response)


def _in_media_type(answer: Response, media_type: str) -> Response:
    """The answer in the media type the client asked for (its body is a GraphQL response)."""
    if media_type == GRAPHQL_RESPONSE_JSON and answer.headers.get("content-type", "").startswith(
        JSON
    ):
        answer.headers["content-type"] = GRAPHQL_RESPONSE_CONTENT_TYPE
    return answer
