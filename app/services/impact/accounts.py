"""The accounts of an impact preview: how many of those that move would need re-authentication,
and a page of them.

Accounts are never read one by one: the moving auth configs' accounts are grouped in SQL by the
content their credentials were captured under (`account_groups`), and each distinct group is
judged once with the rule every status uses (`app.services.effective.status`). While a
rollout runs, an auth config's accounts do not all run the same content: whether an account is
in the rollout before and after the change is two more grouping columns, its bucket computed in
SQL, and the page of moving accounts filters on the same conditions.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any
from uuid import UUID

import sqlalchemy
from sqlalchemy import and_, case, func, or_
from sqlalchemy.sql import ColumnElement
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.models import LinkedAccount
from app.db.rollout_buckets import rollout_bucket_sql
from app.domain.enums import AccountStatus
from app.services.effective.status import StatusOf, account_status_of
from app.services.lookups import column_rows
from app.services.pages import Order, Page, PageRequest, fetch_page
from app.services.versions.reads import ContentKey, auth_sections

Content = tuple[UUID, int]
"""A version's id and revision: which content an auth config's accounts run."""


@dataclass(frozen=True, slots=True)
class Split:
    """A running rollout on one side of a change: the accounts whose bucket in `rollout_id` is
    below `limit` run `target` instead of the auth config's own content."""

    rollout_id: UUID
    limit: int
    target: Content


@dataclass(frozen=True, slots=True)
class MoveSides:
    """An auth config whose accounts may run other content: its own content before and after
    (None: none), and its rollout before and after (None: none runs)."""

    auth_config_id: UUID
    active: bool
    before: Content | None
    after: Content | None
    rollout_before: Split | None = None
    rollout_after: Split | None = None

    def contents(self, in_before: bool, in_after: bool) -> tuple[Content | None, Content | None]:
        """What an account runs before and after, given whether it is in either rollout."""
        return (
            self.rollout_before.target if in_before and self.rollout_before else self.before,
            self.rollout_after.target if in_after and self.rollout_after else self.after,
        )

    def moving_memberships(self) -> list[tuple[bool, bool]]:
        """The (in before, in after) rollout memberships whose accounts change content."""
        return [
            (in_before, in_after)
            for in_before in (False, True)[: 2 if self.rollout_before else 1]
            for in_after in (False, True)[: 2 if self.rollout_after else 1]
            if len(set(self.contents(in_before, in_after))) == 2
        ]


@dataclass(frozen=True, slots=True)
class AccountGroup:
    """How many of an auth config's accounts had their credentials captured under one content
    and are in (or not in) its rollout before and after the change."""

    auth_config_id: UUID
    authenticated: ContentKey | None
    in_before: bool
    in_after: bool
    accounts: int


@dataclass(frozen=True, slots=True)
class Judged:
    """Of an auth config's accounts: those that would run other content, those of them that
    would need re-authentication after the change, and those of these that do not need it
    before."""

    moving: int = 0
    needing: int = 0
    newly_needing: int = 0


_ACCOUNT_CONFIG = col(LinkedAccount.auth_config_id)


def _of(side: "MoveSides") -> ColumnElement[bool]:
    """The auth config's accounts."""
    return sqlalchemy.literal(side.auth_config_id) == _ACCOUNT_CONFIG


_YES: ColumnElement[int] = sqlalchemy.literal_column("1")
_NO: ColumnElement[int] = sqlalchemy.literal_column("0")


def _in(split: Split | None) -> ColumnElement[bool] | None:
    """Whether an account is in `split`'s rollout, as SQL (None: no rollout, so it is not).
    The id is bound as text: the bucket hashes its hyphenated form on both databases."""
    if split is None:
        return None
    bucket = rollout_bucket_sql(sqlalchemy.literal(str(split.rollout_id)), col(LinkedAccount.id))
    return bucket < split.limit


def _membership(
    sides: Sequence[MoveSides], rollout_of: Callable[[MoveSides], Split | None]
) -> ColumnElement[Any]:
    """1 for an account in its auth config's rollout on one side, else 0: a CASE over the auth
    configs that have one there (the rollout row may have changed in place since)."""
    whens = [
        (and_(_of(side), inside), _YES)
        for side in sides
        if (inside := _in(rollout_of(side))) is not None
    ]
    return case(*whens, else_=_NO) if whens else _NO


