"""Slugs: the short names in public URLs, printed on handouts, so kept simple."""

from __future__ import annotations

import re
import secrets
import string
import unicodedata
from collections.abc import Container

MAX_LENGTH = 64
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def is_valid_slug(value: str) -> bool:
    return len(value) <= MAX_LENGTH and _SLUG.fullmatch(value) is not None


def slugify(text: str) -> str:
    """Turn a name into a slug suggestion ("Café Sunday" -> "cafe-sunday")."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    return "-".join(words)[:MAX_LENGTH].strip("-")


#: A private group's slug ends in this many random letters and digits (about 41 bits),
#: so nobody can confirm that a private group exists by trying its name as a slug.
SECRET_SUFFIX_LENGTH = 8
_SUFFIX_ALPHABET = string.ascii_lowercase + string.digits


def with_secret_suffix(wanted: str) -> str:
    """`wanted` with "-" and random letters and digits after it, within MAX_LENGTH."""
    suffix = "-" + "".join(secrets.choice(_SUFFIX_ALPHABET) for _ in range(SECRET_SUFFIX_LENGTH))
    return wanted[: MAX_LENGTH - len(suffix)].rstrip("-") + suffix


def free_slug(wanted: str, taken: Container[str]) -> str:
    """`wanted`, or "-2", "-3"… after it when that is taken, kept within MAX_LENGTH."""
    slug, n = wanted, 1
    while slug in taken:
        n += 1
        suffix = f"-{n}"
        slug = wanted[: MAX_LENGTH - len(suffix)].rstrip("-") + suffix
    return slug
