"""The recurrence code, without a server: dates, wall-clock times across daylight saving,
exceptions, and properties that hold for any schedule."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta

import pytest
from dateutil.rrule import rrulestr
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from facilitator.domain.recurrence import Frequency
from facilitator.domain.recurrence import InvalidRecurrence
from facilitator.domain.recurrence import LengthDoubt
from facilitator.domain.recurrence import Recurrence
from facilitator.domain.recurrence import Schedule
from facilitator.domain.recurrence import first_dates
from facilitator.domain.recurrence import length_doubt
from facilitator.domain.recurrence import meeting_guide_day
from facilitator.domain.recurrence import next_occurrences
from facilitator.domain.recurrence import occurrence_on
from facilitator.domain.recurrence import occurrences
from facilitator.domain.recurrence import orphaned
from facilitator.domain.recurrence import preview
from facilitator.domain.recurrence import python_weekday

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


@dataclass(frozen=True)
class Exc:
    date: date
    cancelled: bool = True
    start_time: time | None = None
    duration_minutes: int | None = None
    moved_to: date | None = None


def weekly(*days: int, zone: str = "America/New_York", start: time = time(19),
           first: date = date(2026, 1, 1), last: date | None = None, interval: int = 1,
           minutes: int = 90) -> Schedule:
    return Schedule(Recurrence.weekly(*days, interval=interval), first, start,
                    timedelta(minutes=minutes), zone, last)


@pytest.mark.parametrize("zone, before, after", [
    # US spring forward 8 Mar 2026, fall back 1 Nov 2026
    ("America/New_York", date(2026, 3, 1), date(2026, 3, 8)),
    ("America/New_York", date(2026, 10, 25), date(2026, 11, 1)),
    # UK: 29 Mar and 25 Oct 2026
    ("Europe/London", date(2026, 3, 22), date(2026, 3, 29)),
    ("Europe/London", date(2026, 10, 18), date(2026, 10, 25)),
    # Sydney, southern hemisphere: back on 5 Apr, forward on 4 Oct 2026
    ("Australia/Sydney", date(2026, 3, 29), date(2026, 4, 5)),
    ("Australia/Sydney", date(2026, 9, 27), date(2026, 10, 4)),
])
def test_wall_clock_time_holds_across_dst(zone, before, after):
    schedule = weekly(SUN, zone=zone, start=time(19))
    first, second = occurrences(schedule, {}, before, after)
    assert (first.date, second.date) == (before, after)
    for occ in (first, second):
        assert occ.starts_at.time() == time(19) and occ.starts_at.tzinfo is not None
        assert occ.ends_at.time() == time(20, 30)
    assert first.starts_at.utcoffset() != second.starts_at.utcoffset()
    # A week apart on the wall clock is not 168 hours apart in real time.
    gap = second.starts_at.astimezone(UTC) - first.starts_at.astimezone(UTC)
    assert gap in (timedelta(hours=167), timedelta(hours=169))


def test_start_in_the_skipped_hour_moves_forward():
    schedule = weekly(SUN, start=time(2, 30))
    (occ,) = occurrences(schedule, {}, date(2026, 3, 8), date(2026, 3, 8))
    assert occ.starts_at.replace(tzinfo=None) == datetime(2026, 3, 8, 3, 30)


def test_meeting_across_the_repeated_hour_lasts_its_duration():
    schedule = weekly(SUN, start=time(1), minutes=90)
    (occ,) = occurrences(schedule, {}, date(2026, 11, 1), date(2026, 11, 1))
    assert occ.ends_at.astimezone(UTC) - occ.starts_at.astimezone(UTC) == timedelta(minutes=90)
    assert occ.ends_at.time() == time(1, 30)  # 01:00 EDT + 90 min = 01:30 EST


def test_every_other_week_and_several_days():
    schedule = weekly(TUE, THU, first=date(2026, 1, 6), interval=2)
    dates = list(schedule.dates(date(2026, 1, 1), date(2026, 1, 31)))
    assert dates == [date(2026, 1, 6), date(2026, 1, 8), date(2026, 1, 20), date(2026, 1, 22)]


def test_fifth_sunday_skips_months_without_one():
    schedule = Schedule(Recurrence.monthly(SUN, 5), date(2026, 1, 1), time(10),
                        timedelta(hours=1), "Europe/London")
    assert list(schedule.dates(date(2026, 1, 1), date(2026, 12, 31))) == [
        date(2026, 3, 29), date(2026, 5, 31), date(2026, 8, 30), date(2026, 11, 29)]


def test_last_and_first_weekday_of_month():
    last_friday = Schedule(Recurrence.monthly(FRI, -1), date(2026, 1, 1), time(18),
                           timedelta(hours=1), "UTC")
    assert last_friday.next_dates(date(2026, 2, 1), 2) == [date(2026, 2, 27), date(2026, 3, 27)]
    first_sunday = Schedule(Recurrence.monthly(SUN, 1), date(2026, 1, 1), time(18),
                            timedelta(hours=1), "UTC")
    assert first_sunday.next_dates(date(2026, 11, 2), 1) == [date(2026, 12, 6)]


def test_leap_day():
    schedule = weekly(TUE, first=date(2028, 2, 1), zone="UTC")  # 29 Feb 2028 is a Tuesday
    assert date(2028, 2, 29) in list(schedule.dates(date(2028, 2, 1), date(2028, 3, 31)))
    once = Schedule(Recurrence.once(), date(2028, 2, 29), time(12), timedelta(hours=1), "UTC")
    assert once.next_dates(date(2028, 1, 1), 8) == [date(2028, 2, 29)]
    assert once.next_dates(date(2028, 3, 1), 8) == []


def test_last_date_on_an_exception_date():
    schedule = weekly(TUE, first=date(2026, 1, 6), last=date(2026, 1, 27))
    cancelled = {date(2026, 1, 27): Exc(date(2026, 1, 27))}
    found = occurrences(schedule, cancelled, date(2026, 1, 1), date(2026, 12, 31))
    assert [o.date for o in found] == [date(2026, 1, d) for d in (6, 13, 20, 27)]
    assert found[-1].cancelled and not found[0].cancelled
    assert next_occurrences(schedule, cancelled, date(2026, 1, 28), 8) == []


def test_changed_date_moves_time_and_length():
    schedule = weekly(TUE, first=date(2026, 1, 6))
    change = Exc(date(2026, 1, 13), cancelled=False, start_time=time(10), duration_minutes=30)
    occ = occurrences(schedule, {change.date: change}, date(2026, 1, 13), date(2026, 1, 13))[0]
    assert occ.changed and occ.status == "changed"
    assert (occ.starts_at.time(), occ.ends_at.time()) == (time(10), time(10, 30))


def test_orphaned_exceptions_after_moving_the_day():
    new = weekly(WED, first=date(2026, 1, 7))
    assert orphaned(new, [date(2026, 1, 13), date(2026, 1, 14)]) == [date(2026, 1, 13)]


@pytest.mark.parametrize("recurrence, text, words", [
    (Recurrence.weekly(TUE), "FREQ=WEEKLY;BYDAY=TU", "Every Tuesday"),
    (Recurrence.weekly(MON, WED, FRI), "FREQ=WEEKLY;BYDAY=MO,WE,FR",
     "Every Monday, Wednesday and Friday"),
    (Recurrence.weekly(SUN, interval=2), "FREQ=WEEKLY;INTERVAL=2;BYDAY=SU", "Every other Sunday"),
    (Recurrence.monthly(SUN, 1), "FREQ=MONTHLY;BYDAY=1SU", "First Sunday of the month"),
    (Recurrence.monthly(SAT, 1, 3), "FREQ=MONTHLY;BYDAY=1SA,3SA",
     "First and third Saturday of the month"),
    (Recurrence.monthly(FRI, -1), "FREQ=MONTHLY;BYDAY=-1FR", "Last Friday of the month"),
    (Recurrence.once(), "", "Once"),
])
def test_rrule_round_trip_and_words(recurrence, text, words):
    assert recurrence.to_rrule() == text
    assert Recurrence.from_rrule(text) == recurrence
    assert recurrence.describe() == words


@pytest.mark.parametrize("make", [
    lambda: Recurrence(Frequency.WEEKLY),
    lambda: Recurrence.weekly(7),
    lambda: Recurrence.weekly(MON, interval=9),
    lambda: Recurrence.monthly(MON, 6),
    lambda: Recurrence(Frequency.MONTHLY, (MON, TUE), 1, (1,)),
    lambda: Recurrence.from_rrule("FREQ=DAILY"),
    lambda: Recurrence.from_rrule("FREQ=WEEKLY;BYDAY=XX"),
    lambda: weekly(MON, first=date(2026, 2, 1), last=date(2026, 1, 1)),
    lambda: weekly(MON, minutes=0),
])
def test_impossible_recurrences_are_refused(make):
    with pytest.raises(InvalidRecurrence):
        make()


def test_meeting_guide_days():
    assert [meeting_guide_day(d) for d in range(7)] == [1, 2, 3, 4, 5, 6, 0]
    assert all(python_weekday(meeting_guide_day(d)) == d for d in range(7))


ZONES = st.sampled_from(["America/New_York", "Europe/London", "Australia/Sydney",
                         "America/Chicago", "Asia/Kolkata", "UTC"])
recurrences = st.one_of(
    st.builds(lambda days, interval: Recurrence.weekly(*days, interval=interval),
              st.sets(st.integers(0, 6), min_size=1), st.integers(1, 2)),
    st.builds(lambda day, ords: Recurrence.monthly(day, *ords),
              st.integers(0, 6), st.sets(st.sampled_from([1, 2, 3, 4, 5, -1]), min_size=1)),
    st.just(Recurrence.once()),
)


@settings(max_examples=150, deadline=None)
@given(
    recurrence=recurrences,
    zone=ZONES,
    first=st.dates(date(2025, 1, 1), date(2028, 12, 31)),
    length=st.one_of(st.none(), st.integers(0, 800)),
    start_time=st.times(),
    window_start=st.dates(date(2024, 6, 1), date(2029, 6, 1)),
    window_days=st.integers(0, 400),
    cancelled_offsets=st.sets(st.integers(0, 400), max_size=10),
)
def test_occurrence_properties(recurrence, zone, first, length, start_time, window_start,
                               window_days, cancelled_offsets):
    last = None if length is None else first + timedelta(days=length)
    schedule = Schedule(recurrence, first, start_time.replace(tzinfo=None), timedelta(hours=1),
                        zone, last)
    window_end = window_start + timedelta(days=window_days)
    series_dates = list(schedule.dates(window_start, window_end))
    cancelled = {d: Exc(d) for d in series_dates
                 if (d - window_start).days in cancelled_offsets}
    found = occurrences(schedule, cancelled, window_start, window_end)
    dates = [o.date for o in found]
    assert dates == sorted(set(dates))                          # sorted, no repeats
    assert all(window_start <= d <= window_end for d in dates)  # inside the window
    assert all(first <= d and (last is None or d <= last) for d in dates)  # inside the series
    assert all(o.cancelled == (o.date in cancelled) for o in found)
    live = [o for o in found if not o.cancelled]
    assert not {o.date for o in live} & set(cancelled)          # never on a cancelled date
    for occ in found:
        # The wall-clock start is the scheduled one, or later by a skipped DST hour at most.
        shift = occ.starts_at.replace(tzinfo=None) - datetime.combine(occ.date, start_time)
        assert timedelta(0) <= shift <= timedelta(hours=1)
        # As instants: in one zone Python compares wall times, and an hour that ends in
        # the repeated hour of autumn's change (01:00 EDT to 01:00 EST) would look empty.
        assert occ.ends_at.astimezone(UTC) > occ.starts_at.astimezone(UTC)
    if recurrence.frequency is Frequency.WEEKLY:
        assert all(d.weekday() in recurrence.weekdays for d in dates)


@settings(max_examples=150, deadline=None)
@given(
    recurrence=st.one_of(recurrences, st.builds(
        lambda days: Recurrence.weekly(*days, interval=3), st.sets(st.integers(0, 6),
                                                                   min_size=1))),
    first=st.dates(date(2019, 1, 1), date(2028, 12, 31)),
    length=st.one_of(st.none(), st.integers(0, 800)),
    window_start=st.dates(date(2018, 6, 1), date(2029, 6, 1)),
)
def test_falls_on_says_what_the_rule_walks_to(recurrence, first, length, window_start):
    """falls_on tells a date from the calendar, in constant time (starting soon asks it of
    every meeting at each request): the same answer as walking dateutil's rule."""
    last = None if length is None else first + timedelta(days=length)
    schedule = Schedule(recurrence, first, time(19), timedelta(hours=1), "UTC", last)
    window = [window_start + timedelta(days=n) for n in range(120)]
    walked = set(schedule.dates(window[0], window[-1]))
    assert {day for day in window if schedule.falls_on(day)} == walked


