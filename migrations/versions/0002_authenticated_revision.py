"""linked accounts record the revision of the version they were authenticated under

A forced overwrite keeps a version's number but may change its `auth` (DESIGN §2, §5.3), so the
version id alone cannot tell which content the credentials were captured for. Accounts linked
before this migration get their version's current revision: what the status compared with so far.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("linked_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("authenticated_revision", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE linked_account SET authenticated_revision = ("
        "SELECT connector_version.revision FROM connector_version "
        "WHERE connector_version.id = linked_account.authenticated_version_id)"
    )


def downgrade() -> None:
    with op.batch_alter_table("linked_account", schema=None) as batch_op:
        batch_op.drop_column("authenticated_revision")
