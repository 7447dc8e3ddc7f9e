"""The audit log: who changed what, when, with the values before and after; and the
log as an auditor reads it: in words, in the org's zone, a session of corrections of a
headcount as one change."""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select
from sqlalchemy import select
from sqlalchemy.orm import Session

from facilitator.domain.choices import LANGUAGES
from facilitator.domain.choices import Audience
from facilitator.domain.choices import Choice
from facilitator.domain.choices import DocumentKind
from facilitator.domain.choices import Program
from facilitator.domain.choices import Role
from facilitator.domain.choices import Visibility
from facilitator.domain.languages import DEFAULT
from facilitator.domain.languages import N_
from facilitator.domain.languages import NC_
from facilitator.domain.languages import Message
from facilitator.domain.meeting import Attendance
from facilitator.domain.meeting import CancelReason
from facilitator.domain.meeting_types import TYPES
from facilitator.domain.recurrence import Recurrence
from facilitator.domain.suppression import HIDDEN
from facilitator.formatting import clock
from facilitator.formatting import language_name
from facilitator.formatting import message_words
from facilitator.formatting import minutes
from facilitator.formatting import recurrence_words
from facilitator.formatting import short_date
from facilitator.formatting import type_name
from facilitator.formatting import worded
from facilitator.formatting import worded_in
from facilitator.models import AuditEntry
from facilitator.models import Group
from facilitator.models import Meeting
from facilitator.models import Organization
from facilitator.models import TrainingType
from facilitator.models import User

#: The name written for changes made from the command line.
COMMAND_LINE = "command line"
#: The name written for what a group's representative link sends (it has no account).
REPRESENTATIVE_LINK = "representative link"


def snapshot(obj: object, fields: Iterable[str]) -> dict[str, Any]:
    """Return the named attributes of obj as JSON-safe values."""
    return {name: _plain(getattr(obj, name)) for name in fields}


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def changed(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Keep only the fields whose value differs."""
    keys = [k for k in after if before.get(k) != after[k]]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def record(
    session: Session,
    actor: User | None,
    action: str,
    entity: object,
    *,
    organization: Organization | None,
    summary: Message,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    actor_name: str | None = None,
) -> AuditEntry:
    """Append one entry to the log. The entity must already have its id (flush first).
    With no actor, `actor_name` names who made the change (REPRESENTATIVE_LINK), else it is the
    command line."""
    entry = AuditEntry(**entry_columns(
        actor, action, type(entity), getattr(entity, "id", None),
        organization_id=organization.id if organization else None,
        summary=summary, before=before, after=after, actor_name=actor_name,
    ))
    session.add(entry)
    session.flush()
    return entry


def entry_columns(
    actor: User | None,
    action: str,
    entity_type: type,
    entity_id: int | None,
    *,
    organization_id: int | None,
    summary: Message,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    actor_name: str | None = None,
) -> dict[str, Any]:
    """The columns of one entry, for `record` and for writers that insert many rows at
    once (the Meeting Guide import). The summary is kept as a message, for the log to
    word in its reader's language, and in English."""
    return {
        "organization_id": organization_id,
        "actor_id": actor.id if actor else None,
        "actor_name": actor.display_name if actor else actor_name or COMMAND_LINE,
        "action": action,
        "entity_type": entity_type.__name__.lower(),
        "entity_id": entity_id,
        "summary": str(summary)[:300],
        "message": summary.stored(),
        "before": before,
        "after": after,
    }


def entries_for(
    organization: Organization, *, entity_type: str | None = None, actor_id: int | None = None
) -> Select[AuditEntry]:
    """Return the org's entries, newest first, for the view to paginate."""
    query = select(AuditEntry).where(AuditEntry.organization_id == organization.id)
    if entity_type:
        query = query.where(AuditEntry.entity_type == entity_type)
    if actor_id:
        query = query.where(AuditEntry.actor_id == actor_id)
    return query.order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())


# -- Reading the log -------------------------------------------------------------------

#: Corrections of one headcount by one person, each within this long of the one before,
#: read as one correction: a facilitator tapping +/− several times fixes one number.
FOLD_WITHIN = timedelta(minutes=10)

#: What each action reads as on the log (in a context of its own: in Spanish the log's
#: words are nouns, "Cambio", where a meeting's "Changed" is "Cambiada").
ACTIONS = {"create": NC_("audit log", "Added"), "update": NC_("audit log", "Changed"),
           "delete": NC_("audit log", "Removed"), "confirm": NC_("audit log", "Confirmed")}

