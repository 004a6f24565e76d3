"""Creating connectors, and renaming or re-describing them."""

from typing import Annotated

import strawberry

from app.graphql.connectors.types import Connector
from app.graphql.context import Info
from app.graphql.enums import Runtime
from app.graphql.errors import (
    AlreadyExistsError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
)
from app.graphql.relay.ids import require_id
from app.services import connectors


@strawberry.input(
    description="A new connector: custom with a project key, managed with a platform key."
)
class CreateConnectorInput:
    key: str = strawberry.field(
        description="Immutable: 1-63 of a-z, 0-9, '_' and '-', starting with a letter or digit."
    )
    name: str
    description: str | None = None
    runtime: Runtime = strawberry.field(
        default=Runtime.DEFINITION, description="DEFINITION (default) or IMAGE."
    )


@strawberry.type(description="The new connector.")
class CreateConnectorSuccess:
    connector: Connector


CreateConnectorResult = Annotated[
    CreateConnectorSuccess | ForbiddenError | InvalidInputError | AlreadyExistsError,
    strawberry.union("CreateConnectorResult"),
]


@strawberry.input(
    description="A connector's new name and/or description; at least one. The key never changes."
)
class UpdateConnectorInput:
    connector_id: strawberry.ID
    name: str | None = strawberry.field(default=None, description="Left out, it stays.")
    description: str | None = strawberry.field(
        default=None, description="Left out, it stays; an empty string clears it."
    )


@strawberry.type(description="The connector as it is now.")
class UpdateConnectorSuccess:
    connector: Connector


UpdateConnectorResult = Annotated[
    UpdateConnectorSuccess | ForbiddenError | NotFoundError | InvalidInputError,
    strawberry.union("UpdateConnectorResult"),
]


@strawberry.type
class ConnectorMutations:
    @strawberry.mutation(
        description="Create a connector: a custom one in the caller's project (ADMIN key), or a "
        "managed one (platform key)."
    )
    async def create_connector(
        self, info: Info, input: CreateConnectorInput
    ) -> CreateConnectorResult:
        async with info.context.session() as session:
            row = await connectors.create_connector(
                session,
                actor=info.context.principal,
                key=input.key,
                name=input.name,
                description=input.description,
                runtime=input.runtime,
            )
        return CreateConnectorSuccess(connector=Connector.from_row(row))

    @strawberry.mutation(
        description="Rename or re-describe a connector: a custom one with its project's ADMIN "
        "key, a managed one with a platform key. Nothing is written when nothing changes."
    )
    async def update_connector(
        self, info: Info, input: UpdateConnectorInput
    ) -> UpdateConnectorResult:
        connector_id = require_id(input.connector_id, "Connector", "connector")
        async with info.context.session() as session:
            row = await connectors.update_connector(
                session,
                actor=info.context.principal,
                connector_id=connector_id,
                name=input.name,
                description=input.description,
            )
        return UpdateConnectorSuccess(connector=Connector.from_row(row))
