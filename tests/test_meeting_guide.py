"""Reading Meeting Guide feeds: pure rules, no database."""

from __future__ import annotations

import json
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from facilitator.domain import meeting_guide_read
from facilitator.domain.meeting_guide_read import InvalidFeed
from facilitator.domain.meeting_guide_read import SkippedMeeting
from facilitator.domain.meeting_guide_read import build_address
from facilitator.domain.meeting_guide_read import decide_attendance
from facilitator.domain.meeting_guide_read import duration_minutes
from facilitator.domain.meeting_guide_read import first_date_on_or_after
from facilitator.domain.meeting_guide_read import load_feed
from facilitator.domain.meeting_guide_read import parse_feed
from facilitator.domain.meeting_guide_read import parse_meeting
from facilitator.domain.meeting_guide_read import parse_time
from facilitator.domain.meeting_types import TYPES
from facilitator.domain.recurrence import meeting_guide_day

DATA = Path(__file__).parent / "data" / "meeting_guide"

MINIMAL = {"name": "Tuesday Step Study", "slug": "tuesday-step-study", "day": 2,
           "time": "19:00", "location": "Community Hall"}


def parse(**fields) -> meeting_guide_read.FeedMeeting:
    return parse_meeting(MINIMAL | fields, 1)


def reason(**fields) -> str:
    with pytest.raises(SkippedMeeting) as caught:
        parse_meeting({k: v for k, v in (MINIMAL | fields).items() if v is not ...}, 1)
    return str(caught.value)


# -- the file ---------------------------------------------------------------------------


def test_a_feed_is_a_list_or_an_object_with_a_meetings_list():
    assert load_feed(b'[{"name": "A"}]') == [{"name": "A"}]
    assert load_feed(b'{"meetings": [{"name": "A"}], "generated": "today"}') == [{"name": "A"}]
    assert load_feed('\ufeff[{"name": "Café"}]'.encode()) == [{"name": "Café"}]


@pytest.mark.parametrize(("data", "message"), [
    (b"<html>Not found</html>", "not valid JSON"),
    (b'[{"name": "A"},]', "not valid JSON"),
    (b'[{"latitude": NaN}]', "not valid JSON"),
    (b"[" * 100_000 + b"]" * 100_000, "not valid JSON"),
    (b'[{"day": ' + b"9" * 5000 + b"}]", "not valid JSON"),
    (b"\xff\xfe[]", "not UTF-8"),
    (b'{"name": "A"}', "expected a list of meetings"),
    (b'"meetings"', "expected a list of meetings"),
    (b"[]", "lists no meetings"),
    (b'{"meetings": []}', "lists no meetings"),
])
def test_files_that_are_no_feed_are_refused(data, message):
    with pytest.raises(InvalidFeed, match=message):
        load_feed(data)


def test_absurdly_large_files_are_refused(monkeypatch):
    monkeypatch.setattr(meeting_guide_read, "MAX_FEED_BYTES", 1000)
    with pytest.raises(InvalidFeed, match="larger than"):
        load_feed(b"[" + b'{"name": "A"},' * 100 + b"{}]")


# -- one meeting --------------------------------------------------------------------------


def test_a_12_step_meeting_list_entry_becomes_plain_values():
    item = json.loads((DATA / "springfield.json").read_text())[2]
    meeting = parse_meeting(item, 3)
    assert meeting.name == "Tuesday Night Women's"
    assert meeting.slug == "tuesday-night-womens"
    assert meeting.weekdays == (1,)  # Meeting Guide 2 = Tuesday = Python 1
    assert (meeting.start_time, meeting.duration_minutes) == (time(19), 60)
    assert meeting.timezone == "America/Chicago"
    assert meeting.attendance == "hybrid"
    assert meeting.location_name == "Grace Lutheran Church"
    assert meeting.address == "455 Oak Ave, Springfield, IL 62704, USA"
    assert (meeting.latitude, meeting.longitude) == (39.7702, -89.6812)
    assert meeting.online_url.startswith("https://us02web.zoom.us/j/85012345678")
    assert meeting.online_phone == "+13125550111,,85012345678#"
    assert meeting.online_notes == "Passcode: serenity\nMeeting ID 850 1234 5678"
    assert meeting.types == ("C", "W", "D")
    assert meeting.group == "Women of Grace Group"
    assert str(meeting.label) == "item 3 “Tuesday Night Women's” (slug tuesday-night-womens)"


