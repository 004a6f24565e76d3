"""This process's live event feeds: one fan-out for every subscription (DESIGN §9).

`LiveEvents` hands committed event ids to the process. One pump reads each batch of them once
(one statement, whatever the number of subscribers) and gives every feed the events it may see,
by `app.domain.event_visibility` applied in memory: feeds are grouped by the project whose
events they may read, so an event of another project costs a subscriber nothing, and a feed
wakes only for events its filter keeps.

A subscription's key is watched by its connection (`app.graphql.endpoint.key_bound`: revocation
and deletion are announced, expiry is timed). A key deleted straight in the database is not
announced: before a batch is handed over, the pump reads the state of every key the batch would
wake, in one statement for all of them (none for a batch that wakes nobody); a key found working
is trusted for `key_recheck_seconds` (0, the default: read for every batch that wakes it). A feed
whose key stopped working gets the refusal instead of the events.

Caps: at most `per_key` open subscriptions per API key and `total` per process.
"""

import asyncio
import logging
import math
import time
from collections import Counter
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from uuid import UUID

from sqlalchemy import select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.engine import Database
from app.db.models import ApiKey, Event
from app.db.notifications import MAX_QUEUED
from app.db.types import utc_now
from app.domain.access import Principal
from app.domain.api_keys import KeyRefusal, refusal
from app.domain.event_visibility import EventFilter, readable_project, visible
from app.services import history
from app.services.lookups import column_rows

MAX_BATCH = 100
"""Most event ids read at once, and most events a feed hands over at once."""

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class FeedLimits:
    per_key: int = 50
    """Open subscriptions per API key, in one process (`MAX_SUBSCRIPTIONS_PER_KEY`)."""
    total: int = 1000
    """Open subscriptions in one process (`MAX_SUBSCRIPTIONS`)."""
    key_recheck_seconds: float = 0.0
    """How long a key found working is trusted before a delivery reads it again
    (`SUBSCRIPTION_KEY_RECHECK_SECONDS`)."""


