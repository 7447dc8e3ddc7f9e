"""What members read: an organization's meeting directory and a group's public page.

Read-only. Each function runs a fixed number of queries whatever the number of
meetings (one for the meetings with their groups, one for their exceptions) and returns
plain values for the templates; the rules live in facilitator.domain.listing.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm import contains_eager
from sqlalchemy.orm import joinedload
from sqlalchemy.orm import selectinload

from facilitator import memory
from facilitator.domain import listing
from facilitator.domain.choices import LANGUAGES
from facilitator.domain.choices import Program
from facilitator.domain.choices import Visibility
from facilitator.domain.confirmation import Confirmation
from facilitator.domain.join_page import public_phone
from facilitator.domain.languages import N_
from facilitator.domain.listing import Dated
from facilitator.domain.listing import Day
from facilitator.domain.listing import Filters
from facilitator.domain.listing import Listing
from facilitator.domain.meeting import MeetingSeries
from facilitator.domain.meeting import region_levels
from facilitator.domain.meeting_types import TYPES
from facilitator.domain.recurrence import MAX_MOVE
from facilitator.domain.recurrence import InvalidRecurrence
from facilitator.domain.recurrence import meeting_guide_day
from facilitator.domain.timezones import COMMON_TIMEZONES
from facilitator.models import Group
from facilitator.models import Meeting
from facilitator.models import MeetingException
from facilitator.models import Organization

log = logging.getLogger(__name__)

T = TypeVar("T")

#: How many coming dates a group's page lists for each meeting.
GROUP_PAGE_DATES = 8

#: What the attendance filter's choices say (see listing.ATTENDANCE_FILTERS).
ATTENDANCE_CHOICES = (
    ("in_person", N_("In person (and hybrid)")),
    ("online", N_("Online (and hybrid)")),
    ("hybrid", N_("Hybrid only")),
)

Choices = list[tuple[str, str]]


def parse_filters(session: Session, org: Organization, args: Mapping[str, str]) -> Filters:
    """The directory filters in a query string; unknown values are ignored. A region is
    known when one of the org's public meetings is in it (looked up only when one is
    asked for)."""
    asked = (args.get("region") or "").strip()
    return listing.parse_filters(
        args, programs=[p.value for p in Program], types=TYPES, languages=LANGUAGES,
        regions=public_regions(session, org) if asked else (),
    )


def public_regions(session: Session, org: Organization) -> list[str]:
    """The regions of the org's public meetings and the areas within them
    (`sub_region`'s levels), in order. Private groups' are left out: where a private
    group meets is only behind its token."""
    query = (
        select(Meeting.region, Meeting.sub_region).distinct().join(Meeting.group)
        .where(Group.organization_id == org.id, Group.visibility == Visibility.PUBLIC,
               Meeting.region != "")
    )
    return listing.distinct_regions(level for region, sub_region in session.execute(query)
                                    for level in region_levels(region, sub_region))


@dataclass(frozen=True)
class FilterOptions:
    """The choices the filter form offers: only what the directory has, plus what is
    chosen."""

    days: Choices
    programs: Choices
    types: Choices
    attendances: Choices
    languages: Choices
    regions: Choices
    #: Zones the printed list can give its online meetings' times in (not the org's).
    zones: Choices = field(default_factory=list)


@dataclass(frozen=True)
class Directory:
    """An organization's public meetings by day, narrowed by the filters: all of them, or
    one page of them (see listing.page)."""

    days: list[Day]
    #: Listings shown, and listings before filtering (a meeting on two days counts twice).
    shown: int
    total: int
    filters: Filters
    #: The chosen filters in words, in the form's order.
    chosen: list[str]
    options: FilterOptions
    zone: str
    #: Which part of the shown listings `days` holds; None when it holds them all.
    page: listing.Page | None = None
    #: How many of the shown listings have a map position (the near-me list's).
    located: int = 0


def directory(session: Session, org: Organization, filters: Filters, now: datetime, *,
              starting_today: bool = True, page: int | None = None,
              weeks: WeekCache | None = None, zone: str | None = None) -> Directory:
    """Every meeting of the org's public groups, in the org's zone (or `zone`), by day:
    from today on (see listing.by_day), or from Sunday for print; with `page`, only that
    page of them (listing.PAGE_SIZE listings; a smaller directory is one page).

    Dates that have ended at `now` are past: ended series and past one-date meetings are
    left out. A meeting kept in another zone is converted to the shown one, and its
    weekday may change with it. `weeks` keeps the computed week between calls.
    """
    zone = zone or org.timezone
    today = now.astimezone(ZoneInfo(zone)).date()
    week = (weeks or WeekCache()).week(session, org, now, zone)
    chosen_listings = ([entry for entry in week.listings if filters.matches(entry)]
                       if filters.active else week.listings)
    if starting_today:
        days = week.days if not filters.active else _filtered(week.days, filters)
    else:
        days = listing.by_day(chosen_listings, today)
    shown_page = None
    if page is not None:
        shown_page = listing.page_of(days, page)
        days = shown_page.days
    options = replace(_options(week.listings, filters), zones=print_zones(org.timezone))
    return Directory(
        days=days,
        shown=len(chosen_listings),
        total=len(week.listings),
        filters=filters,
        chosen=_chosen(filters, options),
        options=options,
        zone=listing.zone_label(zone),
        page=shown_page,
        located=sum(1 for entry in chosen_listings if entry.position is not None),
    )


#: Most meetings the near-me list holds, the soonest of the day: two HTML elements each
#: (three once the browser adds the distance), so a day of a 5,000-meeting directory
#: stays within the 1,400 elements and 150 KB of the directory's budget (issue 20).
NEAR_LIMIT = 400


@dataclass(frozen=True)
class Nearby:
    """One day's meetings that have a map position, in order of time, for the visitor's
    browser to sort by distance (static/near.js). The list is the same whoever asks: the
    server is never told where the visitor is."""

    #: The day's listings with the filters (its `filters` have the day).
    directory: Directory
    #: The day's block: today's meetings still to come, or the chosen weekday's. None
    #: when the filters leave nothing that day.
    day: Day | None
    #: The day's meetings with a position: at most NEAR_LIMIT, the soonest first.
    listings: tuple[Listing, ...]
    #: How many of the day's meetings have a position, and how many have none (online
    #: meetings, places without coordinates).
    located: int
    unlocated: int
    #: The other filters in words.
    chosen: list[str]
    #: The week's days from today, (Meeting Guide number, name), for a link to each.
    week: list[tuple[int, str]]

    @property
    def cut(self) -> int:
        """How many meetings with a position the list leaves out (past NEAR_LIMIT)."""
        return self.located - len(self.listings)

    @property
    def is_today(self) -> bool:
        return self.directory.filters.day == self.week[0][0]

    def args(self, day: int | None = None, *, others: bool = True) -> dict[str, str]:
        """The query string of this list, or of another `day`'s, with the other filters
        or (`others=False`) without them. Today is the default day."""
        chosen = self.directory.filters.day if day is None else day
        kept = self.directory.filters if others else Filters()
        return replace(kept, day=None if chosen == self.week[0][0] else chosen).as_args()


def nearby(session: Session, org: Organization, filters: Filters, now: datetime, *,
           weeks: WeekCache | None = None) -> Nearby:
    """The meetings of one day (`filters.day`, else today: those still to come) that have
    a map position, with the other filters, for the near-me list."""
    today = meeting_guide_day(now.astimezone(ZoneInfo(org.timezone)).date().weekday())
    number = today if filters.day is None else filters.day
    shown = directory(session, org, replace(filters, day=number), now, weeks=weeks)
    day = shown.days[0] if shown.days else None
    entries = day.listings if day is not None else ()
    located = [entry for entry in entries if entry.position is not None]
    return Nearby(
        directory=shown, day=day, listings=tuple(located[:NEAR_LIMIT]),
        located=len(located), unlocated=len(entries) - len(located),
        chosen=_chosen(replace(filters, day=None), shown.options),
        week=[((today + n) % 7, listing.WEEK[(today + n) % 7]) for n in range(7)],
    )


def _filtered(days: list[Day], filters: Filters) -> list[Day]:
    kept = (replace(day, listings=tuple(e for e in day.listings if filters.matches(e)))
            for day in days)
    return [day for day in kept if day.listings]


@dataclass(frozen=True, slots=True)
class PublicMeeting:
    """A public meeting with what its listings show of its group (what WeekCache keeps
    of it)."""

    series: MeetingSeries
    group_slug: str
    group_name: str
    program: Program
    languages: tuple[str, ...]
    #: The group's last confirmation, on the day the week is for.
    confirmation: Confirmation


@dataclass(frozen=True)
class Week:
    """The listings of an org's week at one moment, in the directory's order."""

    days: list[Day]
    listings: list[Listing]


class _Week:
    """An org's listings for one version of its data and one day in its zone.

    A listing stays true until its next date ends (then the meeting is listed at its
    following date): `at()` computes again only the meetings whose next date ended since,
    so a busy directory pays for the whole week once a day or per change, not per request.
    """

    def __init__(self, meetings: list[PublicMeeting], zone: str, now: datetime) -> None:
        self.zone = zone
        self.today = now.astimezone(ZoneInfo(zone)).date()
        self.as_of = now
        self.meetings = meetings
        self._by_meeting = {m.series.id: (m, _listings(m, zone, now)) for m in meetings}
        self._arrange()

    def _arrange(self) -> None:
        entries = [e for _, found in self._by_meeting.values() for e in found]
        days = listing.by_day(entries, self.today, starting_today=True)
        self.now = Week(days, [entry for day in days for entry in day.listings])
        self.changes_at = min((e.slot.next.ends_at for e in entries), default=None)
        self.size = len(self._by_meeting)

    def at(self, now: datetime) -> Week:
        """The week as it is at `now` (a later moment of the same day)."""
        if self.changes_at is not None and now >= self.changes_at:
            for meeting_id, (meeting, found) in list(self._by_meeting.items()):
                if any(listing.has_ended(e.slot.next, now) for e in found):
                    self._by_meeting[meeting_id] = (meeting,
                                                    _listings(meeting, self.zone, now))
            self.as_of = now
            self._arrange()
        return self.now


class WeekCache:
    """Each org's week of listings, kept per data version and day (see _Week): the
    directory of a 5,000-meeting intergroup reads and computes its meetings once per
    change, not once per visitor. At most `capacity` meetings are kept, the orgs used
    least recently let go first. Safe to share between threads."""

    #: About 6 KB a meeting (its series and listings; bench/bench_serve.py measured 33 to
    #: 42 MiB for 7,009): a 5,000-meeting intergroup's week (7,000 series) and room for
    #: small orgs', within a worker's memory goal. A second org that large pushes the
    #: first out: each is computed again when asked (about a second).
    def __init__(self, capacity: int = 8_000) -> None:
        self._weeks: OrderedDict[tuple[object, ...], _Week] = OrderedDict()
        self.capacity = capacity
        self._lock = threading.Lock()
        #: How many times an org's meetings were read and computed in full.
        self.builds = 0

    @property
    def meetings_kept(self) -> int:
        with self._lock:
            return sum(week.size for week in self._weeks.values())

    def week(self, session: Session, org: Organization, now: datetime,
             zone: str | None = None) -> Week:
        """The org's week at `now`, its times in `zone` (the org's by default)."""
        return self._read(session, org, now, zone or org.timezone, lambda kept: kept.at(now))

    def meetings(self, session: Session, org: Organization,
                 now: datetime) -> list[PublicMeeting]:
        """The org's public meetings the week is computed from, read once per change
        and day like it: for the other lists of them (starting soon)."""
        return self._read(session, org, now, org.timezone, lambda kept: kept.meetings)

    def _drop(self, org_id: int) -> None:
        """Let go of the org's kept weeks (the lock held)."""
        for old in [k for k in self._weeks if k[0] == org_id]:
            del self._weeks[old]

    def _read(self, session: Session, org: Organization, now: datetime, zone: str,
              read: Callable[[_Week], T]) -> T:
        """What `read` takes from the org's kept week in `zone`, the week computed if
        need be."""
        today = now.astimezone(ZoneInfo(zone)).date()
        key = (org.id, org.data_version, zone, today)
        with self._lock:
            kept = self._weeks.get(key)
            if kept is not None and now >= kept.as_of:
                self._weeks.move_to_end(key)
                return read(kept)
            if kept is None:
                # The org's week of an older version or day is let go before the new one
                # is computed, not after: a worker never holds two of a big org's weeks,
                # and the new one takes the memory the old one freed.
                self._drop(org.id)
        week = _Week(_public_meetings(session, org, today), zone, now)
        if kept is not None:
            # A moment before the kept one's (a printed list of the whole day): computed
            # for this call alone.
            return read(week)
        memory.trim()  # what reading and computing thousands of meetings left free
        with self._lock:
            self.builds += 1
            self._drop(org.id)
            self._weeks[key] = week
            while (len(self._weeks) > 1
                   and sum(w.size for w in self._weeks.values()) > self.capacity):
                self._weeks.popitem(last=False)
            return read(week)


