"""The per-request context: the caller, one database session, and fresh DataLoaders.

Over a websocket, Strawberry builds one context per connection (`WebSocketConnection`);
`operation_context` turns it into a `Context` of its own for each operation, with a session of
its own.
"""

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime

import strawberry
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.types import ExecutionContext

from app.db.admitted_session import AdmittedSession
from app.db.engine import Database, run_to_completion
from app.db.invalidation import LookupMemory, lookup_memory
from app.db.notifications import LiveEvents
from app.domain.access import Principal
from app.domain.content_limits import ContentLimits
from app.graphql.guards.cost import OperationCost
from app.graphql.loaders import Loaders


class RequestEnded(RuntimeError):
    """A resolver asked for the session of a request (or websocket operation) that has ended."""


class RequestSession:
    """The request's one session, used by one resolver at a time.

    Strawberry resolves sibling fields concurrently, and an AsyncSession allows only one
    operation at a time; the lock makes them take turns.

    The request must `end` it before it closes the session. A request cut off by
    REQUEST_TIMEOUT stops waiting for its resolvers as soon as the first of them is cancelled
    (`asyncio.gather` does not wait for the others): the one using the session may still be
    undoing its work, discarding its connection on SQLite or PostgreSQL, in a task of its own.
    """

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._lock = asyncio.Lock()
        self._ended = False

    @property
    def memory(self) -> LookupMemory | None:
        """This process's copies for lookups (`app.db.invalidation`): asking them is no use of
        the session, and takes no turn."""
        return lookup_memory(self._session)

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[AsyncSession]:
        async with self._lock:
            if self._ended:
                raise RequestEnded("the request has ended: its database session is closed")
            yield self._session

    async def admit(self) -> None:
        """Take the request's admission slot now, as its first statement would (for a request
        that takes another slot next, the previews': slots are taken in one order only)."""
        sync_session = self._session.sync_session
        if isinstance(sync_session, AdmittedSession) and sync_session.first_use_slot is not None:
            await sync_session.first_use_slot.take()

    async def end(self) -> None:
        """Wait until no resolver uses the session (the one using it is done with it, connection
        given back or discarded), and let none use it after; the session can then be closed.

        Runs to its end even if the caller is cancelled meanwhile (that cancellation is raised
        again afterwards): closing the session while a resolver still runs a statement on its
        connection, or closes that connection, would leave the pool with a connection two tasks
        close at once, which the next checkout can find gone.
        """
        if not self._lock.locked():
            # The usual end: no resolver holds the session, so none is left to wait for (and the
            # request pays for no task of its own).
            self._ended = True
            return
        await run_to_completion(self._end())

    async def _end(self) -> None:
        async with self._lock:
            self._ended = True


def _nothing() -> None:
    return None


subscription_set_up_hook: ContextVar[Callable[[], None]] = ContextVar(
    "subscription_set_up_hook", default=_nothing
)
"""What `Context.subscription_set_up` calls in the current websocket operation: the transport
sets it (`app.graphql.endpoint.key_bound`) to lift the operation's request limits."""


@dataclass
class Context:
    request: Request | WebSocket
    response: Response | None
    principal: Principal
    session: RequestSession
    live_events: LiveEvents | None = None
    """Where committed events arrive: set for websocket operations (subscriptions) only."""
    loaders: Loaders = field(init=False)
    operation_cost: OperationCost | None = field(default=None, init=False)
    """What the operation was counted to cost before it ran (`app.graphql.guards.budget`)."""
    set_up: Callable[[], None] = field(default=_nothing, repr=False)

    def __post_init__(self) -> None:
        self.refresh_loaders()

    @property
    def content_limits(self) -> ContentLimits:
        """The limits on what a version is sent, from the app's settings (`create_app`)."""
        limits: ContentLimits = self.request.app.state.content_limits
        return limits

    def subscription_set_up(self) -> None:
        """A subscription calls this once it is set up and about to wait for events: its setup
        ran under the request's limits (REQUEST_TIMEOUT, a slot of the admission queue); its
        waits between deliveries are no request, and hold neither."""
        self.set_up()

    def refresh_loaders(self) -> None:
        """Forget what the loaders cached (a long subscription must not serve stale rows)."""
        self.loaders = Loaders(self.session, self.principal)


@dataclass
class WebSocketConnection:
    """One websocket connection; `on_ws_connect` sets the principal from `connection_params`."""

    request: WebSocket
    response: Response | None
    database: Database
    connection_params: dict[str, object] | None = None
    principal: Principal | None = None
    key_expires_at: datetime | None = None
    """When the principal's key expires; the connection closes then
    (`app.graphql.endpoint.key_bound`)."""

    def operation_context(self, session: AsyncSession) -> Context:
        # Strawberry runs no operation before `on_ws_connect` accepted the connection.
        assert self.principal is not None, "websocket operation before authentication"
        return Context(
            request=self.request,
            response=self.response,
            principal=self.principal,
            session=RequestSession(session),
            live_events=self.database.live_events,
            set_up=subscription_set_up_hook.get(),
        )


@asynccontextmanager
async def operation_context(execution: ExecutionContext) -> AsyncIterator[None]:
    """Over a websocket, the operation runs with a `Context` and a database session of its own
    (an HTTP request's context is its own already)."""
    connection = execution.context
    if not isinstance(connection, WebSocketConnection):
        yield
        return
    async with connection.database.session() as session:
        context = connection.operation_context(session)
        execution.context = context
        try:
            yield
        finally:
            execution.context = connection
            await context.session.end()


Info = strawberry.Info[Context, None]
