"""Starting, changing, completing and aborting rollouts (ADMIN keys only)."""

from typing import Annotated

import strawberry

from app.graphql.auth_configs.types import AuthConfig
from app.graphql.context import Info
from app.graphql.enums import PinSource
from app.graphql.errors import (
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    InvalidVersionError,
    NoRolloutInProgressError,
    NotFoundError,
    PinnedVersionNotFoundError,
    RolloutInProgressError,
)
from app.graphql.relay.ids import require_id
from app.graphql.rollouts.types import Rollout
from app.services.accounts import rollouts
from app.services.accounts.rollouts import RolloutChange
from app.services.impact import changes as impact

REVISION = "The auth config's revision as read; a stale one gets CONFLICT."
WARNINGS = "What to know about the target, e.g. that it is deprecated. Empty otherwise."


@strawberry.input(description="Roll a version out to a percentage of an auth config's accounts.")
class StartRolloutInput:
    auth_config_id: strawberry.ID
    target_version: str = strawberry.field(
        description="An exact version number of the auth config's key, published and not in "
        "the bin; taken like an exact pin (under ANY the custom version of it first)."
    )
    target_source: PinSource = strawberry.field(
        default=PinSource.ANY,
        description="ANY (custom first), MANAGED or CUSTOM: where the number is looked for.",
    )
    percent: int = strawberry.field(description="The percentage of accounts in it, 0..100.")
    revision: int = strawberry.field(description=REVISION)

    def proposed_change(self, info: Info) -> impact.StartRolloutChange:
        """What `startRollout` with this input would do, for an impact preview."""
        return impact.StartRolloutChange(
            require_id(self.auth_config_id, "AuthConfig", "auth config"),
            self.revision,
            target_version=self.target_version,
            target_source=self.target_source,
            percent=self.percent,
        )


@strawberry.input(description="A new percentage for an auth config's running rollout.")
class SetRolloutPercentInput:
    auth_config_id: strawberry.ID
    percent: int = strawberry.field(
        description="0..100. Raising it only adds accounts; lowering it takes the highest "
        "buckets back; 0 keeps the rollout (and its target in use) with no account in it."
    )
    revision: int = strawberry.field(description=REVISION)

    def proposed_change(self, info: Info) -> impact.SetRolloutPercentChange:
        """What `setRolloutPercent` with this input would do, for an impact preview."""
        return impact.SetRolloutPercentChange(
            require_id(self.auth_config_id, "AuthConfig", "auth config"),
            self.revision,
            percent=self.percent,
        )


@strawberry.input(description="End an auth config's running rollout.")
class EndRolloutInput:
    auth_config_id: strawberry.ID
    revision: int = strawberry.field(description=REVISION)

    def proposed_completion(self, info: Info) -> impact.CompleteRolloutChange:
        """What `completeRollout` with this input would do, for an impact preview."""
        return impact.CompleteRolloutChange(
            require_id(self.auth_config_id, "AuthConfig", "auth config"), self.revision
        )

    def proposed_abort(self, info: Info) -> impact.AbortRolloutChange:
        """What `abortRollout` with this input would do, for an impact preview."""
        return impact.AbortRolloutChange(
            require_id(self.auth_config_id, "AuthConfig", "auth config"), self.revision
        )


@strawberry.type(description="The auth config (at its next revision) and its rollout.")
class StartRolloutSuccess:
    auth_config: AuthConfig
    rollout: Rollout
    warnings: list[str] = strawberry.field(description=WARNINGS)


@strawberry.type(description="The auth config (at its next revision) and its rollout.")
class SetRolloutPercentSuccess:
    auth_config: AuthConfig
    rollout: Rollout


@strawberry.type(
    description="The auth config, pinned exactly to the target (its next revision), and the "
    "ended rollout."
)
class CompleteRolloutSuccess:
    auth_config: AuthConfig
    rollout: Rollout
    warnings: list[str] = strawberry.field(description=WARNINGS)


@strawberry.type(description="The auth config (at its next revision) and the ended rollout.")
class AbortRolloutSuccess:
    auth_config: AuthConfig
    rollout: Rollout


