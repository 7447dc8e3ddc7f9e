"""When a meeting happens: its recurrence, and the dated occurrences that follow from it.

A meeting is local time plus an IANA zone, because it follows daylight saving: a
19:00 meeting is at 19:00 on the wall clock all year. Dates are computed with
dateutil's rrule on naive local dates; the zone is applied to each date afterwards.
Occurrences are never stored; only exceptions (one cancelled or changed date) are.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
from collections.abc import Iterator
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from functools import lru_cache
from itertools import chain
from typing import Protocol
from zoneinfo import ZoneInfo

from dateutil.rrule import FR
from dateutil.rrule import MO
from dateutil.rrule import MONTHLY
from dateutil.rrule import SA
from dateutil.rrule import SU
from dateutil.rrule import TH
from dateutil.rrule import TU
from dateutil.rrule import WE
from dateutil.rrule import WEEKLY
from dateutil.rrule import rrule

from facilitator.domain.languages import N_
from facilitator.domain.languages import Message
from facilitator.domain.languages import Refusal

#: RFC 5545 day codes by Python weekday number (Monday = 0).
DAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
DATEUTIL_DAYS = (MO, TU, WE, TH, FR, SA, SU)
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
ORDINAL_NAMES = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", -1: "last"}


#: The dates a series may start or end on. Far enough for any real group; the limit keeps
#: feeds and time-zone tables within what the calendar libraries handle (year 9999 was a
#: 500 in every feed) and bounds the walk to any one date.
EARLIEST_DATE = date(1970, 1, 1)
LATEST_DATE = date(2199, 12, 31)
#: A meeting longer than this is more often a slip (7:00 typed for 19:00) than a plan:
#: the forms ask before they take it.
LONG_MEETING_MINUTES = 12 * 60
#: How far one date of a series may move (a Tuesday meeting held on the Wednesday): a
#: week either way, and never onto or past the series' dates before and after it.
MAX_MOVE = timedelta(days=7)

class Frequency(enum.StrEnum):
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    ONCE = "once"


class InvalidRecurrence(Refusal):
    """A recurrence that cannot be; the message says why, for a person."""


@dataclass(frozen=True, slots=True)
class Recurrence:
    """How a meeting repeats.

    Weekly: on one or more weekdays, every `interval` weeks (1 = weekly, 2 = every other
    week). Monthly: on one weekday, in the weeks named by `ordinals` (1–5, or -1 for the
    last). Once: on the meeting's first date only.
    """

    frequency: Frequency
    weekdays: tuple[int, ...] = ()
    interval: int = 1
    ordinals: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if any(d not in range(7) for d in self.weekdays):
            raise InvalidRecurrence(N_("Weekdays are numbered 0 (Monday) to 6 (Sunday)."))
        if self.frequency is Frequency.WEEKLY:
            if not self.weekdays:
                raise InvalidRecurrence(N_("Choose at least one day of the week."))
            if self.interval not in (1, 2, 3, 4):
                raise InvalidRecurrence(N_("A weekly meeting repeats every 1 to 4 weeks."))
        elif self.frequency is Frequency.MONTHLY:
            if len(self.weekdays) != 1:
                raise InvalidRecurrence(N_("A monthly meeting is on one day of the week."))
            if not self.ordinals or any(o not in ORDINAL_NAMES for o in self.ordinals):
                raise InvalidRecurrence(N_("Choose which week of the month: first to "
                                           "fifth, or last."))

    @classmethod
    def weekly(cls, *weekdays: int, interval: int = 1) -> Recurrence:
        return cls(Frequency.WEEKLY, tuple(sorted(set(weekdays))), interval)

    @classmethod
    def monthly(cls, weekday_: int, *ordinals: int) -> Recurrence:
        return cls(Frequency.MONTHLY, (weekday_,), 1, tuple(sorted(set(ordinals), key=_ord_key)))

    @classmethod
    def once(cls) -> Recurrence:
        return cls(Frequency.ONCE)

    def to_rrule(self) -> str:
        """The RRULE value stored and published in feeds ("" for a one-date meeting)."""
        if self.frequency is Frequency.WEEKLY:
            days = ",".join(DAY_CODES[d] for d in self.weekdays)
            interval = f";INTERVAL={self.interval}" if self.interval != 1 else ""
            return f"FREQ=WEEKLY{interval};BYDAY={days}"
        if self.frequency is Frequency.MONTHLY:
            code = DAY_CODES[self.weekdays[0]]
            return "FREQ=MONTHLY;BYDAY=" + ",".join(f"{o}{code}" for o in self.ordinals)
        return ""

    @classmethod
    @functools.lru_cache(maxsize=1024)
    def from_rrule(cls, text: str) -> Recurrence:
        """Read back what to_rrule wrote (and the same shapes written by others). Kept
        by its text: a directory of thousands of meetings has a few dozen rules."""
        if not text:
            return cls.once()
        parts = dict(p.split("=", 1) for p in text.upper().split(";") if "=" in p)
        freq, byday = parts.get("FREQ"), parts.get("BYDAY", "")
        try:
            interval = int(parts.get("INTERVAL", "1"))
            if freq == "WEEKLY":
                return cls.weekly(*(DAY_CODES.index(c) for c in byday.split(",")),
                                  interval=interval)
            if freq == "MONTHLY":
                entries = [(int(e[:-2]), DAY_CODES.index(e[-2:])) for e in byday.split(",")]
                if len({d for _, d in entries}) == 1:
                    return cls.monthly(entries[0][1], *(o for o, _ in entries))
        except ValueError:
            pass
        raise InvalidRecurrence(Message(N_("Unsupported recurrence: %(rule)s"), {"rule": text}))

    def describe(self) -> str:
        """The recurrence in words: "Every Tuesday and Thursday", "Last Friday of the month"."""
        if self.frequency is Frequency.ONCE:
            return "Once"
        days = _join([DAY_NAMES[d] for d in self.weekdays])
        if self.frequency is Frequency.WEEKLY:
            every = {1: "Every", 2: "Every other"}.get(self.interval, f"Every {self.interval} "
                                                                      "weeks on")
            return f"{every} {days}"
        ordinals = _join([ORDINAL_NAMES[o] for o in self.ordinals])
        return f"{ordinals.capitalize()} {days} of the month"


@lru_cache(maxsize=8192)
def _rule(recurrence: Recurrence, first: date, last: date | None) -> rrule | None:
    """The dateutil rule for a series, built once per (recurrence, first, last): a
    directory of thousands of meetings shares a handful of rules."""
    if recurrence.frequency is Frequency.ONCE:
        return None
    days = [DATEUTIL_DAYS[d] for d in recurrence.weekdays]
    if recurrence.frequency is Frequency.MONTHLY:
        days = [days[0](ordinal) for ordinal in recurrence.ordinals]
    return rrule(
        WEEKLY if recurrence.frequency is Frequency.WEEKLY else MONTHLY,
        interval=recurrence.interval,
        byweekday=days,
        dtstart=datetime.combine(first, time()),
        until=datetime.combine(last, time()) if last is not None else None,
        # No cache: the rule is shared, and dateutil's cache misbehaves when several
        # iterations of one rule are left half-consumed.
    )


def _ord_key(ordinal: int) -> int:
    return 6 if ordinal == -1 else ordinal


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


class DateException(Protocol):
    """What the recurrence code needs of a stored exception for one date (read only, so
    a frozen value or a row will do)."""

    @property
    def date(self) -> dt.date: ...
    @property
    def cancelled(self) -> bool: ...
    @property
    def start_time(self) -> time | None: ...
    @property
    def duration_minutes(self) -> int | None: ...
    @property
    def moved_to(self) -> dt.date | None: ...


@dataclass(frozen=True, slots=True)
class Schedule:
    """The timing of one meeting series: all that is needed to compute its dates."""

    recurrence: Recurrence
    first_date: date
    start_time: time
    duration: timedelta
    timezone: str
    last_date: date | None = None

    def __post_init__(self) -> None:
        if self.last_date is not None and self.last_date < self.first_date:
            raise InvalidRecurrence(N_("The last date is before the first date."))
        if not timedelta(minutes=1) <= self.duration <= timedelta(hours=24):
            raise InvalidRecurrence(N_("A meeting lasts between 1 minute and 24 hours."))

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def _rule(self) -> rrule | None:
        return _rule(self.recurrence, self.first_date, self.last_date)

    def dates(self, start: date, end: date) -> Iterator[date]:
        """The dates of the series from start to end, both included, in order."""
        rule = self._rule()
        if rule is None:
            if start <= self.first_date <= end:
                yield self.first_date
            return
        if self.recurrence.frequency is Frequency.WEEKLY:
            yield from _weekly_dates(self.recurrence, self.first_date, self.last_date,
                                     start, end)
            return
        for moment in rule.xafter(datetime.combine(start, time()), inc=True):
            if moment.date() > end:
                return
            yield moment.date()

    def next_dates(self, start: date, count: int) -> list[date]:
        """The first `count` dates on or after start."""
        rule = self._rule()
        if rule is None:
            return [self.first_date] if self.first_date >= start and count > 0 else []
        return [m.date() for m in rule.xafter(datetime.combine(start, time()), count=count,
                                              inc=True)]

    def neighbours(self, day: date) -> tuple[date | None, date | None]:
        """The series' dates just before and just after `day` (None where there is none)."""
        rule = self._rule()
        if rule is None:
            return None, None
        before = rule.before(datetime.combine(day, time()))
        after = rule.after(datetime.combine(day, time()))
        return (before.date() if before else None), (after.date() if after else None)

    def move_problem(self, day: date, to: date) -> str | None:
        """Why the series' date `day` cannot be held on `to` instead, or None if it can:
        at most MAX_MOVE away, and still after the date before and before the next, so
        the dates keep their order everywhere they are listed."""
        if to == day:
            return None
        if abs(to - day) > MAX_MOVE or not EARLIEST_DATE <= to <= LATEST_DATE:
            return N_("A date can move at most a week either way.")
        before, after = self.neighbours(day)
        if before is not None and to <= before or after is not None and to >= after:
            return N_("Move it to a day between the meetings before and after it; to meet "
                      "on another of its dates, change that date instead.")
        return None

    def falls_on(self, day: date) -> bool:
        """Whether `day` is one of the series' dates, told from the calendar in constant
        time: dateutil finds a date by walking the rule from the first date (2 ms for a
        meeting started four years ago), and "starting soon" asks this of every meeting
        of a directory at each request. Tests hold it to dates()."""
        if not self.first_date <= day <= min(self.last_date or LATEST_DATE, LATEST_DATE):
            return False
        recurrence = self.recurrence
        if recurrence.frequency is Frequency.ONCE:
            return day == self.first_date
        if day.weekday() not in recurrence.weekdays:
            return False
        if recurrence.frequency is Frequency.WEEKLY:
            # dateutil counts the weeks (from Monday) from the first date's week.
            monday, first_monday = (d - timedelta(days=d.weekday())
                                    for d in (day, self.first_date))
            return (monday - first_monday).days // 7 % recurrence.interval == 0
        if recurrence.interval != 1:  # not made by the forms or the readers
            return next(self.dates(day, day), None) == day
        week_of_month = (day.day - 1) // 7 + 1
        last_of_month = (day + timedelta(days=7)).month != day.month
        return (week_of_month in recurrence.ordinals
                or last_of_month and -1 in recurrence.ordinals)

    def starts_at(self, day: date, start_time: time | None = None) -> datetime:
        """The start as an aware local time. A wall time that does not exist (skipped by a
        spring-forward change) moves forward by the gap, as clocks do; one that happens
        twice (autumn's change) is the first. A time's `fold` is ignored: none typed or
        stored has one."""
        wall = (start_time or self.start_time).replace(fold=0)
        local = datetime.combine(day, wall, tzinfo=self.zone)
        return local.astimezone(UTC).astimezone(self.zone)