WED_9_DEC = date(2026, 12, 9)


def test_dateutil_alone_skips_the_coming_tuesday_of_an_every_other_week_series():
    """Why the form chooses the week: from a Wednesday, dateutil counts the cycle from
    that week and the series silently starts 13 days later."""
    every_other_tuesday = Recurrence.weekly(TUE, interval=2)
    assert preview(every_other_tuesday, WED_9_DEC, None, WED_9_DEC, 1) == [date(2026, 12, 22)]


@pytest.mark.parametrize("recurrence, on, expected", [
    (Recurrence.weekly(TUE, interval=2), WED_9_DEC, (date(2026, 12, 15), date(2026, 12, 22))),
    # On a meeting day, that day is the first choice.
    (Recurrence.weekly(TUE, interval=2), date(2026, 12, 15),
     (date(2026, 12, 15), date(2026, 12, 22))),
    # Two days: this week's Thursday, or Tuesday of the week after.
    (Recurrence.weekly(TUE, THU, interval=2), WED_9_DEC,
     (date(2026, 12, 10), date(2026, 12, 15))),
    (Recurrence.weekly(TUE), WED_9_DEC, (WED_9_DEC,)),
    (Recurrence.monthly(TUE, 1), WED_9_DEC, (WED_9_DEC,)),
    (Recurrence.once(), WED_9_DEC, (WED_9_DEC,)),
])
def test_first_dates_offer_each_week_of_the_cycle(recurrence, on, expected):
    assert first_dates(recurrence, on) == expected