async def account_groups(session: AsyncSession, sides: Sequence[MoveSides]) -> list[AccountGroup]:
    """The auth configs' accounts, counted by the content they were authenticated under and by
    their rollout membership before and after: one statement, one row per distinct group
    however many accounts share it (the buckets computed in SQL, `rollout_bucket_sql`)."""
    if not sides:
        return []
    accounts = (
        sqlalchemy.select(
            _ACCOUNT_CONFIG.label("auth_config_id"),
            col(LinkedAccount.authenticated_version_id).label("version_id"),
            col(LinkedAccount.authenticated_revision).label("revision"),
            _membership(sides, lambda side: side.rollout_before).label("in_before"),
            _membership(sides, lambda side: side.rollout_after).label("in_after"),
        )
        .where(_ACCOUNT_CONFIG.in_([side.auth_config_id for side in sides]))
        .subquery()
    )
    # Grouped outside: PostgreSQL would not match the CASE's bound values in a GROUP BY.
    grouped = [accounts.c[name] for name in ("auth_config_id", "version_id", "revision")]
    flags = [accounts.c.in_before, accounts.c.in_after]
    query = sqlalchemy.select(*grouped, *flags, func.count()).group_by(*grouped, *flags)
    rows = await column_rows(session, query, {})
    return [
        AccountGroup(
            auth_config_id=auth_config_id,
            authenticated=None if version_id is None else ContentKey(version_id, revision),
            in_before=bool(in_before),
            in_after=bool(in_after),
            accounts=count,
        )
        for auth_config_id, version_id, revision, in_before, in_after, count in rows
    ]


async def judge_moves(session: AsyncSession, moves: Sequence[MoveSides]) -> dict[UUID, Judged]:
    """Of each auth config's accounts, those whose content would change and their
    re-authentication counts, read in the caller's transaction (the content after the change
    may exist only there). An inactive auth config's accounts move, but are INACTIVE before
    and after."""
    judged = {move.auth_config_id: Judged() for move in moves}
    by_id = {move.auth_config_id: move for move in moves}
    groups = await account_groups(session, moves)
    if not groups:
        return judged
    contents = {group.authenticated for group in groups if group.authenticated is not None}
    for move in moves:
        sides = (
            move.before,
            move.after,
            *(s.target for s in (move.rollout_before, move.rollout_after) if s),
        )
        contents.update(ContentKey(*side) for side in sides if side)
    auth = await auth_sections(session, keys=list(contents))
    for group in groups:
        move = by_id[group.auth_config_id]
        ran, runs = move.contents(group.in_before, group.in_after)
        if ran == runs:
            continue
        before, after = (
            account_status_of(
                StatusOf(
                    move.active, group.authenticated, None if side is None else ContentKey(*side)
                ),
                auth,
            )
            for side in (ran, runs)
        )
        needing = after == AccountStatus.NEEDS_REAUTHENTICATION
        newly = needing and before != AccountStatus.NEEDS_REAUTHENTICATION
        found = judged[group.auth_config_id]
        judged[group.auth_config_id] = replace(
            found,
            moving=found.moving + group.accounts,
            needing=found.needing + (group.accounts if needing else 0),
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


def _moving(side: MoveSides) -> ColumnElement[bool] | None:
    """Which of the auth config's accounts change content, as SQL (None: none)."""
    memberships = side.moving_memberships()
    if not memberships:
        return None
    in_before, in_after = _in(side.rollout_before), _in(side.rollout_after)

    def member(inside: ColumnElement[bool] | None, wanted: bool) -> ColumnElement[bool]:
        if inside is None:
            return sqlalchemy.true()
        return inside if wanted else sqlalchemy.not_(inside)

    everyone = len(memberships) == (2 if in_before is not None else 1) * (
        2 if in_after is not None else 1
    )
    which = (
        sqlalchemy.true()
        if everyone
        else or_(*(and_(member(in_before, b), member(in_after, a)) for b, a in memberships))
    )
    return and_(_of(side), which)


async def moving_accounts(
    session: AsyncSession, *, sides: Sequence[MoveSides], page: PageRequest, total: int
) -> Page[LinkedAccount]:
    """A page of the accounts that would run other content (the caller saw their auth configs
    in the answer): the same bucket conditions as `account_groups`; the total is the moves'
    kept counts, not a count of rows."""
    conditions = [moving for side in sides if (moving := _moving(side)) is not None]
    query = select(LinkedAccount).where(or_(*conditions) if conditions else sqlalchemy.false())
    found = await fetch_page(session, query, MOVING_ORDER, replace(page, count=False))
    return replace(found, total=total if page.count else None)