def _weekly_dates(recurrence: Recurrence, first: date, last: date | None, start: date,
                  end: date) -> Iterator[date]:
    """A weekly series' dates from start to end, as dateutil's rule gives them, by
    arithmetic on day numbers: weeks start on Monday and are counted from the first
    date's week, every `interval`-th one meets, never before the first date nor after
    the last. A year of an org's reports walks hundreds of thousands of dates, which
    dateutil takes seconds for."""
    start, end = max(start, first), min(end, last or end, LATEST_DATE)
    if start > end:
        return
    cycle = 7 * recurrence.interval
    first_week = first.toordinal() - first.weekday()
    week = first_week + (start.toordinal() - first_week) // cycle * cycle
    days = []
    for weekday in set(recurrence.weekdays):
        day = week + weekday
        days.append(range(day if day >= start.toordinal() else day + cycle,
                          end.toordinal() + 1, cycle))
    yield from map(date.fromordinal, days[0] if len(days) == 1 else sorted(chain(*days)))


@dataclass(frozen=True)
class Occurrence:
    """One dated meeting, computed, with its exception applied if it has one.

    `date` is the series' date, by which its exception and its headcount are kept; a
    date moved to another day starts (`starts_at`) on that day."""

    date: date
    starts_at: datetime
    ends_at: datetime
    cancelled: bool = False
    changed: bool = False
    exception: DateException | None = None

    @property
    def status(self) -> str:
        return "cancelled" if self.cancelled else "changed" if self.changed else "scheduled"


