"""keyset indexes

Every connection pages by a sort key: each list's page is a range of an index on (its filter,
its order), so a page after a cursor deep in a long list costs what the first page does. Indexes
that the new ones start with are dropped.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, index, columns) created by this migration, in order.
_CREATED = [
    ("api_key", "ix_api_key_project_id_created_at_id", ["project_id", "created_at", "id"]),
    ("auth_config", "ix_auth_config_project_id_created_at_id", ["project_id", "created_at", "id"]),
    (
        "auth_config",
        "ix_auth_config_project_id_connector_key_created_at_id",
        ["project_id", "connector_key", "created_at", "id"],
    ),
    (
        "linked_account",
        "ix_linked_account_auth_config_id_created_at_id",
        ["auth_config_id", "created_at", "id"],
    ),
    ("event", "ix_event_project_id_connector_id_id", ["project_id", "connector_id", "id"]),
    ("event", "ix_event_project_id_version_id_id", ["project_id", "version_id", "id"]),
    ("event", "ix_event_project_id_auth_config_id_id", ["project_id", "auth_config_id", "id"]),
    ("event", "ix_event_project_id_kind_id", ["project_id", "kind", "id"]),
]

# (table, index, columns) that a created index makes redundant: every query that used one now
# filters by the project as well, and the new index starts with the project.
_DROPPED = [
    ("api_key", "ix_api_key_project_id", ["project_id"]),
    ("auth_config", "ix_auth_config_project_id_connector_key", ["project_id", "connector_key"]),
    ("event", "ix_event_connector_id", ["connector_id"]),
    ("event", "ix_event_version_id", ["version_id"]),
    ("event", "ix_event_auth_config_id", ["auth_config_id"]),
]


def upgrade() -> None:
    for table, name, columns in _CREATED:
        op.create_index(name, table, columns, unique=False)
    for table, name, _columns in _DROPPED:
        op.drop_index(name, table_name=table)


def downgrade() -> None:
    for table, name, columns in _DROPPED:
        op.create_index(name, table, columns, unique=False)
    for table, name, _columns in reversed(_CREATED):
        op.drop_index(name, table_name=table)
