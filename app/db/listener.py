"""The PostgreSQL side of live events: this process's one LISTEN connection, kept alive.

A listener connection can drop (the server restarts, a proxy or firewall cuts idle connections,
an operator terminates the backend) or stop answering without being closed. Either way the
listener logs it, reports `RECONNECTING` (so `/healthz` takes the process out of its load
balancer), reconnects with capped exponential backoff and jitter, and, once LISTENing again,
delivers the events committed meanwhile: it reads the event table by id from where it was and
then goes on with the notifications. An id is delivered at most once even where the two
overlap. Subscribers get ids only and load the rows themselves, with their own access rules.
"""

import asyncio
import logging
import random
from collections import deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

import asyncpg

from app.db.models import Event

CHANNEL = "registry_events"
# Shown in pg_stat_activity, so an operator can tell the listener from the pool's connections.
APPLICATION_NAME = "connector-registry-live-events"
# Ids delivered lately, remembered so that a catch-up after a reconnection skips them.
RECENT_IDS_KEPT = 10_000
# At most this many missed events are delivered after a reconnection: a subscriber's queue
# holds no more (`app.db.notifications.MAX_QUEUED`); `Query.events` has the rest.
CATCH_UP_LIMIT = 10_000
# The errors that mean the server cannot be reached or the connection is gone.
CONNECTION_ERRORS = (
    OSError,
    TimeoutError,
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
)

logger = logging.getLogger(__name__)


class LiveEventsState(StrEnum):
    """How this process receives the events other processes commit."""

    IN_PROCESS = "in-process"  # SQLite: one process, no listener needed
    LISTENING = "listening"
    RECONNECTING = "reconnecting"
    STOPPED = "stopped"

    @property
    def delivers(self) -> bool:
        return self in (LiveEventsState.IN_PROCESS, LiveEventsState.LISTENING)


@dataclass(frozen=True)
class Reconnection:
    """When to notice a dead listener connection, and how fast to try again."""

    first_delay_seconds: float = 0.5
    max_delay_seconds: float = 30.0
    # A connection whose peer vanished without closing it looks alive until something is sent.
    probe_interval_seconds: float = 30.0
    # For each connection attempt, probe and catch-up query.
    timeout_seconds: float = 10.0

    def delay(self, attempt: int) -> float:
        """Before attempt `attempt` (from 0): doubling up to the cap, at a random point of its
        upper half, so that processes that lost the server together do not return in step."""
        ceiling = min(self.max_delay_seconds, self.first_delay_seconds * 2.0 ** min(attempt, 32))
        return ceiling * random.uniform(0.5, 1.0)


class _DeliveredIds:
    """The ids delivered lately, and a floor: ids at or below it count as settled.

    An id above the floor has been delivered exactly when it is remembered here; forgetting an
    id raises the floor to it, so that a catch-up never reads it again.
    """

    def __init__(self, floor: int) -> None:
        self.floor = floor
        self._order: deque[int] = deque()
        self._ids: set[int] = set()

    def first_time(self, event_id: int) -> bool:
        """Remember `event_id`; False when it was delivered already."""
        if event_id in self._ids:
            return False
        self._order.append(event_id)
        self._ids.add(event_id)
        if len(self._order) > RECENT_IDS_KEPT:
            forgotten = self._order.popleft()
            self._ids.discard(forgotten)
            self.floor = max(self.floor, forgotten)
        return True

    def above_floor(self) -> list[int]:
        return [event_id for event_id in self._ids if event_id > self.floor]


