"""Recording history as changes happen (DESIGN §15): one flush hook for every session.

Before each flush, every new, changed or deleted version, auth config, rollout and linked
account whose resolution inputs changed gets a row in its history table
(`app.db.history_tables`), added to the same flush: it commits with the change or not at all.
Drafts have history too, for their number and bin only: resolution does not choose them, but its
"no match" reason names those in range.

The hook sees what the ORM writes: a bulk INSERT, UPDATE or DELETE statement of these tables
would slip past it, so the app changes these rows through the session only (a contract test,
`tests/contracts/test_history_recorded.py`, finds any such statement in `app/`).
"""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, UOWTransaction

from app.db.history_tables import AccountHistory, AuthConfigHistory, RolloutHistory, VersionHistory
from app.db.models import AuthConfig, ConnectorVersion, LinkedAccount, Rollout
from app.db.types import utc_now
from app.domain.history import HistoryChange

RECORDED = (ConnectorVersion, AuthConfig, Rollout, LinkedAccount)
_INSTANT_KEY = "history.instant"

_VERSION_INPUTS = (
    "published_at",
    "revision",
    "content_hash",
    "definition",
    "deprecated_at",
    "deprecation_message",
    "binned_at",
)
_AUTH_CONFIG_INPUTS = ("pin", "pin_source", "active")
_ROLLOUT_INPUTS = ("percent", "ended_at", "target_version_id")
_ACCOUNT_INPUTS = ("authenticated_version_id", "authenticated_revision")


def _instant(session: Session) -> datetime:
    """The instant of the session's current transaction: taken at its first recorded change,
    shared by all of them."""
    root = session.get_transaction()
    kept = session.info.get(_INSTANT_KEY)
    if kept is not None and kept[0] is root:
        return kept[1]  # type: ignore[no-any-return]
    instant = utc_now()
    session.info[_INSTANT_KEY] = (root, instant)
    return instant


def record_transaction_at(session: Session, instant: datetime) -> None:
    """Record the changes of the session's current transaction (begun already) at `instant`
    rather than when its first change is flushed: for loading history that happened elsewhere
    (the benchmark's year of changes). Every other recorded change takes the time it happens."""
    session.info[_INSTANT_KEY] = (session.get_transaction(), instant)


def _before(row: Any, name: str) -> Any:
    """The attribute's value before this flush's changes."""
    history = inspect(row).attrs[name].history
    if history.deleted:
        return history.deleted[0]
    return getattr(row, name) if not history.added else None


def _changed(row: Any, names: Iterable[str]) -> list[str]:
    """Those of `names` whose value this flush changes."""
    changed = []
    for name in names:
        history = inspect(row).attrs[name].history
        if history.added and (not history.deleted or history.deleted[0] != history.added[0]):
            changed.append(name)
    return changed


def _version_change(row: ConnectorVersion, new: bool, deleted: bool) -> HistoryChange | None:
    if deleted:
        return HistoryChange.VERSION_DELETED
    published = row.published_at is not None
    if new:
        return HistoryChange.VERSION_PUBLISHED if published else HistoryChange.VERSION_CREATED
    changed = _changed(row, _VERSION_INPUTS)
    if "published_at" in changed and _before(row, "published_at") is None:
        return HistoryChange.VERSION_PUBLISHED
    content = {"revision", "content_hash", "definition"} & set(changed)
    if content and published:
        return HistoryChange.VERSION_OVERWRITTEN
    if "binned_at" in changed:
        binned = row.binned_at is not None
        return HistoryChange.VERSION_BINNED if binned else HistoryChange.VERSION_RESTORED
    if "deprecated_at" in changed or "deprecation_message" in changed:
        deprecated = row.deprecated_at is not None
        return (
            HistoryChange.VERSION_DEPRECATED if deprecated else HistoryChange.VERSION_UNDEPRECATED
        )
    return None


