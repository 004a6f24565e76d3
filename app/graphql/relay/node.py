"""`Query.node`: any object by its global id, under the same access rules as its own fields.

The global id names the type; every entity type (`relay.entity.Entity`) loads itself through
its loader, so a type the caller may not see, or an id of no entity type, is null.
"""

from typing import cast
from uuid import UUID

import strawberry
from strawberry import relay

from app.graphql.context import Info
from app.graphql.loader_now import Now
from app.graphql.relay.entity import Entity


@strawberry.type
class NodeQueries:
    @strawberry.field(
        description="Any object by its global id; null when it is not visible.",
        graphql_type=relay.Node | None,
    )
    def node(self, info: Info, id: strawberry.ID) -> Now[relay.Node | None]:
        """A plain answer when the type's loader knows it already (`Entity.load_now`), an
        awaitable otherwise: graphql-core takes either."""
        try:
            global_id = relay.GlobalID.from_id(id)
            node_id = UUID(global_id.node_id)
        except (ValueError, TypeError):
            return None
        entity = info.schema.get_type_by_name(global_id.type_name)
        origin = getattr(entity, "origin", None)
        # Built-in scalars' origin is a GraphQLScalarType instance, not a class.
        if not isinstance(origin, type) or not issubclass(origin, Entity):
            return None
        answer = origin.load_id_now(info, node_id)
        return cast(Now[relay.Node | None], answer)
