"""Headcount rules without a server: check-in windows, what a count may be, and which
numbers a report leaving the group may show."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from facilitator.domain.counts import Counter
from facilitator.domain.counts import Counts
from facilitator.domain.counts import check_in_steps
from facilitator.domain.counts import countable
from facilitator.domain.counts import neighbours
from facilitator.domain.counts import next_occurrence
from facilitator.domain.counts import occurrence_to_count
from facilitator.domain.counts import open_occurrence
from facilitator.domain.counts import reported
from facilitator.domain.counts import steps
from facilitator.domain.counts import taps_exceed
from facilitator.domain.recurrence import Recurrence
from facilitator.domain.recurrence import Schedule
from facilitator.domain.recurrence import occurrence_on
from facilitator.domain.suppression import Sum
from facilitator.domain.suppression import last_months
from facilitator.domain.suppression import suppress

CHICAGO = ZoneInfo("America/Chicago")
#: Tuesdays 19:00–20:30 in Chicago.
TUESDAYS = Schedule(Recurrence.weekly(1), date(2026, 1, 6), time(19), timedelta(minutes=90),
                    "America/Chicago")


@dataclass(frozen=True)
class Exception_:
    date: date
    cancelled: bool = False
    start_time: time | None = None
    duration_minutes: int | None = None
    moved_to: date | None = None


def at(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=CHICAGO)


@pytest.mark.parametrize(("now", "open_"), [
    (at(17, 18, 29), False),   # 31 minutes before the start
    (at(17, 18, 30), True),    # 30 minutes before
    (at(17, 20, 30), True),    # the end
    (at(17, 21, 0), True),     # 30 minutes after the end
    (at(17, 21, 1), False),
    (at(18, 19, 0), False),    # a Wednesday
])
def test_members_check_in_from_30_minutes_before_to_30_after(now, open_):
    found = open_occurrence(TUESDAYS, {}, now.astimezone(UTC))
    assert (found is not None) == open_
    if open_:
        assert found.date == date(2026, 11, 17)


def test_a_cancelled_date_has_no_window_and_the_next_meeting_skips_it():
    cancelled = {date(2026, 11, 24): Exception_(date(2026, 11, 24), cancelled=True)}
    assert open_occurrence(TUESDAYS, cancelled, at(24, 19)) is None
    assert next_occurrence(TUESDAYS, cancelled, at(24, 19)).date == date(2026, 12, 1)


def test_a_changed_time_moves_the_window():
    later = {date(2026, 11, 17): Exception_(date(2026, 11, 17), start_time=time(20, 30))}
    assert open_occurrence(TUESDAYS, later, at(17, 18, 45)) is None
    assert open_occurrence(TUESDAYS, later, at(17, 20, 0)).date == date(2026, 11, 17)
    assert next_occurrence(TUESDAYS, later, at(17, 18, 45)).starts_at == at(17, 20, 30)


def test_a_window_across_midnight_belongs_to_the_day_the_meeting_started():
    late = Schedule(Recurrence.weekly(5), date(2026, 1, 3), time(23, 30), timedelta(hours=2),
                    "America/Chicago")  # Saturdays 23:30 to Sunday 01:30
    found = open_occurrence(late, {}, datetime(2026, 11, 22, 1, 45, tzinfo=CHICAGO))
    assert found.date == date(2026, 11, 21)


def test_the_window_follows_the_local_clock_across_a_dst_change():
    # Chicago falls back on 1 November 2026: Sunday 19:00 is 00:00 UTC on 25 October
    # and 01:00 UTC on 1 November, so 00:15 UTC is in the meeting before, not after.
    sunday = Schedule(Recurrence.weekly(6), date(2026, 10, 4), time(19), timedelta(hours=1),
                      "America/Chicago")
    assert open_occurrence(sunday, {}, datetime(2026, 10, 26, 0, 15, tzinfo=UTC)).date == \
        date(2026, 10, 25)
    assert open_occurrence(sunday, {}, datetime(2026, 11, 2, 0, 15, tzinfo=UTC)) is None
    assert open_occurrence(sunday, {}, datetime(2026, 11, 2, 0, 30, tzinfo=UTC)).date == \
        date(2026, 11, 1)


def test_outside_any_window_the_next_meeting_is_the_one_not_yet_open():
    assert next_occurrence(TUESDAYS, {}, at(17, 21, 5)).date == date(2026, 11, 24)
    assert next_occurrence(TUESDAYS, {}, at(17, 12)).date == date(2026, 11, 17)
    ended = Schedule(Recurrence.weekly(1), date(2026, 1, 6), time(19), timedelta(hours=1),
                     "America/Chicago", last_date=date(2026, 3, 31))
    assert next_occurrence(ended, {}, at(17, 12)) is None


def test_the_facilitator_counts_the_meeting_going_on_else_the_next_never_a_past_one():
    assert occurrence_to_count(TUESDAYS, {}, at(17, 19)).date == date(2026, 11, 17)
    # Once the check-in window has closed, the headcount opens on next week's date.
    assert occurrence_to_count(TUESDAYS, {}, at(17, 21, 5)).date == date(2026, 11, 24)
    assert occurrence_to_count(TUESDAYS, {}, at(20, 12)).date == date(2026, 11, 24)
    cancelled = {date(2026, 11, 24): Exception_(date(2026, 11, 24), cancelled=True)}
    assert occurrence_to_count(TUESDAYS, cancelled, at(20, 12)).date == date(2026, 12, 1)
    new = Schedule(Recurrence.weekly(1), date(2026, 12, 1), time(19), timedelta(hours=1),
                   "America/Chicago")
    assert occurrence_to_count(new, {}, at(20, 12)).date == date(2026, 12, 1)
    # A meeting that has ended has no next date: its last one that went ahead.
    ended = Schedule(Recurrence.weekly(1), date(2026, 1, 6), time(19), timedelta(hours=1),
                     "America/Chicago", last_date=date(2026, 11, 10))
    assert occurrence_to_count(ended, {}, at(20, 12)).date == date(2026, 11, 10)


def test_the_dates_around_one_stop_at_today():
    assert neighbours(TUESDAYS, date(2026, 11, 10), date(2026, 11, 20)) == (
        date(2026, 11, 3), date(2026, 11, 17))
    assert neighbours(TUESDAYS, date(2026, 11, 17), date(2026, 11, 20)) == (
        date(2026, 11, 10), None)
    assert neighbours(TUESDAYS, date(2026, 1, 6), date(2026, 11, 20))[0] is None


def test_no_count_for_a_future_or_cancelled_occurrence():
    tuesday = occurrence_on(TUESDAYS, date(2026, 11, 24))
    assert "not started" in countable(tuesday, at(24, 18, 29))
    assert countable(tuesday, at(24, 18, 30)) is None
    assert countable(tuesday, at(30, 12)) is None  # corrections later are fine
    cancelled = occurrence_on(TUESDAYS, date(2026, 11, 24),
                              Exception_(date(2026, 11, 24), cancelled=True))
    assert "cancelled" in countable(cancelled, at(30, 12))


@pytest.mark.parametrize(("counts", "field", "words"), [
    (Counts(people=-1), Counter.PEOPLE, "below zero"),
    (Counts(people=10_001), Counter.PEOPLE, "cannot be right"),
    (Counts(people=3, newcomers=4), Counter.NEWCOMERS, "more newcomers"),
    (Counts(people=3, in_person=2, online=2), Counter.PEOPLE, "cannot be more than everyone"),
])
def test_impossible_counts_are_named(counts, field, words):
    where, message = counts.problem()
    assert where is field and words in str(message)


def test_possible_counts_pass():
    assert Counts(people=10_000, newcomers=10_000, in_person=9_000, online=1_000).problem() \
        is None


def test_a_tap_in_the_room_is_also_one_of_the_people():
    assert steps(Counter.IN_PERSON, 1) == {Counter.IN_PERSON: 1, Counter.PEOPLE: 1}
    assert steps(Counter.NEWCOMERS, -1) == {Counter.NEWCOMERS: -1}
    assert check_in_steps(True, Counter.ONLINE) == {
        Counter.PEOPLE: 1, Counter.NEWCOMERS: 1, Counter.ONLINE: 1}
    assert check_in_steps(False, None) == {Counter.PEOPLE: 1}


# -- What an occurrence counts ---------------------------------------------------------


def test_reports_count_the_facilitators_numbers_once_they_counted_else_the_check_ins():
    taps = Counts(people=9, newcomers=4, in_person=6, online=3)
    assert reported(None, taps) == taps
    assert reported(Counts(people=7, newcomers=1), taps) == Counts(people=7, newcomers=1)
    assert reported(Counts(people=12, newcomers=2), Counts()) == Counts(people=12, newcomers=2)
    # A count of nobody is still the facilitator's: they saw the room.
    assert reported(Counts(), taps) == Counts()


def test_only_more_check_ins_than_the_facilitator_counted_are_marked():
    taps = Counts(people=9, newcomers=9)
    assert taps_exceed(Counts(people=8, newcomers=8), taps)
    assert taps_exceed(Counts(), taps)
    assert not taps_exceed(Counts(people=9), taps)
    # Nothing to exceed when the facilitator did not count: the check-ins are the count.
    assert not taps_exceed(None, taps)


# -- Suppression -----------------------------------------------------------------------


def test_counts_below_the_threshold_are_hidden():
    shown = suppress({"a": 4, "b": 5, "c": 0}, [], 5)
    assert shown == {"a": None, "b": 5, "c": None}


def test_a_total_does_not_give_away_its_one_hidden_part():
    values = {"total": 20, "a": 3, "b": 8, "c": 9}
    shown = suppress(values, [Sum("total", ("a", "b", "c"))], 5)
    # Hiding "a" alone would leave 20 - 8 - 9 = 3 in plain sight: the smallest other goes too.
    assert shown == {"total": 20, "a": None, "b": None, "c": 9}


def test_a_total_hidden_to_protect_another_sum_hides_one_of_its_own_parts():
    # G = T + c hides c (3) and then T; T = a + b would then give T away, so a goes too.
    values = {"G": 25, "T": 22, "c": 3, "a": 10, "b": 12}
    shown = suppress(values, [Sum("G", ("T", "c")), Sum("T", ("a", "b"))], 5)
    assert shown == {"G": 25, "T": None, "c": None, "a": None, "b": 12}
    values = {"total": 4, "a": 0, "b": 4}
    shown = suppress(values, [Sum("total", ("a", "b"))], 5)
    assert shown == {"total": None, "a": None, "b": None}


def test_complementary_hiding_follows_on_through_linked_sums():
    # A grid: rows r1, r2 and columns c1, c2, each with its total, and the grand total.
    values = {("r1", "c1"): 2, ("r1", "c2"): 10, ("r2", "c1"): 12, ("r2", "c2"): 20,
              "r1": 12, "r2": 32, "c1": 14, "c2": 30, "all": 44}
    sums = [Sum("r1", (("r1", "c1"), ("r1", "c2"))), Sum("r2", (("r2", "c1"), ("r2", "c2"))),
            Sum("c1", (("r1", "c1"), ("r2", "c1"))), Sum("c2", (("r1", "c2"), ("r2", "c2"))),
            Sum("all", ("r1", "r2")), Sum("all", ("c1", "c2"))]
    shown = suppress(values, sums, 5)
    _assert_safe(values, sums, shown, 5)
    assert shown[("r1", "c1")] is None
    assert shown["all"] == 44


def _assert_safe(values, sums, shown, threshold):
    for key, value in values.items():
        if value < threshold:
            assert shown[key] is None, key
        assert shown[key] in (None, value)
    for s in sums:
        hidden = [k for k in (s.total, *s.parts) if shown[k] is None]
        assert len(hidden) != 1, f"{hidden[0]} can be worked out from {s}"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.integers(0, 30), min_size=1, max_size=6), min_size=1, max_size=6),
       st.integers(1, 10))
def test_no_sum_of_a_grid_ever_has_exactly_one_hidden_member(grid, threshold):
    width = min(len(row) for row in grid)
    grid = [row[:width] for row in grid]
    values: dict = {}
    sums = []
    for r, row in enumerate(grid):
        for c, value in enumerate(row):
            values[(r, c)] = value
        values[("row", r)] = sum(row)
        sums.append(Sum(("row", r), tuple((r, c) for c in range(width))))
    for c in range(width):
        values[("col", c)] = sum(row[c] for row in grid)
        sums.append(Sum(("col", c), tuple((r, c) for r in range(len(grid)))))
    values["all"] = sum(map(sum, grid))
    sums.append(Sum("all", tuple(("row", r) for r in range(len(grid)))))
    sums.append(Sum("all", tuple(("col", c) for c in range(width))))
    _assert_safe(values, sums, suppress(values, sums, threshold), threshold)


def test_the_last_twelve_months_end_with_this_one():
    assert last_months(date(2026, 2, 14), 3) == ["2025-12", "2026-01", "2026-02"]
    assert len(last_months(date(2026, 11, 23))) == 12
