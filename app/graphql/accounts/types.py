"""Linked accounts: end users' connections through an auth config."""

from datetime import datetime
from typing import cast
from uuid import UUID

import strawberry
from strawberry import relay
from strawberry.dataloader import DataLoader

from app.db import models
from app.graphql.auth_configs.effective import EffectiveVersion, account_effective_version_of
from app.graphql.auth_configs.types import AuthConfig
from app.graphql.context import Info
from app.graphql.enums import AccountStatus
from app.graphql.history.fields import (
    At,
    EffectiveVersionIntervalConnection,
    From,
    To,
    effective_version_then,
    timeline_page,
)
from app.graphql.loaders import Loaders
from app.graphql.relay.entity import Entity, present
from app.graphql.relay.pagination import DEFAULT_PAGE_SIZE, After, Counted, First
from app.graphql.versions.types import ConnectorVersion
from app.services.accounts.linked import AccountRow
from app.services.effective.history import HistorySubject
from app.services.versions.reads import ContentKey


@strawberry.federation.type(
    keys=["id"], description="An end user's account, linked through an auth config."
)
class LinkedAccount(relay.Node, Entity[models.LinkedAccount]):
    @classmethod
    def loader(cls, loaders: Loaders) -> DataLoader[UUID, models.LinkedAccount | None]:
        return loaders.linked_account_by_id

    id: relay.NodeID[str]
    external_id: str = strawberry.field(
        description="Your id for the account; unique in its auth config."
    )
    label: str
    authenticated_at: datetime | None = strawberry.field(
        description="When its credentials were last captured."
    )
    created_at: datetime
    row_id: strawberry.Private[UUID]
    auth_config_row_id: strawberry.Private[UUID]
    authenticated_version_row_id: strawberry.Private[UUID | None]
    authenticated_revision: strawberry.Private[int | None]
    effective_now: strawberry.Private[EffectiveVersion | None]
    """Its `effectiveVersion` now, when what made it had it at hand (a page of accounts works
    out every account's at once): the field then reads it as it is (see `app.graphql.plain`)."""

    @classmethod
    def from_row(
        cls, row: AccountRow, effective: EffectiveVersion | None = None
    ) -> "LinkedAccount":
        """`effective`: its effective version now, when the caller has it."""
        return cls(
            effective_now=effective,
            id=str(row.id),
            row_id=row.id,
            external_id=row.external_id,
            label=row.label,
            authenticated_at=row.authenticated_at,
            created_at=row.created_at,
            auth_config_row_id=row.auth_config_id,
            authenticated_version_row_id=row.authenticated_version_id,
            authenticated_revision=row.authenticated_revision,
        )

    @strawberry.field(description="The auth config it was linked through.")
    async def auth_config(self, info: Info) -> AuthConfig:
        row = await info.context.loaders.auth_config_by_id.load(self.auth_config_row_id)
        return AuthConfig.from_row(present(row))

    @strawberry.field(
        description="The version it runs now, and why: its auth config's, or the target of the "
        "auth config's rollout when the account is in it (rule ROLLOUT). With `at`: the answer "
        "as it was then (see `history`)."
    )
    def effective_version(self, info: Info, at: At = None) -> EffectiveVersion:
        if at is not None:
            return cast(EffectiveVersion, self._effective_version_then(info, at))
        # Not a coroutine function: an answer at hand costs graphql-core no awaiting. Otherwise
        # this returns an awaitable, which graphql-core awaits like an async resolver's result.
        if self.effective_now is not None:
            return self.effective_now
        return cast(
            EffectiveVersion,
            account_effective_version_of(info, self.auth_config_row_id, self.row_id),
        )

    async def _subject(self, info: Info) -> HistorySubject:
        row = present(await info.context.loaders.auth_config_by_id.load(self.auth_config_row_id))
        return HistorySubject(row.id, row.project_id, row.connector_key, self.row_id)

    async def _effective_version_then(self, info: Info, at: datetime) -> EffectiveVersion:
        return await effective_version_then(info, await self._subject(info), at)

    @strawberry.field(
        description="What it ran over time: the intervals during which one effective version "
        "held, oldest first, each with the changes that started it (DESIGN §15)."
    )
    async def timeline(
        self,
        info: Info,
        from_: From = None,
        to: To = None,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
    ) -> EffectiveVersionIntervalConnection:
        subject = await self._subject(info)
        return await timeline_page(info, subject, from_=from_, to=to, first=first, after=after)

    @strawberry.field(
        description="INACTIVE while its auth config is; NEEDS_REAUTHENTICATION when the version "
        "it runs (its own effectiveVersion, a rollout's target included) needs other "
        "credentials than it was authenticated with; else ACTIVE."
    )
    async def status(self, info: Info) -> AccountStatus:
        loaders = info.context.loaders
        effective = await loaders.account_effective_versions_by_auth_config.load(
            self.auth_config_row_id
        )
        authenticated = self.authenticated_version_row_id
        # A forced overwrite keeps the version's id but may change its `auth`, so the revision
        # counts too (none recorded: the current one).
        key = present(effective).status_of(
            self.row_id,
            None
            if authenticated is None
            else ContentKey(authenticated, self.authenticated_revision),
        )
        return await loaders.account_status.load(key)

    @strawberry.field(description="The version under which its credentials were captured.")
    async def authenticated_version(self, info: Info) -> ConnectorVersion | None:
        if self.authenticated_version_row_id is None:
            return None
        header = await info.context.loaders.version_by_id.load(self.authenticated_version_row_id)
        return None if header is None else ConnectorVersion.from_header(header)


@strawberry.type(description="A page of linked accounts.")
class LinkedAccountConnection(relay.Connection[LinkedAccount], Counted):
    pass
