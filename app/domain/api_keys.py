"""API key secrets: made once, shown once, stored only as a hash."""

import hashlib
import secrets
from dataclasses import dataclass

KEY_PREFIX = "crk_"
_PREFIX_LENGTH = len(KEY_PREFIX) + 8


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
