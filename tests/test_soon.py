"""Starting soon without a server: which meetings one can still get to at a moment, from
their dates (cancelled ones left out, changed and moved ones at their new time), across
midnight, the end of the week and the clock changes."""

from __future__ import annotations

from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from itertools import count
from zoneinfo import ZoneInfo

from facilitator.domain.meeting import Attendance
from facilitator.domain.meeting import MeetingSeries
from facilitator.domain.meeting import SeriesException
from facilitator.domain.recurrence import Recurrence
from facilitator.domain.soon_window import Window
from facilitator.domain.soon_window import starting_soon

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)
CHICAGO = ZoneInfo("America/Chicago")
#: A Tuesday, far from any daylight saving change.
TUESDAY = date(2026, 2, 3)
_ids = count(1)


def meeting(title: str, recurrence: Recurrence, start: time, *, minutes: int = 60,
            zone: str = "America/Chicago", first: date = date(2020, 1, 6),
            last: date | None = None, exceptions: tuple[SeriesException, ...] = (),
            attendance: Attendance = Attendance.IN_PERSON) -> MeetingSeries:
    n = next(_ids)
    return MeetingSeries(
        id=n, uid=f"{n}@facilitator", updated_at=datetime(2026, 1, 1, tzinfo=UTC),
        title=title, recurrence=recurrence, first_date=first, last_date=last,
        start_time=start, duration_minutes=minutes, timezone=zone, attendance=attendance,
        exceptions=exceptions)


def at(day: date, hour: int, minute: int = 0, zone: ZoneInfo = CHICAGO) -> datetime:
    return datetime.combine(day, time(hour, minute), zone)


def titles(meetings: list[MeetingSeries], now: datetime, zone: str = "America/Chicago",
           ) -> list[str]:
    return [s.series.title for s in starting_soon(meetings, now, zone)]


def test_starts_within_90_minutes_or_began_within_30_and_still_going():
    women = meeting("Women", Recurrence.weekly(TUE), time(19), minutes=90)
    assert titles([women], at(TUESDAY, 17, 29)) == []      # 91 minutes ahead
    assert titles([women], at(TUESDAY, 17, 30)) == ["Women"]
    [soon] = starting_soon([women], at(TUESDAY, 18, 40), "America/Chicago")
    assert not soon.in_progress
    assert soon.dated.starts_at == at(TUESDAY, 19) and soon.dated.ends_at == at(TUESDAY, 20, 30)
    [soon] = starting_soon([women], at(TUESDAY, 19, 30), "America/Chicago")
    assert soon.in_progress
    assert titles([women], at(TUESDAY, 19, 31)) == []      # began 31 minutes ago
    # A short meeting that began 20 minutes ago is over: nothing to get to.
    short = meeting("Short", Recurrence.weekly(TUE), time(19), minutes=15)
    assert titles([short], at(TUESDAY, 19, 20)) == []
    # Other days, and a series not begun or ended, have nothing soon.
    later = meeting("Later", Recurrence.weekly(TUE), time(19), first=TUESDAY + timedelta(7))
    ended = meeting("Ended", Recurrence.weekly(TUE), time(19), last=TUESDAY - timedelta(7))
    wednesday = meeting("Wednesday", Recurrence.weekly(WED), time(19))
    assert titles([later, ended, wednesday], at(TUESDAY, 18)) == []


def test_in_order_of_start_the_ones_in_progress_first():
    found = titles([
        meeting("Eight", Recurrence.weekly(TUE), time(20)),
        meeting("Half six", Recurrence.weekly(TUE), time(18, 30), minutes=90),
        meeting("Seven", Recurrence.weekly(MON, TUE), time(19)),
    ], at(TUESDAY, 18, 45))
    assert found == ["Half six", "Seven", "Eight"]


def test_wraps_past_midnight_and_says_the_day():
    late = meeting("Late", Recurrence.weekly(TUE), time(23, 15))
    midnight = meeting("Midnight", Recurrence.weekly(WED), time(0, 15))
    every_night = meeting("Every night", Recurrence.weekly(*range(7)), time(23, 50),
                          minutes=30)
    now = at(TUESDAY, 23, 40)
    found = starting_soon([midnight, every_night, late], now, "America/Chicago")
    assert [s.series.title for s in found] == ["Late", "Every night", "Midnight"]
    assert [s.dated.day for s in found] == [TUESDAY, TUESDAY, TUESDAY + timedelta(1)]
    # Just after midnight, yesterday's late meeting is still going.
    found = starting_soon([late, every_night], at(TUESDAY + timedelta(1), 0, 5), "UTC")
    assert [(s.series.title, s.in_progress) for s in found] == [("Every night", True)]


def test_wraps_past_the_end_of_the_week():
    saturday = date(2026, 2, 7)
    sunday_early = meeting("Sunday early", Recurrence.weekly(SUN), time(0, 30))
    saturday_late = meeting("Saturday late", Recurrence.weekly(SAT), time(23))
    found = starting_soon([sunday_early, saturday_late], at(saturday, 23, 20),
                          "America/Chicago")
    assert [(s.series.title, s.dated.day) for s in found] == [
        ("Saturday late", saturday), ("Sunday early", date(2026, 2, 8))]


