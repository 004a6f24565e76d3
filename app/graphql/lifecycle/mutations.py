"""Deprecating, binning, restoring and deleting versions (DESIGN §6)."""

from datetime import datetime
from typing import Annotated

import strawberry

from app.graphql.context import Info
from app.graphql.errors import (
    ForbiddenError,
    InvalidInputError,
    InvalidTransitionError,
    NotFoundError,
    VersionInUseError,
    VersionNotInBinError,
)
from app.graphql.relay.ids import require_id
from app.graphql.versions.types import ConnectorVersion
from app.services.impact import changes as impact
from app.services.versions import lifecycle


@strawberry.input(description="A published version to deprecate.")
class DeprecateVersionInput:
    version_id: strawberry.ID
    message: str | None = strawberry.field(
        default=None, description="Why, and what to use instead; shown in resolution warnings."
    )
    sunset_at: datetime | None = strawberry.field(
        default=None, description="When it is planned to go (informational)."
    )

    def proposed_change(self, info: Info) -> impact.DeprecateChange:
        """What `deprecateVersion` with this input would do, for an impact preview."""
        return impact.DeprecateChange(
            require_id(self.version_id, "ConnectorVersion", "connector version"),
            message=self.message,
            sunset_at=self.sunset_at,
        )


@strawberry.input(description="A deprecated version to take the deprecation back from.")
class UndeprecateVersionInput:
    version_id: strawberry.ID

    def proposed_change(self, info: Info) -> impact.UndeprecateChange:
        """What `undeprecateVersion` with this input would do, for an impact preview."""
        return impact.UndeprecateChange(
            require_id(self.version_id, "ConnectorVersion", "connector version")
        )


@strawberry.input(description="A version to move to the bin.")
class MoveVersionToBinInput:
    version_id: strawberry.ID

    def proposed_change(self, info: Info) -> impact.MoveToBinChange:
        """What `moveVersionToBin` with this input would do, for an impact preview."""
        return impact.MoveToBinChange(
            require_id(self.version_id, "ConnectorVersion", "connector version")
        )


@strawberry.input(description="A version in the bin to restore.")
class RestoreVersionFromBinInput:
    version_id: strawberry.ID


@strawberry.input(description="A version in the bin to delete for good.")
class DeleteVersionPermanentlyInput:
    version_id: strawberry.ID


@strawberry.type(description="The deprecated version.")
class DeprecateVersionSuccess:
    version: ConnectorVersion


@strawberry.type(description="The version, no longer deprecated.")
class UndeprecateVersionSuccess:
    version: ConnectorVersion


@strawberry.type(description="The version, now in the bin.")
class MoveVersionToBinSuccess:
    version: ConnectorVersion


@strawberry.type(description="The version, back out of the bin.")
class RestoreVersionFromBinSuccess:
    version: ConnectorVersion


@strawberry.type(description="What was deleted; its number is retired for good.")
class DeleteVersionPermanentlySuccess:
    deleted_version_id: strawberry.ID = strawberry.field(description="The deleted version's id.")
    version_number: str = strawberry.field(description="The retired number.")


_Common = NotFoundError | ForbiddenError | InvalidTransitionError

DeprecateVersionResult = Annotated[
    DeprecateVersionSuccess | _Common | InvalidInputError,
    strawberry.union("DeprecateVersionResult"),
]
UndeprecateVersionResult = Annotated[
    UndeprecateVersionSuccess | _Common, strawberry.union("UndeprecateVersionResult")
]
MoveVersionToBinResult = Annotated[
    MoveVersionToBinSuccess | _Common | VersionInUseError,
    strawberry.union("MoveVersionToBinResult"),
]
RestoreVersionFromBinResult = Annotated[
    RestoreVersionFromBinSuccess | NotFoundError | ForbiddenError | VersionNotInBinError,
    strawberry.union("RestoreVersionFromBinResult"),
]
DeleteVersionPermanentlyResult = Annotated[
    DeleteVersionPermanentlySuccess | NotFoundError | ForbiddenError | VersionNotInBinError,
    strawberry.union("DeleteVersionPermanentlyResult"),
]


@strawberry.type
class LifecycleMutations:
    @strawberry.mutation(
        description="Deprecate a published version: floating pins move off it at once, exact "
        "pins keep it with a warning. A draft or a binned version is INVALID_TRANSITION."
    )
    async def deprecate_version(
        self, info: Info, input: DeprecateVersionInput
    ) -> DeprecateVersionResult:
        version_id = require_id(input.version_id, "ConnectorVersion", "connector version")
        async with info.context.session() as session:
            row = await lifecycle.deprecate_version(
                session,
                actor=info.context.principal,
                version_id=version_id,
                message=input.message,
                sunset_at=input.sunset_at,
            )
        return DeprecateVersionSuccess(version=ConnectorVersion.from_row(row))

    @strawberry.mutation(
        description="Take a deprecation back: floating pins may choose the version again."
    )
    async def undeprecate_version(
        self, info: Info, input: UndeprecateVersionInput
    ) -> UndeprecateVersionResult:
        version_id = require_id(input.version_id, "ConnectorVersion", "connector version")
        async with info.context.session() as session:
            row = await lifecycle.undeprecate_version(
                session, actor=info.context.principal, version_id=version_id
            )
        return UndeprecateVersionSuccess(version=ConnectorVersion.from_row(row))

    @strawberry.mutation(
        description="Move a version to the bin: it leaves resolution and listings. Refused with "
        "VERSION_IN_USE (and the blockers) while in use; a managed version counts every project."
    )
    async def move_version_to_bin(
        self, info: Info, input: MoveVersionToBinInput
    ) -> MoveVersionToBinResult:
        version_id = require_id(input.version_id, "ConnectorVersion", "connector version")
        async with info.context.session() as session:
            row = await lifecycle.move_version_to_bin(
                session, actor=info.context.principal, version_id=version_id
            )
        return MoveVersionToBinSuccess(version=ConnectorVersion.from_row(row))

    @strawberry.mutation(description="Bring a version back from the bin.")
    async def restore_version_from_bin(
        self, info: Info, input: RestoreVersionFromBinInput
    ) -> RestoreVersionFromBinResult:
        version_id = require_id(input.version_id, "ConnectorVersion", "connector version")
        async with info.context.session() as session:
            row = await lifecycle.restore_version_from_bin(
                session, actor=info.context.principal, version_id=version_id
            )
        return RestoreVersionFromBinSuccess(version=ConnectorVersion.from_row(row))

    @strawberry.mutation(
        description="Delete a version in the bin for good, with its revisions, and retire its "
        "number. Irreversible. An event (version.deleted) lets a worker remove its image."
    )
    async def delete_version_permanently(
        self, info: Info, input: DeleteVersionPermanentlyInput
    ) -> DeleteVersionPermanentlyResult:
        version_id = require_id(input.version_id, "ConnectorVersion", "connector version")
        async with info.context.session() as session:
            row = await lifecycle.delete_version_permanently(
                session, actor=info.context.principal, version_id=version_id
            )
        return DeleteVersionPermanentlySuccess(
            deleted_version_id=strawberry.ID(input.version_id), version_number=row.version
        )
