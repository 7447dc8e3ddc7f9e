"""The languages the app's pages are in (not a meeting's own languages: models.LANGUAGES).

A language is listed only with a complete catalog under facilitator/translations/
(tests/test_translations.py holds every listed one to that).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field

#: By code, each named in itself, as the language switcher shows it.
PAGE_LANGUAGES: dict[str, str] = {"en": "English", "es": "Español"}

DEFAULT = "en"


def N_(text: str) -> str:
    """Mark English text that a page shows translated later (with the `translated`
    filter): `make translations` extracts it; the text itself is unchanged here, where
    no language is known (domain rules and services)."""
    return text


@dataclass(frozen=True)
class Message:
    """A sentence for a reader, made where no language is known (a domain rule): English
    marked with N_, with named placeholders (`%(count)s`) and their values. A page words it
    in its reader's language when it shows it (formatting.worded); `str()` is the English,
    for the command line and logs."""

    text: str
    values: Mapping[str, object] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.text % self.values if self.values else self.text


class Label(str):
    """A placeholder's value that is itself English marked elsewhere (a choice's label):
    worded in the reader's language with the sentence around it."""


class Refusal(ValueError):
    """A domain rule's refusal, for a person: `said` is its Message (English marked with
    N_, and its values), which a page words in its reader's language; `str()` is English."""

    def __init__(self, message: str | Message) -> None:
        self.said = message if isinstance(message, Message) else Message(message)
        super().__init__(str(self.said))


def known(code: str | None) -> str | None:
    """`code` if the app speaks it, else None."""
    return code if code in PAGE_LANGUAGES else None