def test_counts_real_minutes_across_the_spring_clock_change():
    # 8 March 2026 in Chicago: 2:00 am becomes 3:00 am.
    change = date(2026, 3, 8)
    skipped = meeting("Skipped hour", Recurrence.weekly(SUN), time(2, 30))
    three = meeting("Three", Recurrence.weekly(SUN), time(3, 0))
    five = meeting("Five", Recurrence.weekly(SUN), time(5, 0))
    # At 1:00 am, 3:00 am is an hour away, and 5:00 am three hours.
    found = starting_soon([five, three, skipped], at(change, 1), "America/Chicago")
    assert [(s.series.title, s.dated.starts_at.strftime("%H:%M")) for s in found] == [
        ("Three", "03:00"), ("Skipped hour", "03:30")]  # as the clocks have it


def test_counts_real_minutes_across_the_autumn_clock_change():
    # 1 November 2026 in Chicago: 2:00 am is 1:00 am again.
    change = date(2026, 11, 1)
    two = meeting("Two", Recurrence.weekly(SUN), time(2, 0))
    now = at(change, 0, 45)            # CDT; 2:00 CST is 2 h 15 min later
    assert titles([two], now) == []
    assert titles([two], now + timedelta(hours=1)) == ["Two"]


def test_a_cancelled_date_is_left_out_and_the_others_stay():
    women = meeting("Women", Recurrence.weekly(TUE), time(19), exceptions=(
        SeriesException(date=TUESDAY, cancelled=True),))
    assert titles([women], at(TUESDAY, 18)) == []
    assert titles([women], at(TUESDAY + timedelta(7), 18)) == ["Women"]


def test_a_changed_time_counts_at_its_new_time():
    women = meeting("Women", Recurrence.weekly(TUE), time(19), exceptions=(
        SeriesException(date=TUESDAY, start_time=time(21)),))
    assert titles([women], at(TUESDAY, 18)) == []
    [soon] = starting_soon([women], at(TUESDAY, 20), "America/Chicago")
    assert soon.dated.starts_at == at(TUESDAY, 21) and soon.dated.changed


def test_a_moved_date_is_soon_on_its_new_day_not_its_own():
    friday = TUESDAY + timedelta(3)
    women = meeting("Women", Recurrence.weekly(TUE), time(19), exceptions=(
        SeriesException(date=TUESDAY, moved_to=friday),))
    assert titles([women], at(TUESDAY, 18)) == []
    [soon] = starting_soon([women], at(friday, 18, 30), "America/Chicago")
    assert soon.dated.day == friday and soon.dated.series_date == TUESDAY
    assert soon.dated.moved
    # Moved onto the day before: on the Monday.
    monday = meeting("Monday", Recurrence.weekly(TUE), time(19), exceptions=(
        SeriesException(date=TUESDAY, moved_to=TUESDAY - timedelta(1), start_time=time(12)),))
    assert titles([monday], at(TUESDAY - timedelta(1), 11)) == ["Monday"]
    assert titles([monday], at(TUESDAY, 18)) == []
    # An exception left over on a date that is no longer the series' moves nothing.
    orphan = meeting("Orphan", Recurrence.weekly(WED), time(19), exceptions=(
        SeriesException(date=TUESDAY, moved_to=friday),))
    assert titles([orphan], at(friday, 18, 30)) == []


def test_times_are_shown_in_the_lists_zone_with_the_meetings_own():
    online = meeting("Pacific online", Recurrence.weekly(TUE), time(16), zone="America/Los_Angeles",
                     attendance=Attendance.ONLINE)
    local = meeting("Local", Recurrence.weekly(TUE), time(18))
    found = starting_soon([online, local], at(TUESDAY, 17), "America/Chicago")
    assert [s.series.title for s in found] == ["Local", "Pacific online"]
    local_soon, online_soon = found
    assert online_soon.dated.starts_at.strftime("%H:%M %Z") == "18:00 CST"
    assert online_soon.own_starts_at is not None
    assert online_soon.own_starts_at.strftime("%H:%M %Z") == "16:00 PST"
    assert local_soon.own_starts_at is None
    # A meeting in a zone a day ahead: its Wednesday 10:00 in Sydney is Tuesday evening.
    sydney = meeting("Sydney", Recurrence.weekly(WED), time(10), zone="Australia/Sydney")
    [soon] = starting_soon([sydney], at(TUESDAY, 16, 30), "America/Chicago")
    assert soon.dated.starts_at == at(TUESDAY, 17)


def test_a_wider_window_looks_at_every_day_it_touches():
    women = meeting("Women", Recurrence.weekly(THU), time(19))
    two_days = Window(behind=timedelta(0), ahead=timedelta(days=2, hours=2))
    assert [s.series.title for s in starting_soon([women], at(TUESDAY, 18), "America/Chicago",
                                                  two_days)] == ["Women"]
