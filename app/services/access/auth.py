"""Turning a presented API key into a caller, or into the reason it is refused.

A process answers from its copy of the key while it may (`app.db.invalidation`): the copy is
dropped when the key changes (revoked, deleted, its use recorded), and never used once older
than `MEMORY_MAX_AGE_SECONDS`; whether it has expired is checked against `expires_at` at every
use.
"""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy import bindparam, select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.invalidation import API_KEY, lookup_memory
from app.db.models import ApiKey
from app.db.types import utc_now
from app.domain.access import Principal
from app.domain.api_keys import KEY_PREFIX, KeyRefusal, hash_secret, refusal, use_is_due
from app.domain.enums import Role
from app.services.lookups import column_rows

# One statement per request: whether the key still works and whether its use is due to be
# recorded come with the key itself.
_KEY_BY_HASH = select(
    col(ApiKey.id),
    col(ApiKey.role),
    col(ApiKey.project_id),
    col(ApiKey.revoked_at),
    col(ApiKey.expires_at),
    col(ApiKey.last_used_at),
).where(col(ApiKey.secret_hash) == bindparam("secret_hash"))

_KEY_STATE_BY_ID = select(col(ApiKey.revoked_at), col(ApiKey.expires_at)).where(
    col(ApiKey.id) == bindparam("api_key_id")
)


@dataclass(frozen=True, slots=True)
class _KeyState:
    """What authenticating needs of a key row (`_KEY_BY_HASH`)."""

    id: UUID
    role: str
    project_id: UUID | None
    revoked_at: datetime | None
    expires_at: datetime | None
    last_used_at: datetime | None


@dataclass(frozen=True, slots=True)
class Authenticated:
    principal: Principal
    expires_at: datetime | None
    use_is_due: bool
    """The key's `lastUsedAt` is a minute old or more (or unset): this use should be recorded."""


async def authenticate(session: AsyncSession, secret: str) -> Authenticated | KeyRefusal:
    """The caller behind `secret`, or why it is refused (unknown, revoked, expired)."""
    if not secret.startswith(KEY_PREFIX):
        return KeyRefusal.UNKNOWN
    key = await _key_state(session, hash_secret(secret))
    if key is None:
        return KeyRefusal.UNKNOWN
    now = utc_now()
    refused = refusal(revoked_at=key.revoked_at, expires_at=key.expires_at, now=now)
    if refused is not None:
        return refused
    return Authenticated(
        principal=Principal(api_key_id=key.id, role=Role(key.role), project_id=key.project_id),
        expires_at=key.expires_at,
        use_is_due=use_is_due(key.last_used_at, now),
    )


async def _key_state(session: AsyncSession, secret_hash: str) -> _KeyState | None:
    """The key with this hash: this process's copy while it may serve one, else read (and
    kept when nothing changed meanwhile)."""
    memory = lookup_memory(session)
    if memory is None:
        rows = await column_rows(session, _KEY_BY_HASH, {"secret_hash": secret_hash})
        return _KeyState(*rows[0]) if rows else None
    memory_key = ("api_key_by_hash", secret_hash)
    kept: _KeyState | None = memory.get(memory_key)
    if kept is not None:
        return kept
    start = memory.start_read()
    rows = await column_rows(session, _KEY_BY_HASH, {"secret_hash": secret_hash})
    if not rows:
        return None
    key = _KeyState(*rows[0])
    memory.keep(start, memory_key, key, [(API_KEY, str(key.id))])
    return key


async def key_refusal(session: AsyncSession, api_key_id: UUID) -> KeyRefusal | None:
    """Why the key that authenticated a long-lived connection no longer works (deleted,
    revoked, expired), or None while it does."""
    rows = await column_rows(session, _KEY_STATE_BY_ID, {"api_key_id": api_key_id})
    if not rows:
        return KeyRefusal.UNKNOWN
    revoked_at, expires_at = rows[0]
    return refusal(revoked_at=revoked_at, expires_at=expires_at, now=utc_now())
