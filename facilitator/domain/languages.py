"""The languages the app's pages are in (not a meeting's own languages: models.LANGUAGES).

A language is listed only with a complete catalog under facilitator/translations/
(tests/test_translations.py holds every listed one to that).
"""

from __future__ import annotations

#: By code, each named in itself, as the language switcher shows it.
PAGE_LANGUAGES: dict[str, str] = {"en": "English", "es": "Español"}

DEFAULT = "en"


def N_(text: str) -> str:
    """Mark English text that a page shows translated later (with the `translated`
    filter): `make translations` extracts it; the text itself is unchanged here, where
    no language is known (domain rules and services)."""
    return text


def known(code: str | None) -> str | None:
    """`code` if the app speaks it, else None."""
    return code if code in PAGE_LANGUAGES else None
