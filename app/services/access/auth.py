"""Turning a presented API key into a caller, or into the reason it is refused."""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy import bindparam, select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

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
class Authenticated:
    principal: Principal
    expires_at: datetime | None
    use_is_due: bool
    """The key's `lastUsedAt` is a minute old or more (or unset): this use should be recorded."""


async def authenticate(session: AsyncSession, secret: str) -> Authenticated | KeyRefusal:
    """The caller behind `secret`, or why it is refused (unknown, revoked, expired)."""
    if not secret.startswith(KEY_PREFIX):
        return KeyRefusal.UNKNOWN
    rows = await column_rows(session, _KEY_BY_HASH, {"secret_hash": hash_secret(secret)})
    if not rows:
        return KeyRefusal.UNKNOWN
    key_id, role, project_id, revoked_at, expires_at, last_used_at = rows[0]
    now = utc_now()
    refused = refusal(revoked_at=revoked_at, expires_at=expires_at, now=now)
    if refused is not None:
        return refused
    return Authenticated(
        principal=Principal(api_key_id=key_id, role=Role(role), project_id=project_id),
        expires_at=expires_at,
        use_is_due=use_is_due(last_used_at, now),
    )


async def key_refusal(session: AsyncSession, api_key_id: UUID) -> KeyRefusal | None:
    """Why the key that authenticated a long-lived connection no longer works (deleted,
    revoked, expired), or None while it does."""
    rows = await column_rows(session, _KEY_STATE_BY_ID, {"api_key_id": api_key_id})
    if not rows:
        return KeyRefusal.UNKNOWN
    revoked_at, expires_at = rows[0]
    return refusal(revoked_at=revoked_at, expires_at=expires_at, now=utc_now())