#: What each field is called on the log: every field an entry's before and after hold.
LABELS = {
    "title": N_("Title"), "name": N_("Name"), "description": N_("Description"),
    "rrule": N_("Repeats"), "first_date": N_("First date"), "last_date": N_("Last date"),
    "start_time": N_("Starts at"), "duration_minutes": N_("Length"),
    "timezone": N_("Time zone"), "attendance": N_("Attendance"),
    "location_name": N_("Place"), "address": N_("Address"),
    "location_notes": N_("Directions"), "region": N_("Region"),
    "sub_region": N_("Sub-region"), "latitude": N_("Latitude"),
    "longitude": N_("Longitude"), "online_url": N_("Online link"),
    "online_phone": N_("Phone"), "online_notes": N_("Online notes"),
    "passcode_by_request": N_("Passcode by request"),
    "passcode_contact": N_("Passcode from"), "types": N_("Meeting types"),
    "languages": N_("Languages"), "room_capacity": N_("Room holds"),
    "wheelchair_accessible": N_("Wheelchair accessible"),
    "date": N_("Date"), "cancelled": N_("Cancelled"), "reason": N_("Reason"),
    "note": N_("Note"), "moved_to": N_("Moved to"),
    "slug": N_("Web address"), "contact": N_("Contact"),
    "small_count_threshold": N_("Small-count threshold"),
    "expiry_warning_days": N_("Expiry warning (days)"),
    "unverified_training_counts": N_("Unverified training counts"),
    "online_location": N_("Place of online meetings"),
    "default_language": N_("Default language"),
    "listing_reminder_days": N_("Confirmation reminder after (days)"),
    "listing_out_of_date_days": N_("Out-of-date notice after (days more)"),
    "program": N_("Program"), "audience": N_("Audience"), "visibility": N_("Visibility"),
    "facilitators": N_("Facilitators"), "groups": N_("Groups"),
    "validity_months": N_("Valid for (months)"), "required_roles": N_("Required of"),
    "required_hours": N_("Hours required"), "training_type_id": N_("Training"),
    "provider": N_("Provider"), "completed_on": N_("Completed on"),
    "expires_on_override": N_("Expires on"),
    "certificate_number": N_("Certificate number"), "hours": N_("Hours"),
    "notes": N_("Notes"), "evidence_type": N_("Evidence file"),
    "email": N_("Email"), "display_name": N_("Name"), "user": N_("Account"),
    "role": N_("Role"), "roles": N_("Roles"), "typed_name": N_("Typed name"),
    "verified_at": N_("Verified"), "verified_by": N_("Verified by"),
    "document": N_("Document"), "language": N_("Language"), "version": N_("Version"),
    "characters": N_("Characters"), "meeting": N_("Meeting"), "read": N_("Read"),
    "people": N_("People"), "newcomers": N_("First meeting"),
    "in_person": N_("In person"), "online": N_("Online"),
    "confirmed_at": N_("Listing confirmed"),
}
#: What a field named by id reads as once what it named is gone.
_DELETED = {"training_type_id": N_("a deleted training"),
            "meeting": N_("a deleted meeting"), "groups": N_("a deleted group")}
#: Stored choices, by the field that holds them, read as their labels.
_CHOICES: dict[str, type[Choice]] = {
    "program": Program, "audience": Audience, "visibility": Visibility,
    "attendance": Attendance, "reason": CancelReason, "role": Role, "roles": Role,
    "required_roles": Role, "document": DocumentKind,
}
_DATES = {"first_date", "last_date", "date", "completed_on", "expires_on_override",
          "moved_to"}
#: The counts of a headcount, which the log holds as every report leaving a group does.
_COUNTS = ("people", "newcomers", "in_person", "online")
#: What a count hidden before and after reads: that it changed, and nothing more.
CHANGED_HIDDEN = N_("changed (the count is hidden before and after)")
#: Who made changes without an account, as entries name them (in English).
_NO_ACCOUNT = {COMMAND_LINE: N_("command line"),
               REPRESENTATIVE_LINK: N_("representative link")}


@dataclass(frozen=True)
class Change:
    """One field of a line: its label and its values in words (None: not there)."""

    label: str
    before: str | None
    after: str | None
    #: Words that replace "before → after", when those would say nothing.
    note: str = ""


@dataclass(frozen=True)
class Line:
    """What the log page shows for one change, or one session of corrections."""

    #: When, in the org's zone (the last change of a session).
    at: datetime
    actor: str
    action: str
    summary: str
    changes: list[Change]
    entity_type: str
    #: How many taps or saves the line folds together, and when the first one was.
    folded: int = 1
    since: datetime | None = None


@dataclass(frozen=True)
class Page:
    lines: list[Line]
    has_next: bool

    @property
    def hides_counts(self) -> bool:
        return any(line.entity_type == "headcount" for line in self.lines)


