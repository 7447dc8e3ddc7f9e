"""Slugs: the short names in public URLs, printed on handouts, so kept simple."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Container

MAX_LENGTH = 64
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
RULE = "lowercase letters a–z, digits and single hyphens, at most 64 characters"


def is_valid_slug(value: str) -> bool:
    return len(value) <= MAX_LENGTH and _SLUG.fullmatch(value) is not None


def slugify(text: str) -> str:
    """Turn a name into a slug suggestion ("Café Sunday" -> "cafe-sunday")."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    return "-".join(words)[:MAX_LENGTH].strip("-")


def free_slug(wanted: str, taken: Container[str]) -> str:
    """`wanted`, or "-2", "-3"… after it when that is taken, kept within MAX_LENGTH."""
    slug, n = wanted, 1
    while slug in taken:
        n += 1
        suffix = f"-{n}"
        slug = wanted[: MAX_LENGTH - len(suffix)].rstrip("-") + suffix
    return slug
