"""API keys (DESIGN §11): secrets made once, shown once, stored only as a hash; a key works until
it is revoked or expires, and records its last use at most once a minute."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from app.domain.errors import InvalidInput

KEY_PREFIX = "crk_"
_PREFIX_LENGTH = len(KEY_PREFIX) + 8

LAST_USED_PRECISION = timedelta(minutes=1)
"""`lastUsedAt` is written only when the stored value is at least this old: a busy key costs one
write a minute, not one a request."""


@dataclass(frozen=True, slots=True)
class NewSecret:
    secret: str
    prefix: str
    secret_hash: str


def new_secret() -> NewSecret:
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    return NewSecret(secret=secret, prefix=secret[:_PREFIX_LENGTH], secret_hash=hash_secret(secret))


def hash_secret(secret: str) -> str:
    """SHA-256 is enough: the secrets are 256 random bits, so there is nothing to brute-force."""
    return hashlib.sha256(secret.encode()).hexdigest()


class KeyRefusal(StrEnum):
    """Why a presented key does not authenticate; each is a 401 with its own message."""

    UNKNOWN = "the API key is not valid"
    REVOKED = "the API key has been revoked"
    EXPIRED = "the API key has expired"


def refusal(
    *, revoked_at: datetime | None, expires_at: datetime | None, now: datetime
) -> KeyRefusal | None:
    """Why a stored key no longer works, or None while it does. Expiry is exclusive: a key
    expiring at noon is refused at noon."""
    if revoked_at is not None:
        return KeyRefusal.REVOKED
    if expires_at is not None and expires_at <= now:
        return KeyRefusal.EXPIRED
    return None


def use_is_due(last_used_at: datetime | None, now: datetime) -> bool:
    """Whether a use at `now` should be written as the key's `lastUsedAt`."""
    return last_used_at is None or last_used_at <= now - LAST_USED_PRECISION


def expiry(expires_at: datetime | None, now: datetime, field: str = "expiresAt") -> datetime | None:
    """A new key's expiry: none, or a moment in the future with a time zone."""
    if expires_at is None:
        return None
    if expires_at.tzinfo is None:
        raise InvalidInput(field, "needs a time zone (2030-01-01T00:00:00Z)")
    if expires_at <= now:
        raise InvalidInput(field, "must be in the future")
    return expires_at
