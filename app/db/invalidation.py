"""This process's copies of what a warm lookup reads, and what drops them (DESIGN §17).

A lookup (`node(id:) { ... on AuthConfig { effectiveVersion } }`) needs the caller's API key,
the auth config with its running rollout and its connectors' stamps, and the connectors'
candidates (kept under their stamp by `app.services.effective.candidate_cache`). A process keeps
copies of the first two here, tagged with the rows they were read from, so that a warm lookup
sends no statement. The truth stays in the database, and a copy is dropped when one of its rows
changes:

- on PostgreSQL, triggers (migration 0012) send `pg_notify('registry_changes', '<kind> <id>')`
  in the transaction of any change to those rows, whoever writes (the API, a bulk UPDATE, a
  cascade); PostgreSQL delivers it on commit only, to the listener connection each process
  already holds (`app.db.listener`), which hands it to `LookupMemory.on_notification`;
- in this process, a session's commit drops at once the copies of the rows it wrote (the ORM
  hooks below), without waiting for its own notification to come back: a process sees its own
  changes at once, on SQLite (where no notification exists) too.

Copies are used only while they can be trusted (`LookupMemory.serves`): on PostgreSQL while the
listener is LISTENing, starting afresh each time it connects (every copy is dropped then: it may
have missed notifications while it was away); on SQLite when this is the only process. Otherwise
every lookup reads the database, as it always did. No copy is used once older than
`max_age_seconds` (`MEMORY_MAX_AGE_SECONDS`), notifications or not: that bounds how late a
revoked key or a changed auth config can be seen even if a notification is lost.

Race: a read that began before a change and ends after the change's copy was dropped must not
keep what it read. Every drop advances `generation`; a read notes it when it begins
(`start_read`) and its copy is kept only if nothing was dropped meanwhile (`keep`).
"""

import logging
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Collection, Hashable, Iterable
from dataclasses import dataclass
from itertools import chain
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from app.db.models import ApiKey, AuthConfig, Connector, ConnectorVersion, Rollout

CHANNEL = "registry_changes"
SESSION_INFO_KEY = "lookup_memory"
_PENDING_KEY = "lookup_memory.pending"
# A bulk statement that says which rows it changes (`note_changes`) sets this execution option,
# so that it does not drop every copy of its table.
CHANGES_NOTED = "registry_changes_noted"

DEFAULT_MAX_AGE_SECONDS = 5.0
# Copies a process keeps (keys and auth configs together; a copy is well under a kilobyte).
COPIES_KEPT = 20_000

# What a copy depends on: (kind, id). The kinds, and what each id is:
API_KEY = "api_key"  # an API key's id
AUTH_CONFIG = "auth_config"  # an auth config's id (its rollouts' changes name it too)
CONNECTOR = "connector"  # a connector's id (a change to its versions, in this process)
CONNECTOR_KEY = "connector_key"  # a connector key (any connector with it changed)
EVERY = "*"
"""As an id: every row of that kind (a bulk change, or too many rows to name)."""
KINDS = frozenset({API_KEY, AUTH_CONFIG, CONNECTOR, CONNECTOR_KEY})

Tag = tuple[str, str]

logger = logging.getLogger(__name__)

_MEMORIES: "weakref.WeakSet[LookupMemory]" = weakref.WeakSet()


@dataclass(frozen=True, slots=True)
class ReadStart:
    """When a read of something to keep began: the generation then, and the clock."""

    generation: int
    at: float


@dataclass(slots=True)
class _Copy:
    value: object
    tags: tuple[Tag, ...]
    read_at: float


