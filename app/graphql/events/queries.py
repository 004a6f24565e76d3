"""Reading the history."""

from typing import Annotated

import strawberry

from app.domain.events import EventKind
from app.graphql.context import Info
from app.graphql.events.filters import event_filter
from app.graphql.events.types import Event, EventConnection
from app.graphql.relay.pagination import (
    DEFAULT_PAGE_SIZE,
    EVENT_ORDER,
    After,
    First,
    page_request,
    selects_total_count,
    to_connection,
)
from app.services import history
from app.services.pages import Page


def _only(what: str) -> object:
    return strawberry.argument(description=f"Only events naming this {what} (a global id).")


@strawberry.type
class EventQueries:
    @strawberry.field(
        description="The history, newest first: a project key sees its project's events, a "
        "platform key the platform's own (managed connectors and their versions)."
    )
    async def events(
        self,
        info: Info,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
        connector_id: Annotated[strawberry.ID | None, _only("connector")] = None,
        version_id: Annotated[strawberry.ID | None, _only("connector version")] = None,
        auth_config_id: Annotated[strawberry.ID | None, _only("auth config")] = None,
        kind: Annotated[
            EventKind | None, strawberry.argument(description="Only events of this kind.")
        ] = None,
    ) -> EventConnection:
        page = page_request(first, after, EVENT_ORDER, count=selects_total_count(info))
        where = event_filter(
            connector_id=connector_id,
            version_id=version_id,
            auth_config_id=auth_config_id,
            kind=kind,
        )
        if where is None:
            nothing: Page[object] = Page(
                items=[],
                keys=[],
                has_next=False,
                has_previous=page.after is not None,
                total=0 if page.count else None,
            )
            return to_connection(EventConnection, nothing, Event.from_row, EVENT_ORDER)
        async with info.context.session() as session:
            result = await history.list_events(
                session, actor=info.context.principal, where=where, page=page
            )
        return to_connection(EventConnection, result, Event.from_row, EVENT_ORDER)
