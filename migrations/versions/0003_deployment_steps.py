"""deployment steps

Each recorded outcome of an IMAGE version's pipeline step (DESIGN §3), failures included: the
version's deployment history.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import app.db.types

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "deployment_step",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("version_id", sa.Uuid(), nullable=False),
        sa.Column("step", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column(
            "environment",
            sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
            nullable=True,
        ),
        sa.Column("state_before", sa.String(length=16), nullable=False),
        sa.Column("state_after", sa.String(length=16), nullable=False),
        sa.Column("api_key_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", app.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["connector_version.id"],
            name=op.f("fk_deployment_step_version_id_connector_version"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deployment_step")),
    )
    with op.batch_alter_table("deployment_step", schema=None) as batch_op:
        batch_op.create_index(
            "ix_deployment_step_version_id_created_at",
            ["version_id", "created_at"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("deployment_step", schema=None) as batch_op:
        batch_op.drop_index("ix_deployment_step_version_id_created_at")
    op.drop_table("deployment_step")
