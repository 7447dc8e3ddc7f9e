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
from dataclasses import replace
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from itertools import groupby
from typing import Protocol
from typing import cast
from zoneinfo import ZoneInfo

from facilitator.domain.confirmation import Confirmation
from facilitator.domain.languages import N_
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

#: Decimal places of the positions the near-me list gives the browser: 4 is about 11 m,
#: a building, which tells no more than the meeting's address does.
POSITION_PLACES = 4

#: How far ahead to look for a meeting's next date: a "fifth Sunday" can be months away.
LOOKAHEAD_DAYS = 400

#: Values of the attendance filter. In person and online each include hybrid meetings,
#: as Meeting Guide's apps do: a hybrid meeting can be attended either way.
ATTENDANCE_FILTERS = ("in_person", "online", "hybrid")

#: The region name that stands for the attendance "online" (see is_online_region).
ONLINE_REGION = "online"

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


def zone_name(zone: str) -> str:
    """ "Central Time", or "local time in Paris": what follows a time ("4:00 pm Pacific
    Time")."""
    name = ZONE_NAMES.get(zone)
    return name if name is not None else "local time in " + zone.rsplit("/", 1)[-1].replace(
        "_", " ")


def zone_label(zone: str) -> str:
    """ "Central Time (America/Chicago)", or "local time in Paris (Europe/Paris)"."""
    return f"{zone_name(zone)} ({zone})"


def region_text(region: str) -> str:
    """A region as it is stored, shown and compared: one line, runs of spaces as one."""
    return " ".join(region.split())


def is_online_region(region: str) -> bool:
    """True for the region Meeting Guide feeds give meetings without a place, "Online".
    It is not a region of its own: online is what the attendance says, so there is one
    notion of online (the attendance filter, which takes hybrid meetings too)."""
    return region_text(region).casefold() == ONLINE_REGION


def distinct_regions(regions: Iterable[str]) -> list[str]:
    """One spelling of each region whatever its case (the filter ignores case), the
    first in sort order ("Downtown" over "downtown"), in order of name. "Online" is left
    out: the attendance filter finds online meetings."""
    by_key: dict[str, str] = {}
    for region in sorted(set(regions)):
        if not is_online_region(region):
            by_key.setdefault(region.casefold(), region)
    return [by_key[key] for key in sorted(by_key)]


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


@dataclass(frozen=True, slots=True)
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
    now: datetime,
    count: int,
) -> list[Dated]:
    """The next `count` dates that have not ended at `now`, in the meeting's own zone,
    cancelled ones included and marked. Today's date is among them until it ends."""
    zone = schedule.zone
    today = now.astimezone(zone).date()
    dates = [shown(schedule, occurrence_on(schedule, day, exceptions.get(day)), zone)
             for day in schedule.next_dates(today, count + 1)]
    return [d for d in dates if not has_ended(d, now)][:count]


def has_ended(dated: Dated, now: datetime) -> bool:
    """A date is past once it has ended: "(today)" is for a meeting still to come."""
    return dated.ends_at <= now


@dataclass(frozen=True, slots=True)
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
    now: datetime,
    zone: str,
    *,
    notice_days: int = NOTICE_DAYS,
) -> list[Slot]:
    """Where the meeting is listed in the week: one slot per weekday of the series with a
    date that has not ended at `now`, with times shown in `zone` (its weekday may change
    with it). A meeting that ended an hour ago is listed at its next date.

    An ended series, or a one-date meeting in the past, has no slots.
    """
    shown_zone = ZoneInfo(zone)
    today = now.astimezone(shown_zone).date()
    horizon = today + timedelta(days=notice_days)
    series_days = schedule.recurrence.weekdays or (schedule.first_date.weekday(),)
    # Per weekday: its first date, its changed or cancelled dates, and its first date
    # held. The plain dates in between change nothing here and are not looked at: with
    # thousands of meetings in a directory, that is most of the work saved.
    coming: dict[int, list[Dated]] = {d: [] for d in series_days}
    reached: set[int] = set()  # weekdays with a date past the horizon
    # Zones are at most 26 hours apart: two days back finds every date that is today or
    # later where it is shown, and a date more than two days after the horizon is past
    # it in every zone.
    start, end = today - timedelta(days=2), today + timedelta(days=LOOKAHEAD_DAYS)
    past_horizon = horizon + timedelta(days=2)
    for day in schedule.dates(start, end):
        weekday, exception = day.weekday(), exceptions.get(day)
        dates = coming[weekday]
        if exception is not None or all(d.cancelled for d in dates):
            date_ = shown(schedule, occurrence_on(schedule, day, exception), shown_zone)
            if date_.regular_starts_at.date() < today or has_ended(date_, now):
                continue
            dates.append(date_)
        if day > past_horizon:
            reached.add(weekday)
            if len(reached) == len(coming) and all(
                    any(not d.cancelled for d in dates) for dates in coming.values()):
                break
    return [_slot(dates, horizon) for dates in coming.values() if dates]


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
        return N_("One date only")
    if recurrence.frequency is Frequency.WEEKLY and recurrence.interval == 1:
        return ""
    return recurrence.describe()


