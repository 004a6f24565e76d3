"""linked account count

`AuthConfig.linkedAccounts { totalCount }` and the bin check's account counts read a count kept
on the auth config instead of counting its accounts (an index-only count of a million accounts
takes about 100 ms). Triggers keep it: every insert and delete of linked accounts, whatever
issues it (the API, a bulk load, a cascade), changes the count in the same transaction. On
PostgreSQL the triggers run once per statement over its transition table, so a bulk insert
updates each auth config once. A linked account never moves to another auth config.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_POSTGRESQL = [
    """
    CREATE FUNCTION linked_account_count_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            UPDATE auth_config SET linked_account_count = linked_account_count + changed.rows
            FROM (SELECT auth_config_id, count(*) AS rows FROM new_accounts
                  GROUP BY auth_config_id) AS changed
            WHERE auth_config.id = changed.auth_config_id;
        ELSE
            UPDATE auth_config SET linked_account_count = linked_account_count - changed.rows
            FROM (SELECT auth_config_id, count(*) AS rows FROM old_accounts
                  GROUP BY auth_config_id) AS changed
            WHERE auth_config.id = changed.auth_config_id;
        END IF;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER linked_account_counted_insert AFTER INSERT ON linked_account
    REFERENCING NEW TABLE AS new_accounts
    FOR EACH STATEMENT EXECUTE FUNCTION linked_account_count_change()
    """,
    """
    CREATE TRIGGER linked_account_counted_delete AFTER DELETE ON linked_account
    REFERENCING OLD TABLE AS old_accounts
    FOR EACH STATEMENT EXECUTE FUNCTION linked_account_count_change()
    """,
]

_SQLITE = [
    """
    CREATE TRIGGER linked_account_counted_insert AFTER INSERT ON linked_account
    BEGIN
        UPDATE auth_config SET linked_account_count = linked_account_count + 1
        WHERE id = NEW.auth_config_id;
    END
    """,
    """
    CREATE TRIGGER linked_account_counted_delete AFTER DELETE ON linked_account
    BEGIN
        UPDATE auth_config SET linked_account_count = linked_account_count - 1
        WHERE id = OLD.auth_config_id;
    END
    """,
]


def upgrade() -> None:
    # A plain ADD COLUMN, on SQLite too: a batch copy of auth_config would drop the table, and
    # with foreign keys on, that deletes its linked accounts.
    op.add_column(
        "auth_config",
        sa.Column(
            "linked_account_count", sa.Integer(), nullable=False, server_default=sa.text("0")
        ),
    )
    op.execute(
        "UPDATE auth_config SET linked_account_count = "
        "(SELECT count(*) FROM linked_account WHERE linked_account.auth_config_id = auth_config.id)"
    )
    dialect = op.get_bind().dialect.name
    for statement in _POSTGRESQL if dialect == "postgresql" else _SQLITE:
        op.execute(statement)


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for trigger in ("linked_account_counted_insert", "linked_account_counted_delete"):
        on_table = " ON linked_account" if postgresql else ""
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}{on_table}")
    if postgresql:
        op.execute("DROP FUNCTION IF EXISTS linked_account_count_change()")
    op.drop_column("auth_config", "linked_account_count")
