"""Listing the caller's auth configs."""

from typing import Annotated

import strawberry

from app.graphql.auth_configs.types import AuthConfig, AuthConfigConnection
from app.graphql.context import Info
from app.graphql.relay.pagination import (
    CREATED_ORDER,
    DEFAULT_PAGE_SIZE,
    After,
    First,
    page_request,
    selects_total_count,
    to_connection,
)
from app.services.accounts import auth_configs


@strawberry.type
class AuthConfigQueries:
    @strawberry.field(description="The caller's project's auth configs, oldest first.")
    async def auth_configs(
        self,
        info: Info,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
        connector_key: Annotated[
            str | None,
            strawberry.argument(description="Only those naming this connector key."),
        ] = None,
    ) -> AuthConfigConnection:
        page = page_request(first, after, CREATED_ORDER, count=selects_total_count(info))
        async with info.context.session() as session:
            result = await auth_configs.list_auth_configs(
                session,
                actor=info.context.principal,
                connector_key=connector_key,
                page=page,
            )
        info.context.loaders.auth_config_by_id.prime_many({row.id: row for row in result.items})
        return to_connection(AuthConfigConnection, result, AuthConfig.from_row, CREATED_ORDER)
