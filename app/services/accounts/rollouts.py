"""Rollouts (DESIGN §13): start, raise or lower, complete, abort; and reading them.

Each change takes the auth config's revision (CONFLICT when stale), bumps it and writes its
event, in one transaction that holds the connectors of the key (`app.services.key_locks`) and
then the auth config row: the target is checked under the key's lock, like an exact pin, so the
bin cannot take it meanwhile, and every rollout write of an auth config waits for the others,
so the rollout rows need no lock of their own. The partial unique index on running rollouts
is the last word on "one at a time".

The rules (buckets, the account's version) are in `app.domain.rollouts`, and what an account
runs during a rollout is answered by the effective-version read (`app.services.effective`); the
functions here are keyword-only and take a session, so other services (an impact preview, say)
can call them.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple
from uuid import UUID

import sqlalchemy
from sqlalchemy import and_, bindparam, case, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.models import AuthConfig, LinkedAccount, Rollout
from app.db.rollout_buckets import rollout_bucket_sql
from app.db.types import utc_now
from app.domain.access import Principal, require_project_admin
from app.domain.enums import PinSource
from app.domain.errors import InvalidInput
from app.domain.events import EventKind
from app.domain.rollouts import (
    BUCKETS,
    NoRolloutInProgress,
    RolloutEnding,
    RolloutInProgress,
    checked_percent,
    completion_pin_source,
    rollout_id_for,
    rollout_target,
    target_warnings,
)
from app.services.accounts.auth_configs import auth_config_for_change, changed
from app.services.effective.read import auth_config_effective_version
from app.services.effective.resolution import KeyVersions, ProjectKey
from app.services.effective.rollouts import RUNNING, running_rollouts
from app.services.events import record_event
from app.services.key_locks import versions_under_lock
from app.services.lookups import column_rows
from app.services.transactions import is_unique_violation, transaction


@dataclass(frozen=True)
class RolloutChange:
    """An auth config as a rollout write left it, and the rollout (ended ones included)."""

    auth_config: AuthConfig
    rollout: Rollout
    warnings: list[str]


async def start_rollout(
    session: AsyncSession,
    *,
    actor: Principal,
    auth_config_id: UUID,
    target_version: str,
    target_source: PinSource = PinSource.ANY,
    percent: int,
    revision: int,
) -> RolloutChange:
    """Roll `target_version` (a published, not binned version of the auth config's key, taken
    like an exact pin within `target_source`) out to `percent` of the auth config's accounts.
    Refused when a rollout runs already, and when the auth config resolves to the target now
    (it would move no account)."""
    require_project_admin(actor, "start rollouts")
    percent = checked_percent(percent)
    async with transaction(session):
        auth_config, locked = await auth_config_for_change(session, actor, auth_config_id, revision)
        await _refuse_a_second(session, auth_config.id)
        versions = await versions_under_lock(session, ProjectKey.of(auth_config), locked)
        chosen = rollout_target(target_version, target_source, versions.candidates)
        own = auth_config_effective_version(auth_config, versions).chosen
        if own is not None and own.id == chosen.id:
            raise InvalidInput(
                "targetVersion",
                f"the auth config runs {chosen.label} already: a rollout to it would move no "
                "account",
            )
        rollout = Rollout(
            # The preview of this start draws the same buckets (see `rollout_id_for`).
            id=rollout_id_for(auth_config.id, revision),
            auth_config_id=auth_config.id,
            target_version_id=chosen.id,
            target_version=chosen.version,
            target_source=chosen.source,
            percent=percent,
            started_by_api_key_id=actor.api_key_id,
        )
        session.add(rollout)
        try:
            await session.flush()
        except IntegrityError as error:
            # The auth config's lock makes this unreachable short of a writer that skips it.
            if is_unique_violation(error):
                raise RolloutInProgress(chosen.version, percent) from None
            raise
        _changed(session, actor, EventKind.ROLLOUT_STARTED, auth_config, rollout, percent=percent)
    return RolloutChange(auth_config, rollout, target_warnings(chosen))


async def set_rollout_percent(
    session: AsyncSession, *, actor: Principal, auth_config_id: UUID, percent: int, revision: int
) -> RolloutChange:
    """Change the running rollout's percentage: raising it only adds accounts (their buckets
    stay), lowering it takes the highest buckets back. The same percentage changes nothing,
    the revision included."""
    require_project_admin(actor, "change rollouts")
    percent = checked_percent(percent)
    async with transaction(session):
        auth_config, _ = await auth_config_for_change(session, actor, auth_config_id, revision)
        rollout = await _running(session, auth_config.id)
        if rollout.percent == percent:
            return RolloutChange(auth_config, rollout, [])
        before = rollout.percent
        rollout.percent = percent
        rollout.updated_at = utc_now()
        _changed(
            session,
            actor,
            EventKind.ROLLOUT_PERCENT_CHANGED,
            auth_config,
            rollout,
            percent={"from": before, "to": percent},
        )
    return RolloutChange(auth_config, rollout, [])


async def complete_rollout(
    session: AsyncSession, *, actor: Principal, auth_config_id: UUID, revision: int
) -> RolloutChange:
    """End the rollout with its target as the auth config's exact pin: every account runs it.
    The pin source stays when an exact pin under it resolves to the target itself, else it
    becomes the target's source (`completion_pin_source`)."""
    require_project_admin(actor, "complete rollouts")
    async with transaction(session):
        auth_config, locked = await auth_config_for_change(session, actor, auth_config_id, revision)
        rollout = await _running(session, auth_config.id)
        versions = await versions_under_lock(session, ProjectKey.of(auth_config), locked)
        # The target is in use while the rollout runs, so the bin cannot have taken it; this
        # also refuses (PinnedVersionNotFound) should it ever be gone.
        target = rollout_target(
            rollout.target_version, PinSource(rollout.target_source), versions.candidates
        )
        before = {"pin": auth_config.pin, "pinSource": auth_config.pin_source}
        pin_source = completion_pin_source(
            PinSource(auth_config.pin_source), target, versions.candidates
        )
        auth_config.pin, auth_config.pin_source = target.version, pin_source
        _end(rollout, actor, RolloutEnding.COMPLETED)
        _changed(
            session,
            actor,
            EventKind.ROLLOUT_COMPLETED,
            auth_config,
            rollout,
            percent=rollout.percent,
            **{"from": before, "to": {"pin": auth_config.pin, "pinSource": pin_source}},
        )
        completed = auth_config_effective_version(auth_config, _fresh(versions))
    return RolloutChange(auth_config, rollout, list(completed.resolution.warnings))