def occurrence_on(
    schedule: Schedule, day: date, exception: DateException | None = None
) -> Occurrence:
    """The occurrence on one date of the series, with its exception applied."""
    start_time, duration, held_on = schedule.start_time, schedule.duration, day
    if exception is not None and not exception.cancelled:
        start_time = exception.start_time or start_time
        if exception.duration_minutes:
            duration = timedelta(minutes=exception.duration_minutes)
        held_on = exception.moved_to or day
    starts_at = schedule.starts_at(held_on, start_time)
    ends_at = (starts_at.astimezone(UTC) + duration).astimezone(schedule.zone)
    return Occurrence(
        date=day,
        starts_at=starts_at,
        ends_at=ends_at,
        cancelled=bool(exception and exception.cancelled),
        changed=bool(exception and not exception.cancelled),
        exception=exception,
    )


def occurrences(
    schedule: Schedule,
    exceptions: Mapping[date, DateException],
    start: date,
    end: date,
) -> list[Occurrence]:
    """Every occurrence from start to end (both included), cancelled ones marked."""
    return [occurrence_on(schedule, d, exceptions.get(d)) for d in schedule.dates(start, end)]


def next_occurrences(
    schedule: Schedule,
    exceptions: Mapping[date, DateException],
    today: date,
    count: int,
) -> list[Occurrence]:
    """The next `count` dates from today on, cancelled ones included and marked."""
    return [occurrence_on(schedule, d, exceptions.get(d))
            for d in schedule.next_dates(today, count)]