@pytest.mark.parametrize("week", [0, 1])
def test_a_series_from_either_first_date_meets_on_it_then_every_other_week(week):
    recurrence = Recurrence.weekly(TUE, interval=2)
    first = first_dates(recurrence, WED_9_DEC)[week]
    assert preview(recurrence, first, None, WED_9_DEC) == [
        first + timedelta(weeks=2 * n) for n in range(4)]


def test_preview_starts_today_or_at_the_first_date_and_stops_at_the_last():
    tuesdays = Recurrence.weekly(TUE)
    assert preview(tuesdays, date(2026, 1, 6), None, WED_9_DEC) == [
        date(2026, 12, 15), date(2026, 12, 22), date(2026, 12, 29), date(2027, 1, 5)]
    assert preview(tuesdays, date(2027, 3, 2), date(2027, 3, 9), WED_9_DEC) == [
        date(2027, 3, 2), date(2027, 3, 9)]
    assert preview(tuesdays, date(2027, 3, 2), date(2027, 3, 1), WED_9_DEC) == []
    assert preview(Recurrence.once(), date(2026, 12, 1), None, WED_9_DEC) == []
    assert preview(Recurrence.monthly(SAT, -1), WED_9_DEC, None, WED_9_DEC, 2) == [
        date(2026, 12, 26), date(2027, 1, 30)]


