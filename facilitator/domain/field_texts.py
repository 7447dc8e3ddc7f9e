"""A representative's change request, as values: each proposed change is one field of a
meeting (or of one date) written as text, with the text the sender saw, so an admin can
compare, edit and apply it, and tell when the meeting changed in between.

Text, not JSON values: one form (a date as 2026-03-04, a time as 19:30, a recurrence as
its RRULE, yes/no, codes joined by commas) that is stored, shown for editing, compared
and read back by `from_text`, which refuses what it cannot read with a message.

Pure: no Flask, no database.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import date
from datetime import time
from typing import Any

from facilitator.domain.languages import N_
from facilitator.domain.meeting import VALUE_FIELDS
from facilitator.domain.meeting import Attendance
from facilitator.domain.meeting import MeetingValues
from facilitator.domain.meeting_types import type_names
from facilitator.domain.recurrence import InvalidRecurrence
from facilitator.domain.recurrence import Recurrence

#: The fields of a changed date a representative may propose (DateChange's).
DATE_FIELDS = ("moved_to", "start_time", "duration_minutes", "location_name", "address",
               "online_url", "note")

#: How each field that is not plain text is read back.
_KINDS: dict[str, str] = {
    "recurrence": "recurrence", "first_date": "date", "last_date": "optional date",
    "moved_to": "optional date", "start_time": "time", "duration_minutes": "number",
    "room_capacity": "number", "attendance": "attendance", "wheelchair_accessible": "yes/no",
    "passcode_by_request": "yes/no", "latitude": "optional decimal",
    "longitude": "optional decimal", "types": "codes",
}
#: Of a changed date, these may be empty: the series' own value stays.
_DATE_OPTIONAL = {"start_time": "optional time", "duration_minutes": "optional number"}


def to_text(value: Any) -> str:
    """A field's value as the text a request keeps."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Recurrence):
        return value.to_rrule()
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def values_text(values: MeetingValues) -> dict[str, str]:
    """Every field of a meeting as text, by name; the types in one order, whatever order
    a form or the row gave them in."""
    texts = {name: to_text(getattr(values, name)) for name in VALUE_FIELDS}
    return texts | {"types": to_text(sorted(values.types))}


def changed_fields(seen: Mapping[str, str], proposed: Mapping[str, str]) -> list[str]:
    """The fields whose proposed text differs from what the sender saw, in order."""
    return [name for name in proposed if proposed[name] != seen.get(name, "")]


def from_text(name: str, text: str, *, of_date: bool = False) -> Any:
    """The value a field's text stands for; raises ValueError with a message for the
    admin who typed it."""
    kind = (_DATE_OPTIONAL.get(name) if of_date else None) or _KINDS.get(name, "text")
    text = text.strip() if kind != "text" else text
    if kind.startswith("optional ") and not text:
        return None
    kind = kind.removeprefix("optional ")
    try:
        if kind == "date":
            return date.fromisoformat(text)
        if kind == "time":
            return time.fromisoformat(text)
        if kind == "number":
            return int(text)
        if kind == "decimal":
            return float(text)
    except ValueError:
        raise ValueError(_EXAMPLES[kind]) from None
    if kind == "recurrence":
        try:
            return Recurrence.from_rrule(text)
        except (InvalidRecurrence, ValueError, KeyError):
            raise ValueError(_EXAMPLES[kind]) from None
    if kind == "attendance":
        if text not in {a.value for a in Attendance}:
            raise ValueError(_EXAMPLES[kind])
        return Attendance(text)
    if kind == "yes/no":
        if text not in ("yes", "no"):
            raise ValueError(_EXAMPLES[kind])
        return text == "yes"
    if kind == "codes":
        return tuple(code.strip() for code in text.split(",") if code.strip())
    return text


_EXAMPLES = {
    "date": N_("Write the date as year-month-day, e.g. 2026-03-04."),
    "time": N_("Write the time as hours:minutes, 24-hour, e.g. 19:30."),
    "number": N_("Write a whole number, e.g. 90."),
    "decimal": N_("Write a number, e.g. 41.8781, or leave it empty."),
    "recurrence": N_("Write the schedule as an RRULE, e.g. FREQ=WEEKLY;BYDAY=TU, or leave "
                     "it empty for one date."),
    "attendance": N_("Write in_person, online or hybrid."),
    "yes/no": N_("Write yes or no."),
}


def input_kind(name: str, *, of_date: bool = False) -> str:
    """The HTML input type an admin edits a field's text in ("date", "time", "number"),
    or "text" (a text area)."""
    kind = ((_DATE_OPTIONAL.get(name) if of_date else None) or _KINDS.get(name, "text"))
    kind = kind.removeprefix("optional ")
    return kind if kind in ("date", "time", "number") else "text"


def shown(name: str, text: str) -> str:
    """A field's text in words, for the review and status pages."""
    kind = _KINDS.get(name, "text")
    try:
        if kind == "recurrence":
            return Recurrence.from_rrule(text).describe()
        if kind == "attendance" and text:
            return Attendance(text).label
        if kind == "codes":
            return ", ".join(type_names(list(from_text(name, text)))) or "none"
    except (InvalidRecurrence, ValueError, KeyError):
        return text
    return text if text.strip() else "(empty)"
