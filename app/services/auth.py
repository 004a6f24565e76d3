"""Turning a presented API key into a caller."""

from sqlalchemy import bindparam, select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.models import ApiKey
from app.domain.access import Principal
from app.domain.api_keys import KEY_PREFIX, hash_secret
from app.domain.enums import Role
from app.services.lookups import column_rows

_KEY_BY_HASH = select(col(ApiKey.id), col(ApiKey.role), col(ApiKey.project_id)).where(
    col(ApiKey.secret_hash) == bindparam("secret_hash")
)


async def authenticate(session: AsyncSession, secret: str) -> Principal | None:
    """The caller behind `secret`, or None when no such key exists."""
    if not secret.startswith(KEY_PREFIX):
        return None
    rows = await column_rows(session, _KEY_BY_HASH, {"secret_hash": hash_secret(secret)})
    if not rows:
        return None
    key_id, role, project_id = rows[0]
    return Principal(api_key_id=key_id, role=Role(role), project_id=project_id)