@pytest.mark.parametrize("start, minutes, end, doubt", [
    (time(19), 23 * 60, time(18), LengthDoubt.NEXT_DAY),
    (time(23, 30), 75, time(0, 45), LengthDoubt.NEXT_DAY),
    (time(19), 90, time(20, 30), None),
    (time(6), 14 * 60, time(20), LengthDoubt.LONG),
    (time(9), 13 * 60, None, LengthDoubt.LONG),
    (time(9), 12 * 60, None, None),  # a day retreat: asked about only past 12 hours
    (time(23), 120, None, None),  # a length past midnight says what it means
])
def test_times_that_look_like_a_slip_are_named(start, minutes, end, doubt):
    assert length_doubt(start, minutes, end) is doubt


def test_a_moved_date_starts_on_its_new_day_and_keeps_its_series_date():
    schedule = weekly(TUE, zone="America/Chicago")
    day = date(2026, 12, 15)
    moved = Exc(day, cancelled=False, moved_to=date(2026, 12, 17), start_time=time(18))
    occurrence = occurrence_on(schedule, day, moved)
    assert occurrence.date == day and occurrence.changed
    assert occurrence.starts_at.replace(tzinfo=None) == datetime(2026, 12, 17, 18)
    assert occurrence.ends_at.replace(tzinfo=None) == datetime(2026, 12, 17, 19, 30)