def _public_meetings(session: Session, org: Organization, today: date) -> list[PublicMeeting]:
    # Dates a day or two back can still be today in a zone behind the meeting's, and
    # a date up to a week back can be moved to today (starting soon holds it there).
    since = today - MAX_MOVE - timedelta(days=2)
    query = (
        select(Meeting)
        .join(Meeting.group)
        .where(Group.organization_id == org.id, Group.visibility == Visibility.PUBLIC)
        .where((Meeting.last_date.is_(None)) | (Meeting.last_date >= since))
        .options(
            contains_eager(Meeting.group),
            # Only dates still to come: these collections are read here, never changed.
            # Joined in the same query: selectinload would add one query per 500 meetings.
            joinedload(Meeting.exceptions.and_(MeetingException.date >= since)),
        )
    )
    listed = []
    # What a listing shows of its group, worked out once a group (five meetings each in
    # a large intergroup), not once a meeting.
    of_group: dict[int, tuple[str, str, Program, tuple[str, ...], Confirmation]] = {}
    for meeting in session.scalars(query).unique():
        try:
            series = meeting.series()
        except InvalidRecurrence:
            # One unreadable row must not take the directory down for everyone.
            log.warning("Meeting %s has a schedule that cannot be listed", meeting.id)
            continue
        group = meeting.group
        shown = of_group.get(group.id)
        if shown is None:
            shown = of_group[group.id] = (group.slug, group.name, group.program,
                                          tuple(group.languages), group.confirmation(today))
        listed.append(PublicMeeting(series, *shown))
    return listed


