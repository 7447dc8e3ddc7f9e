"""Scheduling: meeting series and the exceptions for single dates."""

from __future__ import annotations

from dataclasses import fields
from datetime import date

from sqlalchemy.orm import Session

from facilitator.domain.counts import MAX_COUNT
from facilitator.domain.languages import N_
from facilitator.domain.languages import Message
from facilitator.domain.links import web_link
from facilitator.domain.listing import region_text
from facilitator.domain.meeting import LIMITS
from facilitator.domain.meeting import VALUE_FIELDS
from facilitator.domain.meeting import CancelReason
from facilitator.domain.meeting import DateChange
from facilitator.domain.meeting import MeetingValues
from facilitator.domain.meeting_types import TYPES
from facilitator.domain.recurrence import EARLIEST_DATE
from facilitator.domain.recurrence import LATEST_DATE
from facilitator.domain.recurrence import InvalidRecurrence
from facilitator.domain.recurrence import orphaned
from facilitator.domain.timezones import is_valid_timezone
from facilitator.models import Group
from facilitator.models import Meeting
from facilitator.models import MeetingException
from facilitator.models import User
from facilitator.services import ServiceError
from facilitator.services import audit_log
from facilitator.services.organizations import mark_changed

#: What the audit log keeps of a meeting: its values, with the recurrence as stored.
MEETING_FIELDS = tuple("rrule" if name == "recurrence" else name for name in VALUE_FIELDS)
EXCEPTION_FIELDS = ("date", "cancelled", "reason", "note", "start_time", "duration_minutes",
                    "moved_to", "location_name", "address", "online_url")


#: Text fields whose length check() refuses as such; the zone and the region have
#: checks of their own.
_CHECKED_LENGTHS = [name for name in LIMITS if name not in ("timezone", "region")]


def columns(values: MeetingValues) -> dict[str, object]:
    """The values as Meeting columns, by name (a subclass's fields too, such as the
    import's source slug): text trimmed, the region as region_text has it."""
    columns: dict[str, object] = {}
    for name in (f.name for f in fields(values)):
        value = getattr(values, name)
        if name == "recurrence":
            name, value = "rrule", values.recurrence.to_rrule()
        elif name == "region":
            value = region_text(values.region)
        elif name == "types":
            value = list(values.types)
        elif type(value) is str:
            value = value.strip()
        columns[name] = value
    return columns


WEB_LINK = N_("The online link must start with https:// (or http://).")
NOT_A_DATE = N_("%(day)s is not a date of this meeting.")
BETWEEN = {"latitude": N_("The latitude must be between %(low)s and %(high)s."),
           "longitude": N_("The longitude must be between %(low)s and %(high)s.")}
GIVE_BOTH = {"latitude": N_("Give the latitude too, or leave both empty: a map position "
                             "needs the latitude and the longitude."),
             "longitude": N_("Give the longitude too, or leave both empty: a map position "
                              "needs the latitude and the longitude.")}


class OrphanedExceptions(ServiceError):
    """Saving would drop exceptions whose dates are no longer in the series."""

    def __init__(self, exceptions: list[MeetingException]) -> None:
        super().__init__(N_("Some changed or cancelled dates are no longer meeting dates."))
        self.exceptions = exceptions


def _check_date(day: date | None, field_name: str) -> None:
    if day is not None and not EARLIEST_DATE <= day <= LATEST_DATE:
        raise ServiceError(N_("Use a date between %(first)s and %(last)s."), field=field_name,
                           first=str(EARLIEST_DATE.year), last=str(LATEST_DATE.year))


