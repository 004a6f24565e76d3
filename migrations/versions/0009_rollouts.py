"""rollouts

A rollout moves a percentage of an auth config's linked accounts to a target version (DESIGN
§13). One table; ended rollouts stay for history. The partial unique index lets at most one
rollout per auth config run (ended_at IS NULL) on both databases.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.db.types

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rollout",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("auth_config_id", sa.Uuid(), nullable=False),
        sa.Column("target_version_id", sa.Uuid(), nullable=True),
        sa.Column("target_version", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("target_source", sa.String(length=16), nullable=False),
        sa.Column("percent", sa.Integer(), nullable=False),
        sa.Column("started_at", app.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", app.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ending", sa.String(length=16), nullable=True),
        sa.Column("started_by_api_key_id", sa.Uuid(), nullable=True),
        sa.Column("ended_by_api_key_id", sa.Uuid(), nullable=True),
        sa.CheckConstraint(
            "percent >= 0 AND percent <= 100",
            name=op.f("ck_rollout_percent_is_a_percentage"),
        ),
        sa.ForeignKeyConstraint(
            ["auth_config_id"],
            ["auth_config.id"],
            name=op.f("fk_rollout_auth_config_id_auth_config"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["target_version_id"],
            ["connector_version.id"],
            name=op.f("fk_rollout_target_version_id_connector_version"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rollout")),
    )
    op.create_index(op.f("ix_rollout_auth_config_id"), "rollout", ["auth_config_id"])
    op.create_index(op.f("ix_rollout_target_version_id"), "rollout", ["target_version_id"])
    op.create_index(
        "uq_rollout_running_auth_config_id",
        "rollout",
        ["auth_config_id"],
        unique=True,
        sqlite_where=sa.text("ended_at IS NULL"),
        postgresql_where=sa.text("ended_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("uq_rollout_running_auth_config_id", table_name="rollout")
    op.drop_index(op.f("ix_rollout_target_version_id"), table_name="rollout")
    op.drop_index(op.f("ix_rollout_auth_config_id"), table_name="rollout")
    op.drop_table("rollout")
