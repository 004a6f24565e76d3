"""A version's site assignments.

`Assignment` and `ConnectorVersion` each return the other, so each module imports the other as a
module object (read when a field is resolved) and names the other's type with `strawberry.lazy`.
"""

from datetime import datetime
from typing import TYPE_CHECKING, Annotated
from uuid import UUID

import strawberry
from strawberry import relay
from strawberry.dataloader import DataLoader

from app.db import models
from app.domain.assignments import AssignmentKind
from app.graphql.context import Info
from app.graphql.lifecycle import blockers as _blockers  # noqa: F401  (registers the enum)
from app.graphql.loaders import Loaders
from app.graphql.relay.entity import Entity, present
from app.graphql.relay.ids import encode_id
from app.graphql.relay.pagination import Counted
from app.graphql.versions import types as version_types

if TYPE_CHECKING:
    from app.graphql.versions.types import ConnectorVersion


@strawberry.federation.type(
    keys=["id"],
    description="A published version referenced by a datasource, an export or a data service on "
    "a site. While it exists the version stays in use: moveVersionToBin refuses it.",
)
class Assignment(relay.Node, Entity[models.Assignment]):
    @classmethod
    def loader(cls, loaders: Loaders) -> DataLoader[UUID, models.Assignment | None]:
        return loaders.assignment_by_id

    id: relay.NodeID[str]
    site_id: str = strawberry.field(description="The site the version is assigned to.")
    kind: AssignmentKind = strawberry.field(description="What on the site references it.")
    external_reference: str | None = strawberry.field(
        description="The datasource's, export's or data service's own reference, if given."
    )
    created_at: datetime = strawberry.field(description="When it was assigned.")
    assigned_by_api_key_id: strawberry.ID | None = strawberry.field(
        description="The global id of the API key that assigned it."
    )
    version_row_id: strawberry.Private[UUID]

    @classmethod
    def from_row(cls, row: models.Assignment) -> "Assignment":
        return cls(
            id=str(row.id),
            site_id=row.site_id,
            kind=AssignmentKind(row.kind),
            external_reference=row.external_reference,
            created_at=row.created_at,
            assigned_by_api_key_id=(
                None
                if row.api_key_id is None
                else strawberry.ID(encode_id("ApiKey", row.api_key_id))
            ),
            version_row_id=row.version_id,
        )

    @strawberry.field(description="The assigned version.")
    async def version(
        self, info: Info
    ) -> Annotated["ConnectorVersion", strawberry.lazy("app.graphql.versions.types")]:
        header = await info.context.loaders.version_by_id.load(self.version_row_id)
        return version_types.ConnectorVersion.from_header(present(header))


@strawberry.type(description="A page of site assignments.")
class AssignmentConnection(relay.Connection[Assignment], Counted):
    pass