@pytest.mark.parametrize("to, allowed", [
    (date(2026, 12, 16), True),
    (date(2026, 12, 21), True),   # the Monday before the next Tuesday
    (date(2026, 12, 9), True),    # back to the Wednesday after the Tuesday before
    (date(2026, 12, 22), False),  # onto the next date of the series
    (date(2026, 12, 8), False),   # onto the date before
    (date(2026, 12, 23), False),  # past it
])
def test_a_date_moves_only_between_its_neighbours(to, allowed):
    schedule = weekly(TUE)
    assert (schedule.move_problem(date(2026, 12, 15), to) is None) is allowed


def test_a_one_date_meeting_moves_at_most_a_week():
    schedule = Schedule(Recurrence.once(), date(2026, 12, 15), time(19), timedelta(hours=1),
                        "UTC")
    assert schedule.move_problem(date(2026, 12, 15), date(2026, 12, 22)) is None
    assert "at most a week" in schedule.move_problem(date(2026, 12, 15), date(2026, 12, 23))


@settings(max_examples=500, deadline=None)
@given(st.sets(st.integers(0, 6), min_size=1), st.integers(1, 4),
       st.dates(date(2020, 1, 1), date(2030, 1, 1)), st.integers(0, 900) | st.none(),
       st.integers(-100, 800), st.integers(-3, 400))
def test_weekly_dates_are_the_ones_dateutils_rule_gives(weekdays, interval, first, lasting,
                                                         offset, span):
    """Weekly dates come by arithmetic (a year's report walks hundreds of thousands);
    they are the very dates dateutil's rule gives, every other week included."""
    recurrence = Recurrence.weekly(*weekdays, interval=interval)
    last = None if lasting is None else first + timedelta(days=lasting)
    schedule = Schedule(recurrence, first, time(19), timedelta(hours=1), "UTC", last)
    start = first + timedelta(days=offset)
    end = start + timedelta(days=span)
    expected = []
    for moment in rrulestr(f"RRULE:{recurrence.to_rrule()}",
                           dtstart=datetime.combine(first, time())).xafter(
            datetime.combine(start, time()), inc=True):
        if moment.date() > end or (last is not None and moment.date() > last):
            break
        expected.append(moment.date())
    assert list(schedule.dates(start, end)) == expected