def _listings(meeting: PublicMeeting, zone: str, now: datetime) -> list[Listing]:
    series = meeting.series
    try:
        slots = listing.slots(series.schedule, series.exceptions_by_date, now, zone)
    except InvalidRecurrence:
        log.warning("Meeting %s has a schedule that cannot be listed", series.id)
        return []
    today = now.astimezone(ZoneInfo(zone)).date()
    own_time = (series.start_time, series.timezone) if series.timezone != zone else None
    return [
        Listing(
            slot=slot,
            meeting=series,
            group_slug=meeting.group_slug,
            group_name=meeting.group_name,
            program=meeting.program.value,
            program_label=meeting.program.label,
            languages=meeting.languages,
            starts_on=series.first_date if series.first_date > today else None,
            own_time=own_time,
            confirmation=meeting.confirmation,
        )
        for slot in slots
    ]


def _kept(value: str | None) -> set[str]:
    """A filter's chosen value, to keep among the options even when nothing matches it."""
    return set() if value is None else {value}


def _options(listings: list[Listing], filters: Filters) -> FilterOptions:
    programs = {entry.program for entry in listings} | {filters.program} - {None}
    types = {t for entry in listings for t in entry.meeting.types if t in TYPES}
    types |= _kept(filters.type)
    languages = {code for entry in listings for code in entry.languages if code in LANGUAGES}
    languages |= _kept(filters.language)
    # The chosen region is spelt as public_regions() spells it, the first of its
    # spellings: with it among them, the choice is spelt the same way.
    regions = {level for entry in listings for level in entry.meeting.regions}
    regions |= _kept(filters.region)
    return FilterOptions(
        days=[(str(n), name) for n, name in enumerate(listing.WEEK)],
        programs=[(p.value, p.label) for p in Program if p.value in programs],
        types=sorted(((t, TYPES[t]) for t in types), key=lambda c: c[1].casefold()),
        attendances=list(ATTENDANCE_CHOICES),
        languages=sorted(((c, LANGUAGES[c]) for c in languages), key=lambda c: c[1]),
        regions=[(r, r) for r in listing.distinct_regions(regions)],
    )


