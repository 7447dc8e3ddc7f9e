"""The iCalendar feed, without a server: every built feed is read back by two independent
parsers (icalendar with recurring-ical-events, and vobject with dateutil), and the dates
and times they expand must be the ones facilitator.domain.recurrence computes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from dataclasses import replace
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
import recurring_ical_events
import vobject
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from icalendar import Calendar
from icalendar.cal.component import Component

from facilitator.domain.ical import FeedCalendar
from facilitator.domain.ical import build_feed
from facilitator.domain.ical_events import EventText
from facilitator.domain.ical_events import FeedEvent
from facilitator.domain.ical_events import event_summary
from facilitator.domain.ical_events import feed_text
from facilitator.domain.meeting import Attendance
from facilitator.domain.meeting import MeetingSeries
from facilitator.domain.meeting import SeriesException
from facilitator.domain.recurrence import Frequency
from facilitator.domain.recurrence import Recurrence
from facilitator.domain.recurrence import Schedule
from facilitator.domain.recurrence import occurrences
from tests.conftest import schedule_fields

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)
NEW_YORK, LONDON, SYDNEY = "America/New_York", "Europe/London", "Australia/Sydney"
CHANGED_AT = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)
GROUP_PAGE = "https://meetings.example.org/g/tuesday-womens-aa/"
JOIN_PAGE = "https://meetings.example.org/j/1"
CALENDAR = FeedCalendar(name="Tuesday Women's AA", url=GROUP_PAGE,
                        description="Meetings of the Tuesday Women's AA group", zone=NEW_YORK)

NASTY = [
    "Step Study, Big Book; 12 & 12",
    "C:\\Notes\\new \\n not a break \\, \\; \\\\",
    "line one\nline two\r\nline three\rline four",
    "\r\nBEGIN:VEVENT\r\nSUMMARY:evil\r\nEND:VEVENT",
    "x\rEND:VCALENDAR\r",
    "\nDTSTART:19700101T000000Z\nRRULE:FREQ=DAILY",
    'quotes "double" and \'single\', colon: yes',
    "tab\there, trailing space ",
    "ümlaut, ñ, 日本語, emoji 🙂, RTL עברית",
    "a" * 200 + "é" * 80,
    "nul\x00 bell\x07 escape\x1b del\x7f",
    "form\x0cfeed, vertical\x0btab, next\x85line, line\u2028separator",
]


@dataclass(frozen=True)
class Seen:
    """An occurrence as a calendar app shows it."""

    uid: str
    start: datetime  # in UTC
    end: datetime  # in UTC
    wall: datetime  # naive local wall time of the start, in the meeting's zone
    summary: str
    location: str
    description: str


def schedule(recurrence: Recurrence, first: date, *, start: time = time(19),
             minutes: int = 90, zone: str = NEW_YORK, last: date | None = None) -> Schedule:
    return Schedule(recurrence, first, start, timedelta(minutes=minutes), zone, last)


def make_event(sched: Schedule, *exceptions: SeriesException, **overrides) -> FeedEvent:
    values = dict(uid="5f0c6e1e-8a3b-4f1e-9a57-0b6f3c1d2e4a@facilitator", sequence=4,
                  summary=event_summary("Step Study", "Tuesday Women's AA"), schedule=sched,
                  last_modified=CHANGED_AT, location="St. Mark's Church, 12 Main St",
                  geo=(40.712776, -74.005974), url=GROUP_PAGE,
                  online_url="https://zoom.us/j/5551234567", online_phone="+15555550111,,123#",
                  types=("O", "ST", "W"), notes="Side door.", exceptions=tuple(exceptions))
    return event_of(**values | overrides)


def event_of(*, summary: str, url: str, schedule: Schedule, last_modified: datetime,
             location: str, geo: tuple[float, float] | None, join_url: str = JOIN_PAGE,
             **values) -> FeedEvent:
    """A hybrid meeting's event: its place as one text, its coordinates as a pair."""
    latitude, longitude = geo if geo is not None else (None, None)
    series = MeetingSeries(
        id=1, title="Step Study", attendance=Attendance.HYBRID, **schedule_fields(schedule),
        updated_at=last_modified, location_name=location, latitude=latitude,
        longitude=longitude, **values)
    return FeedEvent(series, summary, url, join_url)


def with_values(event: FeedEvent, **overrides) -> FeedEvent:
    """The event with some of make_event's values changed."""
    series = event.series
    geo = None if series.latitude is None else (series.latitude, series.longitude)
    values = dict(uid=series.uid, sequence=series.sequence, summary=event.summary,
                  schedule=event.schedule, last_modified=series.updated_at,
                  location=series.location_name, geo=geo, url=event.url,
                  join_url=event.join_url, online_url=series.online_url,
                  online_phone=series.online_phone,
                  types=series.types, notes=series.notes, exceptions=series.exceptions)
    return event_of(**values | overrides)


def date_exception(day: date, *, location: str = "", **values) -> SeriesException:
    """One date's exception, its place given as one text."""
    return SeriesException(day, location_name=location, **values)


def feed(*events: FeedEvent, calendar: FeedCalendar = CALENDAR) -> bytes:
    return build_feed(calendar, events)


# ---------------------------------------------------------------- the two readers


def read_icalendar(data: bytes, start: date, end: date, zone: str = NEW_YORK) -> list[Seen]:
    """Occurrences from start to end (local dates in `zone`, the meetings', where a time
    is written in UTC; both included), as icalendar and recurring-ical-events expand
    them."""
    calendar = Calendar.from_ical(data)
    seen = []
    for vevent in recurring_ical_events.of(calendar).between(start - timedelta(days=2),
                                                             end + timedelta(days=3)):
        seen.append(_seen(str(vevent["UID"]), vevent.start, vevent.end,
                          vevent.get("SUMMARY", ""), vevent.get("LOCATION", ""),
                          vevent.get("DESCRIPTION", ""), zone))
    return _between(seen, start, end)


def read_vobject(data: bytes, start: date, end: date, zone: str = NEW_YORK) -> list[Seen]:
    """The same, as vobject and dateutil expand them, with the feed's own VTIMEZONEs;
    overrides are applied by RECURRENCE-ID, and a meeting lasts the exact time from
    DTSTART to DTEND (or its DURATION), as RFC 5545 says."""
    calendar = read_with_vobject(data)
    vevents = calendar.contents.get("vevent", [])
    overrides = {(v.uid.value, v.recurrence_id.value.astimezone(UTC)): v
                 for v in vevents if "recurrence-id" in v.contents}
    lo = datetime.combine(start - timedelta(days=2), time(), UTC)
    hi = datetime.combine(end + timedelta(days=3), time(), UTC)
    seen = []
    for master in (v for v in vevents if "recurrence-id" not in v.contents):
        rules = master.getrruleset(addRDate=True)
        starts = (rules.between(lo, hi, inc=True) if rules is not None
                  else [master.dtstart.value])
        for moment in starts:
            shown = overrides.get((master.uid.value, moment.astimezone(UTC)), master)
            begin = moment if shown is master else shown.dtstart.value
            seen.append(_seen(master.uid.value, begin, begin.astimezone(UTC) + _length(shown),
                              _value(shown, "summary"), _value(shown, "location"),
                              _value(shown, "description"), zone))
    return _between(seen, start, end)


