"""Comparing versions before pushing."""

from typing import Annotated

import strawberry

from app.graphql.context import Info
from app.graphql.errors import (
    InvalidDefinitionError,
    InvalidInputError,
    InvalidVersionError,
    NotFoundError,
)
from app.graphql.relay.ids import require_id
from app.graphql.versions.types import VersionComparison
from app.services.versions import comparisons

CompareVersionsResult = Annotated[
    VersionComparison
    | NotFoundError
    | InvalidVersionError
    | InvalidInputError
    | InvalidDefinitionError,
    strawberry.union("CompareVersionsResult"),
]


@strawberry.type
class VersionQueries:
    @strawberry.field(
        description="The changes between two versions' definitions and the bump they need, so a "
        "push can be checked before it is made."
    )
    async def compare_versions(
        self,
        info: Info,
        connector_id: strawberry.ID,
        from_: Annotated[str, strawberry.argument(name="from", description="The older number.")],
        to: Annotated[str, strawberry.argument(description="The newer number.")],
    ) -> CompareVersionsResult:
        connector = require_id(connector_id, "Connector", "connector")
        async with info.context.session() as session:
            comparison = await comparisons.compare_versions(
                session, actor=info.context.principal, connector_id=connector, from_=from_, to=to
            )
        return VersionComparison.from_domain(comparison)
