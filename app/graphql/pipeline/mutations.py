"""Recording the steps of an IMAGE version's deployment pipeline (DESIGN §3)."""

from typing import Annotated

import strawberry

from app.domain.pipeline import DeploymentStep, StepOutcome
from app.graphql.context import Info
from app.graphql.errors import (
    ForbiddenError,
    InsufficientVersionBumpError,
    InvalidDefinitionError,
    InvalidInputError,
    InvalidTransitionError,
    NotFoundError,
)
from app.graphql.pipeline.types import DeploymentStepRecord
from app.graphql.relay.ids import require_id
from app.graphql.versions.types import ConnectorVersion
from app.services.versions import pipeline


@strawberry.input(description="Where a sync step deployed the version.")
class EnvironmentInput:
    account_id: str
    project_id: str
    site_id: str


@strawberry.input(description="The outcome of one pipeline step of an IMAGE version.")
class RecordDeploymentStepInput:
    version_id: strawberry.ID
    step: DeploymentStep
    outcome: StepOutcome
    message: str | None = strawberry.field(default=None, description="A log line, for people.")
    environment: EnvironmentInput | None = strawberry.field(
        default=None, description="Required for SYNC_DEV and SYNC_PROD, refused for the others."
    )


@strawberry.type(description="The version after the step, and the step as recorded.")
class RecordDeploymentStepSuccess:
    version: ConnectorVersion
    step: DeploymentStepRecord


RecordDeploymentStepResult = Annotated[
    RecordDeploymentStepSuccess
    | NotFoundError
    | ForbiddenError
    | InvalidInputError
    | InvalidTransitionError
    | InvalidDefinitionError
    | InsufficientVersionBumpError,
    strawberry.union("RecordDeploymentStepResult"),
]


@strawberry.type
class PipelineMutations:
    @strawberry.mutation(
        description="Record a pipeline step of an IMAGE version (BUILD, SYNC_DEV, TEST, "
        "SYNC_PROD, RELEASE, in that order). A failure is kept and leaves the state; a success "
        "moves it; RELEASE publishes like publishVersion. SYNC_PROD on a released version is a "
        "rollback: it re-syncs that version's prod environment and touches no other version."
    )
    async def record_deployment_step(
        self, info: Info, input: RecordDeploymentStepInput
    ) -> RecordDeploymentStepResult:
        version_id = require_id(input.version_id, "ConnectorVersion", "connector version")
        environment = input.environment
        async with info.context.session() as session:
            recorded = await pipeline.record_deployment_step(
                session,
                actor=info.context.principal,
                version_id=version_id,
                step=input.step,
                outcome=input.outcome,
                message=input.message,
                environment=None
                if environment is None
                else pipeline.EnvironmentReference(
                    account_id=environment.account_id,
                    project_id=environment.project_id,
                    site_id=environment.site_id,
                ),
            )
        return RecordDeploymentStepSuccess(
            version=ConnectorVersion.from_row(recorded.version),
            step=DeploymentStepRecord.from_row(recorded.step),
        )