def check(values: MeetingValues) -> None:
    """Refuse values no meeting can have, with a message for the facilitator."""
    if not values.title.strip():
        raise ServiceError(N_("A meeting needs a title."), field="title")
    if not 1 <= values.room_capacity <= MAX_COUNT:
        raise ServiceError(N_("A room holds from 1 to %(most)s people."),
                           field="room_capacity", most=MAX_COUNT)
    _check_date(values.first_date, "first_date")
    _check_date(values.last_date, "last_date")
    for name in VALUE_FIELDS:
        value = getattr(values, name)
        if name in _CHECKED_LENGTHS and len(value.strip()) > LIMITS[name]:
            raise ServiceError(N_("This is longer than %(limit)s characters."), field=name,
                               limit=LIMITS[name])
    if len(region_text(values.region)) > LIMITS["region"]:
        raise ServiceError(N_("The region is longer than %(limit)s characters."),
                           field="region", limit=LIMITS["region"])
    if not is_valid_timezone(values.timezone):
        raise ServiceError(N_("“%(zone)s” is not a time zone we know."), field="timezone",
                           zone=values.timezone)
    try:
        values.schedule  # noqa: B018 (building it checks it)
    except InvalidRecurrence as error:
        raise ServiceError(error.said, field="recurrence") from None
    if values.attendance.in_person and not (values.location_name.strip()
                                            or values.address.strip()):
        raise ServiceError(N_("Say where people meet: a place name or an address."),
                           field="address")
    if values.attendance.online and not (values.online_url.strip()
                                         or values.online_phone.strip()):
        raise ServiceError(N_("Give the online link or a phone number to dial in."),
                           field="online_url")
    if values.online_url.strip() and web_link(values.online_url) is None:
        raise ServiceError(WEB_LINK, field="online_url")
    if values.attendance.online and values.passcode_by_request \
            and not values.passcode_contact.strip():
        raise ServiceError(N_("Say whom members ask for the passcode: an email address, a "
                              "phone number or a name."), field="passcode_contact")
    if unknown := [t for t in values.types if t not in TYPES]:
        raise ServiceError(N_("Unknown meeting type: %(codes)s"), field="types",
                           codes=", ".join(unknown))
    for name, low, high in (("latitude", -90, 90), ("longitude", -180, 180)):
        value = getattr(values, name)
        if value is not None and not low <= value <= high:
            raise ServiceError(BETWEEN[name], field=name, low=low, high=high)
    if (values.latitude is None) != (values.longitude is None):
        # One number is no position: a map or the directory's "near me" needs both.
        missing = "longitude" if values.longitude is None else "latitude"
        raise ServiceError(GIVE_BOTH[missing], field=missing)


def audit_summary(title: str, group_name: str) -> Message:
    """What the audit log says a meeting is, on its creation and on each change."""
    return Message(N_("Meeting %(meeting)s of %(group)s"), {"meeting": title, "group": group_name})


def create_meeting(
    session: Session, actor: User | None, group: Group, values: MeetingValues
) -> Meeting:
    check(values)
    meeting = Meeting(group=group, **columns(values))
    session.add(meeting)
    mark_changed(group.organization, group)
    session.flush()
    audit_log.record(
        session, actor, "create", meeting, organization=group.organization,
        summary=audit_summary(meeting.title, group.name),
        after=audit_log.snapshot(meeting, MEETING_FIELDS),
    )
    return meeting


def orphans_after(meeting: Meeting, values: MeetingValues) -> list[MeetingException]:
    """The meeting's exceptions that would fall off the series with these values."""
    lost = set(orphaned(values.schedule, [e.date for e in meeting.exceptions]))
    return [e for e in meeting.exceptions if e.date in lost]


def update_meeting(
    session: Session,
    actor: User | None,
    meeting: Meeting,
    values: MeetingValues,
    *,
    drop_orphans: bool = False,
) -> list[MeetingException]:
    """Change the series. Exceptions still on a date of the new series are kept; the
    others are dropped only with drop_orphans, else OrphanedExceptions lists them and
    nothing changes. Returns the dropped exceptions."""
    check(values)
    lost = orphans_after(meeting, values)
    if lost and not drop_orphans:
        raise OrphanedExceptions(lost)
    before = audit_log.snapshot(meeting, MEETING_FIELDS)
    for name, value in columns(values).items():
        setattr(meeting, name, value)
    for exception in lost:
        _delete_exception(session, actor, meeting, exception)
    _changed(session, actor, meeting, before)
    return lost


def _changed(session: Session, actor: User | None, meeting: Meeting, before: dict) -> None:
    session.flush()
    old, new = audit_log.changed(before, audit_log.snapshot(meeting, MEETING_FIELDS))
    if new:
        meeting.sequence += 1
        mark_changed(meeting.group.organization, meeting.group)
        session.flush()
        audit_log.record(
            session, actor, "update", meeting, organization=meeting.group.organization,
            summary=audit_summary(meeting.title, meeting.group.name), before=old, after=new,
        )


def check_end(meeting: Meeting, last_date: date) -> None:
    """Refuse a last date the series cannot end on."""
    _check_date(last_date, "last_date")
    if last_date < meeting.first_date:
        raise ServiceError(N_("The last date cannot be before the first date."),
                           field="last_date")


def end_meeting(session: Session, actor: User | None, meeting: Meeting, last_date: date) -> None:
    """End the series after last_date; later exceptions go with it."""
    check_end(meeting, last_date)
    before = audit_log.snapshot(meeting, MEETING_FIELDS)
    meeting.last_date = last_date
    for exception in [e for e in meeting.exceptions if e.date > last_date]:
        _delete_exception(session, actor, meeting, exception)
    _changed(session, actor, meeting, before)


def delete_meeting(session: Session, actor: User | None, meeting: Meeting) -> None:
    audit_log.record(
        session, actor, "delete", meeting, organization=meeting.group.organization,
        summary=Message(N_("Meeting %(meeting)s of %(group)s deleted"),
                        {"meeting": meeting.title, "group": meeting.group.name}),
        before=audit_log.snapshot(meeting, MEETING_FIELDS),
    )
    mark_changed(meeting.group.organization, meeting.group)
    meeting.group.meetings.remove(meeting)
    session.delete(meeting)
    session.flush()


