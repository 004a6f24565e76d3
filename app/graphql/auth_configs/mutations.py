"""Creating auth configs, pinning, switching, renaming and deleting them."""

from typing import Annotated

import strawberry

from app.graphql.auth_configs.types import AuthConfig
from app.graphql.context import Info
from app.graphql.enums import PinSource
from app.graphql.errors import (
    AuthConfigHasAccountsError,
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    InvalidPinError,
    NotFoundError,
    PinnedVersionNotFoundError,
)
from app.graphql.relay.ids import require_id
from app.services.accounts import auth_config_edits, auth_configs
from app.services.impact import changes as impact


@strawberry.input(description="A new auth config in the caller's project.")
class CreateAuthConfigInput:
    connector_key: str = strawberry.field(
        description="A key of a managed connector or of one of the project's custom connectors."
    )
    name: str
    pin: str | None = strawberry.field(
        default=None,
        description="latest, 1.x.x, 1.2.x, an exact version such as 1.2.0, or null (the "
        "default: the latest custom version, else the latest managed one).",
    )
    pin_source: PinSource = strawberry.field(
        default=PinSource.ANY, description="ANY (custom first), MANAGED or CUSTOM."
    )


PIN_WARNINGS = (
    "What to know about the pin: an exact pin to a deprecated version is kept, with the warning "
    "its effectiveVersion shows. Empty otherwise."
)


@strawberry.type(description="The new auth config.")
class CreateAuthConfigSuccess:
    auth_config: AuthConfig
    warnings: list[str] = strawberry.field(description=PIN_WARNINGS)


CreateAuthConfigResult = Annotated[
    CreateAuthConfigSuccess
    | ForbiddenError
    | InvalidInputError
    | InvalidPinError
    | PinnedVersionNotFoundError
    | NotFoundError,
    strawberry.union("CreateAuthConfigResult"),
]


@strawberry.input(description="A new pin for an auth config.")
class PinAuthConfigInput:
    auth_config_id: strawberry.ID
    pin: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="latest, 1.x.x, 1.2.x, an exact version; null unpins; left out, it stays.",
    )
    pin_source: PinSource | None = strawberry.field(
        default=None, description="ANY, MANAGED or CUSTOM; left out, it stays as it is."
    )
    revision: int = strawberry.field(
        description="The auth config's revision as read; a stale one gets CONFLICT."
    )

    def proposed_change(self, info: Info) -> impact.PinChange:
        """What `pinAuthConfig` with this input would do, for an impact preview."""
        return impact.PinChange(
            auth_config_id=require_id(self.auth_config_id, "AuthConfig", "auth config"),
            pin=None if self.pin is strawberry.UNSET else self.pin,
            keep_pin=self.pin is strawberry.UNSET,
            pin_source=self.pin_source,
            revision=self.revision,
        )


@strawberry.type(description="The auth config with its new pin (and next revision).")
class PinAuthConfigSuccess:
    auth_config: AuthConfig
    warnings: list[str] = strawberry.field(description=PIN_WARNINGS)


PinAuthConfigResult = Annotated[
    PinAuthConfigSuccess
    | ForbiddenError
    | NotFoundError
    | InvalidPinError
    | PinnedVersionNotFoundError
    | ConflictError,
    strawberry.union("PinAuthConfigResult"),
]


@strawberry.input(description="Turn an auth config, and with it its accounts, on or off.")
class SetAuthConfigActiveInput:
    auth_config_id: strawberry.ID
    active: bool
    revision: int | None = strawberry.field(
        default=None, description="When given, a stale revision gets CONFLICT."
    )


@strawberry.type(description="The auth config.")
class SetAuthConfigActiveSuccess:
    auth_config: AuthConfig


SetAuthConfigActiveResult = Annotated[
    SetAuthConfigActiveSuccess | ForbiddenError | NotFoundError | ConflictError,
    strawberry.union("SetAuthConfigActiveResult"),
]


@strawberry.input(description="A new name for an auth config.")
class UpdateAuthConfigInput:
    auth_config_id: strawberry.ID
    name: str
    revision: int = strawberry.field(
        description="The auth config's revision as read; a stale one gets CONFLICT."
    )


@strawberry.type(description="The auth config with its new name (and next revision).")
class UpdateAuthConfigSuccess:
    auth_config: AuthConfig


