"""Websocket connections bound to the API key they authenticated with (DESIGN §11), each
operation under the limits of an HTTP request.

A graphql-transport-ws connection closes with 4403 as soon as its key stops working: revoked or
deleted (announced to every server process through `app.db.revoked_keys`, and checked again
whenever a process's listener reconnects), or expired (a timer at `expires_at`). Its operations
are cancelled first, so nothing more is sent under the key. Each operation checks the key too,
so that none runs under a key that stopped working even while announcements cannot arrive.

Each operation waits for a slot of the process's admission queue and runs under REQUEST_TIMEOUT,
as an HTTP request does (`app.graphql.endpoint.operation_limits`); a refused one gets an `error`
message with the code HTTP's refusal has (OVERLOADED, TIMEOUT), and the connection stays open.
The document's checks (MAX_QUERY_TOKENS, MAX_QUERY_COST, ...) are the schema's extensions, as for
HTTP; a result over MAX_RESPONSE_BYTES is sent as RESPONSE_TOO_LARGE.
"""

import asyncio
import logging
from contextlib import suppress
from datetime import datetime
from typing import TYPE_CHECKING

from graphql import GraphQLError, GraphQLSyntaxError
from starlette.websockets import WebSocketState
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    ConnectionInitMessage,
    Message,
)

from app.db.admission import Overloaded
from app.db.types import utc_now
from app.domain.api_keys import KeyRefusal
from app.domain.persisted_documents import PersistedDocumentsMode
from app.graphql.context import Context, WebSocketConnection, subscription_set_up_hook
from app.graphql.endpoint.operation_limits import (
    OperationLimits,
    key_error,
    overloaded_error,
    response_too_large_error,
    timeout_error,
)
from app.graphql.endpoint.persisted import Refusal, persisted_documents_of
from app.graphql.guards.budget import budget_of, json_size_over
from app.services.access.auth import key_refusal

if TYPE_CHECKING:
    from strawberry.schema.schema import StreamResult

CLOSE_FORBIDDEN = 4403
"""The code graphql-transport-ws closes a connection with when its key is refused."""

logger = logging.getLogger(__name__)


