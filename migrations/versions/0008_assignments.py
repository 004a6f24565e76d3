"""assignments: versions assigned to sites

A site assignment records that a datasource, export or data service on a site references a
published version (DESIGN §10); while one exists the version cannot go to the bin. A new table,
so nothing existing changes: versions have no assignments until someone assigns them.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db.types

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "assignment",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("version_id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("site_id", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("external_reference", sa.String(length=255), nullable=True),
        sa.Column("api_key_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", app.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["connector_version.id"],
            name=op.f("fk_assignment_version_id_connector_version"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project.id"],
            name=op.f("fk_assignment_project_id_project"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assignment")),
        sa.UniqueConstraint(
            "version_id",
            "project_id",
            "site_id",
            "kind",
            name=op.f("uq_assignment_version_id_project_id_site_id_kind"),
        ),
    )
    op.create_index(
        "ix_assignment_version_id_created_at_id",
        "assignment",
        ["version_id", "created_at", "id"],
        unique=False,
    )
    op.create_index(op.f("ix_assignment_project_id"), "assignment", ["project_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_assignment_project_id"), table_name="assignment")
    op.drop_index("ix_assignment_version_id_created_at_id", table_name="assignment")
    op.drop_table("assignment")
