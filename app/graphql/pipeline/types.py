"""A version's deployment history."""

from datetime import datetime

import strawberry

from app.db import models
from app.domain.pipeline import DeploymentStep, StepOutcome
from app.graphql.enums import DeploymentState
from app.graphql.versions.environments import Environment

strawberry.enum(
    DeploymentStep,
    description="A step of an IMAGE version's pipeline, in order: BUILD, SYNC_DEV, TEST, "
    "SYNC_PROD, RELEASE.",
)
strawberry.enum(StepOutcome, description="How a pipeline step ended.")


@strawberry.type(description="One recorded run of a pipeline step; failures are kept too.")
class DeploymentStepRecord:
    step: DeploymentStep
    outcome: StepOutcome
    message: str
    state_before: DeploymentState = strawberry.field(description="The state the step ran from.")
    state_after: DeploymentState = strawberry.field(
        description="The state it left (the same as before when it failed)."
    )
    environment: Environment | None = strawberry.field(
        description="Where a sync step deployed; null for the other steps."
    )
    recorded_at: datetime

    @classmethod
    def from_row(cls, row: models.DeploymentStep) -> "DeploymentStepRecord":
        return cls(
            step=DeploymentStep(row.step),
            outcome=StepOutcome(row.outcome),
            message=row.message,
            state_before=DeploymentState(row.state_before),
            state_after=DeploymentState(row.state_after),
            environment=Environment.from_json(row.environment),
            recorded_at=row.created_at,
        )
