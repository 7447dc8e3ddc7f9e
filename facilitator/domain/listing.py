"""The meeting directory's listing rules, without Flask or a database.

Where a meeting is listed in the week, what its coming dates say, which filters apply and
how the week is ordered. Functions take schedules, exceptions and "today" and return
plain values for templates.

Days are numbered as Meeting Guide numbers them (0 = Sunday … 6 = Saturday): the
directory's URLs (`?day=2`) use that numbering and the week starts on Sunday.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from itertools import groupby
from typing import Protocol
from typing import cast
from urllib.parse import quote
from zoneinfo import ZoneInfo

from facilitator.domain.meeting import MeetingSeries
from facilitator.domain.recurrence import DateException
from facilitator.domain.recurrence import Frequency
from facilitator.domain.recurrence import Occurrence
from facilitator.domain.recurrence import Schedule
from facilitator.domain.recurrence import meeting_guide_day
from facilitator.domain.recurrence import occurrence_on

#: Day names by Meeting Guide number: the order of the directory's week.
WEEK = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")

#: Cancelled or changed dates up to this many days ahead (inclusive) are announced in the
#: directory.
NOTICE_DAYS = 14

#: How far ahead to look for a meeting's next date: a "fifth Sunday" can be months away.
LOOKAHEAD_DAYS = 400

#: Values of the attendance filter. In person and online each include hybrid meetings,
#: as Meeting Guide's apps do: a hybrid meeting can be attended either way.
ATTENDANCE_FILTERS = ("in_person", "online", "hybrid")

#: Names people use for common zones; others are named by their city.
ZONE_NAMES = {
    "America/New_York": "Eastern Time",
    "America/Detroit": "Eastern Time",
    "America/Toronto": "Eastern Time",
    "America/Indiana/Indianapolis": "Eastern Time",
    "America/Chicago": "Central Time",
    "America/Winnipeg": "Central Time",
    "America/Denver": "Mountain Time",
    "America/Edmonton": "Mountain Time",
    "America/Boise": "Mountain Time",
    "America/Phoenix": "Arizona Time",
    "America/Los_Angeles": "Pacific Time",
    "America/Vancouver": "Pacific Time",
    "America/Anchorage": "Alaska Time",
    "Pacific/Honolulu": "Hawaii Time",
    "America/Halifax": "Atlantic Time",
    "America/Puerto_Rico": "Atlantic Time",
    "America/St_Johns": "Newfoundland Time",
    "Europe/London": "UK time",
    "Europe/Dublin": "Irish time",
    "Australia/Sydney": "Australian Eastern Time",
    "Australia/Melbourne": "Australian Eastern Time",
    "Australia/Brisbane": "Australian Eastern Time",
    "Pacific/Auckland": "New Zealand Time",
    "UTC": "Coordinated Universal Time",
    "Etc/UTC": "Coordinated Universal Time",
}


def zone_label(zone: str) -> str:
    """ "Central Time (America/Chicago)", or "local time in Paris (Europe/Paris)"."""
    name = ZONE_NAMES.get(zone)
    if name is None:
        name = "local time in " + zone.rsplit("/", 1)[-1].replace("_", " ")
    return f"{name} ({zone})"


def region_text(region: str) -> str:
    """A region as it is stored, shown and compared: one line, runs of spaces as one."""
    return " ".join(region.split())


def distinct_regions(regions: Iterable[str]) -> list[str]:
    """One spelling of each region whatever its case (the filter ignores case), the
    first in sort order ("Downtown" over "downtown"), in order of name."""
    by_key: dict[str, str] = {}
    for region in sorted(set(regions)):
        by_key.setdefault(region.casefold(), region)
    return [by_key[key] for key in sorted(by_key)]


def phone_href(phone: str) -> str:
    """A tel: link for a dial-in number; "," pauses and "#" ends a code, so "#" is encoded."""
    return "tel:" + quote("".join(phone.split()), safe="+,;*")


class ShownException(DateException, Protocol):
    """What the directory reads of a stored exception for one date (read only: a
    SeriesException or a row)."""

    @property
    def reason(self) -> object:
        """A labelled choice (it has .label), or None."""
    @property
    def note(self) -> str: ...
    @property
    def location_name(self) -> str: ...
    @property
    def address(self) -> str: ...
    @property
    def online_url(self) -> str: ...


@dataclass(frozen=True)
class Dated:
    """One date of a meeting as members read it, in the zone it is shown in."""

    starts_at: datetime
    ends_at: datetime
    #: When the series itself would have met that day (differs for a changed time).
    regular_starts_at: datetime
    regular_ends_at: datetime
    #: The series' date: the one its exception, headcount and page are kept by. A date
    #: moved to another day is held on `day`, not on this.
    series_date: date
    status: str = "scheduled"
    reason: str = ""
    note: str = ""
    location_name: str = ""
    address: str = ""
    online_url: str = ""

    @property
    def day(self) -> date:
        return self.starts_at.date()

    @property
    def cancelled(self) -> bool:
        return self.status == "cancelled"

    @property
    def changed(self) -> bool:
        return self.status == "changed"

    @property
    def moved(self) -> bool:
        """Held on another day than the series' own."""
        return self.day != self.regular_starts_at.date()

    @property
    def time_changed(self) -> bool:
        return (self.starts_at.time(), self.length_changed) != (
            self.regular_starts_at.time(), False)

    @property
    def length_changed(self) -> bool:
        return self.ends_at - self.starts_at != self.regular_ends_at - self.regular_starts_at

    @property
    def place(self) -> str:
        """The place for this date only, when it meets somewhere else."""
        return ", ".join(p for p in (self.location_name, self.address) if p)


