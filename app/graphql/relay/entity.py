"""What every entity type shares: a Relay node that is also a federation entity."""

from collections.abc import Awaitable
from inspect import isawaitable
from typing import Any, Generic, Self, TypeVar
from uuid import UUID

import strawberry
from strawberry.dataloader import DataLoader

from app.graphql.context import Info
from app.graphql.loader_now import NOT_KEPT, Now, NowLoader
from app.graphql.loaders import Loaders
from app.graphql.relay.ids import decode_id

T = TypeVar("T")
Loaded = TypeVar("Loaded")


def present(row: T | None) -> T:
    """A row that must be visible because what refers to it is (e.g. a version's connector)."""
    if row is None:
        raise LookupError("a visible object refers to one the caller cannot see")
    return row


class Entity(Generic[Loaded]):
    """Mixin for types that are both `Node`s and federation entities keyed by `id`.

    `Loaded` is what the type's loader returns for an id. Subclasses say which of the request's
    loaders fetches them (access rules included) with `loader`, and convert what it returns with
    `from_row` (or, when it returns something other than a row, `from_loaded`).
    """

    @classmethod
    def loader(cls, loaders: Loaders) -> DataLoader[UUID, Loaded | None]:
        """The loader that fetches this type by row id, `None` when the caller cannot see it."""
        raise NotImplementedError

    @classmethod
    def from_row(cls, row: Any) -> Self:
        raise NotImplementedError

    @classmethod
    def from_loaded(cls, loaded: Loaded) -> Self:
        """What `loader` returned, as this type."""
        return cls.from_row(loaded)

    @classmethod
    async def load(cls, info: Info, global_id: str) -> Self | None:
        answer = cls.load_now(info, global_id)
        return await answer if isawaitable(answer) else answer

    @classmethod
    def load_now(cls, info: Info, global_id: str) -> Now[Self | None]:
        """`load`, answered at once when the type's loader knows the answer already
        (`app.graphql.loader_now`): no batch, no coroutine; else an awaitable of it."""
        node_id = decode_id(global_id, cls.__name__)
        return None if node_id is None else cls.load_id_now(info, node_id)

    @classmethod
    def load_id_now(cls, info: Info, node_id: UUID) -> Now[Self | None]:
        """`load_now` of the row id inside a global id of this type."""
        loader = cls.loader(info.context.loaders)
        if isinstance(loader, NowLoader):
            known = loader.known(node_id)
            if known is not NOT_KEPT:
                return None if known is None else cls.from_loaded(known)
        return cls._converted(loader.load(node_id))

    @classmethod
    async def _converted(cls, loading: Awaitable[Loaded | None]) -> Self | None:
        loaded = await loading
        return None if loaded is None else cls.from_loaded(loaded)

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> Self | None:
        """Federation `_entities`: the same access rules as `node`."""
        return await cls.load(info, str(id))
