"""Finding connectors."""

from typing import Annotated

import strawberry

from app.graphql.connectors.types import Connector, ConnectorConnection
from app.graphql.context import Info
from app.graphql.enums import VersionSource
from app.graphql.relay.pagination import (
    CONNECTOR_ORDER,
    DEFAULT_PAGE_SIZE,
    After,
    First,
    page_request,
    selects_total_count,
    to_connection,
)
from app.services import connectors


@strawberry.type
class ConnectorQueries:
    @strawberry.field(description="Managed connectors and the caller's custom ones, by key.")
    async def connectors(
        self,
        info: Info,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
        source: Annotated[
            VersionSource | None,
            strawberry.argument(description="Only MANAGED or only CUSTOM."),
        ] = None,
    ) -> ConnectorConnection:
        page = page_request(first, after, CONNECTOR_ORDER, count=selects_total_count(info))
        async with info.context.session() as session:
            result = await connectors.list_connectors(
                session,
                actor=info.context.principal,
                source=source,
                page=page,
            )
        return to_connection(ConnectorConnection, result, Connector.from_row, CONNECTOR_ORDER)

    @strawberry.field(
        description="The connector of this key. Without a source, the custom one if the caller "
        "has it, else the managed one."
    )
    async def connector(
        self, info: Info, key: str, source: VersionSource | None = None
    ) -> Connector | None:
        async with info.context.session() as session:
            row = await connectors.find_connector(
                session,
                actor=info.context.principal,
                key=key,
                source=source,
            )
        return None if row is None else Connector.from_row(row)
