"""Running rollouts as effective versions need them (DESIGN §13): the rows, read by auth config,
and what resolution takes of one (`app.domain.rollouts.RunningRollout`).

Here rather than with the rollout writes (`app.services.accounts.rollouts`), which read them too:
the effective-version read needs them, and the writes decide with that read.
"""

from collections.abc import Sequence
from uuid import UUID

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.models import Rollout
from app.domain.rollouts import RunningRollout
from app.services.effective.resolution import KeyVersions

RUNNING = col(Rollout.ended_at).is_(None)


async def running_rollouts(
    session: AsyncSession, *, auth_config_ids: Sequence[UUID]
) -> dict[UUID, Rollout]:
    """The running rollout of each of `auth_config_ids` that has one (the caller has checked
    it may read them), by auth config id: one statement, an index lookup each."""
    if not auth_config_ids:
        return {}
    query = select(Rollout).where(col(Rollout.auth_config_id).in_(auth_config_ids), RUNNING)
    # Read afresh: a transaction deciding on it must not see what an earlier read left.
    query = query.execution_options(populate_existing=True)
    return {row.auth_config_id: row for row in (await session.exec(query)).all()}


def running_rollout_of(
    rollout: Rollout | None, candidates: KeyVersions
) -> RunningRollout[UUID] | None:
    """What resolution needs of `rollout` (the running rollout of an auth config whose key's
    candidates are `candidates`): its target among them, copied out of the row. None without a
    rollout, or should the target be gone (it is in use, so it cannot be binned while the
    rollout runs)."""
    if rollout is None:
        return None
    target = next((c for c in candidates.candidates if c.id == rollout.target_version_id), None)
    if target is None or not target.published or target.binned:
        return None
    return RunningRollout(id=rollout.id, percent=rollout.percent, target=target)