def shown(schedule: Schedule, occurrence: Occurrence, zone: ZoneInfo) -> Dated:
    """The occurrence as members read it, its times in `zone`."""
    regular = occurrence_on(schedule, occurrence.date)
    exception = cast("ShownException | None", occurrence.exception)
    values: dict[str, str] = {}
    if exception is not None:
        values = {
            "status": occurrence.status,
            "reason": getattr(exception.reason, "label", "") if occurrence.cancelled else "",
            "note": exception.note,
        }
        if occurrence.changed:
            values |= {"location_name": exception.location_name, "address": exception.address,
                       "online_url": exception.online_url}
    return Dated(
        starts_at=occurrence.starts_at.astimezone(zone),
        ends_at=occurrence.ends_at.astimezone(zone),
        regular_starts_at=regular.starts_at.astimezone(zone),
        regular_ends_at=regular.ends_at.astimezone(zone),
        series_date=occurrence.date,
        **values,
    )


def coming_dates(
    schedule: Schedule,
    exceptions: Mapping[date, ShownException],
    today: date,
    count: int,
) -> list[Dated]:
    """The next `count` dates from today on, in the meeting's own zone, cancelled ones
    included and marked."""
    zone = schedule.zone
    return [shown(schedule, occurrence_on(schedule, day, exceptions.get(day)), zone)
            for day in schedule.next_dates(today, count)]


@dataclass(frozen=True)
class Slot:
    """A meeting's place in the weekly directory: one of its weekdays, in the shown zone."""

    #: Meeting Guide day (0 = Sunday) of its next date, in the shown zone.
    weekday: int
    #: The series' own start and end on its next date, in the shown zone.
    starts_at: datetime
    ends_at: datetime
    #: The next date, which may be cancelled or changed.
    next: Dated
    #: The next date it meets (not cancelled); None if none is within reach.
    next_held: Dated | None
    #: Cancelled or changed dates soon (and the next date when it is one of them).
    notices: tuple[Dated, ...]


def slots(
    schedule: Schedule,
    exceptions: Mapping[date, ShownException],
    today: date,
    zone: str,
    *,
    notice_days: int = NOTICE_DAYS,
) -> list[Slot]:
    """Where the meeting is listed in the week: one slot per weekday of the series with a
    date from `today` on, with times shown in `zone` (its weekday may change with it).

    `today` is the date in `zone`. An ended series, or a one-date meeting in the past, has
    no slots.
    """
    shown_zone = ZoneInfo(zone)
    horizon = today + timedelta(days=notice_days)
    series_days = schedule.recurrence.weekdays or (schedule.first_date.weekday(),)
    coming: dict[int, list[Dated]] = {d: [] for d in series_days}
    # Zones are at most 26 hours apart: two days back finds every date that is today or
    # later where it is shown.
    start, end = today - timedelta(days=2), today + timedelta(days=LOOKAHEAD_DAYS)
    for day in schedule.dates(start, end):
        date_ = shown(schedule, occurrence_on(schedule, day, exceptions.get(day)), shown_zone)
        if date_.regular_starts_at.date() < today:
            continue
        coming[day.weekday()].append(date_)
        if all(_seen_enough(dates, horizon) for dates in coming.values()):
            break
    return [_slot(dates, horizon) for dates in coming.values() if dates]


def _seen_enough(dates: list[Dated], horizon: date) -> bool:
    return (bool(dates) and dates[-1].regular_starts_at.date() >= horizon
            and any(not d.cancelled for d in dates))


def _slot(dates: list[Dated], horizon: date) -> Slot:
    first = dates[0]
    notices = tuple(d for i, d in enumerate(dates)
                    if d.status != "scheduled"
                    and (i == 0 or d.regular_starts_at.date() <= horizon))
    return Slot(
        weekday=meeting_guide_day(first.regular_starts_at.weekday()),
        starts_at=first.regular_starts_at,
        ends_at=first.regular_ends_at,
        next=first,
        next_held=next((d for d in dates if not d.cancelled), None),
        notices=notices,
    )


