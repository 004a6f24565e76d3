"""A DataLoader that answers at once what the request or the process already holds.

Strawberry's `DataLoader` answers every `load` with a future resolved by a batch it schedules
for the next turn of the event loop: a task, a gather and a turn, even when the answer is in
the request's cache or in this process's memory. `NowLoader.load_now` hands such an answer back
as a plain value (a resolver may return it as it is: graphql-core takes values and awaitables
alike) and schedules a batch only for what neither holds.

What it answers is what `load` would: the request's cache first (the same object for the same
key within a request), then `kept`, whose answer is put in that cache before it is returned, so
that a later `load` of the key, or a batch it is waiting in, gets that same object.
"""

from collections.abc import Awaitable, Callable, Hashable, Sequence
from enum import Enum
from typing import Final, Generic, TypeAlias, TypeVar

from strawberry.dataloader import DataLoader

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


Now: TypeAlias = V | Awaitable[V]
"""An answer given at once, or an awaitable of it: what a resolver may return."""


class _NotKept(Enum):
    NOT_KEPT = "not kept"


NOT_KEPT: Final = _NotKept.NOT_KEPT
"""What `kept` answers when what the key needs must be read."""

NotKept = _NotKept


class NowLoader(DataLoader[K, V], Generic[K, V]):
    """A request's loader whose `load_now` answers at once when it can (see the module).

    `kept(key)`: the key's answer from this process's memory, or `NOT_KEPT`; it must answer
    what the batch would (the same access rules and freshness checks), without I/O."""

    def __init__(
        self,
        load_fn: Callable[[Sequence[K]], Awaitable[Sequence[V]]],
        kept: Callable[[K], V | NotKept] | None = None,
    ) -> None:
        super().__init__(load_fn)
        self._kept = kept

    def known(self, key: K) -> V | NotKept:
        """The key's answer if this request has it, or memory does (then this request has it
        from now on); `NOT_KEPT` when a batch must read it (or already is)."""
        future = self.cache_map.get(key)
        if future is not None:
            if future.done() and not future.cancelled() and future.exception() is None:
                found: V = future.result()
                return found
            return NOT_KEPT
        if self._kept is None:
            return NOT_KEPT
        kept = self._kept(key)
        if kept is not NOT_KEPT:
            # What `prime` does for a key no batch waits for (none does: it is not cached).
            answered = self.loop.create_future()
            answered.set_result(kept)
            self.cache_map.set(key, answered)
        return kept

    def load_now(self, key: K) -> Now[V]:
        """The key's answer at once when it is known (`known`), else `load(key)`."""
        known = self.known(key)
        return self.load(key) if known is NOT_KEPT else known
