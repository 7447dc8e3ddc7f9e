"""What a leader's password must be."""

from __future__ import annotations

MIN_LENGTH = 12
#: Long enough for any passphrase; argon2 takes it whole, without truncation.
MAX_LENGTH = 128


def password_problem(password: str) -> str | None:
    """Return why a new password is refused, or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters; a few words in a row make a good one."
    if len(password) > MAX_LENGTH:
        return f"Use at most {MAX_LENGTH} characters."
    return None