def describe(schedule: Schedule) -> str:
    """The recurrence in words where the weekday alone does not say it: "" for a plain
    weekly meeting, "Every other Monday", "First Saturday of the month", "One date only"."""
    recurrence = schedule.recurrence
    if recurrence.frequency is Frequency.ONCE:
        return "One date only"
    if recurrence.frequency is Frequency.WEEKLY and recurrence.interval == 1:
        return ""
    return recurrence.describe()


@dataclass(frozen=True)
class Listing:
    """One meeting on one day of the directory: the series, its group, and where the
    directory places it."""

    slot: Slot
    meeting: MeetingSeries
    group_slug: str
    group_name: str
    program: str
    program_label: str
    languages: tuple[str, ...]
    #: Set when the series starts after today: its first date is shown.
    starts_on: date | None
    #: The series' own start time and zone when that zone is not the directory's, e.g.
    #: (01:00, "Europe/London"); None otherwise.
    own_time: tuple[time, str] | None

    @property
    def recurrence(self) -> str:
        """"" for a plain weekly meeting (see describe())."""
        return describe(self.meeting.schedule)

    @property
    def once(self) -> bool:
        """True for a one-date meeting: its date is shown."""
        return not self.meeting.recurrence.weekdays

    @property
    def region_note(self) -> str:
        """The region where it tells more than the attendance: "" for an online meeting
        whose region is "Online"."""
        region, attendance = self.meeting.region, self.meeting.attendance.label
        return "" if region.casefold() == attendance.casefold() else region


@dataclass(frozen=True)
class Filters:
    """What a visitor narrowed the directory to; None is "any"."""

    day: int | None = None
    region: str | None = None
    program: str | None = None
    type: str | None = None
    attendance: str | None = None
    language: str | None = None

    @property
    def active(self) -> bool:
        return self != Filters()

    def as_args(self) -> dict[str, str]:
        """The query string that shows this selection, in the form's order."""
        values = {"day": self.day, "region": self.region, "program": self.program,
                  "type": self.type, "attendance": self.attendance, "language": self.language}
        return {name: str(value) for name, value in values.items() if value is not None}

    def matches(self, listing: Listing) -> bool:
        meeting = listing.meeting
        if self.day is not None and listing.slot.weekday != self.day:
            return False
        if self.program is not None and listing.program != self.program:
            return False
        if self.type is not None and self.type not in meeting.types:
            return False
        if self.language is not None and self.language not in listing.languages:
            return False
        if self.region is not None and meeting.region.casefold() != self.region.casefold():
            return False
        if self.attendance == "in_person":
            return meeting.attendance.in_person
        if self.attendance == "online":
            return meeting.attendance.online
        if self.attendance == "hybrid":
            return meeting.attendance.in_person and meeting.attendance.online
        return True


def parse_filters(
    args: Mapping[str, str],
    *,
    programs: Iterable[str],
    types: Iterable[str],
    languages: Iterable[str],
    regions: Iterable[str] = (),
) -> Filters:
    """Read the directory's query string. Values that are not one of the known ones are
    ignored, whatever they are: a shared or hand-typed URL still shows meetings. Regions
    are the organization's own words, so the known ones are passed in (as
    distinct_regions lists them); case and runs of spaces do not matter."""

    def pick(name: str, known: Iterable[str]) -> str | None:
        value = region_text(args.get(name) or "")
        by_key = {k.casefold(): k for k in known}
        return by_key.get(value.casefold())

    day = (args.get("day") or "").strip()
    return Filters(
        day=int(day) if day in {str(n) for n in range(7)} else None,
        program=pick("program", programs),
        type=pick("type", types),
        attendance=pick("attendance", ATTENDANCE_FILTERS),
        language=pick("language", languages),
        region=pick("region", regions),
    )


@dataclass(frozen=True)
class Day:
    """One day of the directory's week and its meetings, in order of time."""

    number: int
    name: str
    is_today: bool
    listings: tuple[Listing, ...]

    @property
    def anchor(self) -> str:
        return self.name.lower()

    @property
    def by_time(self) -> list[tuple[time, tuple[Listing, ...]]]:
        """The day's meetings under each start time on the wall clock, in order."""
        return [(start, tuple(at_start)) for start, at_start
                in groupby(self.listings, key=lambda e: _wall(e.slot.starts_at))]


def by_day(listings: Sequence[Listing], today: date) -> list[Day]:
    """The week from Sunday, days without meetings left out; each day by start time, then
    end time, title and group."""
    today_number = meeting_guide_day(today.weekday())
    days = []
    for number, name in enumerate(WEEK):
        on_day = sorted(
            (entry for entry in listings if entry.slot.weekday == number),
            key=lambda e: (_wall(e.slot.starts_at), _wall(e.slot.ends_at),
                           e.meeting.title.casefold(), e.group_name.casefold(), e.meeting.id),
        )
        if on_day:
            days.append(Day(number, name, number == today_number, tuple(on_day)))
    return days


def _wall(moment: datetime) -> time:
    return moment.time()

