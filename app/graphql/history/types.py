"""What history adds to an effective version: when the answer held, the changes that started
it, and the version as it was then (its content included, even if since overwritten by a forced
push, binned or deleted for good)."""

from datetime import datetime
from uuid import UUID

import strawberry
from strawberry.scalars import JSON

from app.graphql.context import Info
from app.graphql.enums import AccountStatus, HistoryChange, VersionSource
from app.graphql.relay.ids import encode_id
from app.services.effective.history import RecordedChange, VersionThen, content_then


@strawberry.type(name="RecordedChange", description="A change of what resolution decides on.")
class RecordedChangeView:
    kind: HistoryChange
    at: datetime = strawberry.field(description="When it was made (committed with it).")
    description: str = strawberry.field(
        description='What it was, in a few words: "custom 1.2.0 published".'
    )

    @classmethod
    def of(cls, change: RecordedChange) -> "RecordedChangeView":
        return cls(kind=change.kind, at=change.at, description=change.description)


@strawberry.type(
    description="A version as it was at an instant: its number, which content (revision and "
    "hash) and its dates then. Kept when the version is overwritten, binned or deleted for good "
    "(then without its definition)."
)
class VersionAsItWas:
    version: str
    source: VersionSource
    revision: int = strawberry.field(description="Which content: a forced push adds one.")
    content_hash: str
    published_at: datetime | None
    deprecated_at: datetime | None = strawberry.field(description="Deprecated then, since.")
    deprecation_message: str | None
    binned_at: datetime | None
    row_id: strawberry.Private[UUID]

    @classmethod
    def of(cls, then: VersionThen) -> "VersionAsItWas":
        return cls(
            row_id=then.id,
            version=then.version,
            source=then.source,
            revision=then.revision,
            content_hash=then.content_hash,
            published_at=then.published_at,
            deprecated_at=then.deprecated_at,
            deprecation_message=then.deprecation_message,
            binned_at=then.binned_at,
        )

    @strawberry.field(description="The ConnectorVersion's id (it may have been deleted since).")
    def id(self) -> strawberry.ID:
        return strawberry.ID(encode_id("ConnectorVersion", self.row_id))

    @strawberry.field(
        description="Its definition as it was then; null for a version deleted for good."
    )
    async def definition(self, info: Info) -> JSON | None:
        async with info.context.session() as session:
            found = await content_then(session, version_id=self.row_id, revision=self.revision)
        return None if found is None else found.definition  # type: ignore[return-value]


@strawberry.type(
    description="Where an answer stands in history: set when the effective version was asked "
    "for a past instant (`at`)."
)
class EffectiveVersionHistory:
    at: datetime = strawberry.field(description="The instant asked about.")
    since: datetime = strawberry.field(
        description="Since when this answer held (the changes below were made then)."
    )
    until: datetime | None = strawberry.field(
        description="When it stopped holding; null when it still holds."
    )
    changes: list[RecordedChangeView] = strawberry.field(
        description="The changes made at `since`, which started this answer (RECORDED: history "
        "began then)."
    )
    version_then: VersionAsItWas | None = strawberry.field(
        description="The version chosen, as it was then (its content included)."
    )
    in_rollout: bool = strawberry.field(
        description="Whether the account ran its auth config's rollout target (rule ROLLOUT)."
    )
    status: AccountStatus | None = strawberry.field(
        description="A linked account's status then; null for an auth config."
    )