def read_with_vobject(data: bytes):
    """vobject.readOne, with the feed's own VTIMEZONEs: vobject keeps the first time zone
    it saw for a TZID for the life of the process, so it forgets the earlier ones."""
    registry = vars(vobject.icalendar)["__tzidMap"]
    for tzid in [tzid for tzid in registry if tzid != "UTC"]:
        del registry[tzid]
    return vobject.readOne(data.decode("utf-8"))


def _length(vevent) -> timedelta:
    if "dtend" in vevent.contents:
        return vevent.dtend.value.astimezone(UTC) - vevent.dtstart.value.astimezone(UTC)
    return vevent.duration.value


def _value(vevent, name: str) -> str:
    return getattr(vevent, name).value if name in vevent.contents else ""


def _seen(uid, start, end, summary, location, description, zone) -> Seen:
    # The wall time in the zone as the reader understands it (for vobject, the feed's
    # VTIMEZONE): a skipped local time is shown as the time it really is. A time
    # written in UTC is shown in the meeting's zone, as an app in that zone shows it.
    shown_in = ZoneInfo(zone) if start.tzname() == "UTC" else start.tzinfo
    return Seen(uid, start.astimezone(UTC), end.astimezone(UTC),
                start.astimezone(UTC).astimezone(shown_in).replace(tzinfo=None),
                str(summary), str(location), str(description))


def _between(seen: list[Seen], start: date, end: date) -> list[Seen]:
    return sorted((s for s in seen if start <= s.wall.date() <= end),
                  key=lambda s: (s.start, s.uid))


@dataclass(frozen=True)
class Want:
    """An occurrence that takes place, as the recurrence code computes it."""

    start: datetime  # in UTC
    end: datetime  # in UTC
    wall: datetime  # naive local wall time of the start
    start_exists: bool  # False on the day clocks skip the start time
    steady: bool  # no clock change while it lasts
    fixed: bool  # a one-date meeting or a changed date: its own DTSTART and DTEND
    local: bool  # its start and end are local times that name one instant each


def expected(event: FeedEvent, start: date, end: date) -> list[Want]:
    by_date = {e.date: e for e in event.series.exceptions}
    wants = []
    for o in occurrences(event.schedule, by_date, start, end):
        if o.cancelled:
            continue
        intended = (o.exception and o.exception.start_time) or event.schedule.start_time
        wants.append(Want(o.starts_at.astimezone(UTC), o.ends_at.astimezone(UTC),
                          o.starts_at.replace(tzinfo=None), o.starts_at.time() == intended,
                          o.starts_at.utcoffset() == o.ends_at.utcoffset(),
                          o.changed or event.schedule.recurrence.frequency is Frequency.ONCE,
                          names_one_instant(o.starts_at) and names_one_instant(o.ends_at)))
    return wants


def names_one_instant(moment: datetime) -> bool:
    """Whether the local time of an aware moment exists and is not repeated."""
    wall = moment.replace(tzinfo=None)
    early, late = wall.replace(tzinfo=moment.tzinfo), wall.replace(tzinfo=moment.tzinfo, fold=1)
    return (early.utcoffset() == late.utcoffset()
            and early.astimezone(UTC).astimezone(moment.tzinfo).replace(tzinfo=None) == wall)


def assert_both_readers_agree(event: FeedEvent, start: date, end: date) -> None:
    """Both readers see exactly the occurrences the recurrence code computes: the same
    dates, start times (instant and local wall time) and end times. (vobject's local
    times come from dateutil, which gets Irish "negative" daylight saving wrong at the
    change, so its instants are compared, from which the wall time follows.)

    Two known differences between readers are allowed for. On the day clocks skip a
    meeting's start time, RFC 5545 reads the time with the offset before the gap (so
    02:30 is 03:30, as the recurrence code has it); dateutil, under vobject, takes the
    offset after it (01:30). One-date meetings and changed dates are written as the
    time they really are, so this only concerns a series' dates. And
    recurring-ical-events adds a meeting's length to the local wall time where RFC 5545
    adds elapsed time, which differs when the clocks change during the meeting; it
    reads a one-date meeting or changed date right where both its times are local.
    """
    zone = event.schedule.timezone
    # The feed of an org in the meeting's zone: recurring-ical-events reads a UTC time
    # in the feed's X-WR-TIMEZONE first, and in another zone may take the wrong one of
    # a repeated hour (01:30 EST read as 01:30 EDT).
    data = feed(event, calendar=replace(CALENDAR, zone=zone))
    wants = expected(event, start, end)
    by_vobject = read_vobject(data, start, end, zone)
    by_icalendar = read_icalendar(data, start, end, zone)
    assert [s.wall.date() for s in by_vobject] == [w.wall.date() for w in wants]
    assert [s.wall.date() for s in by_icalendar] == [w.wall.date() for w in wants]
    for want, seen in zip(wants, by_vobject, strict=True):
        if want.start_exists or want.fixed:
            assert (seen.start, seen.end) == (want.start, want.end)
    for want, seen in zip(wants, by_icalendar, strict=True):
        assert (seen.start, seen.wall) == (want.start, want.wall)
        if want.start_exists and want.steady or want.fixed and want.local:
            assert seen.end == want.end


def lines(data: bytes) -> list[str]:
    return data.decode("utf-8").split("\r\n")


def unfolded(data: bytes) -> list[str]:
    return data.decode("utf-8").replace("\r\n ", "").split("\r\n")


# ---------------------------------------------------------------- dates and times


@pytest.mark.parametrize("zone, start, end", [
    # US: spring forward 8 Mar, fall back 1 Nov 2026
    (NEW_YORK, date(2026, 2, 1), date(2026, 4, 30)),
    (NEW_YORK, date(2026, 10, 1), date(2026, 11, 30)),
    # UK: 29 Mar and 25 Oct 2026
    (LONDON, date(2026, 3, 1), date(2026, 4, 30)),
    (LONDON, date(2026, 10, 1), date(2026, 11, 30)),
    # Sydney: back on 5 Apr, forward on 4 Oct 2026
    (SYDNEY, date(2026, 3, 1), date(2026, 10, 31)),
])
def test_weekly_meeting_keeps_its_wall_clock_time_across_dst(zone, start, end):
    event = make_event(schedule(Recurrence.weekly(SUN), date(2026, 1, 4), zone=zone))
    assert_both_readers_agree(event, start, end)
    seen = read_vobject(feed(event), start, end)
    assert {s.wall.time() for s in seen} == {time(19)}
    assert len({s.start.time() for s in seen}) == 2  # the UTC time moves with the clocks


