"""The caller, and lookup of any object by its global id."""

import strawberry
from strawberry import relay

from app.graphql.context import Info
from app.graphql.entity import Entity
from app.graphql.projects.types import ApiKey, Viewer


@strawberry.type
class ProjectQueries:
    @strawberry.field(description="The caller: its API key, role and project.")
    async def viewer(self, info: Info) -> Viewer:
        principal = info.context.principal
        row = await info.context.loaders.api_key_by_id.load(principal.api_key_id)
        return Viewer(api_key=ApiKey.from_row(row), role=principal.role)  # type: ignore[arg-type]

    @strawberry.field(description="Any object by its global id; null when it is not visible.")
    async def node(self, info: Info, id: strawberry.ID) -> relay.Node | None:
        try:
            type_name = relay.GlobalID.from_id(id).type_name
        except (ValueError, TypeError):
            return None
        entity = info.schema.get_type_by_name(type_name)
        origin = getattr(entity, "origin", None)
        if origin is None or not issubclass(origin, Entity):
            return None
        return await origin.load(info, str(id))  # type: ignore[no-any-return]
