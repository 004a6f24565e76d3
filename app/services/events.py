"""The append-only history. Callers add an event in the same transaction as the change."""

from typing import Any
from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.models import Event
from app.domain.access import Principal
from app.domain.events import EventKind


def record_event(
    session: AsyncSession,
    *,
    actor: Principal | None,
    kind: EventKind,
    project_id: UUID | None,
    connector_id: UUID | None = None,
    version_id: UUID | None = None,
    auth_config_id: UUID | None = None,
    linked_account_id: UUID | None = None,
    payload: dict[str, Any] | None = None,
) -> Event:
    event = Event(
        project_id=project_id,
        api_key_id=actor.api_key_id if actor else None,
        # The stored value is the dotted string; a plain string cannot reach here unnoticed.
        kind=EventKind(kind).value,
        connector_id=connector_id,
        version_id=version_id,
        auth_config_id=auth_config_id,
        linked_account_id=linked_account_id,
        payload=payload or {},
    )
    session.add(event)
    return event
