"""Live events (DESIGN §9): committed event ids, fanned out to this process's subscribers.

Every session of a `Database` carries its `LiveEvents` in `session.info`. When a flush writes
`Event` rows:

- on PostgreSQL, the writing transaction also runs `pg_notify('registry_events', <id>)`, which
  PostgreSQL delivers on commit only (never on rollback) to every listening process; each process
  holds ONE listener connection (`LiveEvents.start`, from the app's lifespan) and hands the ids
  to its subscribers;
- on SQLite (one process), the ids wait in the session until it commits and then go straight to
  the subscribers of this process; a rollback drops them. A flush inside a SAVEPOINT is not
  published: the app opens none, and a session joined to a test's rolled-back transaction (see
  `Database.bound_to`) "commits" only a savepoint.

Subscribers get ids only: they load the rows themselves, with their own access rules.

The same listener connection also receives the keys that stop working (`app.db.revoked_keys`).
"""

import asyncio
import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import asyncpg
from sqlalchemy import event, text
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session, UOWTransaction

from app.db import revoked_keys
from app.db.models import Event
from app.db.revoked_keys import RevokedKeys

CHANNEL = "registry_events"
SESSION_INFO_KEY = "live_events"
_PENDING_KEY = "live_events.pending"
MAX_QUEUED = 10_000

logger = logging.getLogger(__name__)


class LiveEvents:
    """Hands committed event ids to subscriber queues; on PostgreSQL, listens for them."""

    def __init__(self) -> None:
        self._subscribers: set[asyncio.Queue[int]] = set()
        self._listener: asyncpg.Connection | None = None
        self.revoked_keys = RevokedKeys()

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
        dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._listener = await asyncpg.connect(dsn)
        await self._listener.add_listener(CHANNEL, self._on_notification)
        await self._listener.add_listener(revoked_keys.CHANNEL, self.revoked_keys.on_notification)

    async def stop(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            try:
                await listener.remove_listener(CHANNEL, self._on_notification)
                await listener.remove_listener(
                    revoked_keys.CHANNEL, self.revoked_keys.on_notification
                )
            finally:
                await listener.close()

    def _on_notification(
        self, _connection: object, _pid: int, _channel: str, payload: object
    ) -> None:
        try:
            event_id = int(str(payload))
        except ValueError:
            logger.warning("ignoring a malformed live-event notification: %r", payload)
            return
        self.publish([event_id])


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
    """The `info` that makes a session report its events, and the keys it revokes, to `hub`."""
    return {SESSION_INFO_KEY: hub, revoked_keys.SESSION_INFO_KEY: hub.revoked_keys}
