"""Anonymous headcounts as pure rules: what a count holds, what a change to it may do,
which count reports use, and when members may check in.

Nothing here knows a person: a headcount is a handful of integers per occurrence.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import timedelta

from facilitator.domain.languages import N_
from facilitator.domain.languages import Message
from facilitator.domain.recurrence import MAX_MOVE
from facilitator.domain.recurrence import DateException
from facilitator.domain.recurrence import Occurrence
from facilitator.domain.recurrence import Schedule
from facilitator.domain.recurrence import next_occurrences
from facilitator.domain.recurrence import occurrence_on
from facilitator.domain.recurrence import occurrences

#: Members may check in from this long before an occurrence starts…
OPENS_BEFORE = timedelta(minutes=30)
#: …until this long after it ends.
CLOSES_AFTER = timedelta(minutes=30)
#: No meeting of a peer support group counts more people than this.
MAX_COUNT = 10_000


class Counter(enum.StrEnum):
    """A number kept per occurrence. PEOPLE is everyone; the others are parts of it."""

    PEOPLE = "people"
    NEWCOMERS = "newcomers"
    IN_PERSON = "in_person"
    ONLINE = "online"


@dataclass(frozen=True)
class Counts:
    people: int = 0
    #: Of the people, how many came for the first time.
    newcomers: int = 0
    #: Only for hybrid meetings: of the people, how many were in the room and online.
    in_person: int = 0
    online: int = 0

    def problem(self) -> tuple[Counter, Message] | None:
        """What is wrong with these counts, and where; None when they can be stored."""
        for counter in Counter:
            value = getattr(self, counter.value)
            if value < 0:
                return counter, Message(N_("A count cannot be below zero."))
            if value > MAX_COUNT:
                return counter, Message(N_("A count above %(most)s cannot be right for one "
                                           "meeting."), {"most": MAX_COUNT})
        if self.newcomers > self.people:
            return Counter.NEWCOMERS, Message(N_("There cannot be more newcomers than people."))
        if self.in_person + self.online > self.people:
            return Counter.PEOPLE, Message(N_("In person and online together cannot be more "
                                              "than everyone."))
        return None


def steps(counter: Counter, delta: int) -> dict[Counter, int]:
    """What one tap on a counter changes: a person in the room or online is also one of
    the people; a newcomer is one of the people already counted."""
    if counter in (Counter.IN_PERSON, Counter.ONLINE):
        return {counter: delta, Counter.PEOPLE: delta}
    return {counter: delta}


def check_in_steps(first_meeting: bool, counter: Counter | None) -> dict[Counter, int]:
    """What one member's check-in adds to the members' own tally, which is kept apart
    from the facilitator's count: one check-in; a newcomer if it is their first meeting;
    in person or online where the meeting is hybrid and they said which."""
    changes = {Counter.PEOPLE: 1}
    if first_meeting:
        changes[Counter.NEWCOMERS] = 1
    if counter in (Counter.IN_PERSON, Counter.ONLINE):
        changes[counter] = 1
    return changes


# -- What an occurrence counts --------------------------------------------------------


def reported(counts: Counts | None, taps: Counts) -> Counts:
    """What every report counts for an occurrence: the facilitator's count once they have
    counted it at all (even to 0), otherwise the members' check-ins. The facilitator sees
    the room; a check-in link can be passed on beyond it.

    `counts` is the facilitator's (None until they count), `taps` the check-ins (people
    is how many checked in)."""
    return taps if counts is None else counts


def taps_exceed(counts: Counts | None, taps: Counts) -> bool:
    """Whether more members checked in than the facilitator counted people: the link went
    beyond the room, or the facilitator missed someone. Reports keep the facilitator's
    count and mark the occurrence, for an auditor to ask about."""
    return counts is not None and taps.people > counts.people


# -- When an occurrence may be counted -------------------------------------------------


@dataclass(frozen=True)
class Window:
    """How long before an occurrence starts something opens, and after it ends it closes:
    members' check-ins, or (joining.JOIN_WINDOW) an online meeting's link and passcode."""

    opens_before: timedelta
    closes_after: timedelta


#: When members may check in.
CHECK_IN_WINDOW = Window(OPENS_BEFORE, CLOSES_AFTER)


def window(occurrence: Occurrence,
           rule: Window = CHECK_IN_WINDOW) -> tuple[datetime, datetime]:
    """When the occurrence's window opens and closes (aware datetimes)."""
    return occurrence.starts_at - rule.opens_before, occurrence.ends_at + rule.closes_after


