"""Creating auth configs."""

from typing import Annotated

import strawberry

from app.graphql.auth_configs.types import AuthConfig
from app.graphql.context import Info
from app.graphql.errors import ForbiddenError, InvalidInputError, NotFoundError
from app.services import auth_configs


@strawberry.input(description="A new auth config in the caller's project.")
class CreateAuthConfigInput:
    connector_key: str = strawberry.field(
        description="A key of a managed connector or of one of the project's custom connectors."
    )
    name: str


@strawberry.type(description="The new auth config.")
class CreateAuthConfigSuccess:
    auth_config: AuthConfig


CreateAuthConfigResult = Annotated[
    CreateAuthConfigSuccess | ForbiddenError | InvalidInputError | NotFoundError,
    strawberry.union("CreateAuthConfigResult"),
]


@strawberry.type
class AuthConfigMutations:
    @strawberry.mutation(description="Create an auth config for a connector key (ADMIN keys only).")
    async def create_auth_config(
        self, info: Info, input: CreateAuthConfigInput
    ) -> CreateAuthConfigResult:
        async with info.context.session() as session:
            row = await auth_configs.create_auth_config(
                session,
                actor=info.context.principal,
                connector_key=input.connector_key,
                name=input.name,
            )
        return CreateAuthConfigSuccess(auth_config=AuthConfig.from_row(row))
