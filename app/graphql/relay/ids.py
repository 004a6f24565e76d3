"""Relay global ids: opaque to clients, `TypeName:uuid` underneath."""

from uuid import UUID

from strawberry import relay

from app.domain.errors import NotFound


def decode_id(value: str, type_name: str) -> UUID | None:
    """The UUID inside a global id of `type_name`, or None for anything else."""
    try:
        global_id = relay.GlobalID.from_id(value)
        if global_id.type_name != type_name:
            return None
        return UUID(global_id.node_id)
    except (ValueError, TypeError):
        return None


def require_id(value: str, type_name: str, kind: str) -> UUID:
    """Like `decode_id`, for mutation inputs: a malformed id is simply not found."""
    decoded = decode_id(value, type_name)
    if decoded is None:
        raise NotFound(kind)
    return decoded


def encode_id(type_name: str, node_id: UUID) -> str:
    return relay.to_base64(type_name, str(node_id))