async def abort_rollout(
    session: AsyncSession, *, actor: Principal, auth_config_id: UUID, revision: int
) -> RolloutChange:
    """End the rollout: every account is back on the auth config's own resolution at once."""
    require_project_admin(actor, "abort rollouts")
    async with transaction(session):
        auth_config, _ = await auth_config_for_change(session, actor, auth_config_id, revision)
        rollout = await _running(session, auth_config.id)
        _end(rollout, actor, RolloutEnding.ABORTED)
        _changed(
            session, actor, EventKind.ROLLOUT_ABORTED, auth_config, rollout, percent=rollout.percent
        )
    return RolloutChange(auth_config, rollout, [])


async def _refuse_a_second(session: AsyncSession, auth_config_id: UUID) -> None:
    found = (await running_rollouts(session, auth_config_ids=[auth_config_id])).get(auth_config_id)
    if found is not None:
        raise RolloutInProgress(found.target_version, found.percent)


async def _running(session: AsyncSession, auth_config_id: UUID) -> Rollout:
    found = (await running_rollouts(session, auth_config_ids=[auth_config_id])).get(auth_config_id)
    if found is None:
        raise NoRolloutInProgress()
    return found


def _end(rollout: Rollout, actor: Principal, ending: RolloutEnding) -> None:
    rollout.ended_at = rollout.updated_at = utc_now()
    rollout.ending = ending
    rollout.ended_by_api_key_id = actor.api_key_id


def _fresh(versions: KeyVersions) -> KeyVersions:
    """The same candidates, never kept: the auth config's pin is not committed yet."""
    return KeyVersions(connectors=versions.connectors, cached=False)


def _changed(
    session: AsyncSession,
    actor: Principal,
    kind: EventKind,
    auth_config: AuthConfig,
    rollout: Rollout,
    **payload: Any,
) -> None:
    """Write the rollout, the auth config at its next revision, and the event of the change."""
    session.add(rollout)
    changed(auth_config)
    session.add(auth_config)
    record_event(
        session,
        actor=actor,
        kind=kind,
        project_id=auth_config.project_id,
        version_id=rollout.target_version_id,
        auth_config_id=auth_config.id,
        payload={
            "rolloutId": str(rollout.id),
            "targetVersion": rollout.target_version,
            "targetSource": rollout.target_source,
            **payload,
            "revision": auth_config.revision,
        },
    )


# --- Reading -------------------------------------------------------------------------------
# The running rollouts themselves are read with the effective versions
# (`app.services.effective.rollouts`); here, how many accounts are in them.


class RolloutCounts(NamedTuple):
    """An auth config's linked accounts inside and outside its running rollout."""

    in_rollout: int
    outside: int


_IN_ROLLOUT = rollout_bucket_sql(col(Rollout.id), col(LinkedAccount.id)) < (
    col(Rollout.percent) * (BUCKETS // 100)
)

_COUNTS = (
    sqlalchemy.select(
        col(Rollout.auth_config_id),
        func.coalesce(func.sum(case((_IN_ROLLOUT, 1), else_=0)), 0),
        func.count(col(LinkedAccount.id)),
    )
    .select_from(Rollout)
    .join(LinkedAccount, col(LinkedAccount.auth_config_id) == col(Rollout.auth_config_id))
    .where(
        and_(col(Rollout.auth_config_id).in_(bindparam("auth_config_ids", expanding=True)), RUNNING)
    )
    .group_by(col(Rollout.auth_config_id))
)


async def count_accounts_in_rollout(
    session: AsyncSession, *, auth_config_ids: Sequence[UUID]
) -> dict[UUID, RolloutCounts]:
    """For each of `auth_config_ids` with a running rollout, its accounts in and outside it,
    counted in SQL (one statement; the bucket as `app.db.rollout_buckets` computes it). An auth
    config with a rollout and no accounts is absent, as is one without a rollout."""
    if not auth_config_ids:
        return {}
    rows = await column_rows(session, _COUNTS, {"auth_config_ids": list(auth_config_ids)})
    return {
        auth_config_id: RolloutCounts(int(inside), int(total) - int(inside))
        for auth_config_id, inside, total in rows
    }
