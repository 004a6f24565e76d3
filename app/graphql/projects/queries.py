"""The caller and the projects it can see."""

import strawberry

from app.graphql.context import Info
from app.graphql.projects.types import ApiKey, Project, ProjectConnection, Viewer
from app.graphql.relay.entity import present
from app.graphql.relay.pagination import (
    DEFAULT_PAGE_SIZE,
    PROJECT_ORDER,
    After,
    First,
    page_request,
    selects_total_count,
    to_connection,
)
from app.services.access import projects


@strawberry.type
class ProjectQueries:
    @strawberry.field(description="The caller: its API key, role and project.")
    async def viewer(self, info: Info) -> Viewer:
        principal = info.context.principal
        row = await info.context.loaders.api_key_by_id.load(principal.api_key_id)
        return Viewer(api_key=ApiKey.from_row(present(row)), role=principal.role)

    @strawberry.field(
        description="Projects by slug: every project for a platform key; for a project key, "
        "its own project only."
    )
    async def projects(
        self, info: Info, first: First = DEFAULT_PAGE_SIZE, after: After = None
    ) -> ProjectConnection:
        page = page_request(first, after, PROJECT_ORDER, count=selects_total_count(info))
        async with info.context.session() as session:
            result = await projects.list_projects(session, actor=info.context.principal, page=page)
        return to_connection(ProjectConnection, result, Project.from_row, PROJECT_ORDER)
