"""History of the inputs of resolution (DESIGN §15): append-only tables, one row per change.

Each row is the state of one object *after* a change, from `changed_at` on, with the kind of
change that made it; the state at an instant T is the latest row at or before T. Rows are
written by the recorder (`app.db.history_recorder`) in the flush of the change itself, so they
commit or roll back with it; nothing else writes them, and nothing updates or deletes them.
Object ids are plain columns, like the events': history outlives what it mentions (a version
deleted for good keeps its number, content hash, times and the `auth` section that account
statuses compare, not its definition).

Every change of one transaction carries the same `changed_at` (its first recorded change's):
readers see a transaction's changes all at once, and so does history.
"""

from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.db.types import JSONDocument, UTCDateTime


def _history_id() -> Any:
    return Field(
        default=None,
        primary_key=True,
        sa_type=sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
    )


def _time(*, nullable: bool = False) -> Any:
    return Field(default=None, sa_type=UTCDateTime, nullable=nullable)


class VersionHistory(SQLModel, table=True):
    """A version as resolution and statuses see it, after each change (a draft's only when it is
    created, binned, restored, published or deleted: its content is no candidate's yet)."""

    __tablename__ = "version_history"
    __table_args__ = (
        # A key's history: every row of its connectors in time order (a range per connector).
        sa.Index(
            "ix_version_history_connector_id_changed_at_id", "connector_id", "changed_at", "id"
        ),
    )

    id: int | None = _history_id()
    version_id: UUID
    connector_id: UUID
    version: str = Field(max_length=128)
    revision: int
    content_hash: str = Field(max_length=64)
    # The definition's `auth` section of this revision (None without one): what a status
    # compares, kept even after the version is deleted for good.
    auth: dict[str, Any] | None = Field(default=None, sa_type=JSONDocument, nullable=True)
    published_at: datetime | None = _time(nullable=True)
    deprecated_at: datetime | None = _time(nullable=True)
    deprecation_message: str | None = Field(default=None, sa_type=sa.Text, nullable=True)
    binned_at: datetime | None = _time(nullable=True)
    deleted: bool = Field(default=False)
    change: str = Field(max_length=32)
    changed_at: datetime = _time()


class AuthConfigHistory(SQLModel, table=True):
    """An auth config's pin, pin source and active flag, after each change."""

    __tablename__ = "auth_config_history"
    __table_args__ = (
        sa.Index(
            "ix_auth_config_history_auth_config_id_changed_at_id",
            "auth_config_id",
            "changed_at",
            "id",
        ),
    )

    id: int | None = _history_id()
    auth_config_id: UUID
    project_id: UUID
    connector_key: str = Field(max_length=63)
    pin: str | None = Field(default=None, max_length=128)
    pin_source: str = Field(max_length=16)
    active: bool
    deleted: bool = Field(default=False)
    change: str = Field(max_length=32)
    changed_at: datetime = _time()


class RolloutHistory(SQLModel, table=True):
    """A rollout of an auth config after each step: started, percentage changed, ended."""

    __tablename__ = "rollout_history"
    __table_args__ = (
        sa.Index(
            "ix_rollout_history_auth_config_id_changed_at_id", "auth_config_id", "changed_at", "id"
        ),
    )

    id: int | None = _history_id()
    rollout_id: UUID
    auth_config_id: UUID
    target_version_id: UUID | None = Field(default=None)
    target_version: str = Field(max_length=128)
    target_source: str = Field(max_length=16)
    percent: int
    running: bool
    change: str = Field(max_length=32)
    changed_at: datetime = _time()


class AccountHistory(SQLModel, table=True):
    """A linked account's authenticated version, after each change."""

    __tablename__ = "account_history"
    __table_args__ = (
        sa.Index(
            "ix_account_history_linked_account_id_changed_at_id",
            "linked_account_id",
            "changed_at",
            "id",
        ),
    )

    id: int | None = _history_id()
    linked_account_id: UUID
    auth_config_id: UUID
    authenticated_version_id: UUID | None = Field(default=None)
    authenticated_revision: int | None = Field(default=None)
    deleted: bool = Field(default=False)
    change: str = Field(max_length=32)
    changed_at: datetime = _time()
