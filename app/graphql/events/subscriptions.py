"""Live history: `Subscription.events`."""

import asyncio
from collections.abc import AsyncGenerator
from datetime import UTC, datetime
from typing import Annotated, NoReturn

import strawberry

from app.db.notifications import LiveEvents
from app.domain.api_keys import KeyRefusal
from app.domain.errors import ErrorCode
from app.domain.events import EventKind
from app.graphql.context import Context, Info
from app.graphql.errors import PublicError
from app.graphql.events.types import Event
from app.graphql.relay.ids import decode_id
from app.observability.metrics import EVENT_DELIVERY_LAG
from app.services import history
from app.services.access.auth import key_refusal
from app.services.history import EventFilter

MAX_BATCH = 100
CLOSE_WAIT_SECONDS = 5.0


@strawberry.type
class EventSubscriptions:
    @strawberry.subscription(
        description="The connector's events as they are committed, oldest first, with the same "
        "access rule as `events`. Over graphql-transport-ws, with the API key in the "
        'connection_init payload ({"apiKey": "<key>"}).'
    )
    async def events(
        self,
        info: Info,
        connector_id: Annotated[
            strawberry.ID, strawberry.argument(description="A visible Connector's global id.")
        ],
        kind: Annotated[
            EventKind | None, strawberry.argument(description="Only events of this kind.")
        ] = None,
    ) -> AsyncGenerator[Event, None]:
        context = info.context
        live_events = context.live_events
        if live_events is None:
            raise PublicError("subscriptions are served over a websocket (graphql-transport-ws)")
        decoded = decode_id(connector_id, "Connector")
        connector = None if decoded is None else await context.loaders.connector_by_id.load(decoded)
        if decoded is None or connector is None:
            raise PublicError(f"no connector with id {connector_id}", ErrorCode.NOT_FOUND)
        where = EventFilter(connector_id=decoded, kind=kind)
        with live_events.subscribe() as queue:
            context.subscription_set_up()  # from here on, no request's time limit or slot
            while True:
                # Between deliveries, hold no database connection.
                async with context.session() as session:
                    await session.close()
                event_ids = [await queue.get()]
                while not queue.empty() and len(event_ids) < MAX_BATCH:
                    event_ids.append(queue.get_nowait())
                context.refresh_loaders()
                async with context.session() as session:
                    # Revocations are announced, but a key deleted straight in the database
                    # is not: nothing is delivered under a key that no longer works.
                    refused = await key_refusal(session, context.principal.api_key_id)
                    rows = (
                        []
                        if refused is not None
                        else await history.visible_events(
                            session, actor=context.principal, event_ids=event_ids, where=where
                        )
                    )
                if refused is not None:
                    await _end_connection(context, live_events, refused)
                for row in rows:
                    EVENT_DELIVERY_LAG.observe(
                        max(0.0, (datetime.now(UTC) - row.created_at).total_seconds())
                    )
                    yield Event.from_row(row)


async def _end_connection(
    context: Context, live_events: LiveEvents, refused: KeyRefusal
) -> NoReturn:
    """Have the connection closed with 4403, as an announcement would
    (`app.graphql.endpoint.key_bound`), which cancels this operation; end it with an error should
    that not happen."""
    live_events.revoked_keys.publish(context.principal.api_key_id, refused)
    await asyncio.sleep(CLOSE_WAIT_SECONDS)
    raise PublicError(refused.value, ErrorCode.FORBIDDEN)
