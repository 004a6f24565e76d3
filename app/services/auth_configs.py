"""Auth configs: a project's use of a connector key, and the pin its linked accounts follow."""

from collections.abc import Sequence
from uuid import UUID

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.models import AuthConfig
from app.domain import validation
from app.domain.access import Principal, require_project_admin
from app.domain.errors import NotFound
from app.services.connectors import connectors_by_key
from app.services.events import record_event
from app.services.pages import Page, PageRequest, fetch_page, fetch_pages_by_parent
from app.services.transactions import transaction


async def create_auth_config(
    session: AsyncSession, *, actor: Principal, connector_key: str, name: str
) -> AuthConfig:
    project_id = require_project_admin(actor, "create auth configs")
    key = validation.connector_key(connector_key, "connectorKey")
    auth_config = AuthConfig(project_id=project_id, connector_key=key, name=validation.name(name))
    async with transaction(session):
        if not await connectors_by_key(session, actor=actor, keys=[key]):
            raise NotFound("connector", key)
        session.add(auth_config)
        await session.flush()
        record_event(
            session,
            actor=actor,
            kind="auth_config.created",
            project_id=project_id,
            auth_config_id=auth_config.id,
            payload={"connectorKey": key, "name": auth_config.name},
        )
    return auth_config


async def get_auth_config(
    session: AsyncSession,
    *,
    actor: Principal,
    auth_config_id: UUID,
    for_update: bool = False,
) -> AuthConfig:
    auth_config = await session.get(AuthConfig, auth_config_id, with_for_update=for_update)
    if auth_config is None or auth_config.project_id != actor.project_id:
        raise NotFound("auth config")
    return auth_config


def _visible(actor: Principal, connector_key: str | None):  # type: ignore[no-untyped-def]
    query = select(AuthConfig).where(AuthConfig.project_id == actor.project_id)
    if connector_key is not None:
        query = query.where(AuthConfig.connector_key == connector_key)
    return query.order_by(col(AuthConfig.created_at), col(AuthConfig.id))


async def list_auth_configs(
    session: AsyncSession,
    *,
    actor: Principal,
    connector_key: str | None,
    page: PageRequest,
) -> Page[AuthConfig]:
    """The caller's project's auth configs (a platform key has none)."""
    return await fetch_page(session, _visible(actor, connector_key), page)


async def auth_configs_by_connector_key(
    session: AsyncSession,
    *,
    actor: Principal,
    connector_keys: Sequence[str],
    page: PageRequest,
) -> dict[str, Page[AuthConfig]]:
    """One page of the caller's auth configs for each connector key."""
    return await fetch_pages_by_parent(
        session,
        model=AuthConfig,
        parent=AuthConfig.connector_key,  # type: ignore[arg-type]
        parent_ids=connector_keys,
        order_by=(col(AuthConfig.created_at), col(AuthConfig.id)),
        page=page,
        where=(AuthConfig.project_id == actor.project_id,),  # type: ignore[arg-type]
    )