StartRolloutResult = Annotated[
    StartRolloutSuccess
    | ForbiddenError
    | NotFoundError
    | InvalidInputError
    | InvalidVersionError
    | PinnedVersionNotFoundError
    | RolloutInProgressError
    | ConflictError,
    strawberry.union("StartRolloutResult"),
]
SetRolloutPercentResult = Annotated[
    SetRolloutPercentSuccess
    | ForbiddenError
    | NotFoundError
    | InvalidInputError
    | NoRolloutInProgressError
    | ConflictError,
    strawberry.union("SetRolloutPercentResult"),
]
CompleteRolloutResult = Annotated[
    CompleteRolloutSuccess
    | ForbiddenError
    | NotFoundError
    | NoRolloutInProgressError
    | InvalidVersionError
    | PinnedVersionNotFoundError
    | ConflictError,
    strawberry.union("CompleteRolloutResult"),
]
AbortRolloutResult = Annotated[
    AbortRolloutSuccess | ForbiddenError | NotFoundError | NoRolloutInProgressError | ConflictError,
    strawberry.union("AbortRolloutResult"),
]


def _views(change: RolloutChange) -> tuple[AuthConfig, Rollout]:
    return AuthConfig.from_row(change.auth_config), Rollout.from_row(change.rollout)


@strawberry.type
class RolloutMutations:
    @strawberry.mutation(
        description="Start rolling a version out to a percentage of an auth config's accounts "
        "(one rollout per auth config at a time). Refused when the auth config runs that "
        "version already. Pass the revision you read."
    )
    async def start_rollout(self, info: Info, input: StartRolloutInput) -> StartRolloutResult:
        auth_config_id = require_id(input.auth_config_id, "AuthConfig", "auth config")
        async with info.context.session() as session:
            change = await rollouts.start_rollout(
                session,
                actor=info.context.principal,
                auth_config_id=auth_config_id,
                target_version=input.target_version,
                target_source=input.target_source,
                percent=input.percent,
                revision=input.revision,
            )
        auth_config, rollout = _views(change)
        return StartRolloutSuccess(
            auth_config=auth_config, rollout=rollout, warnings=change.warnings
        )

    @strawberry.mutation(
        description="Change the running rollout's percentage; an account's bucket never "
        "changes, so raising it only adds accounts. Pass the revision you read."
    )
    async def set_rollout_percent(
        self, info: Info, input: SetRolloutPercentInput
    ) -> SetRolloutPercentResult:
        auth_config_id = require_id(input.auth_config_id, "AuthConfig", "auth config")
        async with info.context.session() as session:
            change = await rollouts.set_rollout_percent(
                session,
                actor=info.context.principal,
                auth_config_id=auth_config_id,
                percent=input.percent,
                revision=input.revision,
            )
        auth_config, rollout = _views(change)
        return SetRolloutPercentSuccess(auth_config=auth_config, rollout=rollout)

    @strawberry.mutation(
        description="End the running rollout with its target as the auth config's exact pin: "
        "every account runs it. Pass the revision you read."
    )
    async def complete_rollout(self, info: Info, input: EndRolloutInput) -> CompleteRolloutResult:
        auth_config_id = require_id(input.auth_config_id, "AuthConfig", "auth config")
        async with info.context.session() as session:
            change = await rollouts.complete_rollout(
                session,
                actor=info.context.principal,
                auth_config_id=auth_config_id,
                revision=input.revision,
            )
        auth_config, rollout = _views(change)
        return CompleteRolloutSuccess(
            auth_config=auth_config, rollout=rollout, warnings=change.warnings
        )

    @strawberry.mutation(
        description="End the running rollout: every account is back on the auth config's own "
        "effective version at once. Pass the revision you read."
    )
    async def abort_rollout(self, info: Info, input: EndRolloutInput) -> AbortRolloutResult:
        auth_config_id = require_id(input.auth_config_id, "AuthConfig", "auth config")
        async with info.context.session() as session:
            change = await rollouts.abort_rollout(
                session,
                actor=info.context.principal,
                auth_config_id=auth_config_id,
                revision=input.revision,
            )
        auth_config, rollout = _views(change)
        return AbortRolloutSuccess(auth_config=auth_config, rollout=rollout)
