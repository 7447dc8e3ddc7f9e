"""Starting soon: the meetings a person can still get to now, from their dates.

A meeting is starting soon when one of its dates that is held (not cancelled) starts
within the next 90 minutes, or started within the last 30 and has not ended. Its dates
are its occurrences with their exceptions applied: a cancelled date is left out, and a
date held at another time or moved to another day counts when it is really held. (The
weekly directory's slots cannot say this: they keep a meeting's next date per weekday.)

Only the dates that can start in the window are looked at: in each meeting's own zone,
the days the window's ends fall on (today, and the day before or after across
midnight), and the dates of the series moved onto those days. A directory of thousands
of meetings so costs a few calendar sums per meeting at each request.

Pure: no Flask, no database.
"""

from __future__ import annotations

from collections.abc import Collection
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta
from zoneinfo import ZoneInfo

from facilitator.domain.listing import Dated
from facilitator.domain.listing import shown
from facilitator.domain.meeting import MeetingSeries
from facilitator.domain.recurrence import DateException
from facilitator.domain.recurrence import Occurrence
from facilitator.domain.recurrence import Schedule
from facilitator.domain.recurrence import occurrence_on


@dataclass(frozen=True)
class Window:
    """Which starts count as "soon": from `behind` ago (if still going) to `ahead`."""

    behind: timedelta = timedelta(minutes=30)
    ahead: timedelta = timedelta(minutes=90)

    # In UTC: within one zone Python adds and compares wall times, and across a clock
    # change an hour on the wall is not an hour.
    def holds(self, occurrence: Occurrence, now: datetime) -> bool:
        now = now.astimezone(UTC)
        starts_at = occurrence.starts_at.astimezone(UTC)
        return (now - self.behind <= starts_at <= now + self.ahead
                and occurrence.ends_at.astimezone(UTC) > now)

    def days(self, now: datetime, zone: ZoneInfo) -> list[date]:
        """The days of `zone`'s wall clocks the window touches, in order."""
        now = now.astimezone(UTC)
        first = (now - self.behind).astimezone(zone).date()
        last = (now + self.ahead).astimezone(zone).date()
        return [first + timedelta(days=n) for n in range((last - first).days + 1)]


#: The window of the starting-soon page and of the directory's first block.
WINDOW = Window()


def held_in(schedule: Schedule, exceptions: Collection[DateException], now: datetime,
            window: Window = WINDOW, days: list[date] | None = None) -> list[Occurrence]:
    """The series' occurrences in the window at `now`, in order: held (not cancelled),
    at their changed time or moved day where they have one. `days` are the window's in
    the series' zone, when the caller has them (window.days)."""
    if days is None:
        days = window.days(now, schedule.zone)
    on_days = [day for day in days if schedule.falls_on(day)]
    if not on_days and not exceptions:
        return []  # most meetings of a directory, at any moment
    series_dates = set(on_days)
    applied: dict[date, DateException] = {}
    for exception in exceptions:
        moved_here = not exception.cancelled and exception.moved_to in days
        if exception.date in series_dates or moved_here and schedule.falls_on(exception.date):
            applied[exception.date] = exception
            series_dates.add(exception.date)
    found = (occurrence_on(schedule, day, applied.get(day)) for day in sorted(series_dates))
    return [o for o in found if not o.cancelled and window.holds(o, now)]


@dataclass(frozen=True)
class Soon:
    """One date of a meeting that is starting soon or has just started."""

    series: MeetingSeries
    #: The date as members read it, in the zone the list is shown in.
    dated: Dated
    #: Its start in the meeting's own zone, when that is not the list's (an online
    #: meeting kept in another zone); None otherwise.
    own_starts_at: datetime | None
    #: It has started (and not ended).
    in_progress: bool


def starting_soon(meetings: Iterable[MeetingSeries], now: datetime, zone: str,
                  window: Window = WINDOW) -> list[Soon]:
    """The meetings with a date in the window at `now`, shown in `zone`, in order of
    start (a meeting's two dates in the window, across midnight, are both listed)."""
    shown_zone = ZoneInfo(zone)
    # A directory has thousands of meetings in a handful of zones.
    days_in: dict[str, list[date]] = {}
    found = []
    for series in meetings:
        days = days_in.get(series.timezone)
        if days is None:
            days = days_in[series.timezone] = window.days(now, ZoneInfo(series.timezone))
        for occurrence in held_in(series.schedule, series.exceptions, now, window, days):
            found.append(Soon(
                series=series,
                dated=shown(series.schedule, occurrence, shown_zone),
                own_starts_at=occurrence.starts_at if series.timezone != zone else None,
                in_progress=occurrence.starts_at.astimezone(UTC) <= now.astimezone(UTC),
            ))
    found.sort(key=lambda s: (s.dated.starts_at.astimezone(UTC), s.dated.ends_at.astimezone(UTC),
                              s.series.title.casefold(), s.series.id))
    return found
