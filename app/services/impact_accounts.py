"""The accounts of an impact preview: how many of those that move would need re-authentication,
and a page of them.

Accounts are never read one by one: the moving auth configs' accounts are grouped in SQL by the
content their credentials were captured under (`account_groups`), and each distinct group is
judged once with the rule every status uses (`app.domain.accounts.account_status`). A split of
an auth config's accounts (in a rollout or not) is one more grouping column there.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any
from uuid import UUID

import sqlalchemy
from sqlalchemy import bindparam, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.models import LinkedAccount
from app.domain.accounts import account_status
from app.domain.enums import AccountStatus
from app.services.lookups import column_rows
from app.services.pages import Order, Page, PageRequest, fetch_page
from app.services.versions import AuthOfContent, ContentKey, auth_sections

Content = tuple[UUID, int]
"""A version's id and revision: which content an auth config's accounts run."""


@dataclass(frozen=True, slots=True)
class MoveSides:
    """An auth config whose accounts would run other content: before and after (None: none)."""

    auth_config_id: UUID
    active: bool
    before: Content | None
    after: Content | None


@dataclass(frozen=True, slots=True)
class AccountGroup:
    """How many of an auth config's accounts had their credentials captured under one content."""

    auth_config_id: UUID
    authenticated: ContentKey | None
    accounts: int


@dataclass(frozen=True, slots=True)
class Judged:
    """Of an auth config's moving accounts: those that would need re-authentication after the
    change, and those of them that do not need it before."""

    needing: int = 0
    newly_needing: int = 0


_GROUPS = (
    sqlalchemy.select(
        col(LinkedAccount.auth_config_id),
        col(LinkedAccount.authenticated_version_id),
        col(LinkedAccount.authenticated_revision),
        func.count(),
    )
    .where(col(LinkedAccount.auth_config_id).in_(bindparam("auth_config_ids", expanding=True)))
    .group_by(
        col(LinkedAccount.auth_config_id),
        col(LinkedAccount.authenticated_version_id),
        col(LinkedAccount.authenticated_revision),
    )
)


async def account_groups(
    session: AsyncSession, auth_config_ids: Sequence[UUID]
) -> list[AccountGroup]:
    """The auth configs' accounts, counted by the content they were authenticated under: one
    statement, one row per distinct content however many accounts share it."""
    if not auth_config_ids:
        return []
    rows = await column_rows(session, _GROUPS, {"auth_config_ids": list(auth_config_ids)})
    return [
        AccountGroup(
            auth_config_id=auth_config_id,
            authenticated=None if version_id is None else ContentKey(version_id, revision),
            accounts=count,
        )
        for auth_config_id, version_id, revision, count in rows
    ]


def status_of(
    *,
    active: bool,
    authenticated: ContentKey | None,
    effective: ContentKey | None,
    auth: Mapping[ContentKey, AuthOfContent],
) -> AccountStatus:
    """`account_status` for contents named by key, with their `auth` read already (a content
    missing from `auth` was deleted for good)."""

    def judged(content: ContentKey | None) -> tuple[Content, Any] | None:
        found = None if content is None else auth.get(content)
        return None if found is None else ((found.version_id, found.revision), found.auth)

    return account_status(
        auth_config_active=active,
        authenticated=judged(authenticated),
        effective=None if effective is None else judged(effective),
    )


async def judge_moves(session: AsyncSession, moves: Sequence[MoveSides]) -> dict[UUID, Judged]:
    """Re-authentication counts of each move, read in the caller's transaction (the content
    after the change may exist only there). An inactive auth config's accounts are INACTIVE
    before and after, so they are not even counted."""
    judged = {move.auth_config_id: Judged() for move in moves}
    by_id = {move.auth_config_id: move for move in moves}
    groups = await account_groups(session, [move.auth_config_id for move in moves if move.active])
    if not groups:
        return judged
    contents = {group.authenticated for group in groups if group.authenticated is not None}
    for move in moves:
        contents.update(ContentKey(*side) for side in (move.before, move.after) if side)
    auth = await auth_sections(session, keys=list(contents))
    for group in groups:
        move = by_id[group.auth_config_id]
        before, after = (
            status_of(
                active=True,
                authenticated=group.authenticated,
                effective=None if side is None else ContentKey(*side),
                auth=auth,
            )
            for side in (move.before, move.after)
        )
        if after != AccountStatus.NEEDS_REAUTHENTICATION:
            continue
        newly = before != AccountStatus.NEEDS_REAUTHENTICATION
        found = judged[group.auth_config_id]
        judged[group.auth_config_id] = replace(
            found,
            needing=found.needing + group.accounts,
            newly_needing=found.newly_needing + (group.accounts if newly else 0),
        )
    return judged


MOVING_ORDER: Order[LinkedAccount] = Order(
    columns=(
        col(LinkedAccount.auth_config_id),
        col(LinkedAccount.created_at),
        col(LinkedAccount.id),
    ),
    key_of=lambda account: (account.auth_config_id, account.created_at, account.id),
)
"""Moving accounts by auth config, then oldest first: the order of the index
ix_linked_account_auth_config_id_created_at_id, so a page is a range of it at any depth."""


async def moving_accounts(
    session: AsyncSession, *, auth_config_ids: Sequence[UUID], page: PageRequest, total: int
) -> Page[LinkedAccount]:
    """A page of the accounts of the moving auth configs (the caller saw them in the answer);
    the total is the moves' kept counts, not a count of rows."""
    query = select(LinkedAccount).where(col(LinkedAccount.auth_config_id).in_(auth_config_ids))
    found = await fetch_page(session, query, MOVING_ORDER, replace(page, count=False))
    return replace(found, total=total if page.count else None)