def test_cancelled_and_changed_dates_around_dst_in_new_york():
    event = make_event(
        schedule(Recurrence.weekly(TUE), date(2026, 2, 3), last=date(2026, 11, 24)),
        date_exception(date(2026, 3, 10), cancelled=True, note="Church closed"),
        date_exception(date(2026, 11, 3), start_time=time(18), duration_minutes=120,
                      location="Church hall, 14 Main St", note="Election day: earlier"),
    )
    assert_both_readers_agree(event, date(2026, 1, 1), date(2027, 3, 1))
    data = feed(event)
    for read in (read_icalendar, read_vobject):
        seen = {s.wall.date(): s for s in read(data, date(2026, 1, 1), date(2027, 3, 1))}
        assert date(2026, 3, 10) not in seen
        assert seen[date(2026, 3, 17)].wall.time() == time(19)
        changed = seen[date(2026, 11, 3)]
        assert changed.wall.time() == time(18)
        assert changed.end - changed.start == timedelta(hours=2)
        assert changed.location == "Church hall, 14 Main St"
        assert changed.description.startswith("Election day: earlier\n\n")
        assert seen[date(2026, 11, 10)].location == "St. Mark's Church, 12 Main St"
        # last_date is a Tuesday: it is included, and nothing after it
        assert max(seen) == date(2026, 11, 24)


def test_changed_date_keeps_uid_sequence_and_points_at_the_original_start():
    event = make_event(schedule(Recurrence.weekly(TUE), date(2026, 2, 3)),
                       date_exception(date(2026, 2, 17), start_time=time(20, 15)))
    calendar = Calendar.from_ical(feed(event))
    series, override = calendar.events
    assert override["UID"] == series["UID"] == event.series.uid
    assert override["SEQUENCE"] == series["SEQUENCE"] == 4
    assert "RRULE" not in override
    assert override["RECURRENCE-ID"].params["TZID"] == NEW_YORK
    assert override["RECURRENCE-ID"].dt.replace(tzinfo=None) == datetime(2026, 2, 17, 19)
    assert override.start.replace(tzinfo=None) == datetime(2026, 2, 17, 20, 15)
    assert override.end.replace(tzinfo=None) == datetime(2026, 2, 17, 21, 45)


def test_cancelled_date_is_an_exdate_at_the_exact_start_of_the_occurrence():
    event = make_event(schedule(Recurrence.weekly(TUE), date(2026, 2, 3), start=time(18, 45)),
                       date_exception(date(2026, 3, 10), cancelled=True),
                       date_exception(date(2026, 3, 24), cancelled=True))
    text = unfolded(feed(event))
    assert [line for line in text if line.startswith("EXDATE")] == [
        "EXDATE;TZID=America/New_York:20260310T184500",
        "EXDATE;TZID=America/New_York:20260324T184500",
    ]
    assert "DTSTART;TZID=America/New_York:20260203T184500" in text
    assert sum(line == "BEGIN:VEVENT" for line in text) == 1


@pytest.mark.parametrize("zone", [NEW_YORK, LONDON, SYDNEY])
def test_weekly_on_several_days(zone):
    event = make_event(
        schedule(Recurrence.weekly(MON, WED, FRI), date(2026, 2, 2), start=time(7, 30),
                 minutes=60, zone=zone, last=date(2026, 12, 18)),
        date_exception(date(2026, 4, 3), cancelled=True),
        date_exception(date(2026, 10, 26), start_time=time(12)),
    )
    assert_both_readers_agree(event, date(2026, 1, 1), date(2027, 1, 31))


@pytest.mark.parametrize("zone", [NEW_YORK, SYDNEY])
def test_every_other_week(zone):
    event = make_event(
        schedule(Recurrence.weekly(SUN, MON, interval=2), date(2026, 1, 4), zone=zone),
        date_exception(date(2026, 4, 12), cancelled=True),
    )
    assert_both_readers_agree(event, date(2026, 1, 1), date(2026, 12, 31))
    seen = read_vobject(feed(event), date(2026, 1, 1), date(2026, 1, 31))
    assert [s.wall.date() for s in seen] == [date(2026, 1, 4), date(2026, 1, 12),
                                             date(2026, 1, 18), date(2026, 1, 26)]
    assert "WKST=MO" in feed(event).decode()


@pytest.mark.parametrize("recurrence, dates_in_march", [
    (Recurrence.monthly(THU, 1, 3), [date(2026, 3, 5), date(2026, 3, 19)]),
    (Recurrence.monthly(FRI, -1), [date(2026, 3, 27)]),
    (Recurrence.monthly(SUN, 5), [date(2026, 3, 29)]),  # not every month has one
])
def test_monthly_nth_and_last_weekday(recurrence, dates_in_march):
    event = make_event(schedule(recurrence, date(2026, 1, 1), last=date(2026, 12, 31)))
    assert_both_readers_agree(event, date(2025, 12, 1), date(2027, 2, 28))
    seen = read_icalendar(feed(event), date(2026, 3, 1), date(2026, 3, 31))
    assert [s.wall.date() for s in seen] == dates_in_march


def test_once_only_meeting_has_no_rrule():
    event = make_event(schedule(Recurrence.once(), date(2026, 3, 8), start=time(10)))
    data = feed(event)
    assert "RRULE" not in data.decode()
    assert_both_readers_agree(event, date(2026, 1, 1), date(2026, 12, 31))
    assert len(read_vobject(data, date(2026, 1, 1), date(2026, 12, 31))) == 1


def test_once_only_meeting_changed_is_written_as_changed():
    event = make_event(schedule(Recurrence.once(), date(2026, 3, 8), start=time(10)),
                       date_exception(date(2026, 3, 8), start_time=time(11),
                                     location="Library, room 2", note="Other room"))
    data = feed(event)
    assert "RECURRENCE-ID" not in data.decode()
    assert_both_readers_agree(event, date(2026, 1, 1), date(2026, 12, 31))
    (seen,) = read_icalendar(data, date(2026, 1, 1), date(2026, 12, 31))
    assert (seen.wall, seen.location) == (datetime(2026, 3, 8, 11), "Library, room 2")
    assert seen.description.startswith("Other room\n\n")


def test_once_only_meeting_cancelled_is_left_out():
    event = make_event(schedule(Recurrence.once(), date(2026, 3, 8)),
                       date_exception(date(2026, 3, 8), cancelled=True))
    data = feed(event)
    assert "BEGIN:VEVENT" not in data.decode()
    assert read_icalendar(data, date(2026, 1, 1), date(2026, 12, 31)) == []
    assert read_vobject(data, date(2026, 1, 1), date(2026, 12, 31)) == []


def test_series_starts_at_its_first_date_that_is_not_cancelled():
    # first_date is a Monday, the meeting is on Tuesdays, and the first two are cancelled
    event = make_event(schedule(Recurrence.weekly(TUE), date(2026, 2, 2)),
                       date_exception(date(2026, 2, 3), cancelled=True),
                       date_exception(date(2026, 2, 10), cancelled=True))
    text = unfolded(feed(event))
    assert "DTSTART;TZID=America/New_York:20260217T190000" in text
    assert not any(line.startswith("EXDATE") for line in text)
    assert_both_readers_agree(event, date(2026, 1, 1), date(2026, 6, 30))


def test_series_with_every_date_cancelled_is_left_out():
    event = make_event(
        schedule(Recurrence.weekly(TUE), date(2026, 2, 3), last=date(2026, 2, 10)),
        date_exception(date(2026, 2, 3), cancelled=True),
        date_exception(date(2026, 2, 10), cancelled=True))
    assert b"BEGIN:VEVENT" not in feed(event)


