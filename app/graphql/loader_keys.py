"""The keys of the request's loaders, and how a batch of keys is read in as few statements as
there are distinct pages or options (`app.graphql.loaders`)."""

from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, NamedTuple, TypeVar
from uuid import UUID

from app.services.pages import PageRequest, SortKey

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

ParentT = TypeVar("ParentT", bound=Hashable)


@dataclass(frozen=True, slots=True)
class PageKey(Generic[ParentT]):
    """One parent's page, as a paged loader's key: the parents asking for the same page (cursor,
    size, and whether to count) load together in one statement."""

    parent: ParentT
    after: SortKey | None
    limit: int
    count: bool

    @classmethod
    def of(cls, parent: ParentT, page: PageRequest) -> "PageKey[ParentT]":
        return cls(parent=parent, after=page.after, limit=page.limit, count=page.count)

    @property
    def page(self) -> PageRequest:
        return PageRequest(limit=self.limit, after=self.after, count=self.count)


class VersionsOf(NamedTuple):
    """A connector's versions, with or without those in the bin."""

    connector_id: UUID
    include_binned: bool


def in_order(found: Mapping[K, V], keys: Sequence[K]) -> list[V | None]:
    return [found.get(key) for key in keys]


async def grouped(
    keys: Sequence[tuple[K, Any]],
    load: Callable[[Any, Sequence[K]], Awaitable[dict[K, V]]],
) -> list[V]:
    """Load keys of the form (parent, option): one call per distinct option."""
    parents_by_option: dict[Any, list[K]] = defaultdict(list)
    for parent, option in keys:
        parents_by_option[option].append(parent)
    results: dict[tuple[K, Any], V] = {}
    for option, parents in parents_by_option.items():
        for parent, value in (await load(option, list(dict.fromkeys(parents)))).items():
            results[(parent, option)] = value
    return [results[key] for key in keys]


async def paged(
    keys: Sequence[PageKey[K]],
    load: Callable[[PageRequest, Sequence[K]], Awaitable[dict[K, V]]],
) -> list[V]:
    """Load page keys: one call per distinct page, whatever the number of parents."""
    return await grouped([(key.parent, key.page) for key in keys], load)