def print_zones(own: str) -> Choices:
    """The zones offered for printing the online meetings: the common ones but the org's
    own (any other known zone works in the address, ?zone=Asia/Manila)."""
    return [(zone, listing.zone_label(zone)) for zone in COMMON_TIMEZONES if zone != own]


def _chosen(filters: Filters, options: FilterOptions) -> list[str]:
    chosen = []
    for value, choices in (
        (filters.day, options.days), (filters.region, options.regions),
        (filters.program, options.programs),
        (filters.type, options.types), (filters.attendance, options.attendances),
        (filters.language, options.languages),
    ):
        if value is not None:
            chosen.append(dict(choices)[str(value)])
    return chosen


@dataclass(frozen=True)
class GroupMeeting:
    """One meeting of a group's page, with its coming dates in its own zone."""

    meeting: MeetingSeries
    #: "Every Tuesday", "First Saturday of the month", "One date only".
    recurrence: str
    once: bool
    #: Its start time and length on the clock, as the feed writes them: not the first
    #: date's real end, which a clock change may move.
    end_time: time
    #: Whether the end reads like a time the same day but is the next day's (24 hours).
    ends_next_day: bool
    zone: str
    dates: list[Dated]
    #: The dial-in number as public outputs give it: up to the meeting ID, never the
    #: passcode (joining.public_phone). The link itself is on the join page.
    phone: str
    #: The day it started on, when that is after today.
    starts_on: date | None
    today: date

    @property
    def start_time(self) -> time:
        return self.meeting.start_time

    def clock_moved(self, dated: Dated) -> bool:
        """Whether the date, not changed, starts at another time than the series says:
        its start time does not exist that night (the clocks go forward), and it starts
        when the app and the feed have it, the time it really is."""
        return (not dated.cancelled and not dated.time_changed
                and dated.starts_at.time() != self.start_time)


