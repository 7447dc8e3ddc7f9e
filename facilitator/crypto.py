"""Password hashes and capability tokens."""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError
from argon2.exceptions import VerificationError

#: argon2id with the library's defaults (64 MiB, t=3), above OWASP's minimum.
_hasher = PasswordHasher()
#: Checked against when the account is unknown, so both cases take the same time.
_DUMMY_HASH = _hasher.hash("no account has this password")

TOKEN_BYTES = 24  # 192 bits


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def new_token() -> str:
    """Return an unguessable URL-safe token for a capability link."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    """Return what is stored for a token: its SHA-256, so a database leak leaks no link."""
    return hashlib.sha256(token.encode()).hexdigest()