class KeyBoundTransportWSHandler(
    BaseGraphQLTransportWSHandler[Context | WebSocketConnection, None]
):
    """Strawberry's graphql-transport-ws handler, plus a watch on the connection's key."""

    _key_watch: asyncio.Task[None] | None = None
    _ending = False
    _departure_logged = False

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        await super().handle_connection_init(message)
        connection = self.context
        if (
            self.connection_acknowledged
            and self._key_watch is None
            and isinstance(connection, WebSocketConnection)
        ):
            self._key_watch = asyncio.create_task(self._close_when_key_ends(connection))
            self._key_watch.add_done_callback(self._task_done)

    async def _close_when_key_ends(self, connection: WebSocketConnection) -> None:
        # A revocation between authentication and this watch is not missed: each operation
        # checks the key before it runs (`_key_still_works`).
        assert connection.principal is not None, "acknowledged without a key"
        api_key_id = connection.principal.api_key_id
        with connection.database.live_events.revoked_keys.watch(api_key_id) as ended:
            refused = await _until_ended(ended, connection.key_expires_at)
        await self._close(refused)

    async def _close(self, refused: KeyRefusal) -> None:
        tasks = [operation.task for operation in self.operations.values() if operation.task]
        for operation_id in list(self.operations):
            await self.cleanup_operation(operation_id)
        if tasks:
            # Let them finish (release their sessions) before the close: nothing is sent after.
            await asyncio.wait(tasks)
        try:
            await self.websocket.close(code=CLOSE_FORBIDDEN, reason=refused.value)
        except Exception:  # the client went away meanwhile: nothing left to close
            logger.debug("a websocket connection was gone before its close", exc_info=True)

    async def run_operation(
        self, operation: Operation[Context | WebSocketConnection, None]
    ) -> None:
        """Run the operation as an HTTP request runs: after a slot of the admission queue and a
        check of the key, under REQUEST_TIMEOUT (a subscription until it is set up)."""
        connection = self.context
        if not isinstance(connection, WebSocketConnection):
            await super().run_operation(operation)
            return
        timeout = budget_of(connection.request).request_timeout
        limits = OperationLimits(connection.database.admission)
        # The operation runs in a task of its own: this reaches its context only.
        subscription_set_up_hook.set(limits.lift)
        try:
            async with asyncio.timeout(timeout) as deadline:
                await limits.admit(deadline)
                if await self._key_still_works(
                    operation, connection
                ) and await self._document_allowed(operation, connection):
                    await super().run_operation(operation)
        except Overloaded as overloaded:
            await self._refuse(operation, overloaded_error(overloaded))
        except TimeoutError:
            if not deadline.expired():
                raise
            await self._refuse(operation, timeout_error(timeout))
        finally:
            limits.release()

    async def _send_result_stream(
        self,
        operation: Operation[Context | WebSocketConnection, None],
        result_source: "StreamResult",
    ) -> None:
        try:
            await super()._send_result_stream(operation, result_source)
        except GraphQLSyntaxError as error:
            # Parsing raises what the parser refuses (a document over MAX_QUERY_TOKENS,
            # say) instead of answering it: answered as HTTP answers it, the connection open.
            await operation.send_initial_errors([error])

    async def send_message(self, message: Message) -> None:
        """A `next` whose data is over MAX_RESPONSE_BYTES is sent as RESPONSE_TOO_LARGE, as
        HTTP answers it (measured before it is encoded)."""
        if message["type"] == "next" and isinstance(self.context, WebSocketConnection):
            data = message["payload"].get("data")
            limit = budget_of(self.context.request).max_response_bytes
            size = None if data is None else json_size_over(data, limit)
            if size is not None:
                error = response_too_large_error(size, limit)
                message = {
                    "id": message["id"],
                    "type": "next",
                    "payload": {"data": None, "errors": [error.formatted]},
                }
        await super().send_message(message)

    async def _key_still_works(
        self,
        operation: Operation[Context | WebSocketConnection, None],
        connection: WebSocketConnection,
    ) -> bool:
        """Whether the connection's key still works; if not, the operation is refused and the
        connection closed (announcements may not arrive while a listener reconnects)."""
        assert connection.principal is not None, "an operation before authentication"
        api_key_id = connection.principal.api_key_id
        try:
            async with connection.database.session() as session:
                refused = await key_refusal(session, api_key_id)
        except Exception as error:  # noqa: BLE001  (answered, and logged as any task failure)
            await self.handle_task_exception(error)
            await self._refuse(operation, GraphQLError("the API key could not be checked: retry"))
            return False
        if refused is None:
            return True
        await self._refuse(operation, key_error(refused))
        connection.database.live_events.revoked_keys.publish(api_key_id, refused)
        return False

    async def _document_allowed(
        self,
        operation: Operation[Context | WebSocketConnection, None],
        connection: WebSocketConnection,
    ) -> bool:
        """PERSISTED_DOCUMENTS=trusted holds here too: only a registered manifest's documents
        run (`app.graphql.endpoint.persisted`); another is refused, the connection open."""
        persisted = persisted_documents_of(connection.request)
        if persisted.mode is not PersistedDocumentsMode.TRUSTED:
            return True
        assert connection.principal is not None, "an operation before authentication"
        resolved = await persisted.resolve(
            connection.database.session, connection.principal, operation.query, None
        )
        if isinstance(resolved, Refusal):
            await self._refuse(operation, resolved.error)
            return False
        return True

    async def _refuse(
        self, operation: Operation[Context | WebSocketConnection, None], error: GraphQLError
    ) -> None:
        """End the operation with `error` (an `error` message); the connection stays open."""
        if operation.completed or self.operations.get(operation.id) is not operation:
            return  # ended meanwhile (completed, or cancelled by the client)
        try:
            await operation.send_initial_errors([error])
        except Exception as failure:  # noqa: BLE001  (logged; the client is gone, mostly)
            await self.handle_task_exception(failure)

    async def handle_task_exception(self, error: Exception) -> None:
        """A client that leaves while its operations run is one line in the log, not a
        traceback per operation."""
        if not self._client_gone(error):
            await super().handle_task_exception(error)
        elif not self._departure_logged:
            self._departure_logged = True
            logger.info(
                "a websocket client left while its operations ran (%s: %s)",
                type(error).__name__,
                error,
            )

    def _client_gone(self, error: Exception) -> bool:
        if self._ending or isinstance(error, WebSocketDisconnected):
            return True
        websocket = getattr(self.websocket, "ws", None)
        states = (
            getattr(websocket, "client_state", None),
            getattr(websocket, "application_state", None),
        )
        return WebSocketState.DISCONNECTED in states

    async def shutdown(self) -> None:
        self._ending = True
        if self._key_watch is not None:
            self._key_watch.cancel()
            with suppress(asyncio.CancelledError):
                await self._key_watch
        await super().shutdown()


async def _until_ended(
    ended: "asyncio.Future[KeyRefusal]", expires_at: datetime | None
) -> KeyRefusal:
    """Why the key stopped working: announced, or its expiry reached."""
    if expires_at is None:
        return await ended
    try:
        async with asyncio.timeout(max((expires_at - utc_now()).total_seconds(), 0)):
            return await ended
    except TimeoutError:
        return KeyRefusal.EXPIRED
