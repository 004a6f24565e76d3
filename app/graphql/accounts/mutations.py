"""Linking, re-authenticating and unlinking accounts."""

from typing import Annotated

import strawberry

from app.graphql.accounts.types import LinkedAccount
from app.graphql.auth_configs.types import AuthConfig
from app.graphql.context import Info
from app.graphql.errors import (
    AlreadyExistsError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
)
from app.graphql.relay.ids import require_id
from app.services.accounts import linked as accounts


@strawberry.input(description="An account to link through an auth config.")
class LinkAccountInput:
    auth_config_id: strawberry.ID
    external_id: str = strawberry.field(
        description="Your id for the account; unique in the auth config."
    )
    label: str | None = None


@strawberry.type(description="The linked account.")
class LinkAccountSuccess:
    linked_account: LinkedAccount


LinkAccountResult = Annotated[
    LinkAccountSuccess | ForbiddenError | InvalidInputError | NotFoundError | AlreadyExistsError,
    strawberry.union("LinkAccountResult"),
]


@strawberry.input(description="An account whose credentials were captured again.")
class ReauthenticateAccountInput:
    linked_account_id: strawberry.ID


@strawberry.type(description="The account, now authenticated under its effective version.")
class ReauthenticateAccountSuccess:
    linked_account: LinkedAccount


ReauthenticateAccountResult = Annotated[
    ReauthenticateAccountSuccess | ForbiddenError | NotFoundError,
    strawberry.union("ReauthenticateAccountResult"),
]


@strawberry.input(description="An account to unlink (delete) from its auth config.")
class UnlinkAccountInput:
    linked_account_id: strawberry.ID


@strawberry.type(description="The account is gone; its events stay.")
class UnlinkAccountSuccess:
    unlinked_account_id: strawberry.ID = strawberry.field(
        description="The id the account had (its events still name it)."
    )
    external_id: str = strawberry.field(description="The account's external id.")
    auth_config: AuthConfig = strawberry.field(description="The auth config it was linked to.")


UnlinkAccountResult = Annotated[
    UnlinkAccountSuccess | ForbiddenError | NotFoundError,
    strawberry.union("UnlinkAccountResult"),
]


@strawberry.type
class AccountMutations:
    @strawberry.mutation(description="Link an account through an auth config (ADMIN keys only).")
    async def link_account(self, info: Info, input: LinkAccountInput) -> LinkAccountResult:
        auth_config_id = require_id(input.auth_config_id, "AuthConfig", "auth config")
        async with info.context.session() as session:
            row = await accounts.link_account(
                session,
                actor=info.context.principal,
                auth_config_id=auth_config_id,
                external_id=input.external_id,
                label=input.label,
            )
        return LinkAccountSuccess(linked_account=LinkedAccount.from_row(row))

    @strawberry.mutation(
        description="Record that an account's credentials were captured again, under the version "
        "it runs now; this clears NEEDS_REAUTHENTICATION."
    )
    async def reauthenticate_account(
        self, info: Info, input: ReauthenticateAccountInput
    ) -> ReauthenticateAccountResult:
        account_id = require_id(input.linked_account_id, "LinkedAccount", "linked account")
        async with info.context.session() as session:
            row = await accounts.reauthenticate_account(
                session, actor=info.context.principal, account_id=account_id
            )
        return ReauthenticateAccountSuccess(linked_account=LinkedAccount.from_row(row))

    @strawberry.mutation(
        description="Unlink an account: delete it from its auth config (ADMIN keys only)."
    )
    async def unlink_account(self, info: Info, input: UnlinkAccountInput) -> UnlinkAccountResult:
        account_id = require_id(input.linked_account_id, "LinkedAccount", "linked account")
        async with info.context.session() as session:
            unlinked = await accounts.unlink_account(
                session, actor=info.context.principal, account_id=account_id
            )
        return UnlinkAccountSuccess(
            unlinked_account_id=input.linked_account_id,
            external_id=unlinked.account.external_id,
            auth_config=AuthConfig.from_row(unlinked.auth_config),
        )
