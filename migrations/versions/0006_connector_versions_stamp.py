"""connector versions stamp

`connector.versions_stamp` changes whenever any version of the connector is inserted, updated
or deleted, in the same transaction, by triggers on connector_version (whoever writes: the API,
a bulk load, a cascade). A server process keeps each connector's resolution candidates in memory
under the stamp it read them with (`app.services.effective.candidate_cache`): a request reads the stamps
(one small row per connector) and re-reads a connector's versions only when its stamp moved, so
the effective version costs the same however many versions a connector has.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OPERATIONS = ("insert", "update", "delete")

_POSTGRESQL = [
    """
    CREATE FUNCTION connector_versions_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            UPDATE connector SET versions_stamp = versions_stamp + 1
            WHERE id IN (SELECT connector_id FROM new_versions);
        ELSIF TG_OP = 'UPDATE' THEN
            UPDATE connector SET versions_stamp = versions_stamp + 1
            WHERE id IN (SELECT connector_id FROM new_versions
                         UNION SELECT connector_id FROM old_versions);
        ELSE
            UPDATE connector SET versions_stamp = versions_stamp + 1
            WHERE id IN (SELECT connector_id FROM old_versions);
        END IF;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER connector_versions_stamp_insert AFTER INSERT ON connector_version
    REFERENCING NEW TABLE AS new_versions
    FOR EACH STATEMENT EXECUTE FUNCTION connector_versions_changed()
    """,
    """
    CREATE TRIGGER connector_versions_stamp_update AFTER UPDATE ON connector_version
    REFERENCING OLD TABLE AS old_versions NEW TABLE AS new_versions
    FOR EACH STATEMENT EXECUTE FUNCTION connector_versions_changed()
    """,
    """
    CREATE TRIGGER connector_versions_stamp_delete AFTER DELETE ON connector_version
    REFERENCING OLD TABLE AS old_versions
    FOR EACH STATEMENT EXECUTE FUNCTION connector_versions_changed()
    """,
]

_SQLITE = [
    """
    CREATE TRIGGER connector_versions_stamp_insert AFTER INSERT ON connector_version
    BEGIN
        UPDATE connector SET versions_stamp = versions_stamp + 1 WHERE id = NEW.connector_id;
    END
    """,
    """
    CREATE TRIGGER connector_versions_stamp_update AFTER UPDATE ON connector_version
    BEGIN
        UPDATE connector SET versions_stamp = versions_stamp + 1
        WHERE id IN (NEW.connector_id, OLD.connector_id);
    END
    """,
    """
    CREATE TRIGGER connector_versions_stamp_delete AFTER DELETE ON connector_version
    BEGIN
        UPDATE connector SET versions_stamp = versions_stamp + 1 WHERE id = OLD.connector_id;
    END
    """,
]


def upgrade() -> None:
    # A plain ADD COLUMN, on SQLite too: a batch copy of connector would drop the table, and
    # with foreign keys on, that deletes its versions.
    op.add_column(
        "connector",
        sa.Column("versions_stamp", sa.BigInteger(), nullable=False, server_default=sa.text("0")),
    )
    dialect = op.get_bind().dialect.name
    for statement in _POSTGRESQL if dialect == "postgresql" else _SQLITE:
        op.execute(statement)


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for operation in _OPERATIONS:
        on_table = " ON connector_version" if postgresql else ""
        op.execute(f"DROP TRIGGER IF EXISTS connector_versions_stamp_{operation}{on_table}")
    if postgresql:
        op.execute("DROP FUNCTION IF EXISTS connector_versions_changed()")
    op.drop_column("connector", "versions_stamp")
