"""Reading a subject's history (DESIGN §15): the rows of its key's versions, its auth config,
its rollouts and its account, as plain tuples in the one order they are replayed in.

Each table is one range of its (subject, changed_at, id) index, read with a statement built
once (see `app.services.lookups`) and only the columns replay needs; a version's `auth` stays
JSON text until a status needs it. Rows are tuples, not ORM objects nor dataclasses: a key's
year is a thousand rows or more, and building objects for them would cost more than reading.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy import bindparam
from sqlmodel import col, or_
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.history_tables import AccountHistory, AuthConfigHistory, RolloutHistory, VersionHistory
from app.db.models import Connector
from app.services.lookups import column_rows


@dataclass(frozen=True, slots=True)
class HistorySubject:
    """Whose history: an auth config (the caller may read it), or one of its linked accounts."""

    auth_config_id: UUID
    project_id: UUID
    connector_key: str
    account_id: UUID | None = None


class VersionRow(NamedTuple):
    id: int
    version_id: UUID
    connector_id: UUID
    managed: bool
    version: str
    revision: int
    content_hash: str
    auth: str | None
    published_at: datetime | None
    deprecated_at: datetime | None
    deprecation_message: str | None
    binned_at: datetime | None
    deleted: bool
    change: str
    changed_at: datetime


class AuthConfigRow(NamedTuple):
    id: int
    pin: str | None
    pin_source: str
    active: bool
    deleted: bool
    change: str
    changed_at: datetime


class RolloutRow(NamedTuple):
    id: int
    rollout_id: UUID
    target_version_id: UUID | None
    target_version: str
    target_source: str
    percent: int
    running: bool
    change: str
    changed_at: datetime


class AccountRow(NamedTuple):
    id: int
    authenticated_version_id: UUID | None
    authenticated_revision: int | None
    deleted: bool
    change: str
    changed_at: datetime


HistoryRow = VersionRow | AuthConfigRow | RolloutRow | AccountRow

# Rows of one instant (one transaction's) apply versions first, then the auth config, its
# rollout and the account, each table's as written.
ORDER: dict[type, int] = {VersionRow: 0, AuthConfigRow: 1, RolloutRow: 2, AccountRow: 3}

_UNTIL: Any = bindparam("until")


def range_columns(model: Any, row_type: type[Any]) -> list[Any]:
    """The columns of `row_type` from `model`'s table, as replay reads them."""
    return [
        _plain_time(model.changed_at) if name == "changed_at" else getattr(model, name)
        for name in row_type._fields
    ]


def _plain_time(column: Any) -> Any:
    """A timestamp read without `UTCDateTime`'s conversion, which costs a Python call a value:
    replay only asks whether these are set, and `utc` converts the few it shows."""
    return sa.type_coerce(column, sa.DateTime(timezone=True)).label(column.key)


def utc(value: datetime | None) -> datetime | None:
    """A timestamp `_plain_time` read, as `UTCDateTime` gives it (SQLite drops the zone)."""
    if value is None or value.tzinfo is UTC:
        return value
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def version_columns(with_auth: bool) -> list[Any]:
    """A version row's columns, and which connector is managed; an account's status compares
    `auth` sections, an auth config has no status, so its read leaves them out (they are most
    of a version row's bytes)."""
    auth = sa.cast(col(VersionHistory.auth), sa.Text) if with_auth else sa.null().cast(sa.Text)
    return [
        col(VersionHistory.id),
        col(VersionHistory.version_id),
        col(VersionHistory.connector_id),
        col(Connector.project_id).is_(None).label("managed"),
        col(VersionHistory.version),
        col(VersionHistory.revision),
        col(VersionHistory.content_hash),
        auth.label("auth"),
        _plain_time(VersionHistory.published_at),
        _plain_time(VersionHistory.deprecated_at),
        col(VersionHistory.deprecation_message),
        _plain_time(VersionHistory.binned_at),
        col(VersionHistory.deleted),
        col(VersionHistory.change),
        _plain_time(VersionHistory.changed_at),
    ]


def versions_of_key() -> tuple[Any, list[Any]]:
    """The key's versions: those of its managed connector and of its custom connector in the
    project, joined to the connectors so that one statement also says which are managed."""
    join = sa.join(VersionHistory, Connector, col(Connector.id) == col(VersionHistory.connector_id))
    where = [
        col(Connector.key) == bindparam("connector_key"),
        or_(col(Connector.project_id).is_(None), col(Connector.project_id) == bindparam("project")),
    ]
    return join, where


def _versions(with_auth: bool) -> Any:
    join, where = versions_of_key()
    return (
        sa.select(*version_columns(with_auth))
        .select_from(join)
        .where(*where, col(VersionHistory.changed_at) <= _UNTIL)
        .order_by(col(VersionHistory.changed_at), col(VersionHistory.id))
    )


_VERSIONS_WITH_AUTH = _versions(True)
_VERSIONS = _versions(False)


def _range(model: Any, row_type: type[Any], subject_column: Any) -> Any:
    return (
        sa.select(*range_columns(model, row_type))
        .where(subject_column == bindparam("subject"), col(model.changed_at) <= _UNTIL)
        .order_by(col(model.changed_at), col(model.id))
    )


_AUTH_CONFIG = _range(AuthConfigHistory, AuthConfigRow, col(AuthConfigHistory.auth_config_id))
_ROLLOUTS = _range(RolloutHistory, RolloutRow, col(RolloutHistory.auth_config_id))
_ACCOUNT = _range(AccountHistory, AccountRow, col(AccountHistory.linked_account_id))


async def read_rows(
    session: AsyncSession, subject: HistorySubject, until: datetime
) -> list[HistoryRow]:
    """The subject's history up to `until`, in replay order: two statements for an auth config
    (its key's versions, its own rows), four for an account (its rollouts' and its own too)."""
    rows: list[HistoryRow] = []
    account = subject.account_id is not None
    reads: list[tuple[Any, type[Any], dict[str, Any]]] = [
        (
            _VERSIONS_WITH_AUTH if account else _VERSIONS,
            VersionRow,
            {"connector_key": subject.connector_key, "project": subject.project_id},
        ),
        (_AUTH_CONFIG, AuthConfigRow, {"subject": subject.auth_config_id}),
    ]
    if account:
        reads.append((_ROLLOUTS, RolloutRow, {"subject": subject.auth_config_id}))
        reads.append((_ACCOUNT, AccountRow, {"subject": subject.account_id}))
    for statement, row_type, parameters in reads:
        found = await column_rows(session, statement, {**parameters, "until": until})
        rows += [
            row if row.changed_at.tzinfo is UTC else row._replace(changed_at=utc(row.changed_at))
            for row in map(row_type._make, found)
        ]
    rows.sort(key=lambda row: (row.changed_at, ORDER[type(row)], row.id))
    return rows