UpdateAuthConfigResult = Annotated[
    UpdateAuthConfigSuccess | ForbiddenError | NotFoundError | InvalidInputError | ConflictError,
    strawberry.union("UpdateAuthConfigResult"),
]


@strawberry.input(description="An auth config to delete; it must have no linked accounts.")
class DeleteAuthConfigInput:
    auth_config_id: strawberry.ID
    revision: int | None = strawberry.field(
        default=None, description="When given, a stale revision gets CONFLICT."
    )


@strawberry.type(description="The auth config is gone; its events stay.")
class DeleteAuthConfigSuccess:
    deleted_auth_config_id: strawberry.ID = strawberry.field(
        description="The id the auth config had (its events still name it)."
    )


DeleteAuthConfigResult = Annotated[
    DeleteAuthConfigSuccess
    | ForbiddenError
    | NotFoundError
    | ConflictError
    | AuthConfigHasAccountsError,
    strawberry.union("DeleteAuthConfigResult"),
]


@strawberry.type
class AuthConfigMutations:
    @strawberry.mutation(description="Create an auth config for a connector key (ADMIN keys only).")
    async def create_auth_config(
        self, info: Info, input: CreateAuthConfigInput
    ) -> CreateAuthConfigResult:
        async with info.context.session() as session:
            created = await auth_configs.create_auth_config(
                session,
                actor=info.context.principal,
                connector_key=input.connector_key,
                name=input.name,
                pin=input.pin,
                pin_source=input.pin_source,
            )
        return CreateAuthConfigSuccess(
            auth_config=AuthConfig.from_row(created.auth_config), warnings=created.warnings
        )

    @strawberry.mutation(
        description="Change an auth config's pin (null unpins). Pass the revision you read."
    )
    async def pin_auth_config(self, info: Info, input: PinAuthConfigInput) -> PinAuthConfigResult:
        auth_config_id = require_id(input.auth_config_id, "AuthConfig", "auth config")
        async with info.context.session() as session:
            pinned = await auth_configs.pin_auth_config(
                session,
                actor=info.context.principal,
                auth_config_id=auth_config_id,
                pin=None if input.pin is strawberry.UNSET else input.pin,
                keep_pin=input.pin is strawberry.UNSET,
                pin_source=input.pin_source,
                revision=input.revision,
            )
        return PinAuthConfigSuccess(
            auth_config=AuthConfig.from_row(pinned.auth_config), warnings=pinned.warnings
        )

    @strawberry.mutation(
        description="Activate or deactivate an auth config; its accounts are INACTIVE while it is."
    )
    async def set_auth_config_active(
        self, info: Info, input: SetAuthConfigActiveInput
    ) -> SetAuthConfigActiveResult:
        auth_config_id = require_id(input.auth_config_id, "AuthConfig", "auth config")
        async with info.context.session() as session:
            row = await auth_configs.set_auth_config_active(
                session,
                actor=info.context.principal,
                auth_config_id=auth_config_id,
                active=input.active,
                revision=input.revision,
            )
        return SetAuthConfigActiveSuccess(auth_config=AuthConfig.from_row(row))

    @strawberry.mutation(description="Rename an auth config. Pass the revision you read.")
    async def update_auth_config(
        self, info: Info, input: UpdateAuthConfigInput
    ) -> UpdateAuthConfigResult:
        auth_config_id = require_id(input.auth_config_id, "AuthConfig", "auth config")
        async with info.context.session() as session:
            row = await auth_config_edits.update_auth_config(
                session,
                actor=info.context.principal,
                auth_config_id=auth_config_id,
                name=input.name,
                revision=input.revision,
            )
        return UpdateAuthConfigSuccess(auth_config=AuthConfig.from_row(row))

    @strawberry.mutation(
        description="Delete an auth config. Refused (AUTH_CONFIG_HAS_ACCOUNTS, with their "
        "number) while it has linked accounts: unlink them first."
    )
    async def delete_auth_config(
        self, info: Info, input: DeleteAuthConfigInput
    ) -> DeleteAuthConfigResult:
        auth_config_id = require_id(input.auth_config_id, "AuthConfig", "auth config")
        async with info.context.session() as session:
            await auth_config_edits.delete_auth_config(
                session,
                actor=info.context.principal,
                auth_config_id=auth_config_id,
                revision=input.revision,
            )
        return DeleteAuthConfigSuccess(deleted_auth_config_id=input.auth_config_id)
