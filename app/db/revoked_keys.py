"""Keys that stopped working, announced to every server process (DESIGN §11), so that the
websocket connections authenticated with them close at once.

Every session of a `Database` carries this process's `RevokedKeys` in `session.info` (see
`app.db.notifications.session_info`). When a flush revokes an `ApiKey` (sets `revoked_at`) or
deletes one:

- on PostgreSQL, the writing transaction also runs `pg_notify('registry_revoked_keys', ...)`,
  which PostgreSQL delivers on commit only to every process's listener connection (the one
  `LiveEvents` holds), and each process tells its watchers of that key;
- on SQLite (one process), the key waits in the session until it commits and then goes straight
  to this process's watchers; a rollback drops it. As with live events, a flush inside a
  SAVEPOINT is not announced.

A notification sent while a process's listener is away never reaches it: each time the listener
connects again, it checks every key watched in the process in one statement
(`RevokedKeys.check_again`) and tells the watchers of those revoked or deleted meanwhile.

A key that expires needs no announcement: its connections know when (`expires_at`).
"""

import asyncio
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from uuid import UUID

import asyncpg
from sqlalchemy import event, inspect, text
from sqlalchemy.orm import Session, UOWTransaction

from app.db.models import ApiKey
from app.domain.api_keys import KeyRefusal

CHANNEL = "registry_revoked_keys"
SESSION_INFO_KEY = "revoked_keys"
_PENDING_KEY = "revoked_keys.pending"

logger = logging.getLogger(__name__)


class RevokedKeys:
    """Tells the watchers of a key that it stopped working, and why."""

    def __init__(self) -> None:
        self._watchers: dict[UUID, set[asyncio.Future[KeyRefusal]]] = {}

    @contextmanager
    def watch(self, api_key_id: UUID) -> Iterator["asyncio.Future[KeyRefusal]"]:
        """A future that gets why the key stopped working, if it does before the block ends."""
        ended: asyncio.Future[KeyRefusal] = asyncio.get_running_loop().create_future()
        watchers = self._watchers.setdefault(api_key_id, set())
        watchers.add(ended)
        try:
            yield ended
        finally:
            watchers.discard(ended)
            if not watchers:
                self._watchers.pop(api_key_id, None)

    def publish(self, api_key_id: UUID, refusal: KeyRefusal) -> None:
        for ended in list(self._watchers.get(api_key_id, ())):
            if not ended.done():
                ended.set_result(refusal)

    def watched(self) -> list[UUID]:
        """The keys someone watches now."""
        return list(self._watchers)

    async def check_again(self, connection: asyncpg.Connection, timeout_seconds: float) -> int:
        """Check every watched key in one statement (PostgreSQL) and tell the watchers of those
        revoked or deleted; how many keys stopped working."""
        watched = self.watched()
        if not watched:
            return 0
        rows = await connection.fetch(_KEY_STATES, watched, timeout=timeout_seconds)
        revoked = {UUID(str(row[0])): bool(row[1]) for row in rows}
        ended = 0
        for api_key_id in watched:
            refusal = (
                KeyRefusal.UNKNOWN
                if api_key_id not in revoked
                else KeyRefusal.REVOKED
                if revoked[api_key_id]
                else None
            )
            if refusal is not None:
                ended += 1
                self.publish(api_key_id, refusal)
        if ended:
            logger.info("%d watched API key(s) stopped working while the listener was away", ended)
        return ended

    def on_notification(
        self, _connection: object, _pid: int, _channel: str, payload: object
    ) -> None:
        """A PostgreSQL notification: `<refusal name> <key id>`."""
        try:
            name, key_id = str(payload).split(" ", 1)
            refusal, api_key_id = KeyRefusal[name], UUID(key_id)
        except (KeyError, ValueError):
            logger.warning("ignoring a malformed revoked-key notification: %r", payload)
            return
        self.publish(api_key_id, refusal)


_KEY_STATES = (
    f"SELECT id, revoked_at IS NOT NULL FROM {ApiKey.__tablename__} WHERE id = ANY($1::uuid[])"
)


def _hub(session: Session) -> RevokedKeys | None:
    hub = session.info.get(SESSION_INFO_KEY)
    return hub if isinstance(hub, RevokedKeys) else None


def _ended_keys(session: Session) -> list[tuple[UUID, KeyRefusal]]:
    """The keys this flush revoked or deleted (the session still shows its pre-flush state)."""
    ended = [(row.id, KeyRefusal.UNKNOWN) for row in session.deleted if isinstance(row, ApiKey)]
    ended.extend(
        (row.id, KeyRefusal.REVOKED)
        for row in session.dirty
        if isinstance(row, ApiKey)
        and row.revoked_at is not None
        and inspect(row).attrs.revoked_at.history.added
    )
    return ended


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _flush_context: UOWTransaction) -> None:
    if _hub(session) is None:
        return
    ended = _ended_keys(session)
    if not ended:
        return
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        for api_key_id, refusal in ended:
            connection.execute(
                text("SELECT pg_notify(:channel, :payload)"),
                {"channel": CHANNEL, "payload": f"{refusal.name} {api_key_id}"},
            )
    elif not connection.in_nested_transaction():
        session.info.setdefault(_PENDING_KEY, []).extend(ended)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    pending: list[tuple[UUID, KeyRefusal]] = session.info.pop(_PENDING_KEY, [])
    hub = _hub(session)
    if hub is not None:
        for api_key_id, refusal in pending:
            hub.publish(api_key_id, refusal)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING_KEY, None)
