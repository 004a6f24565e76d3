"""Live history: `Subscription.events`, `authConfigEvents` and `projectEvents`.

Each subscription is a feed of this process's one fan-out (`app.graphql.events.feeds`), which
reads each batch of committed events once and wakes a subscriber only for events it may see.
"""

import asyncio
from collections.abc import AsyncGenerator
from datetime import UTC, datetime
from typing import Annotated, NoReturn

import strawberry

from app.db.engine import Database
from app.domain.api_keys import KeyRefusal
from app.domain.errors import ErrorCode
from app.domain.event_visibility import EventFilter
from app.domain.events import EventKind
from app.graphql.context import Context, Info
from app.graphql.errors import PublicError
from app.graphql.events.feeds import EventFeeds, TooManySubscriptions, event_feeds
from app.graphql.events.types import Event
from app.graphql.relay.ids import decode_id
from app.observability.metrics import EVENT_DELIVERY_LAG

CLOSE_WAIT_SECONDS = 5.0

_OVER_A_WEBSOCKET = (
    "Over graphql-transport-ws, with the API key in the connection_init payload "
    '({"apiKey": "<key>"}); at most MAX_SUBSCRIPTIONS_PER_KEY open subscriptions per key and '
    "MAX_SUBSCRIPTIONS per server process (beyond them: TOO_MANY_SUBSCRIPTIONS)."
)
_KIND = strawberry.argument(description="Only events of this kind.")


@strawberry.type
class EventSubscriptions:
    @strawberry.subscription(
        description="The connector's events as they are committed, oldest first, with the same "
        f"access rule as `events`. {_OVER_A_WEBSOCKET}"
    )
    async def events(
        self,
        info: Info,
        connector_id: Annotated[
            strawberry.ID, strawberry.argument(description="A visible Connector's global id.")
        ],
        kind: Annotated[EventKind | None, _KIND] = None,
    ) -> AsyncGenerator[Event, None]:
        _require_websocket(info.context)
        decoded = decode_id(connector_id, "Connector")
        connector = (
            None if decoded is None else await info.context.loaders.connector_by_id.load(decoded)
        )
        if decoded is None or connector is None:
            raise PublicError(f"no connector with id {connector_id}", ErrorCode.NOT_FOUND)
        async for event in _follow(info.context, EventFilter(connector_id=decoded, kind=kind)):
            yield event

    @strawberry.subscription(
        description="The auth config's events as they are committed, oldest first: its pins, "
        "rollouts and linked accounts (every event that names it), with the same access rule "
        f"as `events`. {_OVER_A_WEBSOCKET}"
    )
    async def auth_config_events(
        self,
        info: Info,
        auth_config_id: Annotated[
            strawberry.ID, strawberry.argument(description="A visible AuthConfig's global id.")
        ],
        kind: Annotated[EventKind | None, _KIND] = None,
    ) -> AsyncGenerator[Event, None]:
        _require_websocket(info.context)
        decoded = decode_id(auth_config_id, "AuthConfig")
        auth_config = (
            None if decoded is None else await info.context.loaders.auth_config_by_id.load(decoded)
        )
        if decoded is None or auth_config is None:
            raise PublicError(f"no auth config with id {auth_config_id}", ErrorCode.NOT_FOUND)
        async for event in _follow(info.context, EventFilter(auth_config_id=decoded, kind=kind)):
            yield event

    @strawberry.subscription(
        description="Every event the key may read, as it is committed, oldest first: a project "
        "key follows its project's whole history, a platform key the platform's own (managed "
        f"connectors and their versions), as `events` lists them. {_OVER_A_WEBSOCKET}"
    )
    async def project_events(
        self, info: Info, kind: Annotated[EventKind | None, _KIND] = None
    ) -> AsyncGenerator[Event, None]:
        _require_websocket(info.context)
        async for event in _follow(info.context, EventFilter(kind=kind)):
            yield event


def _require_websocket(context: Context) -> None:
    if context.live_events is None:
        raise PublicError("subscriptions are served over a websocket (graphql-transport-ws)")


def _feeds(context: Context) -> EventFeeds:
    state = context.request.app.state
    database: Database = state.database
    return event_feeds(state, database)


async def _follow(context: Context, where: EventFilter) -> AsyncGenerator[Event, None]:
    """The events `where` keeps that the context's key may read, as they are committed."""
    feeds = _feeds(context)
    try:
        feed = feeds.open(context.principal, where)
    except TooManySubscriptions as too_many:
        raise PublicError(too_many.message, ErrorCode.TOO_MANY_SUBSCRIPTIONS) from None
    context.subscription_set_up()  # from here on, no request's time limit or admission slot
    try:
        while True:
            # Between deliveries, hold no database connection.
            async with context.session() as session:
                await session.close()
            rows = await feed.next_batch()
            # Revocations are announced (the connection closes), but a key deleted straight
            # in the database is not: the fan-out reads the key before it hands events over.
            if isinstance(rows, KeyRefusal):
                await _end_connection(context, rows)
            context.refresh_loaders()
            for row in rows:
                EVENT_DELIVERY_LAG.observe(
                    max(0.0, (datetime.now(UTC) - row.created_at).total_seconds())
                )
                yield Event.from_row(row)
    finally:
        feeds.close(feed)


async def _end_connection(context: Context, refused: KeyRefusal) -> NoReturn:
    """Have the connection closed with 4403, as an announcement would
    (`app.graphql.endpoint.key_bound`), which cancels this operation; end it with an error should
    that not happen."""
    assert context.live_events is not None
    context.live_events.revoked_keys.publish(context.principal.api_key_id, refused)
    await asyncio.sleep(CLOSE_WAIT_SECONDS)
    raise PublicError(refused.value, ErrorCode.FORBIDDEN)
