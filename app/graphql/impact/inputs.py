"""The change an impact preview is asked about: one of the mutations' own inputs."""

from typing import Protocol

import strawberry

from app.graphql.auth_configs.mutations import PinAuthConfigInput
from app.graphql.context import Info
from app.graphql.errors import PublicError
from app.graphql.lifecycle.mutations import (
    DeprecateVersionInput,
    MoveVersionToBinInput,
    UndeprecateVersionInput,
)
from app.graphql.rollouts.mutations import (
    EndRolloutInput,
    SetRolloutPercentInput,
    StartRolloutInput,
)
from app.graphql.versions.mutations import PublishVersionInput, PushVersionInput
from app.services.impact import changes


class ProposesChange(Protocol):
    """A mutation's input that says what its mutation would change."""

    def proposed_change(self, info: Info) -> changes.ProposedChange: ...


@strawberry.input(
    description="One proposed change: exactly one field, the input its mutation takes."
)
class ChangeInput:
    push_version: PushVersionInput | None = strawberry.field(
        default=None, description="What `pushVersion` with this input would do."
    )
    publish_version: PublishVersionInput | None = strawberry.field(
        default=None, description="What `publishVersion` with this input would do."
    )
    deprecate_version: DeprecateVersionInput | None = strawberry.field(
        default=None, description="What `deprecateVersion` with this input would do."
    )
    undeprecate_version: UndeprecateVersionInput | None = strawberry.field(
        default=None, description="What `undeprecateVersion` with this input would do."
    )
    move_version_to_bin: MoveVersionToBinInput | None = strawberry.field(
        default=None, description="What `moveVersionToBin` with this input would do."
    )
    pin_auth_config: PinAuthConfigInput | None = strawberry.field(
        default=None, description="What `pinAuthConfig` with this input would do."
    )
    start_rollout: StartRolloutInput | None = strawberry.field(
        default=None, description="What `startRollout` with this input would do."
    )
    set_rollout_percent: SetRolloutPercentInput | None = strawberry.field(
        default=None, description="What `setRolloutPercent` with this input would do."
    )
    complete_rollout: EndRolloutInput | None = strawberry.field(
        default=None, description="What `completeRollout` with this input would do."
    )
    abort_rollout: EndRolloutInput | None = strawberry.field(
        default=None, description="What `abortRollout` with this input would do."
    )

    def proposed(self, info: Info) -> changes.ProposedChange:
        """The change, as its mutation reads its input (a malformed id is NOT_FOUND there too);
        a request without exactly one field is refused (INVALID_INPUT, top-level)."""
        inputs: tuple[ProposesChange | None, ...] = (
            self.push_version,
            self.publish_version,
            self.deprecate_version,
            self.undeprecate_version,
            self.move_version_to_bin,
            self.pin_auth_config,
            self.start_rollout,
            self.set_rollout_percent,
        )
        proposals = [given.proposed_change for given in inputs if given is not None]
        # Completing and aborting take the same input: the field says which.
        if self.complete_rollout is not None:
            proposals.append(self.complete_rollout.proposed_completion)
        if self.abort_rollout is not None:
            proposals.append(self.abort_rollout.proposed_abort)
        if len(proposals) != 1:
            raise PublicError("change: give exactly one change", field="impact.change")
        return proposals[0](info)
