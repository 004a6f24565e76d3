"""The impact preview (DESIGN §12): what one change would do to auth configs and their accounts,
decided by making the change and undoing it.

The change's own service function runs inside a transaction that is always rolled back
(`app.services.transactions.rolled_back`); the effective versions of the auth configs it can
move are read before and after it within that transaction. So the preview resolves with the
same code, on the same state, under the mutation's locks (on SQLite the write lock only from the
mutation's first write: see `preview_change`), and a refusal is the very domain error the
mutation raises. Nothing is written: rows, events and notifications go with
the rollback. Every read in it bypasses the process caches (`cached=False`): a version stamp
moved inside the transaction goes back with it, and the next real change moves it to the same
value, so candidates kept under it would be the preview's, not the change's.

Before any of that, the mutation's own checks that come before its first lock and write run
without them (`ProposedChange.refuse`): a caller who may not make the change (a VIEWER; a project
key for a managed version) is answered FORBIDDEN, as the mutation would, with no moves and
without the change being made even in a rolled-back transaction — what it would do can only be
found by making it, and making it costs what the write costs, which a key that may not write
must not be able to spend. The answer only ever shows the caller's project's auth configs (a
platform key's: every project's).
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from uuid import UUID

from sqlalchemy.exc import OperationalError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.models import AuthConfig
from app.domain.access import Principal
from app.domain.enums import VersionSource
from app.domain.errors import DomainError
from app.domain.resolution import ResolutionRule
from app.domain.rollouts import bucket_limit
from app.services.effective.read import (
    AccountsEffectiveVersions,
    EffectiveVersionRead,
    one_session,
)
from app.services.impact.accounts import Content, MoveSides, Split, judge_moves
from app.services.impact.changes import EVERY_PROJECT, ProposedChange, Scope
from app.services.transactions import (
    is_write_contention,
    rolled_back,
    wait_for_other_writers,
)

PREVIEW_ATTEMPTS = 4
"""How many times a preview runs on SQLite when other writers keep taking the write lock from
it (see `preview_change`) before it gives up with `PreviewContended`."""


class PreviewContended(Exception):
    """On SQLite, other writers committed during each of the preview's `PREVIEW_ATTEMPTS`
    attempts: nothing was answered, and asking again shortly may be."""


@dataclass(frozen=True, slots=True)
class VersionEnd:
    """One side of a move: the version an auth config resolves to (None: none), the rule and
    the reason. `exists` is false for a version only the change would create."""

    version_id: UUID | None
    number: str | None
    revision: int | None
    source: VersionSource | None
    rule: ResolutionRule
    reason: str
    exists: bool


@dataclass(frozen=True, slots=True)
class RolloutEnd:
    """A rollout running on one side of a move: its id, percentage and target."""

    rollout_id: UUID
    percent: int
    target_version_id: UUID
    target_number: str
    target_source: VersionSource
    target_revision: int

    @property
    def split(self) -> Split:
        return Split(
            rollout_id=self.rollout_id,
            limit=bucket_limit(self.percent),
            target=(self.target_version_id, self.target_revision),
        )


@dataclass(frozen=True)
class AuthConfigMove:
    """An auth config whose own effective version would change, or some of whose accounts
    would run other content (a rollout's start, percentage or end), and what that does to
    its accounts: `sides` says which of them move.

    Accounts of an inactive auth config move too (their effective version changes), but none of
    them needs re-authentication while it is inactive: their status is INACTIVE (DESIGN §5.3)."""

    auth_config: AuthConfig
    before: VersionEnd
    after: VersionEnd
    rollout_before: RolloutEnd | None
    rollout_after: RolloutEnd | None
    sides: MoveSides
    accounts: int
    needing_reauthentication: int
    newly_needing_reauthentication: int

    @property
    def left_without_version(self) -> bool:
        return self.after.version_id is None


@dataclass(frozen=True)
class Impact:
    """The answer: the moves (oldest auth config first), or the mutation's refusal."""

    moves: list[AuthConfigMove] = field(default_factory=list)
    refusal: DomainError | None = None

    @property
    def accounts_moving(self) -> int:
        return sum(move.accounts for move in self.moves)

    @property
    def accounts_newly_needing_reauthentication(self) -> int:
        return sum(move.newly_needing_reauthentication for move in self.moves)

    @property
    def left_without_version(self) -> list[AuthConfigMove]:
        return [move for move in self.moves if move.left_without_version]


async def preview_change(
    session: AsyncSession, *, actor: Principal, change: ProposedChange
) -> Impact:
    """What `change` would do, as `actor` sees it; writes nothing. A change the mutation would
    refuse before its first lock (bad input, FORBIDDEN, NOT_FOUND) is refused without running.

    The write lock on SQLite: the preview's transaction begins DEFERRED (`rolled_back`), so
    the change's scope, the "before" reads and the mutation's own reads up to its first write
    run under a read snapshot, without the lock; the lock is taken by the mutation's first
    write statement and held from there to the rollback: the rest of the mutation, the "after"
    reads and the accounts' judgement. Those last two cannot come out of it: they must see the
    change, which exists only inside the transaction that holds the lock. The mutation made for
    real holds it from its BEGIN IMMEDIATE to its COMMIT, its reads before its first write
    included; so the preview holds it for no more statements than the mutation plus the
    "after" reads and judgement, and for none at all when the mutation refuses before writing.

    That first write cannot wait for the lock (SQLite refuses at once a snapshot's upgrade that
    another writer holds, or one that another writer committed after): the attempt is rolled
    back, the preview waits until no other writer holds the lock (without keeping it) and runs
    again on a fresh snapshot, up to `PREVIEW_ATTEMPTS` times in all; then `PreviewContended`.
    An answer therefore always comes from a snapshot that was the latest when the lock was
    taken, as the mutation's does. On PostgreSQL nothing changes: the preview takes the
    mutation's row locks, and waits for them, as the mutation would."""
    try:
        await change.refuse(session, actor)
        for _ in range(PREVIEW_ATTEMPTS):
            try:
                return Impact(moves=await _moves(session, actor=actor, change=change))
            except OperationalError as error:
                if not is_write_contention(error):
                    raise
            await wait_for_other_writers(session)
        raise PreviewContended(PREVIEW_ATTEMPTS)
    except DomainError as error:
        return Impact(refusal=error)


async def _moves(
    session: AsyncSession, *, actor: Principal, change: ProposedChange
) -> list[AuthConfigMove]:
    async with rolled_back(session) as inside:
        scope = await change.scope(inside, actor)
        configs = await _auth_configs(inside, scope, actor)
        before, existing = await _resolve(inside, configs)
        await change.apply(inside, actor)
        after, _ = await _resolve(inside, await _auth_configs(inside, scope, actor))
        sides = [
            MoveSides(
                auth_config_id=config.id,
                active=config.active,
                before=_content(before[config.id]),
                after=_content(after[config.id]),
                rollout_before=_split(before[config.id]),
                rollout_after=_split(after[config.id]),
            )
            for config in configs
            if _changes(before[config.id], after[config.id])
        ]
        judged = await judge_moves(inside, sides)
        rows = {config.id: config for config in configs}
        return [
            AuthConfigMove(
                auth_config=rows[move.auth_config_id],
                before=_end(before[move.auth_config_id], existing),
                after=_end(after[move.auth_config_id], existing),
                rollout_before=_rollout(before[move.auth_config_id]),
                rollout_after=_rollout(after[move.auth_config_id]),
                sides=move,
                accounts=judged[move.auth_config_id].moving,
                needing_reauthentication=judged[move.auth_config_id].needing,
                newly_needing_reauthentication=judged[move.auth_config_id].newly_needing,
            )
            for move in sides
            # its own version changes, or some of its accounts' (a rollout's)
            if move.before != move.after or judged[move.auth_config_id].moving
        ]


def _changes(before: AccountsEffectiveVersions, after: AccountsEffectiveVersions) -> bool:
    """Whether any account of the auth config could run other content: its own content or its
    rollout (id, percentage, target content) differs."""
    return (_content(before), _split(before)) != (_content(after), _split(after))


def _split(effective: AccountsEffectiveVersions) -> Split | None:
    rollout = _rollout(effective)
    return None if rollout is None else rollout.split


async def _auth_configs(session: AsyncSession, scope: Scope, viewer: Principal) -> list[AuthConfig]:
    """The auth configs in scope that the caller may see, read afresh and detached (a rollback
    must not expire what the answer shows)."""
    query = select(AuthConfig)
    if scope.auth_config_id is not None:
        query = query.where(AuthConfig.id == scope.auth_config_id)
    else:
        query = query.where(AuthConfig.connector_key == scope.connector_key)
        if scope.project_id is not EVERY_PROJECT:
            query = query.where(AuthConfig.project_id == scope.project_id)
    if viewer.project_id is not None:
        query = query.where(AuthConfig.project_id == viewer.project_id)
    query = query.order_by(col(AuthConfig.created_at), col(AuthConfig.id)).execution_options(
        populate_existing=True
    )
    rows = list((await session.exec(query)).all())
    for row in rows:
        session.expunge(row)
    return rows


async def _resolve(
    session: AsyncSession, configs: Sequence[AuthConfig]
) -> tuple[dict[UUID, AccountsEffectiveVersions], set[UUID]]:
    """Each auth config's effective versions, its own and its accounts' (its running rollout
    copied out: a percentage changes the row in place), and the ids of every version it chose
    among. A version missing from the latter before the change is one the change creates (a
    push of a new number): it exists only inside the preview, so the answer names its number,
    not a node."""
    # Never the process caches (see the module's docstring), and a read of its own per side.
    read = EffectiveVersionRead(one_session(session), cached=False)
    own = await read.auth_configs(configs)
    effective = await read.accounts([own[config.id] for config in configs])
    seen = {
        candidate.id
        for answer in effective.values()
        for candidate in answer.own.candidates.candidates
    }
    return effective, seen


def _rollout(effective: AccountsEffectiveVersions) -> RolloutEnd | None:
    """The running rollout, as its accounts' effective versions take it (none should its target
    be gone)."""
    running, target = effective.rollout, effective.target
    if running is None or target is None:
        return None
    return RolloutEnd(
        rollout_id=running.id,
        percent=running.percent,
        target_version_id=target.id,
        target_number=running.target.version,
        target_source=running.target.source,
        target_revision=target.revision,
    )


def _content(effective: AccountsEffectiveVersions) -> Content | None:
    """Which content the auth config's accounts run outside a rollout: a forced overwrite keeps
    the version's id and moves them to new content all the same."""
    chosen = effective.own.chosen
    return None if chosen is None else (chosen.id, chosen.revision)


def _end(effective: AccountsEffectiveVersions, existing: set[UUID]) -> VersionEnd:
    resolution = effective.own.resolution
    version = resolution.version
    chosen = effective.own.chosen
    return VersionEnd(
        version_id=None if version is None else version.id,
        number=None if version is None else version.version,
        revision=None if chosen is None else chosen.revision,
        source=resolution.source,
        rule=resolution.rule,
        reason=resolution.reason,
        exists=version is not None and version.id in existing,
    )