class LookupMemory:
    """Copies of rows by key, each tagged with what it depends on; least recently used first
    out. Not thread-safe: one event loop per process uses it."""

    def __init__(
        self,
        *,
        max_age_seconds: float = DEFAULT_MAX_AGE_SECONDS,
        trusted: bool = False,
        size: int = COPIES_KEPT,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_age_seconds = max_age_seconds
        self._clock = clock
        self._size = size
        self._trusted = trusted
        self._copies: OrderedDict[Hashable, _Copy] = OrderedDict()
        self._tagged: dict[Tag, set[Hashable]] = {}
        self.generation = 0
        _MEMORIES.add(self)

    @property
    def serves(self) -> bool:
        """Whether lookups may be answered from copies now."""
        return self._trusted and self.max_age_seconds > 0

    def trust(self) -> None:
        """Serve from copies from now on, starting with none (what was kept before may have
        missed a change)."""
        self.drop_all()
        self._trusted = True

    def distrust(self) -> None:
        """Stop serving from copies (the listener is away), and forget them all."""
        self._trusted = False
        self.drop_all()

    def get(self, key: Hashable) -> Any:
        """The copy kept under `key`, if it may be served; else None."""
        if not self._trusted:
            return None
        copy = self._copies.get(key)
        if copy is None:
            return None
        if self._clock() - copy.read_at > self.max_age_seconds:
            self._remove(key)
            return None
        self._copies.move_to_end(key)
        return copy.value

    def start_read(self) -> ReadStart | None:
        """Note the generation before reading something to keep; None when nothing is kept."""
        if not self.serves:
            return None
        return ReadStart(self.generation, self._clock())

    def keep(
        self, start: ReadStart | None, key: Hashable, value: object, tags: Iterable[Tag]
    ) -> bool:
        """Keep `value` under `key` unless something was dropped since `start` (the read may
        have seen a row as it was before that change); whether it was kept."""
        if start is None or not self.serves or self.generation != start.generation:
            return False
        self._remove(key)
        copy = _Copy(value, tuple(tags), start.at)
        self._copies[key] = copy
        for tag in copy.tags:
            self._tagged.setdefault(tag, set()).add(key)
        while len(self._copies) > self._size:
            oldest = next(iter(self._copies))
            self._remove(oldest)
        return True

    def drop(self, tags: Iterable[Tag]) -> None:
        """Drop every copy that depends on one of `tags` (`(kind, EVERY)`: on any of that kind)."""
        self.generation += 1
        for kind, id_ in tags:
            if id_ == EVERY:
                for tag in [tag for tag in self._tagged if tag[0] == kind]:
                    self._drop_tag(tag)
            else:
                self._drop_tag((kind, id_))

    def drop_all(self) -> None:
        self.generation += 1
        self._copies.clear()
        self._tagged.clear()

    def on_notification(
        self, _connection: object, _pid: int, _channel: str, payload: object
    ) -> None:
        """A PostgreSQL notification: `<kind> <id>`."""
        kind, _, id_ = str(payload).partition(" ")
        if kind not in KINDS or not id_:
            logger.warning("ignoring a malformed change notification: %r", payload)
            self.drop_all()
            return
        self.drop([(kind, id_)])

    def __len__(self) -> int:
        return len(self._copies)

    def _drop_tag(self, tag: Tag) -> None:
        for key in self._tagged.pop(tag, ()):
            self._remove(key)

    def _remove(self, key: Hashable) -> None:
        copy = self._copies.pop(key, None)
        if copy is None:
            return
        for tag in copy.tags:
            keys = self._tagged.get(tag)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del self._tagged[tag]


def forget_all_copies() -> None:
    """Empty every `LookupMemory` of this process (tests that count statements start cold)."""
    for memory in list(_MEMORIES):
        memory.drop_all()


def lookup_memory(session: Session | Any) -> LookupMemory | None:
    """The memory of the database `session` belongs to (None: a session that keeps nothing).
    Takes an ORM session or an asyncio one."""
    memory = session.info.get(SESSION_INFO_KEY)
    return memory if isinstance(memory, LookupMemory) else None


def note_changes(session: Any, tags: Iterable[Tag]) -> None:
    """Drop the copies of `tags` once `session` commits (for a bulk statement that knows what
    it changes; it then runs with the `CHANGES_NOTED` execution option)."""
    if lookup_memory(session) is not None:
        session.info.setdefault(_PENDING_KEY, set()).update(tags)


def _tags_of(row: object) -> Tag | None:
    if isinstance(row, ApiKey):
        return (API_KEY, str(row.id))
    if isinstance(row, AuthConfig):
        return (AUTH_CONFIG, str(row.id))
    if isinstance(row, Rollout):
        return (AUTH_CONFIG, str(row.auth_config_id))
    if isinstance(row, Connector):
        return (CONNECTOR_KEY, row.key)
    if isinstance(row, ConnectorVersion):
        return (CONNECTOR, str(row.connector_id))
    return None


# A bulk statement on one of these tables, without `note_changes`: every copy of that kind goes.
_KIND_OF_TABLE = {
    ApiKey.__tablename__: API_KEY,
    AuthConfig.__tablename__: AUTH_CONFIG,
    Rollout.__tablename__: AUTH_CONFIG,
    Connector.__tablename__: CONNECTOR_KEY,
    ConnectorVersion.__tablename__: CONNECTOR,
}


def _pending(session: Session) -> set[Tag]:
    pending: set[Tag] = session.info.setdefault(_PENDING_KEY, set())
    return pending


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _flush_context: UOWTransaction) -> None:
    if lookup_memory(session) is None:
        return
    tags = {
        tag
        for row in chain(session.new, session.dirty, session.deleted)
        if (tag := _tags_of(row)) is not None
    }
    if tags:
        _pending(session).update(tags)


@event.listens_for(Session, "do_orm_execute")
def _bulk_statement(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    session = state.session
    if lookup_memory(session) is None or state.execution_options.get(CHANGES_NOTED):
        return
    table = getattr(state.statement, "table", None)
    kind = _KIND_OF_TABLE.get(getattr(table, "name", ""))
    if kind is not None:
        _pending(session).add((kind, EVERY))


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    # What a rolled-back transaction noted stays until the session's next commit: dropping a
    # copy too many costs one read, keeping one too many would be wrong.
    pending: Collection[Tag] = session.info.pop(_PENDING_KEY, ())
    memory = lookup_memory(session)
    if pending and memory is not None:
        memory.drop(pending)
