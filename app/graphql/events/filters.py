"""Event filters from global ids: a malformed or foreign id simply matches nothing."""

from app.domain.events import EventKind
from app.graphql.relay.ids import decode_id
from app.services.history import EventFilter


def event_filter(
    *,
    connector_id: str | None = None,
    version_id: str | None = None,
    auth_config_id: str | None = None,
    kind: EventKind | None = None,
) -> EventFilter | None:
    """The filter these arguments ask for, or None when an id cannot match any event."""
    decoded = {
        name: decode_id(value, type_name)
        for name, value, type_name in (
            ("connector_id", connector_id, "Connector"),
            ("version_id", version_id, "ConnectorVersion"),
            ("auth_config_id", auth_config_id, "AuthConfig"),
        )
        if value is not None
    }
    if any(value is None for value in decoded.values()):
        return None
    return EventFilter(kind=kind, **decoded)