@pytest.mark.parametrize(("day", "weekdays"), [
    (0, (6,)), (1, (0,)), (6, (5,)), ([1, 3, 5], (0, 2, 4)), ([0, 6], (5, 6)),
    ([3, 3], (2,)), ("3", (2,)), (3.0, (2,)), (["0", 1], (0, 6)),
])
def test_days_are_counted_from_sunday(day, weekdays):
    assert parse(day=day).weekdays == weekdays


@pytest.mark.parametrize(("day", "message"), [
    (7, "Day 7 is not a day of the week"),
    (-1, "Day -1 is not a day of the week"),
    ([1, 9], "Day 9 is not a day of the week"),
    ("Monday", "Its day is “Monday”, not a day number"),
    (1.5, "Its day is 1.5, not a day number"),
    (True, "Its day is true/false"),
    ({"day": 1}, "Its day is an object"),
    ([], "Its list of days is empty"),
    (None, "It has no day of the week"),
    (..., "It has no day of the week"),
])
def test_days_that_are_no_weekday_skip_the_meeting(day, message):
    assert message in reason(day=day)


@pytest.mark.parametrize(("text", "expected"), [
    ("19:30", time(19, 30)), ("7:05", time(7, 5)), ("00:00", time(0)), ("23:59", time(23, 59)),
    ("19:30:00", time(19, 30)),
])
def test_times_are_24_hour(text, expected):
    assert parse_time(text) == expected


@pytest.mark.parametrize("text", ["25:00", "24:00", "19:60", "7pm", "19.30", "1930", "",
                                  "19:30\n", "١٩:٣٠", "19:30:00:00", " 19:30x"])
def test_times_of_no_day_are_refused(text):
    assert parse_time(text) is None


@pytest.mark.parametrize(("fields", "message"), [
    ({"time": "25:00"}, "Its start time “25:00” is not a time of day"),
    ({"time": ...}, "It has no start time"),
    ({"time": 1900}, "Its start time is a number"),
    ({"end_time": "7pm"}, "Its end time “7pm” is not a time of day"),
    ({"name": ...}, "It has no name"),
    ({"name": "   "}, "It has no name"),
    ({"name": 42}, "“name” should be text, not a number"),
    ({"slug": ...}, "It has no slug"),
    ({"timezone": "Mars/Olympus_Mons"}, "“Mars/Olympus_Mons” is not a time zone we know"),
    ({"types": "O,D"}, "“types” should be a list of type codes"),
    ({"types": ["O", 7]}, "“types” should be a list of type codes"),
    ({"location": {"nested": ["junk"]}}, "“location” should be text, not an object"),
    ({"notes": ["a", "b"]}, "“notes” should be text, not a list"),
    ({"notes": "a\x00b"}, "cannot be stored (NUL)"),
    ({"notes": "\ud800"}, "not valid Unicode"),
    ({"latitude": "north"}, "Its latitude is “north”, not a number"),
    ({"longitude": True}, "Its longitude is true/false, not a number"),
    ({"latitude": 1e999}, "Its latitude is inf, not a number"),
    ({"attendance_option": "sometimes"}, "attendance_option “sometimes” is not one of"),
    ({"attendance_option": "inactive"}, "inactive"),
    ({"region": ["Downtown"]}, "“region” should be text, not a list"),
    ({"regions": "Downtown"}, "“regions” should be a list of text, not text"),
    ({"regions": [7]}, "“regions” should be text, not a number"),
])
def test_each_problem_is_named(fields, message):
    assert message in reason(**fields)


