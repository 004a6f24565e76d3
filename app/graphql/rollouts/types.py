"""A running rollout, as `AuthConfig.rollout` shows it."""

from datetime import datetime
from uuid import UUID

import strawberry

from app.db import models
from app.domain.rollouts import BUCKETS, bucket_limit
from app.graphql.context import Info
from app.graphql.enums import VersionSource
from app.graphql.versions.types import ConnectorVersion


@strawberry.type(
    description="A target version rolled out to a percentage of an auth config's accounts. An "
    f"account is in it when its bucket (0..{BUCKETS - 1}, a stable hash of the rollout's and the "
    "account's ids) is below percent * 100: raising the percentage only adds accounts."
)
class Rollout:
    rollout_id: strawberry.ID = strawberry.field(
        description="The rollout's id, as its events name it (rolloutId); the accounts' buckets "
        "derive from it."
    )
    percent: int = strawberry.field(description="The percentage of accounts in it, 0..100.")
    bucket_limit: int = strawberry.field(
        description="Accounts whose bucket is below it are in the rollout (percent * 100)."
    )
    target_version_number: str = strawberry.field(description="The target's version number.")
    target_source: VersionSource = strawberry.field(description="The target's source.")
    started_at: datetime
    updated_at: datetime = strawberry.field(description="When its percentage last changed.")
    ended_at: datetime | None = strawberry.field(description="Null while it runs.")
    auth_config_row_id: strawberry.Private[UUID]
    target_row_id: strawberry.Private[UUID | None]

    @classmethod
    def from_row(cls, row: models.Rollout) -> "Rollout":
        return cls(
            rollout_id=strawberry.ID(str(row.id)),
            percent=row.percent,
            bucket_limit=bucket_limit(row.percent),
            target_version_number=row.target_version,
            target_source=VersionSource(row.target_source),
            started_at=row.started_at,
            updated_at=row.updated_at,
            ended_at=row.ended_at,
            auth_config_row_id=row.auth_config_id,
            target_row_id=row.target_version_id,
        )

    @strawberry.field(description="The version the accounts in the rollout run.")
    async def target_version(self, info: Info) -> ConnectorVersion | None:
        if self.target_row_id is None:
            return None
        header = await info.context.loaders.version_by_id.load(self.target_row_id)
        return None if header is None else ConnectorVersion.from_header(header)

    @strawberry.field(
        description="How many of the auth config's linked accounts are in it now (counted in "
        "SQL, one statement for every auth config asked about)."
    )
    async def accounts_in_rollout(self, info: Info) -> int:
        if self.ended_at is not None:
            return 0
        counts = await info.context.loaders.rollout_counts_by_auth_config.load(
            self.auth_config_row_id
        )
        return 0 if counts is None else counts.in_rollout
