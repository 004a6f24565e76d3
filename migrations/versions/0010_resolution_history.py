"""resolution history

The inputs of resolution, recorded as they change (DESIGN §15): one append-only table each for
versions, auth configs, rollouts and linked accounts (`app.db.history_tables`), written by the
session's flush hook (`app.db.history_recorder`). What exists when this runs is recorded once,
as found, at the migration's instant (change RECORDED): history begins there.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

import re
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.db.types

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _id() -> sa.Column:  # type: ignore[type-arg]
    return sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False)


def _change() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("change", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("changed_at", app.db.types.UTCDateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "version_history",
        _id(),
        sa.Column("version_id", sa.Uuid(), nullable=False),
        sa.Column("connector_id", sa.Uuid(), nullable=False),
        sa.Column("version", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("content_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column(
            "auth",
            sa.JSON().with_variant(sa.dialects.postgresql.JSONB(), "postgresql"),
            nullable=True,
        ),
        sa.Column("published_at", app.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("deprecated_at", app.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("deprecation_message", sa.Text(), nullable=True),
        sa.Column("binned_at", app.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        *_change(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_version_history")),
    )
    op.create_index(
        "ix_version_history_connector_id_changed_at_id",
        "version_history",
        ["connector_id", "changed_at", "id"],
    )
    op.create_table(
        "auth_config_history",
        _id(),
        sa.Column("auth_config_id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("connector_key", sqlmodel.sql.sqltypes.AutoString(length=63), nullable=False),
        sa.Column("pin", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
        sa.Column("pin_source", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        *_change(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_config_history")),
    )
    op.create_index(
        "ix_auth_config_history_auth_config_id_changed_at_id",
        "auth_config_history",
        ["auth_config_id", "changed_at", "id"],
    )
    op.create_table(
        "rollout_history",
        _id(),
        sa.Column("rollout_id", sa.Uuid(), nullable=False),
        sa.Column("auth_config_id", sa.Uuid(), nullable=False),
        sa.Column("target_version_id", sa.Uuid(), nullable=True),
        sa.Column("target_version", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("target_source", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("percent", sa.Integer(), nullable=False),
        sa.Column("running", sa.Boolean(), nullable=False),
        *_change(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rollout_history")),
    )
    op.create_index(
        "ix_rollout_history_auth_config_id_changed_at_id",
        "rollout_history",
        ["auth_config_id", "changed_at", "id"],
    )
    op.create_table(
        "account_history",
        _id(),
        sa.Column("linked_account_id", sa.Uuid(), nullable=False),
        sa.Column("auth_config_id", sa.Uuid(), nullable=False),
        sa.Column("authenticated_version_id", sa.Uuid(), nullable=True),
        sa.Column("authenticated_revision", sa.Integer(), nullable=True),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        *_change(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_history")),
    )
    op.create_index(
        "ix_account_history_linked_account_id_changed_at_id",
        "account_history",
        ["linked_account_id", "changed_at", "id"],
    )
    _record_what_exists()


def _record_what_exists() -> None:
    """Every version, auth config, running rollout and linked account, as found now."""
    bind = op.get_bind()
    auth = (
        "connector_version.definition -> 'auth'"
        if bind.dialect.name == "postgresql"
        else "json_extract(connector_version.definition, '$.auth')"
    )
    statements = [
        "INSERT INTO version_history (version_id, connector_id, version, revision, content_hash,"
        " auth, published_at, deprecated_at, deprecation_message, binned_at, deleted, change,"
        " changed_at)"
        " SELECT id, connector_id, version, revision, content_hash, "
        + auth
        + ", published_at, deprecated_at, deprecation_message, binned_at, :no, 'RECORDED', :now"
        " FROM connector_version",
        (
            "INSERT INTO auth_config_history (auth_config_id, project_id, connector_key, pin,"
            " pin_source, active, deleted, change, changed_at)"
            " SELECT id, project_id, connector_key, pin, pin_source, active, :no, 'RECORDED', :now"
            " FROM auth_config"
        ),
        (
            "INSERT INTO rollout_history (rollout_id, auth_config_id, target_version_id,"
            " target_version, target_source, percent, running, change, changed_at)"
            " SELECT id, auth_config_id, target_version_id, target_version, target_source, percent,"
            " :yes, 'RECORDED', :now FROM rollout WHERE ended_at IS NULL"
        ),
        (
            "INSERT INTO account_history (linked_account_id, auth_config_id,"
            " authenticated_version_id, authenticated_revision, deleted, change, changed_at)"
            " SELECT id, auth_config_id, authenticated_version_id, authenticated_revision, :no,"
            " 'RECORDED', :now FROM linked_account"
        ),
    ]
    now = datetime.now(UTC)
    for statement in statements:
        values = {
            "now": (now, app.db.types.UTCDateTime()),
            "no": (False, sa.Boolean()),
            "yes": (True, sa.Boolean()),
        }
        used = [
            sa.bindparam(name, value, type_=type_)
            for name, (value, type_) in values.items()
            if re.search(rf":{name}\b", statement)
        ]
        bind.execute(sa.text(statement).bindparams(*used))


def downgrade() -> None:
    for table in ("account_history", "rollout_history", "auth_config_history", "version_history"):
        op.drop_index(
            {
                "version_history": "ix_version_history_connector_id_changed_at_id",
                "auth_config_history": "ix_auth_config_history_auth_config_id_changed_at_id",
                "rollout_history": "ix_rollout_history_auth_config_id_changed_at_id",
                "account_history": "ix_account_history_linked_account_id_changed_at_id",
            }[table],
            table_name=table,
        )
        op.drop_table(table)
