"""Linked accounts: the end users' connections, each under one auth config."""

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import NamedTuple, Protocol, cast
from uuid import UUID

import sqlalchemy
from sqlalchemy import bindparam
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.models import AuthConfig, LinkedAccount
from app.db.types import utc_now
from app.domain import validation
from app.domain.access import Principal, require_project_admin
from app.domain.errors import AlreadyExists, NotFound
from app.domain.events import EventKind
from app.services.accounts.auth_configs import auth_config_visible_to, get_auth_config
from app.services.effective.read import account_effective_version
from app.services.effective.resolution import ChosenVersion, ConnectorStamp, KeyVersions, ProjectKey
from app.services.events import record_event
from app.services.key_locks import lock_key, versions_under_lock
from app.services.lookups import column_rows
from app.services.pages import Order, Page, PageRequest, fetch_row_pages_by_parent
from app.services.transactions import is_unique_violation, transaction


async def link_account(
    session: AsyncSession,
    *,
    actor: Principal,
    auth_config_id: UUID,
    external_id: str,
    label: str | None = None,
) -> LinkedAccount:
    project_id = require_project_admin(actor, "link accounts")
    account = LinkedAccount(
        auth_config_id=auth_config_id,
        external_id=validation.external_id(external_id),
        label=validation.optional_text(label, "label", validation.NAME_MAX_LENGTH),
    )
    async with transaction(session):
        auth_config = await get_auth_config(session, actor=actor, auth_config_id=auth_config_id)
        # An account makes its auth config's version in use: decide it under the key's lock.
        key = ProjectKey.of(auth_config)
        locked = await lock_key(session, key)
        auth_config = await _auth_config_for_link(session, auth_config_id)
        versions = await versions_under_lock(session, key, locked)
        version = await _effective(session, auth_config, versions, account.id)
        _authenticated_under(account, version)
        session.add(account)
        try:
            await session.flush()
        except IntegrityError as error:
            if is_unique_violation(error):
                raise AlreadyExists(
                    "linked account in this auth config",
                    "externalId",
                    account.external_id,
                ) from None
            raise
        record_event(
            session,
            actor=actor,
            kind=EventKind.ACCOUNT_LINKED,
            project_id=project_id,
            auth_config_id=auth_config_id,
            linked_account_id=account.id,
            payload={
                "externalId": account.external_id,
                "authenticatedVersion": version.version if version else None,
            },
        )
    return account


async def _auth_config_for_link(session: AsyncSession, auth_config_id: UUID) -> AuthConfig:
    """The auth config's row, locked and read afresh, after its key's connectors.

    `delete_auth_config` holds the same row while it reads the account count: a delete that
    comes first leaves nothing to link to (NOT_FOUND), one that comes second sees this account.
    FOR NO KEY UPDATE, the lock the account count's trigger takes on the row at the insert
    anyway (migration 0005): a weaker one would let two links share it and then deadlock there.
    """
    auth_config = await session.get(
        AuthConfig, auth_config_id, with_for_update={"key_share": True}, populate_existing=True
    )
    if auth_config is None:
        raise NotFound("auth config")
    return auth_config


async def reauthenticate_account(
    session: AsyncSession, *, actor: Principal, account_id: UUID
) -> LinkedAccount:
    """Record that the account's credentials were captured again, under its effective version."""
    project_id = require_project_admin(actor, "re-authenticate accounts")
    async with transaction(session):
        account, auth_config, locked = await _account_for_change(session, account_id, project_id)
        before = account.authenticated_version_id
        key = ProjectKey.of(auth_config)
        versions = await versions_under_lock(session, key, locked)
        version = await _effective(session, auth_config, versions, account.id)
        _authenticated_under(account, version)
        session.add(account)
        record_event(
            session,
            actor=actor,
            kind=EventKind.ACCOUNT_REAUTHENTICATED,
            project_id=project_id,
            auth_config_id=auth_config.id,
            linked_account_id=account.id,
            payload={
                "fromVersionId": str(before) if before else None,
                "authenticatedVersion": version.version if version else None,
            },
        )
    return account


async def _account_for_change(
    session: AsyncSession, account_id: UUID, project_id: UUID
) -> tuple[LinkedAccount, AuthConfig, list[ConnectorStamp]]:
    """The account and its auth config, locked and read afresh, after the connectors of the
    auth config's key (`app.services.key_locks`: connectors first); and those connectors."""
    query = (
        select(LinkedAccount, AuthConfig)
        .join(AuthConfig, col(AuthConfig.id) == col(LinkedAccount.auth_config_id))
        .where(LinkedAccount.id == account_id, AuthConfig.project_id == project_id)
    )
    found = (await session.exec(query)).first()
    if found is None:
        raise NotFound("linked account")
    # An account never moves to another auth config, nor an auth config to another key.
    connectors = await lock_key(session, ProjectKey.of(found[1]))
    query = query.with_for_update().execution_options(populate_existing=True)
    locked = (await session.exec(query)).first()
    if locked is None:
        raise NotFound("linked account")
    account, auth_config = locked
    return account, auth_config, connectors


@dataclass(frozen=True)
class UnlinkedAccount:
    """The account as it was, and the auth config it was linked through."""

    account: LinkedAccount
    auth_config: AuthConfig