def test_what_real_feeds_send_is_accepted():
    meeting = parse(slug=1234, postal_code=62701, address="1 Elm St", location="",
                    conference_phone=15555550111, latitude="39.78", longitude=-89,
                    time="7:30:00", attendance_option="In_Person", timezone="")
    assert meeting.slug == "1234"
    assert meeting.address == "1 Elm St, 62701"
    assert meeting.online_phone == "15555550111"
    assert (meeting.latitude, meeting.longitude) == (39.78, -89.0)
    assert meeting.start_time == time(7, 30)
    assert meeting.attendance == "in_person"
    assert meeting.timezone is None


def test_a_latitude_without_its_longitude_is_no_position_and_the_meeting_is_kept():
    meeting = parse(latitude=39.78)
    assert (meeting.latitude, meeting.longitude) == (None, None)
    assert meeting.name == MINIMAL["name"]


def test_names_and_addresses_are_one_line():
    meeting = parse(name="  Big\n Book\tStudy ", location="St. Mark's\r\nHall",
                    address="1 Elm St\n", city=" Springfield ", group="Sunrise \n Group",
                    notes="Line one.\nLine two.\n")
    assert (meeting.name, meeting.location_name) == ("Big Book Study", "St. Mark's Hall")
    assert (meeting.address, meeting.group) == ("1 Elm St, Springfield", "Sunrise Group")
    assert meeting.notes == "Line one.\nLine two."


def test_the_region_is_the_feeds_region_or_the_most_general_of_its_regions():
    assert parse(region=" Wicker \n Park ", sub_region="Historic District").region == \
        "Wicker Park"
    assert parse(regions=["Chicago", "Wicker Park"]).region == "Chicago"
    assert parse(region="Downtown", regions=["Chicago"]).region == "Downtown"
    assert parse(regions=[]).region == parse(region=None).region == parse().region == ""


def test_duration_comes_from_the_end_time():
    assert duration_minutes(time(19), time(20, 30)) == 90
    assert duration_minutes(time(23), time(0, 30)) == 90  # past midnight
    assert duration_minutes(time(19), None) == 60
    assert duration_minutes(time(19), time(19)) == 60  # same time: no end given, in effect
    assert parse(time="23:30", end_time="01:00").duration_minutes == 90


def test_address_is_built_from_its_parts_when_not_formatted():
    assert build_address("123 Main St", "Anytown", "CA", "98765", "US") == \
        "123 Main St, Anytown, CA 98765, US"
    assert build_address("", "Anytown", "", "", "") == "Anytown"
    assert parse(formatted_address="9 Oak Rd, Anytown", address="ignored").address == \
        "9 Oak Rd, Anytown"


def test_unknown_types_are_kept_in_the_notes_and_attendance_codes_dropped():
    meeting = parse(types=["O", "XYZ", "ONL", "D", "O", "ABC", "X"], notes="Ring the bell.",
                    conference_url="https://zoom.us/j/1")
    assert meeting.types == ("O", "D", "X")
    assert meeting.wheelchair_accessible
    assert meeting.notes == "Ring the bell.\n\nOther types: XYZ, ABC"
    assert parse(types=["XYZ"]).notes == "Other types: XYZ"
    assert set(meeting.types) <= set(TYPES)


@pytest.mark.parametrize(("option", "codes", "place", "online", "expected"), [
    ("online", [], True, True, "online"),
    ("hybrid", [], True, True, "hybrid"),
    ("in_person", [], True, True, "in_person"),
    ("", [], True, False, "in_person"),
    ("", [], False, True, "online"),
    ("", [], True, True, "hybrid"),
    ("", ["ONL"], False, True, "online"),
    ("", ["ONL"], True, False, "hybrid"),
    ("", ["HYB"], True, True, "hybrid"),
    ("", ["TC"], True, True, "online"),
    ("", [], False, False, "in_person"),
])
def test_attendance(option, codes, place, online, expected):
    assert decide_attendance(option, codes, has_place=place, has_online=online) == expected