def _exception_for(session: Session, meeting: Meeting, day: date) -> MeetingException:
    if not meeting.schedule.falls_on(day):
        raise ServiceError(NOT_A_DATE, field="date", day=day)
    exception = meeting.exceptions_by_date.get(day)
    if exception is None:
        exception = MeetingException(date=day)
        meeting.exceptions.append(exception)
    return exception


def cancel_date(
    session: Session,
    actor: User | None,
    meeting: Meeting,
    day: date,
    reason: CancelReason | None = None,
    note: str = "",
) -> MeetingException:
    """Cancel one date of the series; the reason and the note are what members read,
    and either may be left out."""
    exception = _exception_for(session, meeting, day)
    before = audit_log.snapshot(exception, EXCEPTION_FIELDS) if exception.id else None
    exception.cancelled = True
    exception.reason = reason
    exception.note = note.strip()
    exception.start_time = exception.duration_minutes = exception.moved_to = None
    exception.location_name = exception.address = exception.online_url = ""
    _exception_saved(session, actor, meeting, exception, before,
                     N_("Meeting %(meeting)s of %(group)s: %(date)s cancelled"))
    return exception


def check_date_change(meeting: Meeting, day: date, change: DateChange) -> date | None:
    """Refuse a change no date of this meeting can have; return the day it moves to
    (None when it stays on its own)."""
    if not meeting.schedule.falls_on(day):
        raise ServiceError(NOT_A_DATE, field="date", day=day)
    if change.duration_minutes is not None and not 1 <= change.duration_minutes <= 24 * 60:
        raise ServiceError(N_("A meeting lasts between 1 minute and 24 hours."),
                           field="duration_minutes")
    if change.online_url.strip() and web_link(change.online_url) is None:
        raise ServiceError(WEB_LINK, field="online_url")
    moved_to = change.moved_to if change.moved_to != day else None
    if moved_to is not None and (problem := meeting.schedule.move_problem(day, moved_to)):
        raise ServiceError(problem, field="moved_to")
    if not any([moved_to, change.start_time, change.duration_minutes,
                change.location_name.strip(), change.address.strip(),
                change.online_url.strip(), change.note.strip()]):
        raise ServiceError(N_("Say what is different on this date."))
    return moved_to


def change_date(
    session: Session, actor: User | None, meeting: Meeting, day: date, change: DateChange
) -> MeetingException:
    """Change one date of the series: its day, time, length, place, link or a note."""
    moved_to = check_date_change(meeting, day, change)
    exception = _exception_for(session, meeting, day)
    before = audit_log.snapshot(exception, EXCEPTION_FIELDS) if exception.id else None
    exception.cancelled = False
    exception.reason = None
    exception.start_time = change.start_time
    exception.duration_minutes = change.duration_minutes
    exception.moved_to = moved_to
    exception.location_name = change.location_name.strip()
    exception.address = change.address.strip()
    exception.online_url = change.online_url.strip()
    exception.note = change.note.strip()
    _exception_saved(session, actor, meeting, exception, before,
                     N_("Meeting %(meeting)s of %(group)s: %(date)s changed"))
    return exception


def restore_date(session: Session, actor: User | None, meeting: Meeting, day: date) -> None:
    """Undo the exception for a date: it is a normal date of the series again."""
    exception = meeting.exceptions_by_date.get(day)
    if exception is None:
        raise ServiceError(N_("This date has no change to undo."))
    _delete_exception(session, actor, meeting, exception)
    meeting.sequence += 1
    mark_changed(meeting.group.organization, meeting.group)
    session.flush()


def _exception_saved(
    session: Session,
    actor: User | None,
    meeting: Meeting,
    exception: MeetingException,
    before: dict | None,
    summary: str,
) -> None:
    """Audit a saved exception; `summary` (marked with N_) names its meeting, group and
    date."""
    meeting.sequence += 1
    mark_changed(meeting.group.organization, meeting.group)
    session.flush()
    audit_log.record(
        session, actor, "update" if before else "create", exception,
        organization=meeting.group.organization,
        summary=Message(summary, {"meeting": meeting.title, "group": meeting.group.name,
                                  "date": exception.date}),
        before=before, after=audit_log.snapshot(exception, EXCEPTION_FIELDS),
    )


def _delete_exception(
    session: Session, actor: User | None, meeting: Meeting, exception: MeetingException
) -> None:
    audit_log.record(
        session, actor, "delete", exception, organization=meeting.group.organization,
        summary=Message(N_("Meeting %(meeting)s of %(group)s: %(date)s back to normal"),
                        {"meeting": meeting.title, "group": meeting.group.name,
                         "date": exception.date}),
        before=audit_log.snapshot(exception, EXCEPTION_FIELDS),
    )
    meeting.exceptions.remove(exception)
    session.delete(exception)
    session.flush()
