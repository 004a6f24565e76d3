"""Recording an IMAGE version's deployment pipeline (DESIGN §3).

The pipeline runs elsewhere; this records each step's outcome, enforces the order through
`app.domain.pipeline`, and keeps every attempt (failures too) in the version's history.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.models import ConnectorVersion, DeploymentStep
from app.db.types import utc_now
from app.domain import validation
from app.domain.access import Principal
from app.domain.enums import DeploymentState, Runtime
from app.domain.errors import InvalidInput
from app.domain.events import EventKind
from app.domain.pipeline import SYNC_STEPS, StepOutcome, next_state
from app.domain.pipeline import DeploymentStep as Step
from app.domain.version_errors import VersionInBin
from app.services.events import record_event
from app.services.transactions import transaction
from app.services.versions.drafts import version_for_change
from app.services.versions.publishing import BumpCheck, release_version

_REFERENCE_MAX_LENGTH = 200


@dataclass(frozen=True)
class EnvironmentReference:
    """Where a sync step deployed: the platform's account, project and site."""

    account_id: str
    project_id: str
    site_id: str


@dataclass(frozen=True)
class RecordedStep:
    version: ConnectorVersion
    step: DeploymentStep
    check: BumpCheck


async def record_deployment_step(
    session: AsyncSession,
    *,
    actor: Principal,
    version_id: UUID,
    step: Step,
    outcome: StepOutcome,
    message: str | None = None,
    environment: EnvironmentReference | None = None,
) -> RecordedStep:
    """Record one step of an IMAGE version's pipeline.

    A step out of order is refused (failed or not). A failure is kept and leaves the state; a
    success moves it. The sync steps set that version's own environment, never another's.
    RELEASE publishes, exactly as `publishVersion` does.
    """
    text = validation.optional_text(message, "message")
    reference = _environment_json(step, environment)
    async with transaction(session):
        version, connector = await version_for_change(
            session, actor, version_id, "record deployment steps"
        )
        if connector.runtime != Runtime.IMAGE:
            raise InvalidInput(
                "versionId",
                "a DEFINITION connector has no deployment pipeline; pushVersion or "
                "publishVersion publishes it",
            )
        before = DeploymentState(version.state)
        if version.binned_at is not None:
            raise VersionInBin(version.version, before)
        after = next_state(before, step)
        check = BumpCheck()
        if outcome == StepOutcome.FAILED:
            after = before
        elif step == Step.RELEASE:
            check = await release_version(
                session, actor=actor, version=version, connector=connector
            )
        else:
            synced = {**reference, "syncedAt": utc_now().isoformat()} if reference else None
            if step == Step.SYNC_DEV:
                version.dev_environment = synced
            elif step == Step.SYNC_PROD:
                version.prod_environment = synced
            version.state = after
            version.updated_at = utc_now()
            session.add(version)
        record = DeploymentStep(
            version_id=version.id,
            step=step,
            outcome=outcome,
            message=text,
            environment=reference,
            state_before=before,
            state_after=after,
            api_key_id=actor.api_key_id,
        )
        session.add(record)
        record_event(
            session,
            actor=actor,
            kind=EventKind.VERSION_DEPLOYMENT_STEP,
            project_id=connector.project_id,
            connector_id=connector.id,
            version_id=version.id,
            payload={
                "version": version.version,
                "step": step.value,
                "outcome": outcome.value,
                "state": {"from": before.value, "to": after.value},
            },
        )
    return RecordedStep(version=version, step=record, check=check)


def _environment_json(
    step: Step, environment: EnvironmentReference | None
) -> dict[str, str] | None:
    if step not in SYNC_STEPS:
        if environment is not None:
            raise InvalidInput("environment", "only SYNC_DEV and SYNC_PROD take an environment")
        return None
    if environment is None:
        raise InvalidInput("environment", f"{step.value} needs the environment it synced to")
    fields = {
        "accountId": environment.account_id,
        "projectId": environment.project_id,
        "siteId": environment.site_id,
    }
    for name, value in fields.items():
        if not value.strip() or len(value) > _REFERENCE_MAX_LENGTH:
            raise InvalidInput(
                f"environment.{name}", f"give 1 to {_REFERENCE_MAX_LENGTH} characters"
            )
    return {name: value.strip() for name, value in fields.items()}


async def steps_by_version(
    session: AsyncSession, *, version_ids: Sequence[UUID]
) -> dict[UUID, list[DeploymentStep]]:
    """Each version's recorded steps, oldest first, in one query."""
    query = (
        select(DeploymentStep)
        .where(col(DeploymentStep.version_id).in_(version_ids))
        .order_by(col(DeploymentStep.created_at), col(DeploymentStep.id))
    )
    found: dict[UUID, list[DeploymentStep]] = {version_id: [] for version_id in version_ids}
    for row in (await session.exec(query)).all():
        found[row.version_id].append(row)
    return found