def log_page(session: Session, organization: Organization, *, entity_type: str | None,
             page: int, size: int, lang: str) -> Page:
    """One page of the org's log, newest first, in words of `lang` and in the org's zone.
    Pages
    are `size` stored entries long; a session of corrections of a headcount shows once,
    where its last entry falls, as one change from its first value to its last."""
    query = entries_for(organization, entity_type=entity_type)
    rows = list(session.scalars(query.limit(size + 1).offset((page - 1) * size)))
    return Page(lines_of(session, organization, rows[:size], lang), has_next=len(rows) > size)


def lines_of(session: Session, organization: Organization, entries: Sequence[AuditEntry],
             lang: str) -> list[Line]:
    """The org's entries (newest first) as the log shows them, in words of `lang`."""
    sessions = _headcount_sessions(session, organization, entries)
    names = _Names.of(session, organization, entries, ZoneInfo(organization.timezone), lang)
    lines = []
    for entry in entries:
        folded = sessions.get(entry.id)
        if folded is None:
            lines.append(_line(entry, [entry], names))
        elif folded[-1] is entry:
            lines.append(_line(entry, folded, names))
        # Any other entry of a session is in the line of its last one.
    return lines


def _headcount_sessions(session: Session, organization: Organization,
                        entries: Sequence[AuditEntry]) -> dict[int, list[AuditEntry]]:
    """Each headcount entry's session, oldest first, by entry id: the entries of the same
    person on the same headcount, each within FOLD_WITHIN of the one before. Read in
    full, so a session that runs across pages folds the same on each."""
    ids = {e.entity_id for e in entries if e.entity_type == "headcount"}
    if not ids:
        return {}
    related = session.scalars(
        select(AuditEntry)
        .where(AuditEntry.organization_id == organization.id,
               AuditEntry.entity_type == "headcount", AuditEntry.entity_id.in_(ids))
        .order_by(AuditEntry.created_at, AuditEntry.id)
    )
    runs: dict[int, list[AuditEntry]] = {}
    current: dict[tuple[int | None, int | None], list[AuditEntry]] = {}
    for entry in related:
        key = (entry.entity_id, entry.actor_id)
        run = current.get(key)
        if run is None or entry.created_at - run[-1].created_at > FOLD_WITHIN:
            run = current[key] = []
        run.append(entry)
        runs[entry.id] = run
    return runs


def _line(last: AuditEntry, entries: list[AuditEntry], names: _Names) -> Line:
    first = entries[0]
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for entry in entries:
        for name, value in (entry.before or {}).items():
            before.setdefault(name, value)
        after |= entry.after or {}
    if last.entity_type == "headcount":
        before, after = _counts_shown(before), _counts_shown(after)
    if last.entity_type == "meetingexception" and first.before is None:
        before = {"cancelled": False}  # until then, the series held the date as usual
    # A list saved in another order (a meeting's types, as a form orders them) is the
    # same list: the order says nothing.
    for name in [n for n in after if isinstance(after[n], list)
                 and isinstance(before.get(n), list)
                 and sorted(map(str, before[n])) == sorted(map(str, after[n]))]:
        del before[name], after[name]
    # What was added or removed: the fields that held something.
    if first.before is None:
        after = {k: v for k, v in after.items() if not _empty(v) or k in before}
    if last.after is None:
        before = {k: v for k, v in before.items() if not _empty(v)}
    zone, lang = names.zone, names.lang
    actor = last.actor_name
    if last.actor_id is None and actor in _NO_ACCOUNT:
        actor = worded(_NO_ACCOUNT[actor], None, lang)
    action = ACTIONS.get(last.action)
    return Line(
        at=last.created_at.astimezone(zone), actor=actor,
        action=worded_in(action, lang) if action else last.action.capitalize(),
        summary=_summary_words(last, lang),
        changes=[_change(name, before, after, names)
                 for name in dict.fromkeys([*before, *after])],
        entity_type=last.entity_type, folded=len(entries),
        since=first.created_at.astimezone(zone) if len(entries) > 1 else None,
    )


def _summary_words(entry: AuditEntry, lang: str) -> str:
    """The entry's summary in `lang`, its dates as the rest of the log writes them. An
    entry made before summaries were kept as messages has only its English."""
    if entry.message is None:
        return _dates_in_words(entry.summary)
    message = Message.from_stored(entry.message)
    if isinstance(message, str):
        return message
    return message_words(_short_dates(message, lang), lang)


def _short_dates(message: Message, lang: str) -> Message:
    """The message with its dates (in it and in the messages it holds) as short dates
    with their year, as the log writes every date."""
    def short(value: object) -> object:
        if isinstance(value, Message):
            return _short_dates(value, lang)
        if isinstance(value, date):
            return short_date(value, year=True, lang=lang)
        return value

    return Message(message.text, {name: short(v) for name, v in message.values.items()})


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def _counts_shown(values: dict[str, Any]) -> dict[str, Any]:
    """A hybrid headcount's everyone, in the room and online as the log may show them
    together: one of the three hidden hides the room and online, since with everyone
    shown the two would give each other away, even taken from different corrections."""
    split = ("people", "in_person", "online")
    if any(values.get(name) == HIDDEN for name in split):
        return {name: HIDDEN if name in ("in_person", "online") else value
                for name, value in values.items()}
    return values