class TooManySubscriptions(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Feed:
    """One subscription's events: those its key may read that its filter keeps."""

    def __init__(self, actor: Principal, where: EventFilter) -> None:
        self.actor = actor
        self.where = where
        self.wakeups = 0
        """Batches handed to this feed (a subscriber woken for nothing would be a defect)."""
        self.refused: KeyRefusal | None = None
        self._queue: asyncio.Queue[Event] = asyncio.Queue(maxsize=MAX_QUEUED)
        self._woken = asyncio.Event()

    def keeps(self, rows: Sequence[Event]) -> list[Event]:
        """What this feed may see of `rows`."""
        return [row for row in rows if visible(self.actor, self.where, row)]

    def hand_over(self, rows: Sequence[Event]) -> None:
        """Queue `rows` (a feed far behind loses the excess)."""
        self.wakeups += 1
        for row in rows:
            try:
                self._queue.put_nowait(row)
            except asyncio.QueueFull:
                logger.warning("a live-event subscriber is too slow; dropping event %s", row.id)
        self._woken.set()

    def refuse(self, refused: KeyRefusal) -> None:
        """The key stopped working: nothing more is handed over."""
        self.refused = refused
        self.wakeups += 1
        self._woken.set()

    async def next_batch(self) -> list[Event] | KeyRefusal:
        """The next events, oldest first (waits for at least one), or why the key no longer
        works."""
        while self.refused is None and self._queue.empty():
            self._woken.clear()
            await self._woken.wait()
        if self.refused is not None:
            return self.refused
        rows = [self._queue.get_nowait()]
        while not self._queue.empty() and len(rows) < MAX_BATCH:
            rows.append(self._queue.get_nowait())
        return rows


@dataclass
class FeedStats:
    """What the fan-out did, for tests and benchmarks: counts, never times."""

    batches_read: int = 0
    key_checks: int = 0


class EventFeeds:
    """The fan-out of one process's database (`Database.live_events`) to its subscriptions."""

    def __init__(self, database: Database, limits: FeedLimits) -> None:
        self.database = database
        self.limits = limits
        self.stats = FeedStats()
        self._by_project: dict[UUID | None, set[Feed]] = {}
        self._per_key: Counter[UUID] = Counter()
        self._open = 0
        self._pump: asyncio.Task[None] | None = None
        self._pump_exits: ExitStack | None = None
        self._reading = False
        self._keys_checked_at: dict[UUID, float] = {}

    @property
    def open_count(self) -> int:
        return self._open

    def open(self, actor: Principal, where: EventFilter) -> Feed:
        """A new feed, fed until `close`; raises `TooManySubscriptions` past a cap."""
        if self._per_key[actor.api_key_id] >= self.limits.per_key:
            raise TooManySubscriptions(
                f"this API key has {self.limits.per_key} open subscriptions in this server "
                "process, its limit (MAX_SUBSCRIPTIONS_PER_KEY); end one first"
            )
        if self._open >= self.limits.total:
            raise TooManySubscriptions(
                f"this server process serves {self.limits.total} subscriptions, its limit "
                "(MAX_SUBSCRIPTIONS); retry later"
            )
        feed = Feed(actor, where)
        self._by_project.setdefault(readable_project(actor), set()).add(feed)
        self._per_key[actor.api_key_id] += 1
        self._open += 1
        if self._pump is None:
            self._start_pump()
        return feed

    def close(self, feed: Feed) -> None:
        project = readable_project(feed.actor)
        feeds = self._by_project.get(project)
        if feeds is None or feed not in feeds:
            return
        feeds.discard(feed)
        if not feeds:
            del self._by_project[project]
        key = feed.actor.api_key_id
        self._per_key[key] -= 1
        if self._per_key[key] <= 0:
            del self._per_key[key]
            self._keys_checked_at.pop(key, None)
        self._open -= 1
        if self._open == 0 and not self._reading:
            self._stop_pump()

    async def _refusals(self, api_key_ids: set[UUID]) -> dict[UUID, KeyRefusal] | None:
        """The keys of `api_key_ids` that stopped working, read in one statement; those read
        within `key_recheck_seconds` are trusted without. None when they could not be read."""
        now = time.monotonic()
        due = {
            key
            for key in api_key_ids
            if now - self._keys_checked_at.get(key, -math.inf) >= self.limits.key_recheck_seconds
        }
        if not due:
            return {}
        self.stats.key_checks += 1
        try:
            async with self.database.session() as session:
                states = await key_states(session, due)
        except Exception:
            logger.warning(
                "could not check the keys of %d subscription(s)", len(due), exc_info=True
            )
            return None
        refused: dict[UUID, KeyRefusal] = {}
        for key in due:
            reason = states.get(key, KeyRefusal.UNKNOWN)  # not found: deleted
            if reason is None:
                self._keys_checked_at[key] = now
            else:
                refused[key] = reason
        return refused

    def _start_pump(self) -> None:
        # Subscribed now, not when the task first runs: nothing committed from here on is missed.
        exits = ExitStack()
        ids = exits.enter_context(self.database.live_events.subscribe())
        self._pump_exits = exits
        self._pump = asyncio.create_task(self._run(ids, exits), name="live-event fan-out")

    def _stop_pump(self) -> None:
        pump, exits = self._pump, self._pump_exits
        self._pump = self._pump_exits = None
        if pump is not None:
            pump.cancel()
        if exits is not None:
            exits.close()

    async def _run(self, ids: "asyncio.Queue[int]", exits: ExitStack) -> None:
        with exits:
            while True:
                batch = [await ids.get()]
                while not ids.empty() and len(batch) < MAX_BATCH:
                    batch.append(ids.get_nowait())
                self._reading = True
                try:
                    await self._deliver(batch)
                except Exception:  # the fan-out must outlive one bad batch
                    logger.exception("could not deliver %d live event(s)", len(batch))
                finally:
                    self._reading = False
                if self._open == 0:
                    self._pump = self._pump_exits = None
                    return

    async def _read(self, event_ids: Sequence[int]) -> list[Event]:
        self.stats.batches_read += 1
        try:
            async with self.database.session() as session:
                return await history.events_by_id(session, event_ids)
        except Exception:  # `Query.events` still lists them; the next batch may fare better
            logger.warning("could not read %d live event(s)", len(event_ids), exc_info=True)
            return []

    async def _deliver(self, event_ids: Sequence[int]) -> None:
        rows = await self._read(event_ids)
        by_project: dict[UUID | None, list[Event]] = {}
        for row in rows:
            by_project.setdefault(row.project_id, []).append(row)
        handed: list[tuple[Feed, list[Event]]] = []
        for project, project_rows in by_project.items():
            for feed in list(self._by_project.get(project, ())):
                kept = feed.keeps(project_rows)
                if kept:
                    handed.append((feed, kept))
        if not handed:
            return
        refused = await self._refusals({feed.actor.api_key_id for feed, _ in handed})
        if refused is None:
            # Nothing is handed over under keys that could not be checked (`Query.events`
            # still lists these events).
            return
        for feed, kept in handed:
            reason = refused.get(feed.actor.api_key_id)
            if reason is not None:
                feed.refuse(reason)
            else:
                feed.hand_over(kept)


async def key_states(
    session: AsyncSession, api_key_ids: set[UUID]
) -> dict[UUID, KeyRefusal | None]:
    """Each key of `api_key_ids` that exists: why it no longer works, or None while it does."""
    query = select(col(ApiKey.id), col(ApiKey.revoked_at), col(ApiKey.expires_at)).where(
        col(ApiKey.id).in_(sorted(api_key_ids))
    )
    now = utc_now()
    return {
        key: refusal(revoked_at=revoked_at, expires_at=expires_at, now=now)
        for key, revoked_at, expires_at in await column_rows(session, query)
    }


def event_feeds(state: object, database: Database) -> EventFeeds:
    """The fan-out of `database` kept on the app's `state`, made on first use with the app's
    `subscription_limits` (`app.main.create_app`)."""
    feeds: EventFeeds | None = getattr(state, "event_feeds", None)
    if feeds is None or feeds.database is not database:
        limits = getattr(state, "subscription_limits", None)
        feeds = EventFeeds(database, limits if isinstance(limits, FeedLimits) else FeedLimits())
        setattr(state, "event_feeds", feeds)  # noqa: B010  (Starlette's State is untyped)
    return feeds