def test_exceptions_on_dates_the_series_no_longer_has_are_ignored():
    # the series moved from Tuesday to Wednesday; exceptions on Tuesdays remain
    event = make_event(schedule(Recurrence.weekly(WED), date(2026, 2, 4)),
                       date_exception(date(2026, 2, 10), cancelled=True),
                       date_exception(date(2026, 2, 17), start_time=time(8)))
    data = feed(event).decode()
    assert "EXDATE" not in data
    assert "RECURRENCE-ID" not in data
    assert_both_readers_agree(with_values(event, exceptions=()), date(2026, 1, 1),
                              date(2026, 3, 31))


def test_last_date_is_included_whatever_the_start_time():
    for start in (time(0), time(19), time(23, 59)):
        for zone in (NEW_YORK, SYDNEY, "Pacific/Kiritimati", "Pacific/Pago_Pago"):
            event = make_event(schedule(Recurrence.weekly(TUE), date(2026, 1, 6), start=start,
                                        minutes=30, zone=zone, last=date(2026, 6, 30)))
            assert_both_readers_agree(event, date(2026, 1, 1), date(2026, 8, 31))
            seen = read_icalendar(feed(event), date(2026, 6, 1), date(2026, 8, 31))
            assert seen[-1].wall == datetime.combine(date(2026, 6, 30), start)
            until = next(line for line in unfolded(feed(event)) if line.startswith("RRULE"))
            assert until.split("UNTIL=")[1].split(";")[0].endswith("Z")


def test_first_meeting_across_the_clock_change_is_written_with_an_exact_duration():
    # 01:00 to 03:00 on the night the clocks go forward: two hours on the clock, one elapsed
    event = make_event(schedule(Recurrence.weekly(SUN), date(2026, 3, 8), start=time(1),
                                minutes=60))
    text = unfolded(feed(event))
    assert "DURATION:PT1H" in text
    assert not any(line.startswith("DTEND") for line in text)
    assert_both_readers_agree(event, date(2026, 3, 1), date(2026, 12, 31))


def test_start_time_that_does_not_exist_on_the_day_clocks_go_forward():
    # 02:30 does not exist on 8 March 2026 in New York: the meeting is at 03:30 that day
    event = make_event(schedule(Recurrence.weekly(SUN), date(2026, 2, 1), start=time(2, 30),
                                minutes=60))
    assert_both_readers_agree(event, date(2026, 2, 1), date(2026, 4, 30))
    seen = {s.wall.date(): s for s in read_icalendar(feed(event), date(2026, 3, 1),
                                                      date(2026, 3, 15))}
    assert seen[date(2026, 3, 8)].wall.time() == time(3, 30)
    assert seen[date(2026, 3, 15)].wall.time() == time(2, 30)


CHICAGO = "America/Chicago"  # clocks go back 1 Nov 2026, forward 14 Mar 2027, at 02:00


def chicago_feed(*events: FeedEvent) -> bytes:
    """The feed of an org in Chicago, as its meetings."""
    return feed(*events, calendar=replace(CALENDAR, zone=CHICAGO))


def lasts(seen: Seen) -> timedelta:
    return seen.end - seen.start


def local_times_named_once(data: bytes) -> None:
    """Every DTSTART and DTEND of an event with no RRULE names one instant: a local time
    that exists and is not repeated, or UTC. No DURATION to add to a local time."""
    for vevent in Calendar.from_ical(data).events:
        if "RRULE" not in vevent:
            assert "DURATION" not in vevent
            for moment in (vevent.start, vevent.end):
                assert moment.tzname() == "UTC" or names_one_instant(moment), moment


def test_a_24_hour_meeting_lasts_24_hours_over_the_clock_change_weekend():
    weekly = make_event(schedule(Recurrence.weekly(SAT), date(2026, 10, 3), start=time(12),
                                 minutes=24 * 60, zone=CHICAGO))
    once = make_event(schedule(Recurrence.once(), date(2027, 3, 13), start=time(12),
                               minutes=24 * 60, zone=CHICAGO), uid="marathon@facilitator")
    text = unfolded(chicago_feed(weekly, once))
    # A day is a calendar day (RFC 5545 3.3.6): P1D would last 25 hours from 31 October
    assert "DURATION:PT24H" in text
    assert not [line for line in text if line.startswith("DURATION") and "D" in line[9:]]
    # the one-date meeting ends at a local time that needs no arithmetic: 13:00 CDT
    assert "DTSTART;TZID=America/Chicago:20270313T120000" in text
    assert "DTEND;TZID=America/Chicago:20270314T130000" in text
    local_times_named_once(chicago_feed(weekly, once))
    (marathon,) = read_icalendar(chicago_feed(once), date(2027, 3, 1), date(2027, 3, 31), CHICAGO)
    assert lasts(marathon) == timedelta(hours=24)
    # The series, as RFC 5545 reads it: 24 hours on the weekends the clocks change too.
    fall_back = read_vobject(chicago_feed(weekly), date(2026, 10, 31), date(2026, 10, 31), CHICAGO)
    spring = read_vobject(chicago_feed(weekly), date(2027, 3, 13), date(2027, 3, 13), CHICAGO)
    assert [lasts(s) for s in fall_back + spring] == [timedelta(hours=24)] * 2
    assert_both_readers_agree(weekly, date(2026, 10, 1), date(2027, 4, 30))


@pytest.mark.parametrize("start, minutes, first, last, hours, readers", [
    # 00:15 to 01:15 on the night the clocks go back: the first 01:15, one hour
    (time(0, 15), 60, "DTSTART;TZID=America/Chicago:20261101T001500",
     "DTEND:20261101T061500Z", 1, (read_icalendar, read_vobject)),
    # starts in the hour that comes twice: the first time round, as RFC 5545 has it, and
    # ends in the second. recurring-ical-events adds the length on the wall clock and
    # forgets which 01:30 it reached: no way of writing it shows one hour there.
    (time(1, 30), 60, "DTSTART:20261101T063000Z", "DTEND:20261101T073000Z", 1,
     (read_vobject,)),
    # over the whole change: 00:30 to 02:30, two hours by the clock, three elapsed
    (time(0, 30), 180, "DTSTART;TZID=America/Chicago:20261101T003000",
     "DTEND;TZID=America/Chicago:20261101T023000", 3, (read_icalendar, read_vobject)),
])
def test_a_one_date_meeting_across_the_clocks_going_back(start, minutes, first, last, hours,
                                                         readers):
    event = make_event(schedule(Recurrence.once(), date(2026, 11, 1), start=start,
                                minutes=minutes, zone=CHICAGO))
    data = chicago_feed(event)
    assert first in unfolded(data) and last in unfolded(data)
    local_times_named_once(data)
    for read in readers:
        (seen,) = read(data, date(2026, 10, 1), date(2026, 11, 30), CHICAGO)
        assert seen.wall == datetime.combine(date(2026, 11, 1), start)
        assert lasts(seen) == timedelta(hours=hours)
    assert_both_readers_agree(event, date(2026, 10, 1), date(2026, 11, 30))