def is_open(occurrence: Occurrence, now: datetime, rule: Window = CHECK_IN_WINDOW) -> bool:
    """Whether the occurrence's window holds `now`. A cancelled date has no window; a
    changed one opens around its changed time. It closes when its end is reached."""
    opens, closes = window(occurrence, rule)
    return not occurrence.cancelled and opens <= now <= closes


def open_occurrence(schedule: Schedule, exceptions: Mapping[date, DateException],
                    now: datetime, rule: Window = CHECK_IN_WINDOW) -> Occurrence | None:
    """The occurrence whose window (check-in, by default) holds `now`, if any."""
    local_day = now.astimezone(schedule.zone).date()
    # A meeting lasts at most a day, so a window open now began at most two days ago;
    # a date moved to today may be a series date up to MAX_MOVE away.
    for occurrence in occurrences(schedule, exceptions,
                                  local_day - timedelta(days=2) - MAX_MOVE,
                                  local_day + timedelta(days=1) + MAX_MOVE):
        if is_open(occurrence, now, rule):
            return occurrence
    return None


def next_occurrence(schedule: Schedule, exceptions: Mapping[date, DateException],
                    now: datetime, rule: Window = CHECK_IN_WINDOW) -> Occurrence | None:
    """The next occurrence that is not cancelled and whose window has not opened yet."""
    today = now.astimezone(schedule.zone).date()
    for occurrence in next_occurrences(schedule, exceptions, today, 60):
        if not occurrence.cancelled and window(occurrence, rule)[0] > now:
            return occurrence
    return None


def occurrence_to_count(schedule: Schedule, exceptions: Mapping[date, DateException],
                        now: datetime) -> Occurrence | None:
    """The occurrence a facilitator opening the headcount means: the one going on, else
    the next (the page says when counting opens, and links the date before it), else,
    for a meeting that has ended, its last date that went ahead."""
    if (going_on := open_occurrence(schedule, exceptions, now)) is not None:
        return going_on
    if (coming := next_occurrence(schedule, exceptions, now)) is not None:
        return coming
    today = now.astimezone(schedule.zone).date()
    past = [o for o in occurrences(schedule, exceptions, today - timedelta(days=92), today)
            if not o.cancelled and window(o)[0] <= now]
    return past[-1] if past else None


def neighbours(schedule: Schedule, day: date, today: date) -> tuple[date | None, date | None]:
    """The dates of the series just before and just after `day`, the later one only up
    to today: where a facilitator counting past meetings goes next."""
    before = list(schedule.dates(day - timedelta(days=92), day - timedelta(days=1)))
    after = next(iter(schedule.dates(day + timedelta(days=1), today)), None)
    return (before[-1] if before else None), after


def countable(occurrence: Occurrence, now: datetime) -> str | None:
    """Why a facilitator may not record a count for this occurrence; None if they may.
    Counting opens with the check-in window and stays open afterwards, for corrections."""
    if occurrence.cancelled:
        return N_("This date is cancelled, so there is nobody to count.")
    if window(occurrence)[0] > now:
        return N_("This meeting has not started yet. Counts open 30 minutes before it starts.")
    return None


def not_counted(schedule: Schedule, exceptions: Mapping[date, DateException],
                counted: set[date], start: date, end: date, now: datetime) -> list[date]:
    """The dates from start to end (both included) on which the meeting went ahead (not
    cancelled, started by `now`) and nobody counted: reports say "not counted yet" for
    them, never 0, which would say that nobody came."""
    return not_counted_until(schedule, exceptions, counted, start, end, now)[0]


def not_counted_until(schedule: Schedule, exceptions: Mapping[date, DateException],
                      counted: set[date], start: date, end: date, now: datetime, *,
                      dates: Iterable[date] | None = None
                      ) -> tuple[list[date], datetime | None]:
    """not_counted's dates, and when they change next by time alone: the start of the
    first uncounted date from start to end that has not started by `now` (None if
    none), which joins them then. A report made from them holds until that moment.
    `dates` are the schedule's dates from start to end, when the caller has them."""
    found = []
    later: datetime | None = None
    for day in schedule.dates(start, end) if dates is None else dates:
        if day in counted:
            continue  # most dates: no need to work out when it started
        occurrence = occurrence_on(schedule, day, exceptions.get(day))
        if occurrence.cancelled:
            continue
        if occurrence.starts_at <= now:
            found.append(day)
        elif later is None or occurrence.starts_at < later:
            later = occurrence.starts_at
    return found, later
