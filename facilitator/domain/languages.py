"""The languages the app's pages are in (not a meeting's own languages: choices.LANGUAGES).

A language is listed only with a complete catalog under facilitator/translations/
(tests/test_translations.py holds every listed one to that).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime

#: By code, each named in itself, as the language switcher shows it.
PAGE_LANGUAGES: dict[str, str] = {"en": "English", "es": "Español"}

DEFAULT = "en"


def N_(text: str) -> str:
    """Mark English text that a page shows translated later (with the `translated`
    filter): `make translations` extracts it; the text itself is unchanged here, where
    no language is known (domain rules and services)."""
    return text


def NC_(context: str, text: str) -> tuple[str, str]:
    """Mark English that another language words by where it stands, in a context
    (gettext's msgctxt): "Changed" of an audit entry is not "Changed" of a meeting in
    Spanish. Gives (context, text), for `formatting.worded_in`."""
    return context, text


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

    def stored(self) -> dict[str, object]:
        """The message as a JSON column keeps it, to be worded when a page shows it (in
        its reader's language): its English and values, a Label, a Message or a date
        among them marked as such."""
        return {"text": self.text,
                "values": {name: _stored(value) for name, value in self.values.items()}}

    @classmethod
    def from_stored(cls, value: object) -> Message | str:
        """A message `stored()` kept; plain text (stored before messages were: English)
        comes back as it is."""
        if not isinstance(value, dict):
            return "" if value is None else str(value)
        return cls(str(value.get("text", "")),
                   {name: _from_stored(v) for name, v in dict(value.get("values") or {}).items()})


class Label(str):
    """A placeholder's value that is itself English marked elsewhere (a choice's label):
    worded in the reader's language with the sentence around it."""


def _stored(value: object) -> object:
    if isinstance(value, Message):
        return {"message": value.stored()}
    if isinstance(value, Label):
        return {"label": str(value)}
    if isinstance(value, date) and not isinstance(value, datetime):
        return {"date": value.isoformat()}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _from_stored(value: object) -> object:
    if isinstance(value, dict):
        if "message" in value:
            return Message.from_stored(value["message"])
        if "label" in value:
            return Label(value["label"])
        if "date" in value:
            return date.fromisoformat(value["date"])
    return value


class Refusal(ValueError):
    """A domain rule's refusal, for a person: `said` is its Message (English marked with
    N_, and its values), which a page words in its reader's language; `str()` is English."""

    def __init__(self, message: str | Message) -> None:
        self.said = message if isinstance(message, Message) else Message(message)
        super().__init__(str(self.said))


def known(code: str | None) -> str | None:
    """`code` if the app speaks it, else None."""
    return code if code in PAGE_LANGUAGES else None
