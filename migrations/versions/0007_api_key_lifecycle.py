"""api key lifecycle: expiry, revocation and last use

Keys may carry an expiry, can be revoked, and show when they were last used (DESIGN §11). Keys
issued before this migration never expire, are not revoked and have no recorded use.

Plain `add_column` on both databases: SQLite adds a nullable column in place, whereas a batch
copy of `api_key` would drop the old table and cascade through foreign keys.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db.types

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = ("expires_at", "last_used_at", "revoked_at")


def upgrade() -> None:
    for name in _COLUMNS:
        op.add_column(
            "api_key", sa.Column(name, app.db.types.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    for name in reversed(_COLUMNS):
        op.drop_column("api_key", name)