@pytest.mark.parametrize("start, first, last", [
    # 02:30 does not exist that night: written as the time it is, 03:30, for an hour
    (time(2, 30), "DTSTART;TZID=America/Chicago:20270314T033000",
     "DTEND;TZID=America/Chicago:20270314T043000"),
    # 01:30 to 03:30 on the clock, one hour elapsed
    (time(1, 30), "DTSTART;TZID=America/Chicago:20270314T013000",
     "DTEND;TZID=America/Chicago:20270314T033000"),
])
def test_a_one_date_meeting_across_the_clocks_going_forward(start, first, last):
    event = make_event(schedule(Recurrence.once(), date(2027, 3, 14), start=start,
                                minutes=60, zone=CHICAGO))
    data = chicago_feed(event)
    assert first in unfolded(data) and last in unfolded(data)
    local_times_named_once(data)
    for read in (read_icalendar, read_vobject):
        (seen,) = read(data, date(2027, 3, 1), date(2027, 3, 31), CHICAGO)
        assert lasts(seen) == timedelta(hours=1)
    assert_both_readers_agree(event, date(2027, 3, 1), date(2027, 3, 31))


def test_a_changed_date_across_the_clock_change_lasts_its_length():
    # A Saturday-night meeting moved to a quarter past midnight on each change night
    event = make_event(
        schedule(Recurrence.weekly(SUN), date(2026, 10, 4), start=time(19), minutes=60,
                 zone=CHICAGO),
        date_exception(date(2026, 11, 1), start_time=time(0, 15), note="Midnight meeting"),
        date_exception(date(2027, 3, 14), start_time=time(1, 45), duration_minutes=90))
    data = chicago_feed(event)
    text = unfolded(data)
    assert "DTEND:20261101T061500Z" in text
    assert "DTEND;TZID=America/Chicago:20270314T041500" in text
    assert "RECURRENCE-ID;TZID=America/Chicago:20261101T190000" in text
    local_times_named_once(data)
    for read in (read_icalendar, read_vobject):
        seen = {s.wall.date(): s for s in read(data, date(2026, 10, 1), date(2027, 4, 30),
                                               CHICAGO)}
        assert (seen[date(2026, 11, 1)].wall.time(), lasts(seen[date(2026, 11, 1)])) == (
            time(0, 15), timedelta(hours=1))
        assert (seen[date(2027, 3, 14)].wall.time(), lasts(seen[date(2027, 3, 14)])) == (
            time(1, 45), timedelta(minutes=90))
    assert_both_readers_agree(event, date(2026, 10, 1), date(2027, 4, 30))


def test_zone_without_daylight_saving_and_half_hour_zones():
    for zone in ("Asia/Kolkata", "America/St_Johns", "Australia/Lord_Howe", "Africa/Abidjan"):
        event = make_event(schedule(Recurrence.weekly(SAT), date(2026, 1, 3), zone=zone))
        assert_both_readers_agree(event, date(2026, 1, 1), date(2026, 12, 31))


def test_meeting_in_utc_is_written_in_utc():
    event = make_event(schedule(Recurrence.weekly(SAT), date(2026, 1, 3), zone="UTC"),
                       date_exception(date(2026, 1, 10), cancelled=True))
    calendar = replace(CALENDAR, zone="UTC")
    data = feed(event, calendar=calendar)
    assert "DTSTART:20260103T190000Z" in unfolded(data)
    # The cancelled date in UTC too: a floating EXDATE would be read in the app's zone.
    assert "EXDATE:20260110T190000Z" in unfolded(data)
    assert "BEGIN:VTIMEZONE" not in data.decode()
    want = [w.start for w in expected(event, date(2026, 1, 1), date(2026, 12, 31))]
    assert date(2026, 1, 10) not in [start.date() for start in want]
    assert [s.start for s in read_vobject(data, date(2026, 1, 1), date(2026, 12, 31))] == want
    assert [s.start for s in read_icalendar(data, date(2026, 1, 1), date(2026, 12, 31))] == want


ZONES = [NEW_YORK, LONDON, SYDNEY, "America/Los_Angeles", "America/Sao_Paulo",
         "Asia/Kolkata", "Australia/Lord_Howe", "Pacific/Chatham", "America/St_Johns",
         "Europe/Dublin"]


@st.composite
def recurrences(draw) -> Recurrence:
    frequency = draw(st.sampled_from(Frequency))
    if frequency is Frequency.WEEKLY:
        return Recurrence.weekly(*draw(st.sets(st.integers(0, 6), min_size=1)),
                                 interval=draw(st.integers(1, 4)))
    if frequency is Frequency.MONTHLY:
        return Recurrence.monthly(draw(st.integers(0, 6)),
                                  *draw(st.sets(st.sampled_from([1, 2, 3, 4, 5, -1]),
                                                min_size=1, max_size=2)))
    return Recurrence.once()


@st.composite
def events(draw) -> FeedEvent:
    first = draw(st.dates(date(2025, 6, 1), date(2026, 12, 31)))
    last = draw(st.none() | st.integers(0, 500).map(lambda n: first + timedelta(days=n)))
    sched = Schedule(draw(recurrences()), first,
                     time(draw(st.integers(0, 23)), draw(st.sampled_from([0, 15, 30, 59]))),
                     timedelta(minutes=draw(st.integers(1, 24 * 60))),
                     draw(st.sampled_from(ZONES)), last)
    days = list(sched.dates(first, first + timedelta(days=400)))
    chosen = draw(st.lists(st.sampled_from(days), unique=True, max_size=6)) if days else []
    stray = draw(st.lists(st.dates(first, first + timedelta(days=400)), max_size=2))
    exceptions = []
    for day in dict.fromkeys([*chosen, *stray]):
        if draw(st.booleans()):
            exceptions.append(date_exception(day, cancelled=True))
        else:
            exceptions.append(date_exception(
                day, start_time=draw(st.none() | st.times().map(lambda t: t.replace(
                    second=0, microsecond=0))),
                duration_minutes=draw(st.none() | st.integers(1, 24 * 60)),
                location=draw(st.sampled_from(["", "Hall B"]))))
    return make_event(sched, *exceptions)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(events())
def test_any_schedule_reads_back_as_the_recurrence_code_computes(event):
    first = event.schedule.first_date
    assert_both_readers_agree(event, first - timedelta(days=7), first + timedelta(days=400))


# ---------------------------------------------------------------- the file itself


def test_calendar_properties():
    text = unfolded(feed(make_event(schedule(Recurrence.weekly(TUE), date(2026, 2, 3)))))
    assert text[:2] == ["BEGIN:VCALENDAR", "VERSION:2.0"]
    for line in ["PRODID:-//facilitator//Meeting feed//EN",
                 "NAME:Tuesday Women's AA", "X-WR-CALNAME:Tuesday Women's AA",
                 "X-WR-CALDESC:Meetings of the Tuesday Women's AA group",
                 "X-WR-TIMEZONE:America/New_York", f"URL:{GROUP_PAGE}",
                 "REFRESH-INTERVAL;VALUE=DURATION:PT4H", "X-PUBLISHED-TTL:PT4H",
                 "LAST-MODIFIED:20260115T093000Z"]:
        assert line in text


