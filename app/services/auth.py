"""Turning a presented API key into a caller."""

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.models import ApiKey
from app.domain.access import Principal
from app.domain.api_keys import KEY_PREFIX, hash_secret
from app.domain.enums import Role


async def authenticate(session: AsyncSession, secret: str) -> Principal | None:
    """The caller behind `secret`, or None when no such key exists."""
    if not secret.startswith(KEY_PREFIX):
        return None
    key = (
        await session.exec(select(ApiKey).where(ApiKey.secret_hash == hash_secret(secret)))
    ).first()
    if key is None:
        return None
    return Principal(api_key_id=key.id, role=Role(key.role), project_id=key.project_id)
