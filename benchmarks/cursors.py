"""Everything in the benchmark that depends on the cursor format, in one place.

A cursor carries the sort key of its row (linked accounts sort by (created_at, id)), so a deep
cursor is built from the row at that position, with the app's own encoder.
"""

from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col

from app.db.models import LinkedAccount
from app.graphql.relay.pagination import CREATED_ORDER, encode_cursor


async def deep_account_cursor(
    connection: AsyncConnection, auth_config_id: UUID, position: int
) -> str:
    """The cursor of the account at `position` (0-based, in the list's order) of an auth config:
    the page `after` it starts at position + 1."""
    row = (
        await connection.execute(
            sa.select(col(LinkedAccount.id), col(LinkedAccount.created_at))
            .where(col(LinkedAccount.auth_config_id) == auth_config_id)
            .order_by(col(LinkedAccount.created_at), col(LinkedAccount.id))
            .offset(position)
            .limit(1)
        )
    ).one()
    return encode_cursor(CREATED_ORDER, (row.created_at, row.id))
