"""The directory's rules without a server: where a meeting is listed in the week, what its
dates say, filters and the order of the week."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import replace
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

from facilitator.domain.links import phone_href
from facilitator.domain.listing import Filters
from facilitator.domain.listing import Listing
from facilitator.domain.listing import by_day
from facilitator.domain.listing import coming_dates
from facilitator.domain.listing import describe
from facilitator.domain.listing import distinct_regions
from facilitator.domain.listing import parse_filters
from facilitator.domain.listing import slots
from facilitator.domain.listing import zone_label
from facilitator.domain.meeting import Attendance
from facilitator.domain.meeting import MeetingSeries
from facilitator.domain.recurrence import Recurrence
from facilitator.domain.recurrence import Schedule
from tests.conftest import schedule_fields

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)
CHICAGO = "America/Chicago"
#: A Monday, far from any daylight saving change.
TODAY = date(2026, 2, 2)
#: Midnight at its start in Chicago (early morning in London, the same date there).
NOW = datetime.combine(TODAY, time.min, ZoneInfo(CHICAGO))


@dataclass(frozen=True)
class Reason:
    label: str


@dataclass(frozen=True)
class Exc:
    date: date
    cancelled: bool = False
    start_time: time | None = None
    duration_minutes: int | None = None
    moved_to: date | None = None
    reason: Reason | None = None
    note: str = ""
    location_name: str = ""
    address: str = ""
    online_url: str = ""


def schedule(recurrence: Recurrence, *, start: time = time(19), minutes: int = 90,
             zone: str = CHICAGO, first: date = date(2026, 1, 1),
             last: date | None = None) -> Schedule:
    return Schedule(recurrence, first, start, timedelta(minutes=minutes), zone, last)


def test_weekly_meeting_on_three_days_has_a_slot_on_each():
    found = slots(schedule(Recurrence.weekly(MON, WED, FRI), start=time(12), minutes=60), {},
                  NOW, CHICAGO)
    assert [s.weekday for s in found] == [1, 3, 5]  # Meeting Guide: Monday = 1
    assert [s.next.day for s in found] == [date(2026, 2, 2), date(2026, 2, 4),
                                           date(2026, 2, 6)]
    assert all(s.starts_at.time() == time(12) and s.ends_at.time() == time(13)
               for s in found)
    assert all(s.notices == () for s in found)


def test_monthly_meeting_is_listed_on_its_weekday_with_the_next_date():
    (slot,) = slots(schedule(Recurrence.monthly(SAT, 1), start=time(10)), {}, NOW, CHICAGO)
    assert slot.weekday == 6
    assert slot.next.day == date(2026, 2, 7)


def test_ended_series_and_past_one_date_meetings_have_no_slot():
    ended = schedule(Recurrence.weekly(TUE), last=TODAY - timedelta(days=1))
    past_once = schedule(Recurrence.once(), first=TODAY - timedelta(days=1))
    assert slots(ended, {}, NOW, CHICAGO) == []
    assert slots(past_once, {}, NOW, CHICAGO) == []


def test_one_date_meeting_to_come_is_listed_on_its_weekday():
    (slot,) = slots(schedule(Recurrence.once(), first=date(2026, 2, 14)), {}, NOW, CHICAGO)
    assert slot.weekday == 6
    assert slot.next.day == date(2026, 2, 14)


def test_series_ending_midweek_keeps_only_the_days_still_to_come():
    # Mon/Wed/Fri ending on Wednesday: no Friday slot any more.
    series = schedule(Recurrence.weekly(MON, WED, FRI), last=date(2026, 2, 4))
    assert [s.weekday for s in slots(series, {}, NOW, CHICAGO)] == [1, 3]


def test_meeting_in_another_zone_is_converted_and_may_change_weekday():
    # Tuesday 01:00 in London (GMT in February) is Monday 19:00 in Chicago.
    london = schedule(Recurrence.weekly(TUE), start=time(1), zone="Europe/London")
    (slot,) = slots(london, {}, NOW, CHICAGO)
    assert slot.weekday == 1
    assert slot.starts_at.time() == time(19)
    assert slot.next.day == date(2026, 2, 2)


def test_a_date_already_past_in_the_shown_zone_is_not_next():
    # Today (Monday) 01:00 in London was Sunday evening in Chicago: the next one is a week on.
    london = schedule(Recurrence.weekly(MON), start=time(1), zone="Europe/London")
    (slot,) = slots(london, {}, NOW, CHICAGO)
    assert slot.weekday == 0
    assert slot.next.day == date(2026, 2, 8)


def test_cancelled_and_changed_dates_within_two_weeks_are_announced():
    thursday = date(2026, 2, 12)
    exceptions = {
        thursday: Exc(thursday, cancelled=True, reason=Reason("Holiday"), note="Closed"),
        # three weeks ahead: too far to announce
        date(2026, 2, 26): Exc(date(2026, 2, 26), cancelled=True),
    }
    (slot,) = slots(schedule(Recurrence.weekly(THU), start=time(18, 30)), exceptions, NOW,
                    CHICAGO)
    assert slot.next.day == date(2026, 2, 5) and not slot.next.cancelled
    (notice,) = slot.notices
    assert (notice.day, notice.status, notice.reason, notice.note) == (
        thursday, "cancelled", "Holiday", "Closed")


def test_announcements_reach_exactly_two_weeks_ahead():
    exceptions = {d: Exc(d, cancelled=True) for d in (date(2026, 2, 16), date(2026, 2, 23))}
    (slot,) = slots(schedule(Recurrence.weekly(MON)), exceptions, NOW, CHICAGO)
    assert [n.day for n in slot.notices] == [date(2026, 2, 16)]


def test_cancelled_next_date_is_announced_and_the_next_held_one_is_known():
    first = date(2026, 2, 7)
    exceptions = {first: Exc(first, cancelled=True)}
    (slot,) = slots(schedule(Recurrence.monthly(SAT, 1)), exceptions, NOW, CHICAGO)
    assert slot.next.cancelled
    assert [n.day for n in slot.notices] == [first]
    assert slot.next_held is not None and slot.next_held.day == date(2026, 3, 7)


def test_changed_date_tells_what_changed():
    monday = date(2026, 2, 9)
    exceptions = {monday: Exc(monday, start_time=time(10), note="Hall booked",
                              location_name="Library", address="1 Elm St",
                              online_url="https://example.org/other")}
    series = schedule(Recurrence.weekly(MON), start=time(12), minutes=60)
    first, changed = coming_dates(series, exceptions, NOW, 2)
    assert first.status == "scheduled" and not first.time_changed
    assert changed.changed
    assert changed.time_changed and not changed.length_changed
    assert (changed.starts_at.time(), changed.regular_starts_at.time()) == (time(10), time(12))
    assert changed.place == "Library, 1 Elm St"
    assert changed.online_url == "https://example.org/other"
    assert changed.note == "Hall booked"


def test_changed_length_only():
    monday = date(2026, 2, 2)
    series = schedule(Recurrence.weekly(MON), start=time(12), minutes=60)
    (changed,) = coming_dates(series, {monday: Exc(monday, duration_minutes=90)}, NOW, 1)
    assert changed.length_changed
    assert changed.starts_at == changed.regular_starts_at
    assert changed.ends_at.time() == time(13, 30)


def test_coming_dates_are_in_the_meetings_own_zone():
    london = schedule(Recurrence.weekly(TUE), start=time(1), zone="Europe/London")
    dates = coming_dates(london, {}, NOW, 3)
    assert [d.starts_at.time() for d in dates] == [time(1)] * 3
    assert [d.day for d in dates] == [date(2026, 2, 3), date(2026, 2, 10), date(2026, 2, 17)]


@pytest.mark.parametrize("recurrence, words", [
    (Recurrence.weekly(MON, WED), ""),
    (Recurrence.weekly(MON, interval=2), "Every other Monday"),
    (Recurrence.monthly(SAT, 1), "First Saturday of the month"),
    (Recurrence.monthly(SUN, 1, 3), "First and third Sunday of the month"),
    (Recurrence.once(), "One date only"),
])
def test_describe_says_what_the_weekday_does_not(recurrence, words):
    assert describe(schedule(recurrence)) == words


def listing(title: str = "Meeting", weekday: int = 2, start: time = time(19), *,
            attendance: str = "in_person", region: str = "", types: tuple[str, ...] = ("O",),
            now: datetime = NOW, **values) -> Listing:
    sched = schedule(Recurrence.weekly((weekday - 1) % 7), start=start)
    (slot,) = slots(sched, {}, now, CHICAGO)
    meeting = MeetingSeries(
        id=1, uid="1@facilitator", updated_at=datetime(2026, 1, 1, tzinfo=UTC), title=title,
        **schedule_fields(sched), attendance=Attendance(attendance), location_name="Hall",
        address="1 Main", region=region, types=types)
    fields = dict(slot=slot, meeting=meeting, group_slug="g", group_name="Group",
                  program="aa", program_label="AA", languages=("en",), starts_on=None,
                  own_time=None)
    return Listing(**(fields | values))


def test_week_starts_on_sunday_and_each_day_is_ordered_by_time():
    entries = [
        listing("Saturday", 6, time(9)),
        listing("Tuesday late", 2, time(19, 30)),
        listing("Sunday", 0, time(17)),
        listing("Tuesday early", 2, time(7)),
        listing("B same time", 2, time(19, 30)),
    ]
    days = by_day(entries, TODAY)
    assert [d.name for d in days] == ["Sunday", "Tuesday", "Saturday"]
    assert [e.meeting.title for e in days[1].listings] == ["Tuesday early", "B same time",
                                                   "Tuesday late"]
    assert [d.is_today for d in by_day([listing(weekday=1)], TODAY)] == [False]


def test_the_directory_page_leads_with_what_is_still_to_come_today():
    noon = NOW.replace(hour=12, minute=30)  # Monday
    entries = [
        listing("Monday morning", 1, time(7), now=noon),  # over: next week's
        listing("Monday evening", 1, time(19), now=noon),
        listing("Sunday", 0, time(17), now=noon),
        listing("Tuesday", 2, time(7), now=noon),
    ]
    days = by_day(entries, TODAY, starting_today=True)
    assert [(d.name, d.is_today, [e.meeting.title for e in d.listings]) for d in days] == [
        ("Monday", True, ["Monday evening"]),
        ("Tuesday", False, ["Tuesday"]),
        ("Sunday", False, ["Sunday"]),
        ("Monday", False, ["Monday morning"]),
    ]
    assert [d.anchor for d in days] == ["monday", "tuesday", "sunday", "next-monday"]
    # With nothing left today, the week starts tomorrow.
    late = NOW.replace(hour=23)
    days = by_day([listing("Monday evening", 1, time(19), now=late),
                   listing("Tuesday", 2, time(7), now=late)], TODAY, starting_today=True)
    assert [(d.name, d.is_today) for d in days] == [("Tuesday", False), ("Monday", False)]


def test_a_date_is_past_once_it_has_ended_even_today():
    monday = schedule(Recurrence.weekly(MON), start=time(19), minutes=90)
    for minutes_after_midnight, next_date in [(0, TODAY), (20 * 60 + 29, TODAY),
                                              (20 * 60 + 30, date(2026, 2, 9))]:
        now = NOW + timedelta(minutes=minutes_after_midnight)
        (slot,) = slots(monday, {}, now, CHICAGO)
        assert slot.next.day == next_date, now
        assert coming_dates(monday, {}, now, 2)[0].day == next_date, now
        assert len(coming_dates(monday, {}, now, 2)) == 2
    # Moved later today: still to come until its own end.
    moved = {TODAY: Exc(TODAY, start_time=time(21))}
    (slot,) = slots(monday, moved, NOW.replace(hour=22), CHICAGO)
    assert slot.next.day == TODAY and slot.next.starts_at.time() == time(21)


def test_a_days_meetings_come_under_their_start_time_whatever_their_next_date():
    once = listing("One date", 2, time(19, 30))
    later_date = replace(once, slot=replace(once.slot,
                                            starts_at=once.slot.starts_at + timedelta(days=14)))
    (tuesday,) = by_day([listing("Early", 2, time(7)), listing("Late", 2, time(19, 30)),
                         later_date], TODAY)
    assert [(start, [e.meeting.title for e in at_start])
            for start, at_start in tuesday.by_time] == [
        (time(7), ["Early"]), (time(19, 30), ["Late", "One date"])]


def test_filters_match_each_property():
    hybrid = listing(attendance="hybrid", languages=("en", "es"),
                     types=("O", "W"), program="na")
    online = listing(attendance="online")
    in_person = listing()
    assert Filters(day=2).matches(in_person) and not Filters(day=3).matches(in_person)
    assert Filters(program="na").matches(hybrid) and not Filters(program="na").matches(online)
    assert Filters(type="W").matches(hybrid) and not Filters(type="W").matches(in_person)
    assert Filters(language="es").matches(hybrid)
    assert not Filters(language="es").matches(in_person)
    chosen = {
        "in_person": [in_person, hybrid],
        "online": [online, hybrid],
        "hybrid": [hybrid],
    }
    for attendance, expected in chosen.items():
        found = [e for e in (in_person, online, hybrid) if Filters(attendance=attendance)
                 .matches(e)]
        assert found == expected, attendance
    assert Filters(day=2, program="na", language="es").matches(hybrid)
    assert not Filters(day=2, program="na", language="fr").matches(hybrid)


def test_the_region_filter_ignores_case_and_leaves_out_meetings_without_one():
    downtown = listing(region="Downtown")
    assert Filters(region="downtown").matches(downtown)
    assert not Filters(region="Downtown").matches(listing(region="Downtown East"))
    assert not Filters(region="Downtown").matches(listing())


def test_each_region_is_offered_once_in_one_spelling_in_order_of_name():
    assert distinct_regions(["north side", "Downtown", "downtown", "North Side", "Airport",
                             "Downtown"]) == ["Airport", "Downtown", "North Side"]


def test_a_region_is_shown_unless_the_attendance_already_says_it():
    assert listing(region="Downtown").region_note == "Downtown"
    online = listing(region="Online", attendance="online")
    assert online.region_note == "" and Filters(region="Online").matches(online)


KNOWN = {"programs": ["aa", "na"], "types": ["O", "W", "12x12"], "languages": ["en", "es"],
         "regions": ["Downtown", "North Side"]}


def test_parse_filters_reads_known_values_and_normalises_case():
    filters = parse_filters({"day": "0", "program": "NA", "type": "w", "attendance": "Online",
                             "language": "es"}, **KNOWN)
    assert filters == Filters(day=0, program="na", type="W", attendance="online",
                              language="es")
    assert filters.as_args() == {"day": "0", "program": "na", "type": "W",
                                 "attendance": "online", "language": "es"}
    assert parse_filters({"type": "12X12"}, **KNOWN).type == "12x12"


def test_parse_filters_reads_a_region_the_organization_has_in_its_own_spelling():
    filters = parse_filters({"region": "  north   SIDE "}, **KNOWN)
    assert filters == Filters(region="North Side")
    assert filters.as_args() == {"region": "North Side"}
    assert parse_filters({"region": "Uptown"}, **KNOWN) == Filters()


@pytest.mark.parametrize("args", [
    {}, {"day": ""}, {"day": "7"}, {"day": "-1"}, {"day": "2.0"}, {"day": "٣"},
    {"day": "tuesday"}, {"program": "sos"}, {"type": "ONL"}, {"attendance": "both"},
    {"language": "klingon"}, {"region": "Nowhere"}, {"region": "downtown\x00"},
    {"program": "x" * 10_000}, {"type": "'; drop table--"},
])
def test_parse_filters_ignores_what_it_does_not_know(args):
    filters = parse_filters(args, **KNOWN)
    assert filters == Filters()
    assert not filters.active
    assert filters.as_args() == {}


def test_zone_labels():
    assert zone_label("America/Chicago") == "Central Time (America/Chicago)"
    assert zone_label("Europe/Paris") == "local time in Paris (Europe/Paris)"
    assert zone_label("America/Argentina/Buenos_Aires") == (
        "local time in Buenos Aires (America/Argentina/Buenos_Aires)")


def test_phone_links_keep_pauses_and_encode_the_hash():
    assert phone_href("+1 555 555 0111,,123#") == "tel:+15555550111,,123%23"



def _slots_walking_every_date(schedule_: Schedule, exceptions: dict[date, Exc],
                              now: datetime, zone: str) -> list:
    """The listing rule read plainly (the code before it skipped plain dates): every
    date of the series from two days back, kept while it has not ended, until each
    weekday has a date past the horizon and one date held."""
    from facilitator.domain.listing import LOOKAHEAD_DAYS
    from facilitator.domain.listing import NOTICE_DAYS
    from facilitator.domain.listing import _slot
    from facilitator.domain.listing import has_ended
    from facilitator.domain.listing import shown
    from facilitator.domain.recurrence import occurrence_on

    shown_zone = ZoneInfo(zone)
    today = now.astimezone(shown_zone).date()
    horizon = today + timedelta(days=NOTICE_DAYS)
    days = schedule_.recurrence.weekdays or (schedule_.first_date.weekday(),)
    coming: dict[int, list] = {d: [] for d in days}
    for day in schedule_.dates(today - timedelta(days=2),
                               today + timedelta(days=LOOKAHEAD_DAYS)):
        dated = shown(schedule_, occurrence_on(schedule_, day, exceptions.get(day)),
                      shown_zone)
        if dated.regular_starts_at.date() < today or has_ended(dated, now):
            continue
        coming[day.weekday()].append(dated)
        if all(d and d[-1].regular_starts_at.date() >= horizon
               and any(not x.cancelled for x in d) for d in coming.values()):
            break
    return [_slot(d, horizon) for d in coming.values() if d]


ZONES = ("America/Chicago", "Pacific/Kiritimati", "Pacific/Pago_Pago", "Europe/London",
         "Australia/Lord_Howe", "UTC")


@st.composite
def listed_meetings(draw: st.DrawFn) -> tuple[Schedule, dict[date, Exc], datetime, str]:
    kind = draw(st.sampled_from(["weekly", "every other", "monthly", "once"]))
    weekdays = draw(st.lists(st.integers(0, 6), min_size=1, max_size=3, unique=True))
    recurrence = {
        "weekly": lambda: Recurrence.weekly(*weekdays),
        "every other": lambda: Recurrence.weekly(*weekdays, interval=2),
        "monthly": lambda: Recurrence.monthly(weekdays[0], draw(st.sampled_from([1, 3, -1]))),
        "once": Recurrence.once,
    }[kind]()
    # Around the clock changes of 2027 in both hemispheres, and the end of a year.
    today = draw(st.sampled_from([date(2027, 3, 12), date(2027, 4, 2), date(2027, 10, 29),
                                  date(2027, 12, 30)]))
    first = today + timedelta(days=draw(st.integers(-30, 20)))
    last = draw(st.one_of(st.none(), st.integers(0, 60).map(
        lambda n: first + timedelta(days=n))))
    series = Schedule(recurrence, first, time(draw(st.integers(0, 23)),
                                              draw(st.sampled_from([0, 15, 30]))),
                      timedelta(minutes=draw(st.sampled_from([60, 90, 600, 1440]))),
                      draw(st.sampled_from(ZONES)), last)
    exceptions = {}
    for day in draw(st.lists(st.integers(-3, 30), max_size=6, unique=True)):
        on = today + timedelta(days=day)
        if series.falls_on(on):
            exceptions[on] = Exc(
                on, cancelled=draw(st.booleans()),
                start_time=draw(st.one_of(st.none(), st.just(time(2, 30)))),
                moved_to=draw(st.one_of(st.none(), st.integers(-2, 2).map(
                    lambda n, on=on: on + timedelta(days=n)))))
    zone = draw(st.sampled_from(ZONES))
    now = datetime.combine(today, time(draw(st.integers(0, 23)), draw(st.integers(0, 59))),
                           ZoneInfo(zone))
    return series, exceptions, now, zone


@settings(max_examples=300, deadline=None)
@given(listed_meetings())
def test_slots_skip_plain_dates_without_changing_what_is_listed(case):
    # The directory lists thousands of meetings per request: slots() looks closely only
    # at the dates that can change a listing. It must list exactly what reading every
    # date lists, in any zone, across clock changes and with moved dates.
    series, exceptions, now, zone = case
    assert slots(series, exceptions, now, zone) == _slots_walking_every_date(
        series, exceptions, now, zone)
