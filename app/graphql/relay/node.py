"""`Query.node`: any object by its global id, under the same access rules as its own fields.

The global id names the type; every entity type (`relay.entity.Entity`) loads itself through
its loader, so a type the caller may not see, or an id of no entity type, is null.
"""

from typing import cast

import strawberry
from strawberry import relay

from app.graphql.context import Info
from app.graphql.relay.entity import Entity


@strawberry.type
class NodeQueries:
    @strawberry.field(description="Any object by its global id; null when it is not visible.")
    async def node(self, info: Info, id: strawberry.ID) -> relay.Node | None:
        try:
            type_name = relay.GlobalID.from_id(id).type_name
        except (ValueError, TypeError):
            return None
        entity = info.schema.get_type_by_name(type_name)
        origin = getattr(entity, "origin", None)
        # Built-in scalars' origin is a GraphQLScalarType instance, not a class.
        if not isinstance(origin, type) or not issubclass(origin, Entity):
            return None
        return cast(relay.Node | None, await origin.load(info, str(id)))
