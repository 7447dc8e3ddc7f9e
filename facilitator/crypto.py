"""Password hashes and capability tokens."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
from collections.abc import Callable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError
from argon2.exceptions import VerificationError

#: argon2id with the library's defaults (64 MiB, t=3), above OWASP's minimum.
_hasher = PasswordHasher()
#: Checked against when the account is unknown, so both cases take the same time.
_DUMMY_HASH = _hasher.hash("no account has this password")

TOKEN_BYTES = 24  # 192 bits
#: What a capability token can look like (new_token); anything else is not one.
_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")


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


def looks_like_token(text: str) -> bool:
    """Whether the text could be a token: lets a lookup refuse junk without a query."""
    return _TOKEN.fullmatch(text) is not None


def token_hash(token: str) -> str:
    """Return what is stored for a token: its SHA-256, so a database leak leaks no link."""
    return hashlib.sha256(token.encode()).hexdigest()


#: Bytes of a derived token: a 4-byte number, then 20 bytes (160 bits) of HMAC.
_DERIVED_BYTES = 24


def derived_token(key: str, purpose: str, number: int, *parts: str) -> str:
    """A token the app can make again whenever it needs to show it (a check-in link on a
    page or a printed QR code), that nobody can make without the secret key.

    It is `number` (a row's id) and an HMAC of the purpose, the number and the parts, in
    base64url. Nothing of it is stored: changing a part (a version) makes a new token and
    every old one invalid.
    """
    if not 0 <= number < 2**32:
        raise ValueError("the number must fit in 4 bytes")
    return base64.urlsafe_b64encode(number.to_bytes(4, "big")
                                    + _mac(key, purpose, number, parts)).decode()


def derived_token_number(key: str, purpose: str, token: str,
                         parts: Callable[[int], tuple[str, ...] | None]) -> int | None:
    """The number a derived token was made for, if it was made with these parts (looked up
    by number); None for anything else, compared in constant time."""
    try:
        raw = base64.urlsafe_b64decode(token.encode("ascii"))
    except (UnicodeEncodeError, binascii.Error, ValueError):
        return None
    if len(raw) != _DERIVED_BYTES or len(token) != 32:
        return None
    number = int.from_bytes(raw[:4], "big")
    expected = parts(number)
    if expected is None or not hmac.compare_digest(raw[4:], _mac(key, purpose, number, expected)):
        return None
    return number


def _mac(key: str, purpose: str, number: int, parts: tuple[str, ...]) -> bytes:
    message = "\x1f".join((purpose, str(number), *parts)).encode()
    return hmac.new(key.encode(), message, hashlib.sha256).digest()[:_DERIVED_BYTES - 4]


def keyed_hash(key: str, purpose: str, value: str) -> str:
    """HMAC-SHA-256 of a value we must recognise but may not keep (an email, an address):
    without the secret key nobody can tell from it what the value was, not even by
    trying every IPv4 address."""
    return hmac.new(key.encode(), f"{purpose}\x1f{value}".encode(), hashlib.sha256).hexdigest()