def test_event_properties():
    event = make_event(schedule(Recurrence.weekly(TUE), date(2026, 2, 3)))
    (vevent,) = Calendar.from_ical(feed(event)).events
    assert vevent["UID"] == event.series.uid
    assert vevent["SEQUENCE"] == 4
    assert vevent["DTSTAMP"].dt == vevent["LAST-MODIFIED"].dt == CHANGED_AT
    assert vevent["SUMMARY"] == "Step Study — Tuesday Women's AA"
    assert vevent["LOCATION"] == "St. Mark's Church, 12 Main St"
    assert vevent["URL"] == GROUP_PAGE
    assert vevent["DESCRIPTION"] == (
        "Open, Step Study, Women\n"
        f"Join online: {JOIN_PAGE} (the link and passcode, from 15 minutes before each "
        "meeting until it ends)\n"
        "Phone: +15555550111,,123#\n\n"
        "Side door.\n\n"
        f"Group page: {GROUP_PAGE}")
    assert vevent["DTSTART"].params["TZID"] == NEW_YORK
    assert vevent["DTEND"].params["TZID"] == NEW_YORK
    assert str(vevent["RRULE"].to_ical().decode()) == "FREQ=WEEKLY;BYDAY=TU"


def test_conference_is_the_join_page_never_the_link_or_passcode():
    online = make_event(schedule(Recurrence.weekly(TUE), date(2026, 2, 3)),
                        online_url="https://zoom.us/j/5551234567?pwd=Zm9vYmFy",
                        online_phone="+13017158592,,5551234567#,,,,005088#",
                        online_notes="Passcode: calm")
    data = feed(online).decode()
    text = unfolded(feed(online))
    assert f"CONFERENCE;FEATURE=VIDEO;LABEL=Join online;VALUE=URI:{JOIN_PAGE}" in text
    (vevent,) = Calendar.from_ical(feed(online)).events
    assert [c.uri for c in vevent.conferences] == [JOIN_PAGE]
    assert "Phone: +13017158592,,5551234567#\n" in vevent["DESCRIPTION"] + "\n"
    for secret in ("Zm9vYmFy", "pwd", "005088", "calm", "zoom.us"):
        assert secret not in data
    by_request = with_values(online, passcode_by_request=True,
                             passcode_contact="Ask Sam: 555 0101")
    (vevent,) = Calendar.from_ical(feed(by_request)).events
    assert "Passcode on request: Ask Sam: 555 0101" in vevent["DESCRIPTION"]
    in_person = make_event(schedule(Recurrence.weekly(TUE), date(2026, 2, 3)),
                           online_url="", online_phone="", join_url="")
    assert "CONFERENCE" not in feed(in_person).decode()
    # a group page that is not a plain web address is never a property
    odd = with_values(online, url="https://x.org/a b", join_url="javascript:alert(1)")
    (vevent,) = Calendar.from_ical(feed(odd)).events
    assert "CONFERENCE" not in vevent and "URL" not in vevent


def test_links_with_other_than_ascii_are_percent_encoded_once():
    online = make_event(schedule(Recurrence.weekly(TUE), date(2026, 2, 3)),
                        join_url="https://meet.example/réunion/été?nom=café&x=%20ok&y=100%",
                        url="https://bücher.example/g/groupe-du-mardi")
    text = unfolded(feed(online))
    encoded = "https://meet.example/r%C3%A9union/%C3%A9t%C3%A9?nom=caf%C3%A9&x=%20ok&y=100%25"
    assert f"CONFERENCE;FEATURE=VIDEO;LABEL=Join online;VALUE=URI:{encoded}" in text
    assert "URL:https://xn--bcher-kva.example/g/groupe-du-mardi" in text
    (vevent,) = Calendar.from_ical(feed(online)).events
    (conference,) = vevent.conferences
    assert conference.uri == encoded and conference.uri.isascii()
    assert unquote(conference.uri) == "https://meet.example/réunion/été?nom=café&x= ok&y=100%"
    assert urlsplit(str(vevent["URL"])).hostname.encode().decode("idna") == "bücher.example"
    (by_vobject,) = read_with_vobject(feed(online)).contents["vevent"]
    assert by_vobject.url.value == str(vevent["URL"])
    # the description keeps the link as it reads
    assert "Join online: https://meet.example/réunion/été?nom=café" in vevent["DESCRIPTION"]


def test_changed_online_link_and_place_on_one_date():
    event = make_event(schedule(Recurrence.weekly(TUE), date(2026, 2, 3)),
                       date_exception(date(2026, 2, 10), online_url="https://meet.example/x",
                                     location="Park pavilion"))
    series, override = Calendar.from_ical(feed(event)).events
    # the date's own link, too, is given only on the join page
    assert [c.uri for c in override.conferences] == [JOIN_PAGE]
    assert "meet.example" not in feed(event).decode()
    assert ("A different online link on this date: the join page gives it."
            in override["DESCRIPTION"])
    assert override["LOCATION"] == "Park pavilion"
    assert "GEO" not in override  # the coordinates are those of the usual place
    assert "GEO" in series


def test_geo_when_known():
    event = make_event(schedule(Recurrence.weekly(TUE), date(2026, 2, 3)))
    assert "GEO:40.712776;-74.005974" in unfolded(feed(event))
    (vevent,) = read_with_vobject(feed(event)).contents["vevent"]
    assert vevent.geo.value == "40.712776;-74.005974"
    for geo in (None, (91.0, 0.0), (0.0, float("nan"))):
        assert "GEO" not in feed(with_values(event, geo=geo)).decode()
    assert "GEO:0.000010;-0.000010" in unfolded(feed(with_values(event, geo=(1e-5, -1e-5))))


def test_vtimezone_for_every_tzid_and_no_other():
    events = [make_event(schedule(Recurrence.weekly(TUE), date(2026, 2, 3), zone=zone),
                         date_exception(date(2026, 2, 10), cancelled=True),
                         date_exception(date(2026, 2, 17), start_time=time(8)),
                         uid=f"{zone}@facilitator")
              for zone in (NEW_YORK, LONDON, SYDNEY)]
    events.append(with_values(events[0], uid="another@facilitator"))
    data = build_feed(replace(CALENDAR, zone="America/Chicago"), events)
    calendar = Calendar.from_ical(data)
    used = {str(value.params["TZID"]) for vevent in calendar.events
            for name in ("DTSTART", "DTEND", "EXDATE", "RECURRENCE-ID")
            for value in _values(vevent, name)}
    assert used == {NEW_YORK, LONDON, SYDNEY}
    assert sorted(tz["TZID"] for tz in calendar.timezones) == sorted(used)
    assert calendar.get_missing_tzids() == set()


def _values(vevent, name):
    value = vevent.get(name)
    return [] if value is None else value if isinstance(value, list) else [value]


def test_vtimezone_has_no_comment():
    # RFC 5545 3.6.5 allows no COMMENT in a VTIMEZONE or its observances: libical flags it
    events = [make_event(schedule(Recurrence.weekly(TUE), date(2026, 2, 3), zone=zone),
                         uid=f"{zone}@facilitator")
              for zone in (NEW_YORK, LONDON, SYDNEY, "Asia/Kolkata", "Europe/Dublin")]
    data = feed(*events)
    zones = data.split(b"BEGIN:VTIMEZONE")[1:]
    assert len(zones) == 5
    for text in zones:
        assert b"\r\nCOMMENT" not in text.split(b"END:VTIMEZONE")[0]
    assert not any("COMMENT" in c for tz in Calendar.from_ical(data).timezones
                   for c in tz.walk())