def _change(name: str, before: dict[str, Any], after: dict[str, Any],
            names: _Names) -> Change:
    lang = names.lang
    label = LABELS.get(name)
    old = names.words(name, before[name]) if name in before else None
    new = names.words(name, after[name]) if name in after else None
    note = ""
    if name in before and name in after and old == new:
        note = worded(CHANGED_HIDDEN, None, lang) if before[name] == HIDDEN else worded(
            N_("changed, then back to %(value)s"), {"value": new}, lang)
    return Change(worded(label, None, lang) if label else name.replace("_", " ").capitalize(),
                  old, new, note)


_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")


def _dates_in_words(text: str) -> str:
    """Dates that older summaries hold as 2026-11-17, as the rest of the log writes them."""
    def word(match: re.Match[str]) -> str:
        try:
            return _date(date.fromisoformat(match.group(0)))
        except ValueError:
            return match.group(0)

    return _ISO_DATE.sub(word, text)


def _date(day: date) -> str:
    return short_date(day, year=True, lang=DEFAULT)


@dataclass(frozen=True)
class _Names:
    """The names of what entries point to by id (training types, meetings, groups), and
    how the page words values: in which zone and language."""

    training_types: dict[int, str]
    meetings: dict[int, str]
    groups: dict[int, str]
    zone: ZoneInfo
    lang: str

    @classmethod
    def of(cls, session: Session, organization: Organization,
           entries: Iterable[AuditEntry], zone: ZoneInfo, lang: str) -> _Names:
        wanted: dict[str, set[int]] = {"training_type_id": set(), "meeting": set(),
                                       "groups": set()}
        for entry in entries:
            for values in (entry.before or {}, entry.after or {}):
                for name, ids in wanted.items():
                    value = values.get(name)
                    ids.update(v for v in (value if isinstance(value, list) else [value])
                               if isinstance(v, int) and not isinstance(v, bool))

        def named(model: Any, ids: set[int], column: Any, *where: Any) -> dict[int, str]:
            if not ids:
                return {}
            rows = session.execute(select(model.id, column).where(model.id.in_(ids), *where))
            return {id_: name for id_, name in rows}

        return cls(
            named(TrainingType, wanted["training_type_id"], TrainingType.name,
                  TrainingType.organization_id == organization.id),
            named(Meeting, wanted["meeting"], Meeting.title,
                  Meeting.group_id.in_(select(Group.id).where(
                      Group.organization_id == organization.id))),
            named(Group, wanted["groups"], Group.name,
                  Group.organization_id == organization.id),
            zone, lang,
        )

    def words(self, name: str, value: Any) -> str:
        """A stored value as a person reads it, in the page's language."""
        lang = self.lang
        if _empty(value):
            return worded(N_("none"), None, lang)
        if isinstance(value, bool):
            return worded(N_("yes") if value else N_("no"), None, lang)
        if isinstance(value, list):
            return ", ".join(self.words(name, v) for v in value)
        by_id = {"training_type_id": self.training_types, "meeting": self.meetings,
                 "groups": self.groups}.get(name)
        if by_id is not None and isinstance(value, int):
            # Something since deleted, or of another org, is named by what it was.
            return by_id.get(value) or worded(_DELETED[name], None, lang)
        if value == HIDDEN and name in _COUNTS:
            return worded(HIDDEN, None, lang)
        text = str(value)
        try:
            return self._typed(name, value, text)
        except (ValueError, KeyError):
            return text

    def _typed(self, name: str, value: Any, text: str) -> str:
        lang = self.lang
        if name in _CHOICES:
            return worded(_CHOICES[name](text).label, None, lang)
        if name in _DATES:
            return short_date(date.fromisoformat(text), year=True, lang=lang)
        if name == "start_time":
            return clock(time.fromisoformat(text), lang)
        if name in ("verified_at", "confirmed_at"):
            moment = datetime.fromisoformat(text).astimezone(self.zone)
            return f"{short_date(moment.date(), year=True, lang=lang)}, {clock(moment, lang)}"
        if name == "duration_minutes":
            return minutes(int(value))
        if name == "rrule":
            return recurrence_words(Recurrence.from_rrule(text), lang)
        if name in ("languages", "language", "default_language"):
            return language_name(text, LANGUAGES[text], lang)
        if name == "types":
            return type_name(text, lang) if text in TYPES else text
        return text
