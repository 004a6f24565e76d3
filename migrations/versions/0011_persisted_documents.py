"""persisted documents

GraphQL documents clients refer to by id: automatic persisted queries and registered manifests
(DESIGN §16). One table, shared by every worker and instance.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.db.types

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "persisted_document",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("trusted", sa.Boolean(), nullable=False),
        sa.Column("created_at", app.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_persisted_document")),
    )
    op.create_index(
        op.f("ix_persisted_document_sha256"), "persisted_document", ["sha256"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_persisted_document_sha256"), table_name="persisted_document")
    op.drop_table("persisted_document")
