"""lookup change notifications

Each server process keeps copies of what a lookup reads (API keys, auth configs with their
running rollout and their connectors' stamps: `app.db.invalidation`) and drops a copy when a
notification for its rows arrives. These triggers send them, on PostgreSQL, in the transaction
of the change, so they are delivered on commit only, whoever writes (the API, a bulk UPDATE, a
cascade): `pg_notify('registry_changes', '<kind> <id>')`, one per row changed, or
`'<kind> *'` when a statement changes more than 100 of them. A connector's versions changing
moves its `versions_stamp` (migration 0006), which notifies its key through the connector
trigger. New keys and new auth configs need none: nothing kept depends on them.

SQLite has no notifications: one process drops its copies as it commits.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, kind, column naming the copies it drops, operations whose rows it reads)
_TRIGGERS = (
    ("api_key", "api_key", "id", ("update", "delete")),
    ("auth_config", "auth_config", "id", ("update", "delete")),
    ("rollout", "auth_config", "auth_config_id", ("insert", "update", "delete")),
    ("connector", "connector_key", "key", ("insert", "update", "delete")),
)

_FUNCTION = """
CREATE FUNCTION registry_rows_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    changed text[];
    one text;
BEGIN
    EXECUTE format('SELECT array_agg(DISTINCT %I::text) FROM changed_rows', TG_ARGV[1])
        INTO changed;
    IF changed IS NULL THEN
        RETURN NULL;
    END IF;
    IF cardinality(changed) > 100 THEN
        PERFORM pg_notify('registry_changes', TG_ARGV[0] || ' *');
    ELSE
        FOREACH one IN ARRAY changed LOOP
            PERFORM pg_notify('registry_changes', TG_ARGV[0] || ' ' || one);
        END LOOP;
    END IF;
    RETURN NULL;
END
$$
"""


def _transition(operation: str) -> str:
    # An UPDATE names the rows as they were: the ids and keys named never change.
    return "NEW TABLE AS changed_rows" if operation == "insert" else "OLD TABLE AS changed_rows"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(_FUNCTION)
    for table, kind, column, operations in _TRIGGERS:
        for operation in operations:
            op.execute(
                f"CREATE TRIGGER {table}_changes_{operation} AFTER {operation.upper()} ON {table} "
                f"REFERENCING {_transition(operation)} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION registry_rows_changed('{kind}', '{column}')"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, _, _, operations in _TRIGGERS:
        for operation in operations:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_changes_{operation} ON {table}")
    op.execute("DROP FUNCTION IF EXISTS registry_rows_changed()")