def test_a_closed_location_without_an_online_option_is_not_a_meeting():
    with pytest.raises(SkippedMeeting, match="temporarily closed"):
        decide_attendance("", ["TC"], has_place=True, has_online=False)


def test_an_approximate_address_is_no_meeting_place():
    meeting = parse(location="", formatted_address="Springfield, IL, USA", approximate="yes",
                    conference_url="https://zoom.us/j/1")
    assert meeting.attendance == "online"


# -- slugs and days ------------------------------------------------------------------------


def test_source_slugs_name_the_day_only_for_meetings_on_several_days():
    assert parse(day=1).source_slug(0) == "tuesday-step-study"
    several = parse(day=[1, 3])
    assert [several.source_slug(d) for d in several.weekdays] == [
        "tuesday-step-study--mon", "tuesday-step-study--wed"]


slugs_text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=200)


@given(slugs_text.filter(str.strip), st.integers(0, 6))
def test_source_slugs_fit_and_stay_apart(slug, weekday):
    meeting = parse(slug=slug, day=[0, 1, 2, 3, 4, 5, 6])
    other = parse(slug=slug.strip() + "x", day=[0, 1, 2, 3, 4, 5, 6])
    slugs = {meeting.source_slug(d) for d in meeting.weekdays}
    assert len(slugs) == 7
    assert all(len(s) <= meeting_guide_read.SLUG_MAX_LENGTH for s in slugs)
    assert meeting.source_slug(weekday) != other.source_slug(weekday)
    assert meeting.source_slug(weekday) in meeting.possible_source_slugs()


def test_a_slug_listed_twice_keeps_its_first_meeting():
    meetings, skips = parse_feed([MINIMAL, MINIMAL | {"name": "Copy"}, MINIMAL | {"day": [1, 2]}])
    assert [m.index for m in meetings] == [1, 3]  # "--mon"/"--tue" slugs differ from the plain one
    assert [(s.index, str(s.reason)) for s in skips] == [(2, "Its slug is already used by item 1.")]


@given(st.lists(st.integers(0, 6), min_size=1, max_size=7))
def test_every_listed_day_becomes_one_weekday(days):
    meeting = parse(day=days)
    assert sorted({meeting_guide_day(d) for d in meeting.weekdays}) == sorted(set(days))


@given(st.dates(), st.integers(0, 6))
def test_first_date_falls_on_the_weekday_within_a_week(day, weekday):
    first = first_date_on_or_after(weekday, day)
    assert first.weekday() == weekday
    assert 0 <= (first - day).days < 7


def test_local_date_follows_the_zone():
    now = datetime(2026, 3, 3, 3, 0, tzinfo=UTC)  # evening of March 2nd in Chicago
    assert meeting_guide_read.local_date(now, "America/Chicago") == date(2026, 3, 2)
    assert meeting_guide_read.local_date(now, "Europe/Berlin") == date(2026, 3, 3)


# -- hostile input ---------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
FIELDS = ["name", "slug", "day", "time", "end_time", "timezone", "types", "location",
          "location_notes", "formatted_address", "address", "city", "state", "postal_code",
          "country", "latitude", "longitude", "conference_url", "conference_url_notes",
          "conference_phone", "conference_phone_notes", "notes", "group", "group_notes",
          "attendance_option", "approximate", "entity"]


@given(st.dictionaries(st.sampled_from(FIELDS), json_values) | json_values)
def test_any_json_is_read_or_skipped_with_a_reason_never_an_error(raw):
    try:
        meeting = parse_meeting(raw, 1)
    except SkippedMeeting as skipped:
        assert str(skipped)[0].isupper() or str(skipped).startswith("“")
        return
    assert meeting.name and meeting.slug and meeting.weekdays
    assert 1 <= meeting.duration_minutes <= 24 * 60
    assert meeting.attendance in meeting_guide_read.ATTENDANCE_OPTIONS


@given(st.text())
def test_labels_are_safe_to_print(name):
    label = str(meeting_guide_read.item_label(1, name + "\x1b[2J\u202e", "s\x07"))
    assert label.isprintable()
    assert len(label) < 200