def orphaned(schedule: Schedule, exception_dates: list[date]) -> list[date]:
    """Dates of exceptions that are no longer dates of the series (after an edit)."""
    return [d for d in exception_dates if not schedule.falls_on(d)]


def minutes_between(start: time, end: time) -> int | None:
    """Wall-clock minutes from start to end, an end before the start being after
    midnight; None when they are the same time (no length can be told)."""
    minutes = (end.hour * 60 + end.minute - start.hour * 60 - start.minute) % (24 * 60)
    return minutes or None


class LengthDoubt(enum.Enum):
    """Why times a person typed may be a slip, to ask about before taking them."""

    #: The end is before the start: after midnight, or a.m. typed for p.m.?
    NEXT_DAY = "next_day"
    #: Longer than LONG_MEETING_MINUTES.
    LONG = "long"


def length_doubt(start: time, minutes: int, end: time | None = None) -> LengthDoubt | None:
    """Whether a start, a length and (if typed) an end time need a yes before they are
    taken: an end before the start means the next day, and a meeting of more than
    12 hours is rare. None when they read as meant."""
    if end is not None and (end.hour, end.minute) < (start.hour, start.minute):
        return LengthDoubt.NEXT_DAY
    if minutes > LONG_MEETING_MINUTES:
        return LengthDoubt.LONG
    return None


def first_dates(recurrence: Recurrence, on_or_after: date) -> tuple[date, ...]:
    """The dates a series may start on when it starts from `on_or_after`.

    A meeting every n weeks meets in one week of each n, and which one is the
    facilitator's choice: n choices, the first of its days on or after the date, then
    the first of its days in each following week (every other Tuesday from a Wednesday:
    next Tuesday, or the Tuesday after). dateutil would count the cycle from the week of
    the date itself, so from a Wednesday it would skip next Tuesday without a word; a
    series stored from one of these dates meets on it. Any other recurrence has one
    choice: the date itself.
    """
    if recurrence.frequency is not Frequency.WEEKLY or recurrence.interval == 1:
        return (on_or_after,)
    first = next(on_or_after + timedelta(days=n) for n in range(7)
                 if (on_or_after.weekday() + n) % 7 in recurrence.weekdays)
    monday = first - timedelta(days=first.weekday())
    return (first, *(monday + timedelta(weeks=k, days=recurrence.weekdays[0])
                     for k in range(1, recurrence.interval)))


def preview(recurrence: Recurrence, first_date: date, last_date: date | None, today: date,
            count: int = 4) -> list[date]:
    """The next `count` dates of a series from today (or from its first date, if that is
    later): what the meeting form shows while a schedule is filled in. The script that
    shows them as one types (static/schedule.js) follows the same rule; a browser test
    holds the two to the same answers."""
    if last_date is not None and last_date < first_date:
        return []
    # Only the dates matter here: any time, length and zone will do.
    timing = Schedule(recurrence, first_date, time(), timedelta(hours=1), "UTC", last_date)
    return timing.next_dates(max(today, first_date), count)


def meeting_guide_day(python_weekday: int) -> int:
    """Meeting Guide numbers days 0 = Sunday … 6 = Saturday; Python 0 = Monday."""
    return (python_weekday + 1) % 7


def python_weekday(meeting_guide_day_: int) -> int:
    return (meeting_guide_day_ - 1) % 7