def group_meetings(session: Session, group: Group, now: datetime) -> list[GroupMeeting]:
    """The group's meetings that still have dates, in week order from Sunday, each with
    its next dates that have not ended at `now`."""
    query = (
        select(Meeting)
        .where(Meeting.group_id == group.id)
        .options(selectinload(Meeting.exceptions))
        .order_by(Meeting.start_time, Meeting.title, Meeting.id)
    )
    shown = []
    for meeting in session.scalars(query):
        today = now.astimezone(ZoneInfo(meeting.timezone)).date()
        try:
            series = meeting.series()
            dates = listing.coming_dates(series.schedule, series.exceptions_by_date, now,
                                       GROUP_PAGE_DATES)
        except InvalidRecurrence:
            log.warning("Meeting %s has a schedule that cannot be listed", meeting.id)
            continue
        if not dates:
            continue
        recurrence = series.recurrence
        start = datetime.combine(series.first_date, series.start_time)
        end = start + series.schedule.duration
        shown.append(GroupMeeting(
            meeting=series,
            recurrence=N_("One date only") if not recurrence.weekdays else recurrence.describe(),
            once=not recurrence.weekdays,
            end_time=end.time(),
            ends_next_day=end.date() > start.date() and end.time() >= start.time(),
            zone=listing.zone_label(series.timezone),
            dates=dates,
            phone=public_phone(series),
            starts_on=series.first_date if series.first_date > today else None,
            today=today,
        ))
    shown.sort(key=_week_position)
    return shown


def _week_position(entry: GroupMeeting) -> tuple[int, time]:
    weekdays = entry.meeting.recurrence.weekdays or (entry.meeting.first_date.weekday(),)
    return min(meeting_guide_day(d) for d in weekdays), entry.start_time
