"""Projects: the tenants. Created by platform keys, configured by their own ADMIN keys."""

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from sqlalchemy import true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql import ColumnElement
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.models import ApiKey, Project
from app.domain import validation
from app.domain.access import Principal, require_platform_admin, require_project_admin
from app.domain.enums import Role
from app.domain.errors import AlreadyExists, InvalidInput, NotFound
from app.domain.events import EventKind
from app.services.access.api_keys import IssuedKey, add_api_key
from app.services.events import record_event
from app.services.lookups import rows_by_id
from app.services.pages import Order, Page, PageRequest, fetch_page
from app.services.transactions import is_unique_violation, transaction


@dataclass(frozen=True, slots=True)
class CreatedProject:
    project: Project
    admin_key: IssuedKey


async def create_project(
    session: AsyncSession,
    *,
    actor: Principal | None,
    slug: str,
    name: str,
    immutable_versioning: bool = True,
) -> CreatedProject:
    """Create a project and its first ADMIN key. `actor` None is the operator's CLI."""
    if actor is not None:
        require_platform_admin(actor, "create projects")
    project = Project(
        slug=validation.project_slug(slug),
        name=validation.name(name),
        immutable_versioning=immutable_versioning,
    )
    async with transaction(session):
        session.add(project)
        try:
            await session.flush()
        except IntegrityError as error:
            if is_unique_violation(error):
                raise AlreadyExists("project", "slug", slug) from None
            raise
        admin_key = add_api_key(session, project_id=project.id, name="Admin", role=Role.ADMIN)
        record_event(
            session,
            actor=actor,
            kind=EventKind.PROJECT_CREATED,
            project_id=project.id,
            payload={
                "slug": project.slug,
                "name": project.name,
                "apiKeyId": str(admin_key.key.id),
            },
        )
    return CreatedProject(project=project, admin_key=admin_key)


async def update_project_settings(
    session: AsyncSession, *, actor: Principal, immutable_versioning: bool | None
) -> Project:
    """The project's "danger zone"; only its ADMIN keys may change it."""
    project_id = require_project_admin(actor, "change project settings")
    if immutable_versioning is None:
        raise InvalidInput("input", "give at least one setting to change")
    async with transaction(session):
        project = await session.get(Project, project_id, with_for_update=True)
        if project is None:
            raise NotFound("project")
        before = project.immutable_versioning
        project.immutable_versioning = immutable_versioning
        session.add(project)
        record_event(
            session,
            actor=actor,
            kind=EventKind.PROJECT_SETTINGS_UPDATED,
            project_id=project.id,
            payload={"immutableVersioning": {"from": before, "to": immutable_versioning}},
        )
    return project


def project_visible_to(actor: Principal) -> ColumnElement[bool]:
    """SQL condition: a project key reads its own project; a platform key reads every one."""
    if actor.is_platform:
        return true()
    return col(Project.id) == actor.project_id


async def projects_by_id(
    session: AsyncSession, *, actor: Principal, project_ids: Sequence[UUID]
) -> dict[UUID, Project]:
    return await rows_by_id(session, Project, project_ids, project_visible_to(actor))


async def get_project(session: AsyncSession, *, actor: Principal, project_id: UUID) -> Project:
    """A project its own keys can read; platform keys can read every project."""
    if not actor.is_platform and actor.project_id != project_id:
        raise NotFound("project")
    project = await session.get(Project, project_id)
    if project is None:
        raise NotFound("project")
    return project


BY_SLUG: Order[Project] = Order(
    columns=(col(Project.slug),),
    key_of=lambda project: (project.slug,),
)
"""Projects by slug, the unique name people know them by; its unique index serves the pages."""


async def list_projects(
    session: AsyncSession, *, actor: Principal, page: PageRequest
) -> Page[Project]:
    """Every project for a platform key; a project key's own project only (`project_visible_to`:
    no project learns of another)."""
    query = select(Project).where(project_visible_to(actor))
    return await fetch_page(session, query, BY_SLUG, page)


API_KEYS_OLDEST_FIRST: Order[ApiKey] = Order(
    columns=(col(ApiKey.created_at), col(ApiKey.id)),
    key_of=lambda api_key: (api_key.created_at, api_key.id),
)


async def list_api_keys(
    session: AsyncSession, *, actor: Principal, project_id: UUID, page: PageRequest
) -> Page[ApiKey]:
    await get_project(session, actor=actor, project_id=project_id)
    query = select(ApiKey).where(ApiKey.project_id == project_id)
    return await fetch_page(session, query, API_KEYS_OLDEST_FIRST, page)