@pytest.mark.parametrize("zone, around_changes", [
    (NEW_YORK, True), (LONDON, True), (SYDNEY, True), ("Australia/Lord_Howe", True),
    ("Europe/Dublin", True), ("America/Sao_Paulo", True),
    # Morocco leaves summer time for Ramadan, a month; dateutil reads its changes (of
    # both kinds, standard and daylight saving, over the years) wrong within the hour
    ("Africa/Casablanca", False),
])
def test_vtimezone_agrees_with_the_zone_database(zone, around_changes):
    """Apps that read the VTIMEZONE rather than their own zone data (vobject does) get
    the right offset every day from 2001 to 2039, and every quarter hour around each
    change of the clocks. (From 2001: dateutil cannot tell the offset before the
    VTIMEZONE's first observance, at the start of 2000.)"""
    event = make_event(schedule(Recurrence.weekly(TUE), date(2026, 2, 3), zone=zone))
    theirs = read_with_vobject(feed(event)).vevent.dtstart.value.tzinfo
    ours = ZoneInfo(zone)
    moments = []
    moment, end = datetime(2001, 1, 1, 12, tzinfo=UTC), datetime(2040, 1, 1, tzinfo=UTC)
    while moment < end:
        moments.append(moment)
        step = moment + timedelta(days=1)
        if around_changes and step.astimezone(ours).utcoffset() != moment.astimezone(
                ours).utcoffset():
            change = moment
            while change.astimezone(ours).utcoffset() == moment.astimezone(ours).utcoffset():
                change += timedelta(minutes=15)
            moments += [change + timedelta(minutes=15 * n) for n in range(-8, 8)]
        moment = step
    for moment in moments:
        assert moment.astimezone(theirs).utcoffset() == moment.astimezone(ours).utcoffset()


def test_crlf_line_endings_and_folding_at_75_octets():
    event = make_event(schedule(Recurrence.weekly(TUE), date(2026, 2, 3)),
                       notes=" ".join(NASTY), location="日本語の会場 " * 20,
                       summary="C:\\Notes; a, b " * 12 + "\\" * 20)
    data = feed(event)
    assert data.endswith(b"\r\n")
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert b"\r" not in data.replace(b"\r\n", b"")
    lines = data.split(b"\r\n")
    for line, following in zip(lines, lines[1:], strict=False):
        assert len(line) <= 75
        line.decode("utf-8")  # never cut inside a character
        if following.startswith(b" "):  # folded here: never right after an escape's backslash
            assert not line.endswith(b"\\")
    assert str(Calendar.from_ical(data).events[0]["SUMMARY"]) == (
        "C:\\Notes; a, b " * 12 + "\\" * 20)


def test_feed_without_meetings_is_still_a_calendar():
    data = build_feed(CALENDAR, [])
    calendar = Calendar.from_ical(data)
    assert calendar.events == []
    assert [tz["TZID"] for tz in calendar.timezones] == [NEW_YORK]  # RFC 5545: a component
    assert read_with_vobject(data).contents.get("vevent", []) == []
    assert "X-WR-CALNAME:Tuesday Women's AA" in unfolded(data)


def test_uid_is_stable_and_sequence_as_given():
    sched = schedule(Recurrence.weekly(TUE), date(2026, 2, 3))
    before = make_event(sched, sequence=4)
    after = make_event(replace(sched, start_time=time(20)), sequence=5,
                       last_modified=CHANGED_AT + timedelta(days=3))
    for event, sequence in ((before, 4), (after, 5)):
        (vevent,) = read_with_vobject(feed(event)).contents["vevent"]
        assert vevent.uid.value == before.series.uid
        assert vevent.sequence.value == str(sequence)


# ---------------------------------------------------------------- the same data, the same bytes


def test_building_twice_gives_identical_bytes():
    events = [make_event(schedule(Recurrence.weekly(TUE), date(2026, 2, 3), zone=zone),
                         date_exception(date(2026, 2, 10), cancelled=True),
                         date_exception(date(2026, 2, 17), start_time=time(8)),
                         uid=f"meeting-{n}@facilitator")
              for n, zone in enumerate((NEW_YORK, LONDON, SYDNEY))]
    first = build_feed(CALENDAR, events)
    assert build_feed(CALENDAR, events) == first
    assert build_feed(CALENDAR, reversed(events)) == first
    reordered = [with_values(e, exceptions=e.series.exceptions[::-1]) for e in events]
    assert build_feed(CALENDAR, reordered) == first


#: varied_events()'s feed as written before build_feed read events one by one and kept
#: their texts by digest (tests/data/README.md).
VARIED_FEED = Path(__file__).parent / "data" / "feeds" / "varied.ics"


def varied_events() -> list[FeedEvent]:
    """Meetings of every kind a feed writes: weekly in three zones with cancelled and
    changed dates, every other week with an end, monthly, one date, one date cancelled
    (left out), online only, in UTC, and facilitators' hardest text."""
    first = date(2026, 2, 3)
    events = [make_event(schedule(Recurrence.weekly(TUE, THU), first, zone=zone),
                         date_exception(date(2026, 2, 10), cancelled=True, note="Holiday"),
                         date_exception(date(2026, 2, 17), start_time=time(8),
                                        location="Room 2", note=NASTY[n]),
                         uid=f"weekly-{n}@facilitator", notes=NASTY[n + 3])
              for n, zone in enumerate((NEW_YORK, LONDON, SYDNEY))]
    events += [
        make_event(schedule(Recurrence.weekly(MON, interval=2), first, last=date(2026, 12, 28)),
                   uid="fortnightly@facilitator", summary=NASTY[9], geo=None),
        make_event(schedule(Recurrence.monthly(WED, 1, -1), first, start=time(0, 15)),
                   uid="monthly@facilitator", location=NASTY[8], types=()),
        make_event(schedule(Recurrence.once(), date(2026, 3, 29), start=time(1, 30),
                            zone=LONDON), uid="once@facilitator", notes=NASTY[11]),
        make_event(schedule(Recurrence.once(), date(2026, 3, 1)),
                   date_exception(date(2026, 3, 1), cancelled=True), uid="gone@facilitator"),
        make_event(schedule(Recurrence.weekly(SAT), first, zone="UTC"), uid="utc@facilitator",
                   online_url="", online_phone="", join_url=""),
        make_event(schedule(Recurrence.weekly(FRI), first, minutes=24 * 60),
                   uid="online@facilitator", location="", geo=None,
                   online_url="https://zoom.us/j/1?pwd=secret"),
    ]
    return events


