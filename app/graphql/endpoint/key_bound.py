"""Websocket connections bound to the API key they authenticated with (DESIGN §11).

A graphql-transport-ws connection closes with 4403 as soon as its key stops working: revoked or
deleted (announced to every server process through `app.db.revoked_keys`), or expired (a timer
at `expires_at`). Its operations are cancelled first, so nothing more is sent under the key.
"""

import asyncio
import logging
from contextlib import suppress
from datetime import datetime

from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import ConnectionInitMessage

from app.db.types import utc_now
from app.domain.api_keys import KeyRefusal
from app.graphql.context import Context, WebSocketConnection
from app.services.access.auth import key_refusal

CLOSE_FORBIDDEN = 4403
"""The code graphql-transport-ws closes a connection with when its key is refused."""

logger = logging.getLogger(__name__)


class KeyBoundTransportWSHandler(
    BaseGraphQLTransportWSHandler[Context | WebSocketConnection, None]
):
    """Strawberry's graphql-transport-ws handler, plus a watch on the connection's key."""

    _key_watch: asyncio.Task[None] | None = None
    _key_checked: asyncio.Event | None = None

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        await super().handle_connection_init(message)
        connection = self.context
        if (
            self.connection_acknowledged
            and self._key_watch is None
            and isinstance(connection, WebSocketConnection)
        ):
            self._key_checked = asyncio.Event()
            self._key_watch = asyncio.create_task(self._close_when_key_ends(connection))
            self._key_watch.add_done_callback(self._task_done)

    async def _close_when_key_ends(self, connection: WebSocketConnection) -> None:
        assert connection.principal is not None, "acknowledged without a key"
        api_key_id = connection.principal.api_key_id
        with connection.database.live_events.revoked_keys.watch(api_key_id) as ended:
            # The key may have been revoked between authentication and this watch.
            try:
                refused = await _refusal_now(connection)
            finally:
                if self._key_checked is not None:
                    self._key_checked.set()
            if refused is None:
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

    async def shutdown(self) -> None:
        if self._key_watch is not None:
            if self._key_checked is not None and not self._key_watch.done():
                # Never cancel the check's statement half-way: a connection cut off mid-query
                # is lost to its pool (and a test's shared connection is left unusable).
                await self._key_checked.wait()
            self._key_watch.cancel()
            with suppress(asyncio.CancelledError):
                await self._key_watch
        await super().shutdown()


async def _refusal_now(connection: WebSocketConnection) -> KeyRefusal | None:
    assert connection.principal is not None
    try:
        async with connection.database.session() as session:
            return await key_refusal(session, connection.principal.api_key_id)
    except Exception:  # the announcements and the timer still watch the key
        logger.warning("could not check a websocket connection's key again", exc_info=True)
        return None


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
