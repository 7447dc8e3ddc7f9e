"""What a leader's password must be."""

from __future__ import annotations

import gzip
from functools import cache
from pathlib import Path

from facilitator.domain.languages import N_
from facilitator.domain.languages import Message

MIN_LENGTH = 12
#: Long enough for any passphrase; argon2 takes it whole, without truncation.
MAX_LENGTH = 128
#: Django's list of 20,000 common passwords, lowercased (see common-passwords-LICENSE.txt).
COMMON_PASSWORDS = Path(__file__).parent / "data" / "common-passwords.txt.gz"


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords, lowercased; read once per process."""
    with gzip.open(COMMON_PASSWORDS, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip() for line in lines if line.strip())


def is_common(password: str) -> bool:
    """Whether the password, in any mix of cases, is on the list of common passwords."""
    return password.strip().lower() in common_passwords()


def password_problem(password: str) -> Message | None:
    """Return why a new password is refused, or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return Message(N_("Use at least %(count)s characters; a few words in a row make a "
                          "good one."), {"count": MIN_LENGTH})
    if len(password) > MAX_LENGTH:
        return Message(N_("Use at most %(count)s characters."), {"count": MAX_LENGTH})
    if is_common(password):
        return Message(N_("This password is on a list of common passwords that attackers "
                          "try first; choose another."))
    return None