@dataclass(frozen=True, slots=True)
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
    #: When its group last confirmed the listing; None where that is not shown.
    confirmation: Confirmation | None = None

    @property
    def recurrence(self) -> str:
        """"" for a plain weekly meeting (see describe())."""
        return describe(self.meeting.schedule)

    @property
    def once(self) -> bool:
        """True for a one-date meeting: its date is shown."""
        return not self.meeting.recurrence.weekdays

    @property
    def position(self) -> tuple[float, float] | None:
        """Where it meets in person on the map, to POSITION_PLACES decimals; None when
        that is not known (or it meets online only)."""
        position = self.meeting.position
        if position is None:
            return None
        return round(position[0], POSITION_PLACES), round(position[1], POSITION_PLACES)

    @property
    def region_note(self) -> str:
        """The region where it tells more than the attendance: "" for an online or hybrid
        meeting whose region is "Online"."""
        region, attendance = self.meeting.region, self.meeting.attendance
        return "" if is_online_region(region) and attendance.online else region


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

    def joined_online(self) -> Filters:
        """These filters narrowed to the meetings one can join online: the online and
        hybrid ones (the hybrid ones alone, where in person was chosen)."""
        joined = "hybrid" if self.attendance in ("in_person", "hybrid") else "online"
        return replace(self, attendance=joined)

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
        if self.region is not None and self.region.casefold() not in {
                level.casefold() for level in meeting.regions}:
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
    distinct_regions lists them); case and runs of spaces do not matter. A link to the
    region "Online" (as other meeting lists make them) shows the online meetings."""

    def pick(name: str, known: Iterable[str]) -> str | None:
        value = region_text(args.get(name) or "")
        by_key = {k.casefold(): k for k in known}
        return by_key.get(value.casefold())

    day = (args.get("day") or "").strip()
    attendance = pick("attendance", ATTENDANCE_FILTERS)
    if attendance is None and is_online_region(args.get("region") or ""):
        attendance = "online"
    return Filters(
        day=int(day) if day in {str(n) for n in range(7)} else None,
        program=pick("program", programs),
        type=pick("type", types),
        attendance=attendance,
        language=pick("language", languages),
        region=pick("region", regions),
    )


@dataclass(frozen=True, slots=True)
class Day:
    """One day of the directory's week and its meetings, in order of time."""

    number: int
    name: str
    #: Today's block: only meetings still to come today.
    is_today: bool
    listings: tuple[Listing, ...]
    #: The block that closes a week started today: today's weekday, on a later date.
    is_next_week: bool = False
    #: The day's first meetings are on the page before (see page_of).
    continued: bool = False

    @property
    def anchor(self) -> str:
        return f"next-{self.name.lower()}" if self.is_next_week else self.name.lower()

    @property
    def by_time(self) -> list[tuple[time, tuple[Listing, ...]]]:
        """The day's meetings under each start time on the wall clock, in order."""
        return [(start, tuple(at_start)) for start, at_start
                in groupby(self.listings, key=lambda e: _wall(e.slot.starts_at))]


def by_day(listings: Sequence[Listing], today: date, *,
           starting_today: bool = False) -> list[Day]:
    """The week from Sunday, days without meetings left out; each day by start time, then
    end time, title and group.

    `starting_today` (the directory page) leads with what is still to come: today's
    block holds the meetings whose next date is today, the days after follow, and
    today's weekday closes the week with its meetings that are already over today (or
    meet on a later week). A printed week starts on Sunday.
    """
    def on(number: int) -> list[Listing]:
        return sorted(
            (entry for entry in listings if entry.slot.weekday == number),
            key=lambda e: (_wall(e.slot.starts_at), _wall(e.slot.ends_at),
                           e.meeting.title.casefold(), e.group_name.casefold(), e.meeting.id),
        )

    def day(number: int, entries: Sequence[Listing], is_today: bool = False,
            is_next_week: bool = False) -> list[Day]:
        return ([Day(number, WEEK[number], is_today, tuple(entries), is_next_week)]
                if entries else [])

    if not starting_today:
        return [d for number in range(7) for d in day(number, on(number))]
    first = meeting_guide_day(today.weekday())
    still_today: list[Listing] = []
    later: list[Listing] = []
    for entry in on(first):
        is_next_today = entry.slot.next.regular_starts_at.date() == today
        (still_today if is_next_today else later).append(entry)
    following = [d for n in range(1, 7) for d in day((first + n) % 7, on((first + n) % 7))]
    return (day(first, still_today, is_today=True) + following
            + day(first, later, is_next_week=True))


def _wall(moment: datetime) -> time:
    return moment.time()



#: Listings on one page of the directory: a phone shows them at once, and a directory of
#: up to this many is all on one page.
PAGE_SIZE = 60


@dataclass(frozen=True)
class DayLink:
    """Where a day of the whole list starts: its page, and its block's anchor."""

    name: str
    anchor: str
    is_today: bool
    page: int


@dataclass(frozen=True)
class Page:
    """One page of a directory's days: listings `first` to `last` (from 1) of `total`."""

    number: int
    count: int
    first: int
    last: int
    total: int
    days: list[Day]
    #: Every day of the whole list, for a way to each.
    day_links: list[DayLink]


def page_count(total: int, size: int = PAGE_SIZE) -> int:
    return max(1, -(-total // size))


def page_of(days: Sequence[Day], number: int, size: int = PAGE_SIZE) -> Page:
    """Page `number` (from 1; out of range is the nearest page) of the listings of
    `days` in order, `size` per page. A day cut by a page break is on both pages, marked
    `continued` on the second."""
    total = sum(len(day.listings) for day in days)
    count = page_count(total, size)
    number = min(max(number, 1), count)
    first, last = (number - 1) * size, min(number * size, total)
    shown, links, seen = [], [], 0
    for day in days:
        links.append(DayLink(day.name, day.anchor, day.is_today, seen // size + 1))
        start, end = max(first - seen, 0), min(last - seen, len(day.listings))
        if start < end:
            shown.append(replace(day, listings=day.listings[start:end],
                                 continued=start > 0))
        seen += len(day.listings)
    return Page(number, count, first + 1 if total else 0, last, total, shown, links)