async def unlink_account(
    session: AsyncSession, *, actor: Principal, account_id: UUID
) -> UnlinkedAccount:
    """Delete a linked account; its auth config's kept account count follows by trigger
    (migration 0005). Its events stay, with its id."""
    project_id = require_project_admin(actor, "unlink accounts")
    async with transaction(session):
        account, auth_config, _ = await _account_for_change(session, account_id, project_id)
        record_event(
            session,
            actor=actor,
            kind=EventKind.ACCOUNT_UNLINKED,
            project_id=project_id,
            auth_config_id=auth_config.id,
            linked_account_id=account.id,
            payload={"externalId": account.external_id},
        )
        await session.delete(account)
    return UnlinkedAccount(account=account, auth_config=auth_config)


async def _effective(
    session: AsyncSession, auth_config: AuthConfig, versions: KeyVersions, account_id: UUID
) -> ChosenVersion | None:
    """The version the account runs among `versions` (read under the key's lock): its auth
    config's, or the target of the auth config's running rollout when the account is in it."""
    effective = await account_effective_version(
        session, auth_config=auth_config, candidates=versions, account_id=account_id
    )
    return effective.chosen


def _authenticated_under(account: LinkedAccount, version: ChosenVersion | None) -> None:
    """Record the version, and its revision: the content the credentials were captured for."""
    account.authenticated_version_id = None if version is None else version.id
    account.authenticated_revision = None if version is None else version.revision
    account.authenticated_at = utc_now()


async def accounts_by_id(
    session: AsyncSession, *, actor: Principal, account_ids: Sequence[UUID]
) -> dict[UUID, LinkedAccount]:
    """Those of `account_ids` whose auth config is in the caller's project."""
    query = (
        select(LinkedAccount)
        .join(AuthConfig, col(AuthConfig.id) == col(LinkedAccount.auth_config_id))
        .where(col(LinkedAccount.id).in_(account_ids), auth_config_visible_to(actor))
    )
    return {row.id: row for row in (await session.exec(query)).all()}


class AccountRef(NamedTuple):
    """An account as a runtime knows it: its auth config and its external id."""

    auth_config_id: UUID
    external_id: str


async def accounts_by_external_id(
    session: AsyncSession, *, actor: Principal, refs: Sequence[AccountRef]
) -> dict[AccountRef, LinkedAccount]:
    """Those of `refs` that exist under an auth config of the caller's project, in one
    statement (the unique constraint's index serves each pair)."""
    pairs = [(ref.auth_config_id, ref.external_id.strip()) for ref in refs]
    query = (
        select(LinkedAccount)
        .join(AuthConfig, col(AuthConfig.id) == col(LinkedAccount.auth_config_id))
        .where(
            sqlalchemy.tuple_(
                col(LinkedAccount.auth_config_id), col(LinkedAccount.external_id)
            ).in_(pairs),
            auth_config_visible_to(actor),
        )
    )
    found = {
        (row.auth_config_id, row.external_id): row for row in (await session.exec(query)).all()
    }
    return {ref: found[pair] for ref, pair in zip(refs, pairs, strict=True) if pair in found}


OLDEST_FIRST: Order[LinkedAccount] = Order(
    columns=(col(LinkedAccount.created_at), col(LinkedAccount.id)),
    key_of=lambda account: (account.created_at, account.id),
)
"""Linked accounts' order; index ix_linked_account_auth_config_id_created_at_id serves it."""


class AccountRow(Protocol):
    """A linked account's columns: an ORM instance, or a plain row a page reads."""

    @property
    def id(self) -> UUID: ...
    @property
    def auth_config_id(self) -> UUID: ...
    @property
    def external_id(self) -> str: ...
    @property
    def label(self) -> str: ...
    @property
    def authenticated_version_id(self) -> UUID | None: ...
    @property
    def authenticated_revision(self) -> int | None: ...
    @property
    def authenticated_at(self) -> datetime | None: ...
    @property
    def created_at(self) -> datetime: ...


async def accounts_by_auth_config(
    session: AsyncSession, *, auth_config_ids: Sequence[UUID], page: PageRequest
) -> dict[UUID, Page[AccountRow]]:
    """One page of accounts for each auth config, as plain rows; the caller has checked it may
    read them.

    The totals, when asked for, are the auth configs' kept counts (see migration 0005), not a
    count of their accounts."""
    rows = await fetch_row_pages_by_parent(
        session,
        model=LinkedAccount,
        parent=LinkedAccount.auth_config_id,  # type: ignore[arg-type]
        parent_ids=auth_config_ids,
        order=OLDEST_FIRST,
        page=replace(page, count=False),
    )
    pages = cast(dict[UUID, Page[AccountRow]], rows)  # rows of LinkedAccount's columns
    if not page.count:
        return pages
    counts = dict(
        await column_rows(session, _ACCOUNT_COUNTS, {"auth_config_ids": list(auth_config_ids)})
    )
    return {key: replace(found, total=counts.get(key, 0)) for key, found in pages.items()}


_ACCOUNT_COUNTS = sqlalchemy.select(col(AuthConfig.id), col(AuthConfig.linked_account_count)).where(
    col(AuthConfig.id).in_(bindparam("auth_config_ids", expanding=True))
)
