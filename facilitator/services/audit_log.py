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

from facilitator.domain.choices import Choice
from facilitator.domain.meeting import Attendance
from facilitator.domain.meeting import CancelReason
from facilitator.domain.meeting_types import TYPES
from facilitator.domain.recurrence import Recurrence
from facilitator.domain.suppression import HIDDEN
from facilitator.formatting import clock
from facilitator.formatting import minutes
from facilitator.models import LANGUAGES
from facilitator.models import Audience
from facilitator.models import AuditEntry
from facilitator.models import DocumentKind
from facilitator.models import Group
from facilitator.models import Meeting
from facilitator.models import Organization
from facilitator.models import Program
from facilitator.models import Role
from facilitator.models import TrainingType
from facilitator.models import User
from facilitator.models import Visibility

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
    summary: str,
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
    summary: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    actor_name: str | None = None,
) -> dict[str, Any]:
    """The columns of one entry, for `record` and for writers that insert many rows at
    once (the Meeting Guide import)."""
    return {
        "organization_id": organization_id,
        "actor_id": actor.id if actor else None,
        "actor_name": actor.display_name if actor else actor_name or COMMAND_LINE,
        "action": action,
        "entity_type": entity_type.__name__.lower(),
        "entity_id": entity_id,
        "summary": summary[:300],
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

ACTIONS = {"create": "Added", "update": "Changed", "delete": "Removed",
           "confirm": "Confirmed"}

#: What a field is called on the log, where its name alone does not say it.
LABELS = {
    "rrule": "Repeats", "first_date": "First date", "last_date": "Last date",
    "start_time": "Starts at", "duration_minutes": "Length", "timezone": "Time zone",
    "location_name": "Place", "location_notes": "Directions",
    "online_url": "Online link", "online_phone": "Phone", "online_notes": "Online notes",
    "passcode_by_request": "Passcode by request", "passcode_contact": "Passcode from",
    "types": "Meeting types", "room_capacity": "Room holds",
    "wheelchair_accessible": "Wheelchair accessible",
    "slug": "Web address", "small_count_threshold": "Small-count threshold",
    "expiry_warning_days": "Expiry warning (days)",
    "validity_months": "Valid for (months)", "required_roles": "Required of",
    "required_hours": "Hours required", "training_type_id": "Training",
    "completed_on": "Completed on", "expires_on_override": "Expires on",
    "certificate_number": "Certificate number", "evidence_type": "Evidence file",
    "display_name": "Name", "user": "Account", "typed_name": "Typed name",
    "verified_at": "Verified", "verified_by": "Verified by",
    "newcomers": "First meeting", "in_person": "In person",
    "confirmed_at": "Listing confirmed",
    "listing_reminder_days": "Confirmation reminder after (days)",
    "listing_out_of_date_days": "Out-of-date notice after (days more)",
}
#: Stored choices, by the field that holds them, read as their labels.
_CHOICES: dict[str, type[Choice]] = {
    "program": Program, "audience": Audience, "visibility": Visibility,
    "attendance": Attendance, "reason": CancelReason, "role": Role, "roles": Role,
    "required_roles": Role, "document": DocumentKind,
}
_DATES = {"first_date", "last_date", "date", "completed_on", "expires_on_override"}
#: The counts of a headcount, which the log holds as every report leaving a group does.
_COUNTS = ("people", "newcomers", "in_person", "online")
#: What a count hidden before and after reads: that it changed, and nothing more.
CHANGED_HIDDEN = f"changed (the count is {HIDDEN} before and after)"


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
             page: int, size: int) -> Page:
    """One page of the org's log, newest first, in words and in the org's zone. Pages
    are `size` stored entries long; a session of corrections of a headcount shows once,
    where its last entry falls, as one change from its first value to its last."""
    query = entries_for(organization, entity_type=entity_type)
    rows = list(session.scalars(query.limit(size + 1).offset((page - 1) * size)))
    entries = rows[:size]
    sessions = _headcount_sessions(session, organization, entries)
    names = _Names.of(session, organization, entries)
    zone = ZoneInfo(organization.timezone)
    lines = []
    for entry in entries:
        folded = sessions.get(entry.id)
        if folded is None:
            lines.append(_line(entry, [entry], names, zone))
        elif folded[-1] is entry:
            lines.append(_line(entry, folded, names, zone))
        # Any other entry of a session is in the line of its last one.
    return Page(lines, has_next=len(rows) > size)


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


def _line(last: AuditEntry, entries: list[AuditEntry], names: _Names, zone: ZoneInfo) -> Line:
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
    return Line(
        at=last.created_at.astimezone(zone), actor=last.actor_name,
        action=ACTIONS.get(last.action, last.action.capitalize()),
        summary=_dates_in_words(last.summary),
        changes=[_change(name, before, after, names, zone)
                 for name in dict.fromkeys([*before, *after])],
        entity_type=last.entity_type, folded=len(entries),
        since=first.created_at.astimezone(zone) if len(entries) > 1 else None,
    )


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


def _change(name: str, before: dict[str, Any], after: dict[str, Any], names: _Names,
            zone: ZoneInfo) -> Change:
    label = LABELS.get(name, name.replace("_", " ").capitalize())
    old = names.words(name, before[name], zone) if name in before else None
    new = names.words(name, after[name], zone) if name in after else None
    note = ""
    if name in before and name in after and old == new:
        note = CHANGED_HIDDEN if before[name] == HIDDEN else f"changed, then back to {new}"
    return Change(label, old, new, note)


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
    return f"{day:%a} {day.day} {day:%b %Y}"


@dataclass(frozen=True)
class _Names:
    """The names of what entries point to by id: training types, meetings, groups."""

    training_types: dict[int, str]
    meetings: dict[int, str]
    groups: dict[int, str]

    @classmethod
    def of(cls, session: Session, organization: Organization,
           entries: Iterable[AuditEntry]) -> _Names:
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
        )

    def words(self, name: str, value: Any, zone: ZoneInfo) -> str:
        """A stored value as a person reads it."""
        if _empty(value):
            return "none"
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, list):
            return ", ".join(self.words(name, v, zone) for v in value)
        by_id = {"training_type_id": self.training_types, "meeting": self.meetings,
                 "groups": self.groups}.get(name)
        if by_id is not None and isinstance(value, int):
            # Something since deleted, or of another org, is named by what it was.
            return by_id.get(value, f"a deleted {LABELS.get(name, name).lower()}")
        text = str(value)
        try:
            return self._typed(name, value, text, zone)
        except (ValueError, KeyError):
            return text

    @staticmethod
    def _typed(name: str, value: Any, text: str, zone: ZoneInfo) -> str:
        if name in _CHOICES:
            return _CHOICES[name](text).label
        if name in _DATES:
            return _date(date.fromisoformat(text))
        if name == "start_time":
            return clock(time.fromisoformat(text))
        if name in ("verified_at", "confirmed_at"):
            moment = datetime.fromisoformat(text).astimezone(zone)
            return f"{_date(moment.date())}, {clock(moment)}"
        if name == "duration_minutes":
            return minutes(int(value))
        if name == "rrule":
            return Recurrence.from_rrule(text).describe()
        if name == "languages":
            return LANGUAGES[text]
        if name == "types":
            return TYPES[text]
        return text
