"""API keys for tests: the platform, and two projects that must never see each other."""

from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from app.domain.enums import Role
from app.services.access.api_keys import create_api_key
from app.services.access.projects import create_project


@dataclass(frozen=True)
class ProjectKeys:
    project_id: str
    slug: str
    admin: str
    viewer: str


@dataclass(frozen=True)
class Keys:
    platform: str
    alpha: ProjectKeys
    beta: ProjectKeys


async def _project(session: AsyncSession, slug: str) -> ProjectKeys:
    created = await create_project(session, actor=None, slug=slug, name=slug.title())
    viewer = await create_api_key(
        session, actor=None, name="viewer", role=Role.VIEWER, project_id=created.project.id
    )
    return ProjectKeys(
        project_id=str(created.project.id),
        slug=slug,
        admin=created.admin_key.secret,
        viewer=viewer.secret,
    )


async def make_keys(session: AsyncSession) -> Keys:
    platform = await create_api_key(
        session, actor=None, name="platform", role=Role.PLATFORM_ADMIN, project_id=None
    )
    return Keys(
        platform=platform.secret,
        alpha=await _project(session, "alpha"),
        beta=await _project(session, "beta"),
    )
