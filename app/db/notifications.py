"""Live events (DESIGN §9): committed event ids, fanned out to this process's subscribers.

Every session of a `Database` carries its `LiveEvents` in `session.info`. When a flush writes
`Event` rows:

- on PostgreSQL, the writing transaction also runs `pg_notify('registry_events', <id>)`, which
  PostgreSQL delivers on commit only (never on rollback) to every listening process; each process
  holds ONE listener connection (`LiveEvents.start`, from the app's lifespan), which reconnects
  when it drops and then delivers what was committed meanwhile (`app.db.listener`), and hands the
  ids to its subscribers;
- on SQLite (one process), the ids wait in the session until it commits and then go straight to
  the subscribers of this process; a rollback drops them. A flush inside a SAVEPOINT is not
  published: the app opens none, and a session joined to a test's rolled-back transaction (see
  `Database.bound_to`) "commits" only a savepoint.

Subscribers get ids only. The GraphQL subscriptions share one subscriber per process, the
fan-out of `app.graphql.events.feeds`: it reads each batch of rows once and gives each
subscription the events it may see, so an event costs a subscription nothing it cannot see.

The same listener connection also receives the keys that stop working (`app.db.revoked_keys`),
and the changes that drop this process's copies of what lookups read (`app.db.invalidation`).
"""

import asyncio
import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import asyncpg
from sqlalchemy import event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, UOWTransaction

from app.db import invalidation, revoked_keys
from app.db.invalidation import LookupMemory
from app.db.listener import CHANNEL, LiveEventsState, PostgresListener, Reconnection
from app.db.models import Event
from app.db.revoked_keys import RevokedKeys

SESSION_INFO_KEY = "live_events"
_PENDING_KEY = "live_events.pending"
MAX_QUEUED = 10_000

logger = logging.getLogger(__name__)


class LiveEvents:
    """Hands committed event ids to subscriber queues; on PostgreSQL, listens for them.

    `listener_url` is where the listener connects when that is not the database's own URL (a
    direct connection, say, when the pool goes through a proxy that cannot LISTEN; tests put a
    proxy they can cut in between); `reconnection` says how it comes back when it drops.

    `memory` holds the copies lookups are answered from (`app.db.invalidation`): on PostgreSQL
    it serves only while the listener LISTENs, and starts empty each time it connects.
    """

    def __init__(
        self,
        *,
        listener_url: URL | str | None = None,
        reconnection: Reconnection | None = None,
        memory: LookupMemory | None = None,
    ) -> None:
        self._subscribers: set[asyncio.Queue[int]] = set()
        self._listener_url = None if listener_url is None else make_url(listener_url)
        self._reconnection = reconnection or Reconnection()
        self._listener: PostgresListener | None = None
        self.revoked_keys = RevokedKeys()
        self.memory = memory or LookupMemory()

    @property
    def state(self) -> LiveEventsState:
        """The listener's state (STOPPED before `start`; SQLite needs none, see `Database`)."""
        return LiveEventsState.STOPPED if self._listener is None else self._listener.state

    @property
    def listener(self) -> PostgresListener | None:
        return self._listener

    @contextmanager
    def subscribe(self) -> Iterator["asyncio.Queue[int]"]:
        """A queue of the ids committed from now on, until the block ends."""
        queue: asyncio.Queue[int] = asyncio.Queue(maxsize=MAX_QUEUED)
        self._subscribers.add(queue)
        try:
            yield queue
        finally:
            self._subscribers.discard(queue)

    def publish(self, event_ids: Iterable[int]) -> None:
        """Give `event_ids` to every subscriber (a subscriber far behind loses the excess)."""
        ids = list(event_ids)
        for queue in list(self._subscribers):
            for event_id in ids:
                try:
                    queue.put_nowait(event_id)
                except asyncio.QueueFull:
                    logger.warning(
                        "a live-event subscriber is too slow; dropping event %s", event_id
                    )

    async def start(self, url: URL) -> None:
        """On PostgreSQL, open this process's listener connection (nothing to do on SQLite)."""
        if url.get_backend_name() != "postgresql" or self._listener is not None:
            return
        target = (self._listener_url or url).set(drivername="postgresql")
        listener = PostgresListener(
            target.render_as_string(hide_password=False),
            shown_as=target.render_as_string(hide_password=True),
            password=target.password if isinstance(target.password, str) else None,
            deliver=self.publish,
            reconnection=self._reconnection,
            other_channels={
                revoked_keys.CHANNEL: self.revoked_keys.on_notification,
                invalidation.CHANNEL: self.memory.on_notification,
            },
            on_connected=self._connected,
            on_lost=self.memory.distrust,
        )
        await listener.start()
        self._listener = listener

    async def stop(self) -> None:
        """Close the listener connection and end its reconnection, if any."""
        listener, self._listener = self._listener, None
        if listener is not None:
            self.memory.distrust()
            await listener.stop()

    async def _connected(self, connection: asyncpg.Connection, timeout_seconds: float) -> None:
        """The listener LISTENs again: tell the watchers of keys revoked meanwhile, and serve
        lookups from copies again, starting with none (`app.db.invalidation`)."""
        await self.revoked_keys.check_again(connection, timeout_seconds)
        self.memory.trust()


def _hub(session: Session) -> LiveEvents | None:
    hub = session.info.get(SESSION_INFO_KEY)
    return hub if isinstance(hub, LiveEvents) else None


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _flush_context: UOWTransaction) -> None:
    if _hub(session) is None:
        return
    ids = [row.id for row in session.new if isinstance(row, Event) and row.id is not None]
    if not ids:
        return
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        for event_id in ids:
            connection.execute(
                text("SELECT pg_notify(:channel, :payload)"),
                {"channel": CHANNEL, "payload": str(event_id)},
            )
    elif not connection.in_nested_transaction():
        session.info.setdefault(_PENDING_KEY, []).extend(ids)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    pending: list[int] = session.info.pop(_PENDING_KEY, [])
    hub = _hub(session)
    if pending and hub is not None:
        hub.publish(pending)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING_KEY, None)


def session_info(hub: LiveEvents) -> dict[str, Any]:
    """The `info` that makes a session report its events, the keys it revokes, and the rows
    lookups keep copies of that it changes, to `hub`."""
    return {
        SESSION_INFO_KEY: hub,
        revoked_keys.SESSION_INFO_KEY: hub.revoked_keys,
        invalidation.SESSION_INFO_KEY: hub.memory,
    }