def test_the_feed_is_byte_for_byte_the_one_written_before():
    before = VARIED_FEED.read_bytes()
    events = varied_events()
    texts: dict[bytes, EventText] = {}
    assert build_feed(CALENDAR, events) == before
    # Handed over one by one, in another order, each text kept; then from the kept texts.
    assert build_feed(CALENDAR, iter(events[::-1]), texts) == before
    assert len(texts) == len(events)
    assert build_feed(CALENDAR, iter(events), texts) == before
    assert len(texts) == len(events)
    # A kept text is only used for an event equal in everything.
    changed = [with_values(events[0], notes="Moved upstairs"), *events[1:]]
    assert b"Moved upstairs" in build_feed(CALENDAR, changed, texts)
    assert len(texts) == len(events) + 1


def test_nothing_comes_from_the_clock_or_from_chance(monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("the feed must depend on the data only")

    monkeypatch.setattr(Component, "_utc_now", staticmethod(forbidden))
    monkeypatch.setattr(uuid, "uuid4", forbidden)
    event = make_event(schedule(Recurrence.weekly(TUE), date(2026, 2, 3)),
                       date_exception(date(2026, 2, 17), start_time=time(8)))
    data = feed(event)
    assert "DTSTAMP:20260115T093000Z" in unfolded(data)
    assert "UID:" in data.decode()


def test_last_modified_of_the_feed_is_the_latest_change():
    sched = schedule(Recurrence.weekly(TUE), date(2026, 2, 3))
    later = CHANGED_AT + timedelta(days=1)
    events = [make_event(sched, uid="other", last_modified=later), make_event(sched)]
    lines = unfolded(feed(*events))
    calendar_lines = lines[:lines.index("BEGIN:VTIMEZONE")]
    assert f"LAST-MODIFIED:{later:%Y%m%dT%H%M%SZ}" in calendar_lines
    assert not [line for line in unfolded(feed()) if line.startswith("LAST-MODIFIED")]
    with pytest.raises(ValueError, match="aware"):
        feed(make_event(sched, last_modified=datetime(2026, 1, 1)))


# ---------------------------------------------------------------- text from facilitators


def texts_read_back(data: bytes) -> list[dict[str, str]]:
    """SUMMARY, LOCATION and DESCRIPTION of every VEVENT, by each reader."""
    names = ("SUMMARY", "LOCATION", "DESCRIPTION")
    by_icalendar = [{n: str(v[n]) for n in names if n in v}
                    for v in Calendar.from_ical(data).events]
    by_vobject = [{n: v.contents[n.lower()][0].value for n in names if n.lower() in v.contents}
                  for v in read_with_vobject(data).contents.get("vevent", [])]
    assert by_icalendar == by_vobject
    return by_icalendar


def property_names(data: bytes) -> list[str]:
    return [line.split(":")[0].split(";")[0] for line in unfolded(data) if line]


def assert_text_survives(title: str, text: str) -> None:
    """Text in every place a facilitator can write reads back as feed_text() makes it,
    and adds, removes or splits no property."""
    def event_with(title: str, text: str) -> FeedEvent:
        return make_event(schedule(Recurrence.weekly(TUE), date(2026, 2, 3)),
                          date_exception(date(2026, 2, 10), location=text, note=text),
                          summary=title, location=text, notes=text, types=(text,),
                          online_phone=text)

    def stand_in(value: str) -> str:
        return "x" if feed_text(value).strip() else value

    calendar = replace(CALENDAR, name=title, description=text)
    data = feed(event_with(title, text), calendar=calendar)
    plain = feed(event_with(stand_in(title), stand_in(text)),
                 calendar=replace(calendar, name=stand_in(title), description=stand_in(text)))
    assert property_names(data) == property_names(plain)
    calendar_read = Calendar.from_ical(data)
    assert len(calendar_read.events) == 2
    # icalendar and vobject read NAME and the X-WR- properties as unknown, without
    # unescaping: they are written exactly as SUMMARY (a TEXT both read), with the same text
    raw = {line.split(":", 1)[0]: line.split(":", 1)[1] for line in unfolded(data)[:20]
           if ":" in line}
    summary = next((line[8:] for line in unfolded(data) if line.startswith("SUMMARY:")), "")
    assert raw.get("NAME", "") == raw.get("X-WR-CALNAME", "") == summary
    assert str(calendar_read.get("DESCRIPTION", "")) == feed_text(text)
    assert raw.get("X-WR-CALDESC") == raw.get("DESCRIPTION")
    series, override = texts_read_back(data)
    assert series.get("SUMMARY", "") == override.get("SUMMARY", "") == feed_text(title)
    assert series.get("LOCATION", "") == override.get("LOCATION", "") == feed_text(text)
    if feed_text(text).strip():
        assert feed_text(text).strip() in series["DESCRIPTION"]
        assert override["DESCRIPTION"].startswith(feed_text(text).strip() + "\n\n")


@pytest.mark.parametrize("text", NASTY)
def test_nasty_text_reads_back_and_injects_nothing(text):
    assert_text_survives(text, text)
    data = feed(make_event(schedule(Recurrence.weekly(TUE), date(2026, 2, 3)), notes=text,
                           summary=text, location=text))
    assert unfolded(data).count("BEGIN:VEVENT") == 1
    assert "SUMMARY:evil" not in unfolded(data)
    assert not {"DTSTART:19700101T000000Z", "RRULE:FREQ=DAILY"} & set(unfolded(data))


@settings(max_examples=100, deadline=None)
@given(title=st.text(min_size=1), text=st.text())
def test_any_text_reads_back_and_injects_nothing(title, text):
    assert_text_survives(title, text)


@pytest.mark.parametrize("raw, shown", [
    ("a\r\nb", "a\nb"),
    ("a\rb", "a\nb"),  # a lone CR is a line break too
    ("a\u2028b\x85c\x0bd\x0ce", "a\nb\nc\nd\ne"),
    ("a\x00b\x1bc\x7fd\x9fe", "abcde"),
    ("tab\tstays", "tab\tstays"),
    ("C:\\Notes", "C:\\Notes"),
    ("\ud800", "\ufffd"),
])
def test_feed_text(raw, shown):
    assert feed_text(raw) == shown


@pytest.mark.parametrize("title, group, summary", [
    ("Step Study", "Tuesday Women's AA", "Step Study — Tuesday Women's AA"),
    ("Tuesday Women's AA", "Tuesday Women's AA", "Tuesday Women's AA"),
    ("Step Study", "", "Step Study"),
    ("", "Tuesday Women's AA", "Tuesday Women's AA"),
])
def test_event_summary(title, group, summary):
    assert event_summary(title, group) == summary


# ---------------------------------------------------------------- exceptions on dates


@settings(max_examples=200, deadline=None)
@given(recurrence=recurrences(), first=st.dates(date(2015, 1, 1), date(2026, 12, 31)),
       offset=st.integers(-30, 4000), span=st.none() | st.integers(0, 4000))
def test_an_exception_counts_exactly_when_the_series_falls_on_its_date(recurrence, first,
                                                                       offset, span):
    last = None if span is None else first + timedelta(days=span)
    sched = schedule(recurrence, first, last=last)
    day = first + timedelta(days=offset)
    event = make_event(sched, date_exception(day, start_time=time(6)))
    overrides = feed(event).count(b"RECURRENCE-ID")
    changed_once = recurrence.frequency is Frequency.ONCE and b"T060000" in feed(event)
    assert (overrides == 1 or changed_once) == sched.falls_on(day)
