"""Auth configs (connector profiles): which version their linked accounts use."""

from datetime import datetime
from typing import TYPE_CHECKING, Annotated
from uuid import UUID

import strawberry
from strawberry import relay
from strawberry.dataloader import DataLoader

from app.db import models
from app.graphql.connectors.types import Connector
from app.graphql.context import Info
from app.graphql.enums import PinSource
from app.graphql.loader_keys import PageKey
from app.graphql.loaders import Loaders
from app.graphql.projects.types import Project
from app.graphql.relay.entity import Entity, present
from app.graphql.relay.pagination import (
    CREATED_ORDER,
    DEFAULT_PAGE_SIZE,
    After,
    Counted,
    First,
    page_request,
    selects,
    selects_cursors,
    selects_total_count,
    to_connection,
)
from app.services.accounts.linked import AccountRef
from app.services.effective.history import HistorySubject

if TYPE_CHECKING:
    from app.graphql.accounts.types import LinkedAccount, LinkedAccountConnection
    from app.graphql.auth_configs.effective import EffectiveVersion
    from app.graphql.history.fields import EffectiveVersionIntervalConnection
    from app.graphql.loader_now import Now
    from app.graphql.rollouts.types import Rollout


@strawberry.federation.type(
    keys=["id"],
    description="A project's use of a connector key, and the pin its linked accounts follow.",
)
class AuthConfig(relay.Node, Entity[models.AuthConfig]):
    @classmethod
    def loader(cls, loaders: Loaders) -> DataLoader[UUID, models.AuthConfig | None]:
        return loaders.auth_config_by_id

    id: relay.NodeID[str]
    name: str
    connector_key: str = strawberry.field(
        description="The connector key: resolution spans its custom and managed connector."
    )
    pin: str | None = strawberry.field(description="latest, 1.x.x, 1.2.x, 1.2.0, or null.")
    pin_source: PinSource
    active: bool
    revision: int = strawberry.field(description="Pass it back when changing the pin.")
    created_at: datetime
    updated_at: datetime
    project_row_id: strawberry.Private[UUID]

    @classmethod
    def from_row(cls, row: models.AuthConfig) -> "AuthConfig":
        return cls(
            id=str(row.id),
            name=row.name,
            connector_key=row.connector_key,
            pin=row.pin,
            pin_source=PinSource(row.pin_source),
            active=row.active,
            revision=row.revision,
            created_at=row.created_at,
            updated_at=row.updated_at,
            project_row_id=row.project_id,
        )

    @strawberry.field(description="The project it belongs to.")
    async def project(self, info: Info) -> Project:
        row = await info.context.loaders.project_by_id.load(self.project_row_id)
        return Project.from_row(present(row))

    @strawberry.field(
        description="The connectors of its key: the custom one first, then the managed."
    )
    async def connectors(self, info: Info) -> list[Connector]:
        rows = await info.context.loaders.connectors_by_key.load(self.connector_key)
        return [Connector.from_row(row) for row in rows]

    @strawberry.field(
        description="The version its accounts run now, and why (during a rollout, those outside "
        "it; each LinkedAccount.effectiveVersion tells). With `at`: the answer as it was then "
        "(see `history`).",
        graphql_type=Annotated[
            "EffectiveVersion", strawberry.lazy("app.graphql.auth_configs.effective")
        ],
    )
    def effective_version(
        self,
        info: Info,
        at: Annotated[
            datetime | None,
            strawberry.argument(
                description="A past instant: the answer as it was then (a time without zone is "
                "UTC). Without it, the answer now."
            ),
        ] = None,
    ) -> "Now[EffectiveVersion]":
        """The answer now is given at once when the request or this process holds it
        (`effective_version_now`); the answer then is always read."""
        from app.graphql.auth_configs.effective import effective_version_now

        if at is not None:
            from app.graphql.history.fields import effective_version_then

            return effective_version_then(info, self._history_subject(), at)
        return effective_version_now(info, UUID(self.id))

    def _history_subject(self) -> HistorySubject:
        return HistorySubject(UUID(self.id), self.project_row_id, self.connector_key)

    @strawberry.field(
        description="What its accounts ran over time (outside rollouts): the intervals during "
        "which one effective version held, oldest first, each with the changes that started "
        "it (DESIGN §15)."
    )
    async def timeline(
        self,
        info: Info,
        from_: Annotated[
            datetime | None,
            strawberry.argument(
                name="from",
                description="The intervals that still held at or after this instant (default: "
                "all).",
            ),
        ] = None,
        to: Annotated[
            datetime | None,
            strawberry.argument(
                description="The intervals that began before this instant (default: now)."
            ),
        ] = None,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
    ) -> Annotated[
        "EffectiveVersionIntervalConnection", strawberry.lazy("app.graphql.history.fields")
    ]:
        from app.graphql.history.fields import timeline_page

        return await timeline_page(
            info, self._history_subject(), from_=from_, to=to, first=first, after=after
        )

    @strawberry.field(
        description="The account linked through this auth config with this external id (your "
        "id for it); null when there is none."
    )
    async def linked_account(
        self, info: Info, external_id: str
    ) -> Annotated["LinkedAccount", strawberry.lazy("app.graphql.accounts.types")] | None:
        from app.graphql.accounts.types import LinkedAccount

        row = await info.context.loaders.linked_account_by_external_id.load(
            AccountRef(UUID(self.id), external_id)
        )
        return None if row is None else LinkedAccount.from_row(row)

    @strawberry.field(
        description="Its running rollout (a target version for a percentage of its accounts), "
        "or null."
    )
    async def rollout(
        self, info: Info
    ) -> Annotated["Rollout", strawberry.lazy("app.graphql.rollouts.types")] | None:
        from app.graphql.rollouts.types import Rollout

        row = await info.context.loaders.rollout_by_auth_config.load(UUID(self.id))
        return None if row is None else Rollout.from_row(row)

    @strawberry.field(description="The accounts linked through this auth config, oldest first.")
    async def linked_accounts(
        self,
        info: Info,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
    ) -> Annotated["LinkedAccountConnection", strawberry.lazy("app.graphql.accounts.types")]:
        from app.graphql.accounts.types import LinkedAccount, LinkedAccountConnection
        from app.graphql.auth_configs.effective import account_effective_versions_of

        page = page_request(first, after, CREATED_ORDER, count=selects_total_count(info))
        result = await info.context.loaders.accounts_by_auth_config.load(
            PageKey.of(UUID(self.id), page)
        )
        cursors = selects_cursors(info)
        if not selects(info, "edges", "node", "effectiveVersion"):
            return to_connection(
                LinkedAccountConnection,
                result,
                LinkedAccount.from_row,
                CREATED_ORDER,
                cursors=cursors,
            )
        # Every account of the page shows this auth config's effective version (or its
        # rollout's target): worked out here for the whole page, each account's field reads
        # its own as it is instead of resolving it.
        effective = (await account_effective_versions_of(info, UUID(self.id))).for_account
        return to_connection(
            LinkedAccountConnection,
            result,
            lambda row: LinkedAccount.from_row(row, effective(row.id)),
            CREATED_ORDER,
            cursors=cursors,
        )


@strawberry.type(description="A page of auth configs.")
class AuthConfigConnection(relay.Connection[AuthConfig], Counted):
    pass