class PostgresListener:
    """LISTENs on `CHANNEL` through one connection and hands each committed id to `deliver`."""

    def __init__(
        self,
        dsn: str,
        *,
        shown_as: str,
        password: str | None,
        deliver: Callable[[Sequence[int]], None],
        reconnection: Reconnection,
        other_channels: Mapping[str, "Callable[[object, int, str, object], None]"] | None = None,
        on_connected: "Callable[[asyncpg.Connection, float], Awaitable[object]] | None" = None,
        on_lost: Callable[[], None] | None = None,
    ) -> None:
        """`other_channels`: more channels to LISTEN on through the same connection (again after
        each reconnection), each with the asyncpg callback of its notifications.
        `on_connected(connection, timeout)`: run on each new connection once it LISTENs and has
        caught up, for what notifications sent while it was away would have said (the keys
        revoked meanwhile); should it fail, the connection counts as failed and is tried again.
        `on_lost()`: called as soon as a lost connection is noticed, before reconnecting."""
        self._dsn = dsn
        self._on_connected = on_connected
        self._on_lost = on_lost
        self._other_channels = dict(other_channels or {})
        self._shown_as = shown_as
        self._password = password
        self._deliver = deliver
        self._reconnection = reconnection
        self._connection: asyncpg.Connection | None = None
        self._lost = asyncio.Event()
        self._supervisor: asyncio.Task[None] | None = None
        self._delivered: _DeliveredIds | None = None
        self.state = LiveEventsState.STOPPED

    async def start(self) -> None:
        """Connect (a failure here is raised: the process should not start deaf), then keep the
        connection alive in the background."""
        await self._connect()
        self.state = LiveEventsState.LISTENING
        self._supervisor = asyncio.create_task(self._supervise(), name="live-events listener")
        self._supervisor.add_done_callback(self._supervisor_ended)

    async def stop(self) -> None:
        supervisor, self._supervisor = self._supervisor, None
        if supervisor is not None:
            supervisor.cancel()
            # Waits for the task to finish without taking on its cancellation.
            await asyncio.wait([supervisor])
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.remove_termination_listener(self._on_termination)
            try:
                await connection.close(timeout=self._reconnection.timeout_seconds)
            except CONNECTION_ERRORS:
                connection.terminate()
        self.state = LiveEventsState.STOPPED

    @property
    def server_pid(self) -> int | None:
        """The backend of the current connection (`pg_stat_activity.pid`), None while down."""
        connection = self._connection
        return None if connection is None else int(connection.get_server_pid())

    async def _supervise(self) -> None:
        while True:
            await self._until_lost()
            self._drop_connection()
            self.state = LiveEventsState.RECONNECTING
            if self._on_lost is not None:
                self._on_lost()
            logger.warning(
                "live events: the listener connection to %s was lost; reconnecting", self._shown_as
            )
            attempts, caught_up = await self._reconnect()
            self.state = LiveEventsState.LISTENING
            logger.info(
                "live events: listening again on %s after %d attempt(s); delivered %d event(s) "
                "committed meanwhile",
                self._shown_as,
                attempts,
                caught_up,
            )

    async def _until_lost(self) -> None:
        """Return once the connection is closed, or fails to answer a probe."""
        while True:
            try:
                await asyncio.wait_for(self._lost.wait(), self._reconnection.probe_interval_seconds)
                return
            except TimeoutError:
                pass
            connection = self._connection
            if connection is None or connection.is_closed():
                return
            try:
                await connection.fetchval("SELECT 1", timeout=self._reconnection.timeout_seconds)
            except CONNECTION_ERRORS as error:
                logger.warning(
                    "live events: the listener connection to %s does not answer (%s)",
                    self._shown_as,
                    self._describe(error),
                )
                return

    async def _reconnect(self) -> tuple[int, int]:
        """Connect again, waiting longer after each failure; (attempts, events caught up)."""
        attempt = 0
        while True:
            delay = self._reconnection.delay(attempt)
            await asyncio.sleep(delay)
            attempt += 1
            try:
                return attempt, await self._connect()
            except CONNECTION_ERRORS as error:
                logger.warning(
                    "live events: reconnection attempt %d to %s failed (%s)",
                    attempt,
                    self._shown_as,
                    self._describe(error),
                )

    async def _connect(self) -> int:
        """Open a connection, LISTEN, then deliver what was committed since the last one; the
        number of events caught up. LISTEN comes first so that nothing falls between the two."""
        timeout = self._reconnection.timeout_seconds
        connection = await asyncpg.connect(
            self._dsn, timeout=timeout, server_settings={"application_name": APPLICATION_NAME}
        )
        try:
            self._lost.clear()
            self._connection = connection
            connection.add_termination_listener(self._on_termination)
            await connection.add_listener(CHANNEL, self._on_notification)
            for channel, callback in self._other_channels.items():
                await connection.add_listener(channel, callback)
            caught_up = await self._catch_up(connection)
            if self._on_connected is not None:
                await self._on_connected(connection, timeout)
            return caught_up
        except BaseException:
            self._drop_connection()
            raise

    async def _catch_up(self, connection: asyncpg.Connection) -> int:
        timeout = self._reconnection.timeout_seconds
        if self._delivered is None:
            # First connection: nobody has subscribed to anything older.
            latest = await connection.fetchval(_LATEST_ID, timeout=timeout)
            self._delivered = _DeliveredIds(floor=int(latest))
            return 0
        rows = await connection.fetch(
            _MISSED_IDS,
            self._delivered.floor,
            self._delivered.above_floor(),
            CATCH_UP_LIMIT + 1,
            timeout=timeout,
        )
        missed = [int(row[0]) for row in rows]
        if len(missed) > CATCH_UP_LIMIT:
            logger.warning(
                "live events: more than %d events were committed while the listener was away; "
                "subscribers get the first %d (Query.events lists them all)",
                CATCH_UP_LIMIT,
                CATCH_UP_LIMIT,
            )
            missed = missed[:CATCH_UP_LIMIT]
        self._hand_over(missed)
        return len(missed)

    def _on_notification(
        self, _connection: object, _pid: int, _channel: str, payload: object
    ) -> None:
        try:
            event_id = int(str(payload))
        except ValueError:
            logger.warning("ignoring a malformed live-event notification: %r", payload)
            return
        self._hand_over([event_id])

    def _hand_over(self, event_ids: Sequence[int]) -> None:
        delivered = self._delivered
        if delivered is not None:
            event_ids = [event_id for event_id in event_ids if delivered.first_time(event_id)]
        if event_ids:
            self._deliver(event_ids)

    def _on_termination(self, connection: object) -> None:
        if connection is self._connection:
            self._lost.set()

    def _drop_connection(self) -> None:
        """Forget the current connection and abort it; it is gone or no longer trusted."""
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.remove_termination_listener(self._on_termination)
            connection.terminate()

    def _supervisor_ended(self, supervisor: "asyncio.Task[None]") -> None:
        if not supervisor.cancelled() and supervisor.exception() is not None:
            # Unhealthy from now on: better out of the load balancer than deaf in it.
            self.state = LiveEventsState.STOPPED
            logger.error(
                "live events: the listener stopped reconnecting; this process delivers no more "
                "events from other processes",
                exc_info=supervisor.exception(),
            )

    def _describe(self, error: BaseException) -> str:
        """The error for a log line, never with the password (some drivers quote the DSN)."""
        text = f"{type(error).__name__}: {error}"
        return text.replace(self._password, "***") if self._password else text


_TABLE = Event.__tablename__
_LATEST_ID = f"SELECT coalesce(max(id), 0) FROM {_TABLE}"
_MISSED_IDS = (
    f"SELECT id FROM {_TABLE} WHERE id > $1 AND NOT (id = ANY($2::bigint[])) ORDER BY id LIMIT $3"
)
