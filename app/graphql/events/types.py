"""An entry of the history, as clients read it."""

from datetime import datetime
from typing import cast
from uuid import UUID

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from app.db import models
from app.domain.events import EventKind
from app.graphql import enums as _enums  # noqa: F401  (registers EventKind as a GraphQL enum)
from app.graphql.context import Info
from app.graphql.projects.types import ApiKey
from app.graphql.relay.ids import encode_id
from app.graphql.relay.pagination import Counted


def _global_id(type_name: str, row_id: UUID | None) -> strawberry.ID | None:
    return None if row_id is None else strawberry.ID(encode_id(type_name, row_id))


@strawberry.type(
    description="One change in the history: who made it, what it was, and the objects it names. "
    "Object ids stay as they were, even once the object is gone."
)
class Event:
    id: strawberry.ID = strawberry.field(
        description="Its place in the history: a later event has a larger number."
    )
    kind: EventKind = strawberry.field(
        description="What happened; the kind's description lists its payload's fields."
    )
    occurred_at: datetime
    connector_id: strawberry.ID | None = strawberry.field(description="A Connector's global id.")
    version_id: strawberry.ID | None = strawberry.field(
        description="A ConnectorVersion's global id."
    )
    auth_config_id: strawberry.ID | None = strawberry.field(
        description="An AuthConfig's global id."
    )
    linked_account_id: strawberry.ID | None = strawberry.field(
        description="A LinkedAccount's global id."
    )
    payload: JSON = strawberry.field(
        description="The details of the change: an object whose fields depend on `kind` (see "
        "the EventKind values)."
    )
    api_key_row_id: strawberry.Private[UUID | None]

    @classmethod
    def from_row(cls, row: models.Event) -> "Event":
        return cls(
            id=strawberry.ID(str(row.id)),
            kind=EventKind(row.kind),
            occurred_at=row.created_at,
            connector_id=_global_id("Connector", row.connector_id),
            version_id=_global_id("ConnectorVersion", row.version_id),
            auth_config_id=_global_id("AuthConfig", row.auth_config_id),
            linked_account_id=_global_id("LinkedAccount", row.linked_account_id),
            payload=cast(JSON, row.payload),
            api_key_row_id=row.api_key_id,
        )

    @strawberry.field(
        description="The API key that made the change; null when the key is gone, or for "
        "changes made from the command line."
    )
    async def actor(self, info: Info) -> ApiKey | None:
        if self.api_key_row_id is None:
            return None
        row = await info.context.loaders.api_key_by_id.load(self.api_key_row_id)
        return None if row is None else ApiKey.from_row(row)


# Events are not Nodes (nothing fetches one by id), but a page of them is a Relay connection.
@strawberry.type(description="A page of events.")
class EventConnection(relay.Connection[Event], Counted):  # type: ignore[type-var]
    pass
