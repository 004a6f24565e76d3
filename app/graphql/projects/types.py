"""Projects, API keys and the caller (`viewer`)."""

from datetime import datetime
from uuid import UUID

import strawberry
from strawberry import relay
from strawberry.dataloader import DataLoader

from app.db import models
from app.graphql.context import Info
from app.graphql.enums import Role
from app.graphql.loaders import Loaders
from app.graphql.relay.entity import Entity
from app.graphql.relay.pagination import (
    CREATED_ORDER,
    DEFAULT_PAGE_SIZE,
    After,
    Counted,
    First,
    page_request,
    selects_total_count,
    to_connection,
)
from app.services.access import projects


@strawberry.federation.type(
    keys=["id"], description="A tenant: its connectors, auth configs and keys."
)
class Project(relay.Node, Entity[models.Project]):
    @classmethod
    def loader(cls, loaders: Loaders) -> DataLoader[UUID, models.Project | None]:
        return loaders.project_by_id

    id: relay.NodeID[str]
    slug: str = strawberry.field(description="Unique, URL-friendly name.")
    name: str
    immutable_versioning: bool = strawberry.field(
        description="When true (the default), published versions can never be overwritten."
    )
    created_at: datetime

    @classmethod
    def from_row(cls, row: models.Project) -> "Project":
        return cls(
            id=str(row.id),
            slug=row.slug,
            name=row.name,
            immutable_versioning=row.immutable_versioning,
            created_at=row.created_at,
        )

    @strawberry.field(description="The project's API keys (their secrets are never shown again).")
    async def api_keys(
        self,
        info: Info,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
    ) -> "ApiKeyConnection":
        page = page_request(first, after, CREATED_ORDER, count=selects_total_count(info))
        async with info.context.session() as session:
            result = await projects.list_api_keys(
                session,
                actor=info.context.principal,
                project_id=UUID(self.id),
                page=page,
            )
        return to_connection(ApiKeyConnection, result, ApiKey.from_row, CREATED_ORDER)


@strawberry.type(
    description="An API key: who a request acts as. Only its prefix is ever shown again."
)
class ApiKey(relay.Node, Entity[models.ApiKey]):
    @classmethod
    def loader(cls, loaders: Loaders) -> DataLoader[UUID, models.ApiKey | None]:
        return loaders.api_key_by_id

    id: relay.NodeID[str]
    name: str
    role: Role
    prefix: str = strawberry.field(description="The secret's first characters, to recognise it by.")
    created_at: datetime
    expires_at: datetime | None = strawberry.field(
        description="When the key stops working; null: it works until it is revoked."
    )
    last_used_at: datetime | None = strawberry.field(
        description="When the key was last used, to the minute: written at most once a minute, "
        "just after the request. Null: never used."
    )
    revoked_at: datetime | None = strawberry.field(
        description="When the key was revoked; null while it is not."
    )
    project_row_id: strawberry.Private[str | None]

    @classmethod
    def from_row(cls, row: models.ApiKey) -> "ApiKey":
        return cls(
            id=str(row.id),
            name=row.name,
            role=Role(row.role),
            prefix=row.prefix,
            created_at=row.created_at,
            expires_at=row.expires_at,
            last_used_at=row.last_used_at,
            revoked_at=row.revoked_at,
            project_row_id=str(row.project_id) if row.project_id else None,
        )

    @strawberry.field(description="The project the key belongs to; null for a platform key.")
    async def project(self, info: Info) -> Project | None:
        if self.project_row_id is None:
            return None
        row = await info.context.loaders.project_by_id.load(UUID(self.project_row_id))
        return None if row is None else Project.from_row(row)


@strawberry.type(description="A page of API keys.")
class ApiKeyConnection(relay.Connection[ApiKey], Counted):
    pass


@strawberry.type(description="A page of projects.")
class ProjectConnection(relay.Connection[Project], Counted):
    pass


@strawberry.type(description="The caller: the API key of this request.")
class Viewer:
    api_key: ApiKey = strawberry.field(description="The key this request was made with.")
    role: Role

    @strawberry.field(description="The caller's project; null for a platform key.")
    async def project(self, info: Info) -> Project | None:
        project: Project | None = await self.api_key.project(info)
        return project
