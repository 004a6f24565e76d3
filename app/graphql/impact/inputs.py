"""The change an impact preview is asked about: one of the mutations' own inputs."""

import strawberry

from app.domain.enums import PinSource as DomainPinSource
from app.graphql.auth_configs.mutations import PinAuthConfigInput
from app.graphql.context import Info
from app.graphql.errors import PublicError
from app.graphql.lifecycle.mutations import (
    DeprecateVersionInput,
    MoveVersionToBinInput,
    UndeprecateVersionInput,
)
from app.graphql.relay.ids import require_id
from app.graphql.rollouts.mutations import (
    EndRolloutInput,
    SetRolloutPercentInput,
    StartRolloutInput,
)
from app.graphql.versions.mutations import PublishVersionInput, PushVersionInput
from app.services.impact import changes

_VERSION = ("ConnectorVersion", "connector version")
_AUTH_CONFIG = ("AuthConfig", "auth config")


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
        given = [
            value
            for value in (
                self.push_version,
                self.publish_version,
                self.deprecate_version,
                self.undeprecate_version,
                self.move_version_to_bin,
                self.pin_auth_config,
                self.start_rollout,
                self.set_rollout_percent,
                self.complete_rollout,
                self.abort_rollout,
            )
            if value is not None
        ]
        if len(given) != 1:
            raise PublicError("change: give exactly one change", field="impact.change")
        change = given[0]
        if change is self.complete_rollout or change is self.abort_rollout:
            assert isinstance(change, EndRolloutInput)
            ending = (
                changes.CompleteRolloutChange
                if change is self.complete_rollout
                else changes.AbortRolloutChange
            )
            return ending(require_id(change.auth_config_id, *_AUTH_CONFIG), change.revision)
        if isinstance(change, StartRolloutInput):
            return changes.StartRolloutChange(
                require_id(change.auth_config_id, *_AUTH_CONFIG),
                change.revision,
                target_version=change.target_version,
                target_source=DomainPinSource(change.target_source),
                percent=change.percent,
            )
        if isinstance(change, SetRolloutPercentInput):
            return changes.SetRolloutPercentChange(
                require_id(change.auth_config_id, *_AUTH_CONFIG),
                change.revision,
                percent=change.percent,
            )
        if isinstance(change, PushVersionInput):
            return changes.PushChange(
                connector_key=change.connector_key,
                number=change.version,
                definition=change.definition,
                limits=info.context.content_limits,
                name=change.name,
                description=change.description,
                readme=change.readme,
                config=change.config,
                force=change.force,
            )
        if isinstance(change, PublishVersionInput):
            return changes.PublishChange(require_id(change.version_id, *_VERSION))
        if isinstance(change, DeprecateVersionInput):
            return changes.DeprecateChange(
                require_id(change.version_id, *_VERSION),
                message=change.message,
                sunset_at=change.sunset_at,
            )
        if isinstance(change, UndeprecateVersionInput):
            return changes.UndeprecateChange(require_id(change.version_id, *_VERSION))
        if isinstance(change, MoveVersionToBinInput):
            return changes.MoveToBinChange(require_id(change.version_id, *_VERSION))
        assert isinstance(change, PinAuthConfigInput)
        return changes.PinChange(
            auth_config_id=require_id(change.auth_config_id, *_AUTH_CONFIG),
            pin=None if change.pin is strawberry.UNSET else change.pin,
            keep_pin=change.pin is strawberry.UNSET,
            pin_source=None if change.pin_source is None else DomainPinSource(change.pin_source),
            revision=change.revision,
        )
