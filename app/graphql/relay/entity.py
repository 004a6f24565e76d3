"""What every entity type shares: a Relay node that is also a federation entity."""

from typing import Any, ClassVar, Self, TypeVar

import strawberry

from app.graphql.context import Info
from app.graphql.relay.ids import decode_id

T = TypeVar("T")


def present(row: T | None) -> T:
    """A row that must be visible because what refers to it is (e.g. a version's connector)."""
    if row is None:
        raise LookupError("a visible object refers to one the caller cannot see")
    return row


class Entity:
    """Mixin for types that are both `Node`s and federation entities keyed by `id`.

    Subclasses name the loader that fetches their rows (access rules included) and convert
    a row with `from_row` (or, when their loader returns something else, `from_loaded`).
    """

    loader_name: ClassVar[str]

    @classmethod
    def from_row(cls, row: Any) -> Self:
        raise NotImplementedError

    @classmethod
    def from_loaded(cls, loaded: Any) -> Self:
        """What `loader_name` returned, as this type."""
        return cls.from_row(loaded)

    @classmethod
    async def load(cls, info: Info, global_id: str) -> Self | None:
        node_id = decode_id(global_id, cls.__name__)
        if node_id is None:
            return None
        row = await getattr(info.context.loaders, cls.loader_name).load(node_id)
        return None if row is None else cls.from_loaded(row)

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> Self | None:
        """Federation `_entities`: the same access rules as `node`."""
        return await cls.load(info, str(id))