def _version_row(row: ConnectorVersion, new: bool, deleted: bool) -> VersionHistory | None:
    change = _version_change(row, new, deleted)
    if change is None:
        return None
    definition = row.definition or {}
    auth = definition.get("auth") if isinstance(definition, dict) else None
    return VersionHistory(
        version_id=row.id,
        connector_id=row.connector_id,
        version=row.version,
        revision=row.revision,
        content_hash=row.content_hash,
        auth=auth if isinstance(auth, dict) else None,
        published_at=row.published_at,
        deprecated_at=row.deprecated_at,
        deprecation_message=row.deprecation_message,
        binned_at=row.binned_at,
        deleted=deleted,
        change=change.value,
    )


def _auth_config_row(row: AuthConfig, new: bool, deleted: bool) -> AuthConfigHistory | None:
    if deleted:
        change = HistoryChange.AUTH_CONFIG_DELETED
    elif new:
        change = HistoryChange.AUTH_CONFIG_CREATED
    else:
        changed = _changed(row, _AUTH_CONFIG_INPUTS)
        if "pin" in changed or "pin_source" in changed:
            change = HistoryChange.PINNED
        elif "active" in changed:
            change = HistoryChange.ACTIVATED if row.active else HistoryChange.DEACTIVATED
        else:
            return None
    return AuthConfigHistory(
        auth_config_id=row.id,
        project_id=row.project_id,
        connector_key=row.connector_key,
        pin=row.pin,
        pin_source=str(row.pin_source),
        active=row.active,
        deleted=deleted,
        change=change.value,
    )


def _rollout_row(row: Rollout, new: bool, deleted: bool) -> RolloutHistory | None:
    if deleted:
        # Only the auth config's own removal deletes a rollout; its history says enough.
        return None
    if new:
        change = HistoryChange.ROLLOUT_STARTED
    else:
        changed = _changed(row, _ROLLOUT_INPUTS)
        if "ended_at" in changed:
            completed = str(row.ending) == "COMPLETED"
            change = HistoryChange.ROLLOUT_COMPLETED if completed else HistoryChange.ROLLOUT_ABORTED
        elif changed:
            change = HistoryChange.ROLLOUT_CHANGED
        else:
            return None
    return RolloutHistory(
        rollout_id=row.id,
        auth_config_id=row.auth_config_id,
        target_version_id=row.target_version_id,
        target_version=row.target_version,
        target_source=str(row.target_source),
        percent=row.percent,
        running=row.ended_at is None,
        change=change.value,
    )


def _account_row(row: LinkedAccount, new: bool, deleted: bool) -> AccountHistory | None:
    if deleted:
        change = HistoryChange.ACCOUNT_UNLINKED
    elif new:
        change = HistoryChange.ACCOUNT_LINKED
    elif _changed(row, _ACCOUNT_INPUTS):
        change = HistoryChange.REAUTHENTICATED
    else:
        return None
    return AccountHistory(
        linked_account_id=row.id,
        auth_config_id=row.auth_config_id,
        authenticated_version_id=row.authenticated_version_id,
        authenticated_revision=row.authenticated_revision,
        deleted=deleted,
        change=change.value,
    )


def history_row(row: Any, *, new: bool, deleted: bool) -> Any:
    """The history row that records this flush's change of `row`, if it changes an input."""
    if isinstance(row, ConnectorVersion):
        return _version_row(row, new, deleted)
    if isinstance(row, AuthConfig):
        return _auth_config_row(row, new, deleted)
    if isinstance(row, Rollout):
        return _rollout_row(row, new, deleted)
    if isinstance(row, LinkedAccount):
        return _account_row(row, new, deleted)
    return None


@event.listens_for(Session, "before_flush")
def _record(session: Session, _flush_context: UOWTransaction, _instances: object) -> None:
    found = []
    for rows, new, deleted in (
        (session.new, True, False),
        (session.dirty, False, False),
        (session.deleted, False, True),
    ):
        for row in rows:
            if isinstance(row, RECORDED) and (new or deleted or session.is_modified(row)):
                recorded = history_row(row, new=new, deleted=deleted)
                if recorded is not None:
                    found.append(recorded)
    if not found:
        return
    instant = _instant(session)
    for recorded in found:
        recorded.changed_at = instant
        session.add(recorded)
