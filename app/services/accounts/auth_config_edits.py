"""Everyday edits of auth configs: renaming one, and deleting one that has no accounts.

Both lock like the other changes of an auth config (`auth_configs.auth_config_for_change`: the
key's connectors, then the auth config's row, read afresh). For the delete, that row lock is what
keeps it apart from `link_account`, which takes the same row before it inserts an account: a
link that comes first is committed, and counted, before the delete reads the count; a link that
comes second finds no auth config (NOT_FOUND). So no account is ever left under a deleted auth
config, and no auth config that has just gained an account is deleted.
"""

from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.models import AuthConfig
from app.domain import validation
from app.domain.access import Principal, require_project_admin
from app.domain.errors import AuthConfigHasAccounts
from app.domain.events import EventKind
from app.services.accounts.auth_configs import auth_config_for_change, changed
from app.services.events import record_event
from app.services.transactions import transaction


async def update_auth_config(
    session: AsyncSession, *, actor: Principal, auth_config_id: UUID, name: str, revision: int
) -> AuthConfig:
    """Rename an auth config; `revision` must be the one the caller read (else CONFLICT). The
    same name changes nothing, the revision included (as `pin_auth_config`)."""
    require_project_admin(actor, "update auth configs")
    new_name = validation.name(name)
    async with transaction(session):
        auth_config, _ = await auth_config_for_change(session, actor, auth_config_id, revision)
        before = auth_config.name
        if new_name == before:
            return auth_config
        auth_config.name = new_name
        changed(auth_config)
        session.add(auth_config)
        record_event(
            session,
            actor=actor,
            kind=EventKind.AUTH_CONFIG_UPDATED,
            project_id=auth_config.project_id,
            auth_config_id=auth_config.id,
            payload={"name": {"from": before, "to": new_name}, "revision": auth_config.revision},
        )
    return auth_config


async def delete_auth_config(
    session: AsyncSession, *, actor: Principal, auth_config_id: UUID, revision: int | None = None
) -> AuthConfig:
    """Delete an auth config that has no linked accounts (AUTH_CONFIG_HAS_ACCOUNTS, with their
    number, otherwise); `revision` is checked when given. Its events stay, with its id."""
    project_id = require_project_admin(actor, "delete auth configs")
    async with transaction(session):
        auth_config, _ = await auth_config_for_change(session, actor, auth_config_id, revision)
        # The kept count, read with the row under its lock: the triggers of migration 0005 move
        # it in the same transaction as each account's insert or delete.
        if auth_config.linked_account_count:
            raise AuthConfigHasAccounts(auth_config.linked_account_count)
        record_event(
            session,
            actor=actor,
            kind=EventKind.AUTH_CONFIG_DELETED,
            project_id=project_id,
            auth_config_id=auth_config.id,
            payload={
                "name": auth_config.name,
                "connectorKey": auth_config.connector_key,
                "revision": auth_config.revision,
            },
        )
        await session.delete(auth_config)
    return auth_config
