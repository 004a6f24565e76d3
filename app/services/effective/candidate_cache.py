"""Each server process keeps connectors' resolution candidates in memory, under the stamp they
were read with, and the resolutions made from them.

`connector.versions_stamp` moves in the same transaction as any change to the connector's
versions (triggers, migration 0006). A request reads the stamps of the connectors it resolves
(one small row each) and re-reads a connector's versions only when its stamp is not the one kept
here. What is kept under a stamp is never older than that stamp: the stamp is read first, the
versions after it. So every process answers from the committed state, with no messages between
processes, and the effective version costs the same however many versions a connector has.

Only reads use it; a write decides on what its own transaction sees (`cached=False`). Both
caches are bounded: what was used least recently is forgotten first.
"""

from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Generic, TypeVar
from uuid import UUID

from app.db.invalidation import forget_all_copies
from app.domain.resolution import Candidate, Resolution
from app.services.versions.reads import VersionHeader

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

# Connectors whose candidates a process keeps (a candidate is a few hundred bytes), and
# resolutions (one per pin, pin source and connectors' stamps in use).
CONNECTORS_KEPT = 1024
RESOLUTIONS_KEPT = 4096


@dataclass
class ConnectorVersions:
    """One connector's candidates (with each version's revision) as of `stamp`, and the
    headers of those of its versions that requests have shown since (filled as they go)."""

    connector_id: UUID
    stamp: int
    candidates: list[Candidate[UUID]]
    revisions: dict[UUID, int]
    headers: dict[UUID, VersionHeader] = field(default_factory=dict)


class LeastRecentlyUsed(Generic[K, V]):
    def __init__(self, size: int) -> None:
        self._size = size
        self._entries: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        value = self._entries.get(key)
        if value is not None:
            self._entries.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        self._entries[key] = value
        self._entries.move_to_end(key)
        while len(self._entries) > self._size:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


class CandidateCache:
    """This process's connectors' candidates, by connector, valid for one stamp each."""

    def __init__(self, size: int = CONNECTORS_KEPT) -> None:
        self._entries: LeastRecentlyUsed[UUID, ConnectorVersions] = LeastRecentlyUsed(size)

    def get(self, connector_id: UUID, stamp: int) -> ConnectorVersions | None:
        """The connector's versions if they were kept under exactly `stamp`."""
        entry = self._entries.get(connector_id)
        return entry if entry is not None and entry.stamp == stamp else None

    def put(self, entry: ConnectorVersions) -> None:
        self._entries.put(entry.connector_id, entry)

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


# (pin, pin source, ((connector id, stamp), ...)): what a resolution depends on, all of it.
ResolutionKey = tuple[str | None, str, tuple[tuple[UUID, int], ...]]

CANDIDATES = CandidateCache()
RESOLUTIONS: LeastRecentlyUsed[ResolutionKey, Resolution[UUID]] = LeastRecentlyUsed(
    RESOLUTIONS_KEPT
)


def forget_everything() -> None:
    """Empty this process's caches, and its copies of keys and auth configs
    (`app.db.invalidation`): tests that count statements start from the same state."""
    CANDIDATES.clear()
    RESOLUTIONS.clear()
    forget_all_copies()
