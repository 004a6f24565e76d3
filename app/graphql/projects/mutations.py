"""Creating projects and API keys, and changing project settings."""

from datetime import datetime
from typing import Annotated

import strawberry

from app.graphql.context import Info
from app.graphql.enums import Role
from app.graphql.errors import (
    AlreadyExistsError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
)
from app.graphql.projects.types import ApiKey, Project
from app.graphql.relay.ids import require_id
from app.services.access import api_keys, projects


@strawberry.input(description="A new project.")
class CreateProjectInput:
    slug: str = strawberry.field(description="Unique: a-z, 0-9 and '-', at most 63 characters.")
    name: str
    immutable_versioning: bool = strawberry.field(
        default=True, description="Keep published versions immutable (recommended)."
    )


@strawberry.type(description="The project, and its first ADMIN key. The secret is shown only now.")
class CreateProjectSuccess:
    project: Project
    api_key: ApiKey
    secret: str = strawberry.field(
        description="The ADMIN key's secret. Store it: it is not shown again."
    )


CreateProjectResult = Annotated[
    CreateProjectSuccess | ForbiddenError | InvalidInputError | AlreadyExistsError,
    strawberry.union("CreateProjectResult"),
]


@strawberry.input(description="A new API key.")
class CreateApiKeyInput:
    name: str
    role: Role
    project_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="For platform keys: the project of an ADMIN or VIEWER key. Project keys "
        "issue keys for their own project and may leave it out.",
    )
    expires_at: datetime | None = strawberry.field(
        default=None,
        description="When the key stops working (in the future, with a time zone); "
        "null: it works until it is revoked.",
    )


@strawberry.type(description="The new key. The secret is shown only now.")
class CreateApiKeySuccess:
    api_key: ApiKey
    secret: str = strawberry.field(description="Store it: it is not shown again.")


CreateApiKeyResult = Annotated[
    CreateApiKeySuccess | ForbiddenError | InvalidInputError | NotFoundError,
    strawberry.union("CreateApiKeyResult"),
]


@strawberry.input(description="The API key to revoke.")
class RevokeApiKeyInput:
    api_key_id: strawberry.ID = strawberry.field(description="The ApiKey's global id.")


@strawberry.type(description="The revoked key. It stopped working everywhere at once.")
class RevokeApiKeySuccess:
    api_key: ApiKey


RevokeApiKeyResult = Annotated[
    RevokeApiKeySuccess | ForbiddenError | NotFoundError,
    strawberry.union("RevokeApiKeyResult"),
]


@strawberry.input(description="Project settings to change; leave out what stays.")
class UpdateProjectSettingsInput:
    immutable_versioning: bool | None = strawberry.field(
        default=None,
        description="Danger zone: false lets a forced push overwrite a published version.",
    )


@strawberry.type(description="The project with its new settings.")
class UpdateProjectSettingsSuccess:
    project: Project


UpdateProjectSettingsResult = Annotated[
    UpdateProjectSettingsSuccess | ForbiddenError | InvalidInputError | NotFoundError,
    strawberry.union("UpdateProjectSettingsResult"),
]


@strawberry.type
class ProjectMutations:
    @strawberry.mutation(
        description="Create a project and its first ADMIN key (platform keys only)."
    )
    async def create_project(self, info: Info, input: CreateProjectInput) -> CreateProjectResult:
        async with info.context.session() as session:
            created = await projects.create_project(
                session,
                actor=info.context.principal,
                slug=input.slug,
                name=input.name,
                immutable_versioning=input.immutable_versioning,
            )
        return CreateProjectSuccess(
            project=Project.from_row(created.project),
            api_key=ApiKey.from_row(created.admin_key.key),
            secret=created.admin_key.secret,
        )

    @strawberry.mutation(description="Issue an API key. Its secret is shown once, in the result.")
    async def create_api_key(self, info: Info, input: CreateApiKeyInput) -> CreateApiKeyResult:
        project_id = (
            None if input.project_id is None else require_id(input.project_id, "Project", "project")
        )
        async with info.context.session() as session:
            issued = await api_keys.create_api_key(
                session,
                actor=info.context.principal,
                name=input.name,
                role=input.role,
                project_id=project_id,
                expires_at=input.expires_at,
            )
        return CreateApiKeySuccess(api_key=ApiKey.from_row(issued.key), secret=issued.secret)

    @strawberry.mutation(
        description="Revoke an API key for good: requests with it get a 401 and its open "
        "subscriptions are closed (4403). ADMIN keys revoke their project's keys, platform keys "
        "any key. Revoking a revoked key changes nothing and succeeds."
    )
    async def revoke_api_key(self, info: Info, input: RevokeApiKeyInput) -> RevokeApiKeyResult:
        api_key_id = require_id(input.api_key_id, "ApiKey", "API key")
        async with info.context.session() as session:
            key = await api_keys.revoke_api_key(
                session, actor=info.context.principal, api_key_id=api_key_id
            )
        return RevokeApiKeySuccess(api_key=ApiKey.from_row(key))

    @strawberry.mutation(description="Change the caller's project settings (ADMIN keys only).")
    async def update_project_settings(
        self, info: Info, input: UpdateProjectSettingsInput
    ) -> UpdateProjectSettingsResult:
        async with info.context.session() as session:
            project = await projects.update_project_settings(
                session,
                actor=info.context.principal,
                immutable_versioning=input.immutable_versioning,
            )
        return UpdateProjectSettingsSuccess(project=Project.from_row(project))
