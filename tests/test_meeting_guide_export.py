"""/o/<org>/meetings.json: an org's public meetings written as a Meeting Guide feed."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from datetime import timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from facilitator import clock
from facilitator import demo
from facilitator.domain import meeting_guide_read
from facilitator.domain.links import DIAL_STRING
from facilitator.domain.links import dial_string
from facilitator.domain.links import phone_href
from facilitator.domain.links import public_dial_string
from facilitator.domain.meeting import Attendance
from facilitator.domain.meeting import MeetingSeries
from facilitator.domain.meeting_guide_read import DAY_SUFFIXES
from facilitator.domain.meeting_guide_write import PublishedMeeting
from facilitator.domain.meeting_guide_write import feed_item
from facilitator.domain.meeting_guide_write import feed_items
from facilitator.domain.meeting_guide_write import feed_slug
from facilitator.domain.meeting_guide_write import schedule_notes
from facilitator.domain.meeting_guide_write import utc_text
from facilitator.domain.meeting_types import TYPES
from facilitator.domain.recurrence import Recurrence
from facilitator.domain.recurrence import Schedule
from facilitator.models import Organization
from facilitator.services import meetings
from facilitator.services.meeting_guide_feed import meeting_guide_feed
from tests.conftest import counted_selects
from tests.conftest import schedule_fields

FEED = Path(__file__).parent / "data" / "meeting_guide" / "springfield.json"
TODAY = date(2026, 1, 5)  # a Monday
UPDATED = datetime(2026, 1, 2, 17, 30, 5, tzinfo=UTC)


def group_url(slug: str) -> str:
    return f"https://meetings.example.org/g/{slug}/"


def schedule(recurrence: Recurrence | None = None, **overrides: Any) -> Schedule:
    """Tuesdays 19:00 for 90 minutes in Chicago, from 6 January 2026, unless told."""
    values = {"recurrence": recurrence or Recurrence.weekly(1), "first_date": date(2026, 1, 6),
              "start_time": time(19), "duration": timedelta(minutes=90),
              "timezone": "America/Chicago"}
    return Schedule(**(values | overrides))


def published(**overrides: Any) -> PublishedMeeting:
    values = {"meeting_id": 7, "name": "Tuesday Night", "schedule": schedule(),
              "attendance": "in_person", "group_slug": "riverside",
              "group_name": "Riverside Group", "group_url": group_url("riverside"),
              "updated_at": UPDATED, "location_name": "Community Centre",
              "address": "90 Main Street, Springfield, IL 62701, USA"}
    return published_meeting(**(values | overrides))


def join_url(meeting_id: int) -> str:
    return f"https://meetings.example.org/j/{meeting_id}"


def published_meeting(*, meeting_id: int, name: str, schedule: Schedule, attendance: str,
                      group_slug: str, group_name: str, group_url: str, group_notes: str = "",
                      entity: str = "", **values: Any) -> PublishedMeeting:
    """A series with these values, of the group named."""
    series = MeetingSeries(id=meeting_id, uid=f"{meeting_id}@facilitator", title=name,
                           attendance=Attendance(attendance), **schedule_fields(schedule),
                           **values)
    return PublishedMeeting(series, group_slug=group_slug, group_name=group_name,
                            group_url=group_url, group_notes=group_notes, entity=entity,
                            join_url=join_url(meeting_id))


#: Where an item's notes say the passcode is: the meeting's join page.
ON_THE_JOIN_PAGE = (f"Link and passcode: {join_url(7)} (from 15 minutes before each meeting "
                    "until it ends)")


def item(**overrides: Any) -> dict[str, Any]:
    return feed_item(published(**overrides), TODAY)


# -- the schema's rules, as far as they can be checked without fetching it -------------

SLUG = re.compile(r"[A-Za-z0-9._~-]{1,64}")
#: What the export writes beyond the schema, on purpose: a slug as the feed gave it
#: (longer, or percent-encoded), and a phone with its pauses and key presses as given.
FEED_SLUG = re.compile(r"(?:[A-Za-z0-9._~-]|%[0-9A-Fa-f]{2}){1,300}")
TIME = re.compile(r"([01]?[0-9]|2[0-3]):[0-5][0-9]")
UPDATED_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", re.ASCII)
TEXT_FIELDS = ("name", "slug", "time", "end_time", "timezone", "location", "formatted_address",
               "approximate", "region", "sub_region", "location_notes", "conference_url",
               "conference_url_notes",
               "conference_phone", "conference_phone_notes", "notes", "group", "group_notes",
               "entity", "url", "updated", "attendance_option")


def assert_follows_schema(entry: dict[str, Any]) -> None:
    """code4recovery's meeting.schema.json and meeting-type.schema.json, field by field."""
    assert set(entry) <= {*TEXT_FIELDS, "day", "types", "regions", "latitude", "longitude"}, entry
    assert all(isinstance(entry[k], str) and entry[k] for k in TEXT_FIELDS if k in entry)
    assert entry["name"] and len(entry["name"]) <= 255
    assert SLUG.fullmatch(entry["slug"]) or FEED_SLUG.fullmatch(entry["slug"]), entry["slug"]
    days = entry["day"] if isinstance(entry["day"], list) else [entry["day"]]
    assert days and all(type(d) is int and 0 <= d <= 6 for d in days)
    assert days == sorted(set(days))
    assert TIME.fullmatch(entry["time"]) and TIME.fullmatch(entry["end_time"])
    assert set(entry.get("types", [])) <= set(TYPES)
    assert not {"ONL", "HYB"} & set(entry.get("types", []))
    assert entry["attendance_option"] in ("in_person", "online", "hybrid")
    assert entry.get("approximate", "yes") == "yes"
    if "regions" in entry:
        assert entry["regions"][:2] == [entry["region"], entry["sub_region"]]
    if "conference_phone" in entry:
        assert DIAL_STRING.fullmatch(entry["conference_phone"]), entry["conference_phone"]
    if "conference_url" in entry:
        assert re.match(r"https?://[^\s/]+", entry["conference_url"])
    for key in ("latitude", "longitude"):
        if key in entry:
            assert type(entry[key]) in (int, float)
    assert UPDATED_PATTERN.fullmatch(entry["updated"])
    json.dumps(entry, allow_nan=False)


# -- one meeting -------------------------------------------------------------------------


def test_a_hybrid_meeting_becomes_one_item():
    entry = item(
        attendance="hybrid", source_slug="tuesday-night", types=("O", "D"),
        wheelchair_accessible=True, location_notes="Side door.", latitude=39.78,
        longitude=-89.65, online_url="https://zoom.us/j/85012345678?pwd=c2VyZW5pdHk",
        online_phone="+1 312 555 0111,,85012345678#,,,,4242#", online_notes="Passcode: serenity",
        notes="Coffee from 6:30.", group_notes="Since 1987.", entity="Springfield Intergroup",
        region="Downtown",
    )
    assert entry == {
        "name": "Tuesday Night",
        "slug": "tuesday-night",
        "day": 2,
        "time": "19:00",
        "end_time": "20:30",
        "timezone": "America/Chicago",
        "types": ["O", "D", "X"],
        "attendance_option": "hybrid",
        "location": "Community Centre",
        "formatted_address": "90 Main Street, Springfield, IL 62701, USA",
        "region": "Downtown",
        "location_notes": "Side door.",
        "latitude": 39.78,
        "longitude": -89.65,
        # no passcode: the link without it, the phone up to the meeting ID, and the
        # notes say where the rest is
        "conference_url": "https://zoom.us/j/85012345678",
        "conference_url_notes": ON_THE_JOIN_PAGE,
        "conference_phone": "+13125550111,,85012345678#",
        "notes": "Coffee from 6:30.",
        "group": "Riverside Group",
        "group_notes": "Since 1987.",
        "entity": "Springfield Intergroup",
        "url": "https://meetings.example.org/g/riverside/",
        "updated": "2026-01-02 17:30:05",
    }
    assert_follows_schema(entry)


def test_fields_with_nothing_to_say_are_left_out():
    entry = item()
    assert set(entry) == {"name", "slug", "day", "time", "end_time", "timezone",
                          "attendance_option", "location", "formatted_address", "group", "url",
                          "updated"}
    assert_follows_schema(entry)


@pytest.mark.parametrize(("weekdays", "day"), [
    ((6,), 0), ((0,), 1), ((1,), 2), ((5,), 6), ((0, 2, 4), [1, 3, 5]), ((6, 5), [0, 6]),
    (tuple(range(7)), [0, 1, 2, 3, 4, 5, 6]),
])
def test_days_are_counted_from_sunday(weekdays, day):
    first = date(2026, 1, 5) + timedelta(days=weekdays[0])
    assert item(schedule=schedule(Recurrence.weekly(*weekdays), first_date=first))["day"] == day


@pytest.mark.parametrize(("recurrence", "first", "day"), [
    (Recurrence.weekly(1, interval=2), date(2026, 1, 6), 2),
    (Recurrence.monthly(5, 1, 3), date(2026, 1, 3), 6),
    (Recurrence.monthly(6, -1), date(2026, 1, 25), 0),
    (Recurrence.once(), date(2026, 12, 3), 4),
])
def test_other_recurrences_are_listed_on_their_weekday(recurrence, first, day):
    assert item(schedule=schedule(recurrence, first_date=first))["day"] == day


@pytest.mark.parametrize(("start", "minutes", "times"), [
    (time(7, 5), 55, ("07:05", "08:00")),
    (time(23), 90, ("23:00", "00:30")),  # past midnight
    (time(0), 1, ("00:00", "00:01")),
    (time(12), 24 * 60, ("12:00", "12:00")),
])
def test_times_are_24_hour_hh_mm(start, minutes, times):
    entry = item(schedule=schedule(start_time=start, duration=timedelta(minutes=minutes)))
    assert (entry["time"], entry["end_time"]) == times


def test_the_slug_is_the_imported_one_else_group_and_meeting_id():
    assert item(source_slug="sunrise-serenity--mon")["slug"] == "sunrise-serenity--mon"
    assert item(source_slug="1234")["slug"] == "1234"
    assert item(source_slug=None)["slug"] == "riverside-7"
    assert item(source_slug="")["slug"] == "riverside-7"


@pytest.mark.parametrize("source_slug", [
    "Café Sunrise", "sunrise serenity", "a/b", "<script>", "x" * 301, "sunrise\n", "50%",
])
def test_an_imported_slug_that_is_not_url_safe_is_replaced(source_slug):
    assert item(source_slug=source_slug, meeting_id=12)["slug"] == "riverside-12"


def test_long_slugs_of_our_own_are_shortened_to_64_and_stay_apart():
    group = "g" * 64
    slugs = {feed_slug(None, None, group, n) for n in (1, 2, 10**9)}
    assert len(slugs) == 3
    assert all(len(s) <= 64 and SLUG.fullmatch(s) for s in slugs)
    assert feed_slug("x" * 64, None, group, 1) == "x" * 64


#: A real slug (the Southeastern PA intergroup's): 68 characters.
LONG_SLUG = "meeting-585-general-steuben-rd-king-of-prussia-pa-19406-usa-0-070000"


@pytest.mark.parametrize("given", [LONG_SLUG, "caf%C3%A9-sunrise", "r%C3%A9union-" + "x" * 80])
def test_an_imported_slug_is_written_back_as_the_feed_gave_it(given):
    """Apps key favourites on the slug: one longer than 64 characters or percent-encoded
    is kept as given, not the shortened source slug."""
    entry = item(source_slug=meeting_guide_read.fit_slug(given), feed_slug=given)
    assert entry["slug"] == given
    assert_follows_schema(entry)


def days_of(slug: str, weekdays: tuple[int, ...], **overrides: Any) -> list[PublishedMeeting]:
    """The series an import makes of one feed meeting listed on these (Python) weekdays."""
    return [published(meeting_id=10 + d, source_slug=f"{slug}--{DAY_SUFFIXES[(d + 1) % 7]}",
                      feed_slug=slug,
                      schedule=schedule(Recurrence.weekly(d), first_date=TODAY + timedelta(d)),
                      updated_at=UPDATED + timedelta(minutes=d), **overrides)
            for d in weekdays]


def test_a_meeting_on_several_days_is_one_item_again_under_the_feeds_slug():
    items = feed_items(days_of("sunrise-serenity", (0, 2, 4)), TODAY)
    assert [(e["slug"], e["day"]) for e in items] == [("sunrise-serenity", [1, 3, 5])]
    assert items[0]["updated"] == utc_text(UPDATED + timedelta(minutes=4))
    one_left = feed_items(days_of("sunrise-serenity", (2,)), TODAY)
    assert [(e["slug"], e["day"]) for e in one_left] == [("sunrise-serenity", 3)]


def test_a_day_changed_since_is_an_item_of_its_own_under_its_source_slug():
    monday, wednesday = days_of("sunrise-serenity", (0, 2))
    changed = replace(wednesday, series=replace(wednesday.series, title="Wednesday Serenity"))
    items = feed_items([monday, changed], TODAY)
    assert [e["slug"] for e in items] == ["sunrise-serenity--mon", "sunrise-serenity--wed"]


def test_types_keep_to_the_schema_list():
    entry = item(types=("O", "ONL", "HYB", "XYZ", "D", "O", "TC"), wheelchair_accessible=True)
    assert entry["types"] == ["O", "D", "TC", "X"]
    online = item(attendance="online", online_url="https://zoom.us/j/1", types=("ONL", "ST"),
                  wheelchair_accessible=True)
    assert online["types"] == ["ST"]  # online: told by attendance_option, no "X"
    assert "types" not in item(types=("ONL", "HYB"))


def test_an_online_meeting_has_no_place_and_an_in_person_one_no_link():
    online = item(attendance="online", online_url="https://zoom.us/j/1", latitude=1.0,
                  longitude=2.0, location_notes="Old hall", region="Online", address="")
    assert online["attendance_option"] == "online"
    assert not {"location", "formatted_address", "location_notes", "latitude"} & set(online)
    assert online["region"] == "Online"  # an online meeting's region is kept
    assert "approximate" not in online  # no address, and the org set no location
    assert online["conference_url"] == "https://zoom.us/j/1"
    in_person = item(online_url="https://zoom.us/j/1", online_phone="+15555550111",
                     online_notes="Passcode 1")
    assert not {k for k in in_person if k.startswith("conference")}


def test_an_online_meeting_carries_an_approximate_place():
    """The Meeting Guide app lists only meetings with a place near the person looking."""
    org_says = feed_item(replace(published(attendance="online", online_url="https://zoom.us/j/1",
                                           address=""), online_location="Chicago, IL, USA"),
                         TODAY)
    assert (org_says["formatted_address"], org_says["approximate"]) == ("Chicago, IL, USA",
                                                                        "yes")
    own = feed_item(replace(published(attendance="online", online_url="https://zoom.us/j/1",
                                      address="Wicker Park, Chicago, IL, USA"),
                            online_location="Chicago, IL, USA"), TODAY)
    assert own["formatted_address"] == "Wicker Park, Chicago, IL, USA"
    hybrid = feed_item(replace(published(attendance="hybrid", online_url="https://zoom.us/j/1"),
                               online_location="Chicago, IL, USA"), TODAY)
    assert hybrid["formatted_address"] == "90 Main Street, Springfield, IL 62701, USA"
    assert "approximate" not in hybrid
    assert_follows_schema(org_says)


def test_regions_are_written_with_their_levels():
    entry = item(region="Philadelphia County", sub_region="East Germantown > Chestnut Hill")
    assert (entry["region"], entry["sub_region"], entry["regions"]) == (
        "Philadelphia County", "East Germantown",
        ["Philadelphia County", "East Germantown", "Chestnut Hill"])
    assert {"sub_region", "regions"}.isdisjoint(item(region="Downtown"))
    assert_follows_schema(entry)


def test_coordinates_are_numbers_written_only_when_both_are_known():
    entry = item(latitude=0.0, longitude=-89.5)
    assert (entry["latitude"], entry["longitude"]) == (0.0, -89.5)
    assert "latitude" not in item(latitude=39.7) and "longitude" not in item(latitude=39.7)


@pytest.mark.parametrize("url", [
    "javascript:alert(1)", "zoom.us/j/1", "ftp://example.org/x", "https://",
    "https://zoom.us/j/1 pwd", "https://[::1", "https://zoom.us/\x00",
])
def test_only_http_links_are_conference_urls(url):
    entry = item(attendance="online", online_url=url, online_phone="+15555550111",
                 online_notes="Meeting ID 1")
    assert "conference_url" not in entry
    assert entry["conference_phone"] == "+15555550111"
    assert entry["conference_phone_notes"] == ON_THE_JOIN_PAGE  # with the phone, then


def test_a_phone_no_dialer_takes_is_only_on_the_join_page():
    # free text may hold anything, the passcode too: the join page shows it
    words = "ID: 372 734 770  Password: serenity"
    entry = item(attendance="online", online_url="https://zoom.us/j/372734770",
                 online_phone=words, online_notes="Passcode: 1234")
    assert "conference_phone" not in entry and "conference_phone_notes" not in entry
    assert entry["conference_url_notes"] == ON_THE_JOIN_PAGE
    assert "serenity" not in json.dumps(entry) and "1234" not in json.dumps(entry)
    phone_only = item(attendance="online", online_phone="1-800-FLOWERS",
                      online_notes="Ask for Bill")
    assert phone_only["conference_phone_notes"] == ON_THE_JOIN_PAGE
    assert_follows_schema(entry)
    assert_follows_schema(phone_only)


def test_updated_is_utc_without_fractions():
    east = timezone(timedelta(hours=5, minutes=30))
    assert utc_text(datetime(2026, 1, 2, 23, 5, 9, 999_999, tzinfo=east)) == \
        "2026-01-02 17:35:09"
    assert item(updated_at=datetime(2025, 12, 31, 23, 59, 59, tzinfo=UTC))["updated"] == \
        "2025-12-31 23:59:59"
    with pytest.raises(ValueError, match="naive"):
        utc_text(datetime(2026, 1, 2, 12))


# -- phones ------------------------------------------------------------------------------

#: The spec's own examples of conference_phone (README and meeting.schema.json).
SPEC_PHONES = ["+1234567890", "+441234567890", "+8613800138000", "1234567890*567",
               "+1234567890,1234#"]


@pytest.mark.parametrize(("phone", "expected"), [
    *((p, p) for p in SPEC_PHONES),
    # As real feeds and Zoom write them: every pause and key press where it was.
    ("+13017158592,,85779615129#,,,,005088#", "+13017158592,,85779615129#,,,,005088#"),
    ("+16465558888,,87654321#,,,,*123456#", "+16465558888,,87654321#,,,,*123456#"),
    ("+19292056099,,1234567890#,,,,,##", "+19292056099,,1234567890#,,,,,##"),
    ("3126266799,,6631029191#,,#,,987776", "3126266799,,6631029191#,,#,,987776"),
    ("+15555550111,,123456#", "+15555550111,,123456#"),
    # Only what people read by goes: spaces, dashes, dots, brackets.
    ("+1 (555) 555-0111", "+15555550111"),
    ("555.555.0111", "5555550111"),
    ("+1\u00a0555\u00a0555\u00a00111", "+15555550111"),
    ("+1 555 555 0111,,123 456#", "+15555550111,,123456#"),
    # Not a number to dial.
    ("+1 555 555 0111 ext 12", None),
    ("1-800-FLOWERS", None),
    ("+15873281099,,82900440659#,,#,,M1F3TTRl#", None),  # a passcode with letters
    ("ID: 372 734 770  Password: serenity", None),
    ("+1+16699006833,,282918976#", None),
    ("+1555555011112345678", None),  # more than 15 digits before the first separator
    ("+\u0661\u0665\u0665", None),  # digits, but not 0-9
    ("++15555550111", None),
    (",,123", None),
    ("#", None),
    ("", None),
])
def test_phones_are_written_as_the_source_gives_them(phone, expected):
    assert dial_string(phone) == expected


@given(st.text())
def test_a_written_phone_always_matches_and_keeps_its_digits_and_keys(phone):
    written = dial_string(phone)
    if written is not None:
        assert DIAL_STRING.fullmatch(written)
        assert re.sub(r"[^0-9,*#+]", "", written) == re.sub(r"[^0-9,*#+]", "", phone)
        assert dial_string(written) == written


@given(st.from_regex(DIAL_STRING, fullmatch=True))
def test_a_dial_string_is_left_as_it_is(phone):
    assert dial_string(phone) == phone


def test_a_dial_string_stays_one_tap_in_a_tel_link():
    assert phone_href("+13017158592,,85779615129#,,,,005088#") == \
        "tel:+13017158592,,85779615129%23,,,,005088%23"
    assert phone_href("+1 (555) 555-0111,,12#") == "tel:+15555550111,,12%23"


def test_a_zoom_phone_is_exported_up_to_its_meeting_id():
    zoom = "+13017158592,,85779615129#,,,,005088#"
    entry = item(attendance="online", online_url="https://zoom.us/j/85779615129?pwd=abc",
                 online_phone=zoom)
    assert entry["conference_phone"] == "+13017158592,,85779615129#"
    assert entry["conference_url"] == "https://zoom.us/j/85779615129"
    assert entry["conference_url_notes"] == ON_THE_JOIN_PAGE
    assert_follows_schema(entry)


def test_a_passcode_by_request_says_whom_to_ask():
    entry = item(attendance="online", online_url="https://zoom.us/j/85779615129?pwd=abc",
                 online_notes="Passcode: calm", passcode_by_request=True,
                 passcode_contact="intergroup@example.org")
    assert entry["conference_url"] == "https://zoom.us/j/85779615129"
    assert entry["conference_url_notes"] == "Passcode on request: intergroup@example.org"
    assert "calm" not in json.dumps(entry)


# -- recurrences other than weekly ---------------------------------------------------------


@pytest.mark.parametrize(("recurrence", "first", "notes"), [
    (Recurrence.weekly(1), date(2025, 3, 4), ""),
    (Recurrence.weekly(0, 2, 4), date(2025, 3, 3), ""),
    (Recurrence.monthly(5, 1, 3), date(2025, 1, 4), "First and third Saturday of the month."),
    (Recurrence.monthly(4, -1), date(2025, 1, 31), "Last Friday of the month."),
    (Recurrence.weekly(1, interval=2), date(2025, 12, 30),
     "Every other Tuesday. Next on Tuesday 13 January 2026."),
    (Recurrence.weekly(1, 3, interval=3), date(2026, 1, 6),
     "Every 3 weeks on Tuesday and Thursday. Next on Tuesday 6 January 2026."),
    (Recurrence.once(), date(2026, 12, 3), "Only on Thursday 3 December 2026."),
    # Starting later than the weekday suggests.
    (Recurrence.weekly(1), date(2026, 1, 13), "Starts on Tuesday 13 January 2026."),
    (Recurrence.weekly(1, 4), date(2026, 1, 9), "Starts on Friday 9 January 2026."),
    (Recurrence.monthly(5, 1), date(2026, 3, 7),
     "First Saturday of the month. Starts on Saturday 7 March 2026."),
])
def test_what_the_day_does_not_say_opens_the_notes(recurrence, first, notes):
    meeting_schedule = schedule(recurrence, first_date=first)
    assert schedule_notes(meeting_schedule, TODAY) == notes
    entry = item(schedule=meeting_schedule, notes="Coffee from 6:30.")
    assert entry["notes"] == (f"{notes}\n\nCoffee from 6:30." if notes else "Coffee from 6:30.")


def test_the_next_weekly_date_needs_no_start_note():
    # The first date is the next Tuesday from today: going next Tuesday finds it.
    assert schedule_notes(schedule(first_date=date(2026, 1, 6)), TODAY) == ""
    assert schedule_notes(schedule(first_date=TODAY - timedelta(days=6)), TODAY) == ""


def test_a_last_date_in_sight_is_told():
    assert schedule_notes(schedule(last_date=date(2026, 3, 5)), TODAY) == \
        "Last meeting on Tuesday 3 March 2026."
    assert schedule_notes(schedule(Recurrence.monthly(5, 1), first_date=date(2025, 1, 4),
                                   last_date=date(2026, 2, 28)), TODAY) == \
        "First Saturday of the month. Last meeting on Saturday 7 February 2026."
    assert schedule_notes(schedule(last_date=date(2036, 1, 1)), TODAY) == ""


# -- the whole feed ------------------------------------------------------------------------


def test_ended_meetings_and_past_dates_are_left_out():
    meetings_ = [
        published(meeting_id=1, name="Ended",
                  schedule=schedule(first_date=date(2025, 1, 7), last_date=date(2026, 1, 4))),
        published(meeting_id=2, name="Past date",
                  schedule=schedule(Recurrence.once(), first_date=date(2026, 1, 4))),
        published(meeting_id=3, name="Ends after its last Tuesday",
                  schedule=schedule(first_date=date(2025, 1, 7), last_date=date(2026, 1, 5))),
        published(meeting_id=4, name="Last date today",
                  schedule=schedule(Recurrence.weekly(0), first_date=date(2025, 1, 6),
                                    last_date=TODAY)),
        published(meeting_id=5, name="Today only",
                  schedule=schedule(Recurrence.once(), first_date=TODAY)),
        published(meeting_id=6, name="Not yet started",
                  schedule=schedule(first_date=date(2026, 6, 2))),
    ]
    assert [e["name"] for e in feed_items(meetings_, TODAY)] == [
        "Last date today", "Today only", "Not yet started"]


def test_the_feed_is_in_week_order_whatever_order_the_meetings_come_in():
    meetings_ = [
        published(meeting_id=n, source_slug=slug,
                  schedule=schedule(Recurrence.weekly(weekday), start_time=start,
                                    first_date=TODAY + timedelta(days=weekday)))
        for n, (slug, weekday, start) in enumerate([
            ("tue-b", 1, time(19)), ("sun", 6, time(9)), ("tue-a", 1, time(19)),
            ("mon-late", 0, time(20)), ("mon-early", 0, time(7)), ("sat", 5, time(10)),
        ], start=1)
    ]
    expected = ["sun", "mon-early", "mon-late", "tue-a", "tue-b", "sat"]
    assert [e["slug"] for e in feed_items(meetings_, TODAY)] == expected
    assert json.dumps(feed_items(reversed(meetings_), TODAY)) == \
        json.dumps(feed_items(meetings_, TODAY))


def test_each_slug_is_used_once_the_older_meeting_keeping_it():
    meetings_ = [published(meeting_id=n, name=f"Meeting {n}", source_slug=slug)
                 for n, slug in ((3, "step-study"), (1, "step-study"), (2, "step-study-2"),
                                 (4, "riverside-5"), (5, None))]
    slugs = {e["name"]: e["slug"] for e in feed_items(meetings_, TODAY)}
    assert slugs == {
        "Meeting 1": "step-study", "Meeting 2": "step-study-2",
        "Meeting 3": "step-study-3",  # "-2" is another meeting's
        "Meeting 4": "riverside-5", "Meeting 5": "riverside-5-2",  # its own would clash
    }


weekday_sets = st.lists(st.integers(0, 6), min_size=1, max_size=7, unique=True)
recurrences = st.one_of(
    st.builds(lambda days, n: Recurrence.weekly(*days, interval=n), weekday_sets,
              st.integers(1, 4)),
    st.builds(lambda day, ords: Recurrence.monthly(day, *ords), st.integers(0, 6),
              st.lists(st.sampled_from([1, 2, 3, 4, 5, -1]), min_size=1, unique=True)),
    st.just(Recurrence.once()),
)
texts = st.text(max_size=30)


@st.composite
def any_meeting(draw: st.DrawFn) -> PublishedMeeting:
    first = draw(st.dates(date(2024, 1, 1), date(2027, 12, 31)))
    last = draw(st.none() | st.dates(first, date(2028, 12, 31)))
    return published_meeting(
        meeting_id=draw(st.integers(1, 10**12)),
        name=draw(st.text(min_size=1, max_size=200)),
        schedule=Schedule(draw(recurrences), first, draw(st.times()).replace(second=0,
                          microsecond=0), timedelta(minutes=draw(st.integers(1, 1440))),
                          draw(st.sampled_from(["America/Chicago", "UTC", "Asia/Kolkata"])),
                          last),
        attendance=draw(st.sampled_from([a.value for a in Attendance])),
        group_slug=draw(st.from_regex(r"[a-z0-9]+(-[a-z0-9]+)*", fullmatch=True).filter(
            lambda s: len(s) <= 64)),
        group_name=draw(texts.filter(str.strip)),
        group_url="https://meetings.example.org/g/x/",
        updated_at=draw(st.datetimes(timezones=st.just(UTC), min_value=datetime(2000, 1, 1),
                                     max_value=datetime(2100, 1, 1))),
        source_slug=draw(st.none() | st.text(max_size=70)),
        location_name=draw(texts), address=draw(texts), location_notes=draw(texts),
        wheelchair_accessible=draw(st.booleans()),
        latitude=draw(st.none() | st.floats(-90, 90)),
        longitude=draw(st.none() | st.floats(-180, 180)),
        online_url=draw(st.sampled_from(["", "https://zoom.us/j/1", "javascript:x", "zoom"])),
        online_phone=draw(st.text(alphabet="+0123456789,*# -()x", max_size=30)),
        online_notes=draw(texts),
        types=tuple(draw(st.lists(st.sampled_from([*TYPES, "ONL", "HYB", "XYZ", ""])))),
        notes=draw(texts),
    )


@given(st.lists(any_meeting(), max_size=6))
def test_every_item_follows_the_schema(meetings_):
    items = feed_items(meetings_, TODAY)
    for entry in items:
        assert_follows_schema(entry)
    assert len({e["slug"] for e in items}) == len(items)


# -- from the database -------------------------------------------------------------------


def names(items: list[dict[str, Any]]) -> list[str]:
    return [e["name"] for e in items]


def test_only_public_groups_of_the_org_are_in_the_feed(session, make_org, make_group,
                                                       make_meeting):
    org = make_org(name="Riverside Intergroup")
    public = make_group(org, slug="riverside-public", name="Riverside Group",
                        description="Home group since 1987.")
    private = make_group(org, slug="riverside-private", visibility="private")
    other = make_group(make_org(), slug="elsewhere")
    meeting = make_meeting(public, title="Open Meeting", types=["O", "D"])
    make_meeting(private, title="Private Meeting", location_name="Secret Hall")
    make_meeting(other, title="Other Org's Meeting")

    items = meeting_guide_feed(session, org, group_url, TODAY)
    assert names(items) == ["Open Meeting"]
    assert "Secret Hall" not in json.dumps(items)
    [entry] = items
    assert entry["slug"] == f"riverside-public-{meeting.id}"
    assert (entry["group"], entry["group_notes"]) == ("Riverside Group", "Home group since 1987.")
    assert entry["url"] == "https://meetings.example.org/g/riverside-public/"
    assert entry["entity"] == "Riverside Intergroup"
    assert entry["types"] == ["O", "D"]
    assert entry["updated"] == utc_text(meeting.updated_at)
    assert_follows_schema(entry)


def test_ended_meetings_are_not_in_the_feed(session, make_org, make_group, make_meeting):
    org = make_org()
    group = make_group(org)
    make_meeting(group, title="Ended", first_date=date(2025, 6, 3), last_date=date(2026, 1, 3))
    make_meeting(group, title="Past one-date meeting", recurrence=Recurrence.once(),
                 first_date=date(2026, 1, 2))
    make_meeting(group, title="Ending", first_date=date(2025, 6, 3), last_date=date(2026, 2, 3))
    make_meeting(group, title="Coming one-date meeting", recurrence=Recurrence.once(),
                 first_date=date(2026, 1, 8))
    ended_by_hand = make_meeting(group, title="Ended by hand", first_date=date(2025, 6, 3))
    meetings.end_meeting(session, None, ended_by_hand, date(2025, 12, 30))
    session.commit()

    items = meeting_guide_feed(session, org, group_url, TODAY)
    assert names(items) == ["Ending", "Coming one-date meeting"]
    assert items[0]["notes"] == "Last meeting on Tuesday 3 February 2026."
    assert items[1]["notes"] == "Only on Thursday 8 January 2026."


def test_the_feed_takes_one_query_however_many_meetings(app, session, make_org, make_group,
                                                        make_meeting):
    counts = []
    for size in (1, 12):
        org = make_org()
        groups = [make_group(org), make_group(org), make_group(org, visibility="private")]
        for n in range(size):
            make_meeting(groups[n % 3], title=f"Meeting {n}",
                         recurrence=Recurrence.weekly(n % 7))
        # Nothing in the session's identity map: each lazy load would be a query.
        org_id = org.id
        session.expunge_all()
        org = session.get(Organization, org_id)
        with counted_selects(app) as statements:
            items = meeting_guide_feed(session, org, group_url, TODAY)
        assert items
        counts.append(len(statements))
    assert counts == [1, 1]


# -- round trip: import, export, import the export, export again ------------------------


def run(runner, path: Path, org: str, *args: str) -> str:
    result = runner.invoke(args=["import-meeting-guide", str(path), "--org", org, *args])
    assert result.exit_code == 0, result.output
    return result.output


def export(session, slug: str, today: date) -> list[dict[str, Any]]:
    session.expire_all()
    org = session.scalar(select(Organization).where(Organization.slug == slug))
    return meeting_guide_feed(session, org, group_url, today)


#: What may differ between two orgs holding the same meetings: the group pages (group
#: slugs are unique across orgs, so the second org's get "-2") and when rows were written.
ORG_SPECIFIC = ("url", "updated")


def comparable(entry: dict[str, Any]) -> dict[str, Any]:
    """The item without org-specific fields, and with its online notes as the import
    keeps them: conference_url_notes and conference_phone_notes become one text
    (Meeting.online_notes), so a phone the schema cannot hold, written to the phone notes
    the first time, comes back with the link's notes the second time. The text and where
    it applies are the same."""
    kept = {k: v for k, v in entry.items() if k not in ORG_SPECIFIC
            and k not in ("conference_url_notes", "conference_phone_notes")}
    kept["online notes"] = "\n".join(entry[k] for k in ("conference_url_notes",
                                                        "conference_phone_notes") if k in entry)
    return kept


def test_an_exported_feed_imports_back_to_the_same_meetings(runner, session, tmp_path,
                                                             monkeypatch):
    now = datetime(2026, 3, 4, 18, tzinfo=UTC)  # noon on a Wednesday in Chicago
    monkeypatch.setattr(clock, "now", lambda: now)
    today = date(2026, 3, 4)
    run(runner, FEED, "springfield")
    first = export(session, "springfield", today)

    # One item per feed meeting again (17 series, one per weekday); the inactive one was
    # skipped.
    assert len(first) == 10
    for entry in first:
        assert_follows_schema(entry)
    by_slug = {e["slug"]: e for e in first}
    assert by_slug["sunrise-serenity"]["day"] == [1, 3, 5]  # the source's slug and days
    assert by_slug["sunrise-serenity"]["types"] == ["O", "D", "X"]
    assert by_slug["tuesday-night-womens"]["conference_phone"] == "+13125550111,,85012345678#"
    assert by_slug["tuesday-night-womens"]["attendance_option"] == "hybrid"
    assert by_slug["lunch-bunch"]["attendance_option"] == "hybrid"  # it said "HYB"
    assert by_slug["zoom-step-study"]["types"] == ["ST"]  # "ONL" is not sent on
    # up to the meeting ID: the passcode after it is on the join page only
    assert by_slug["zoom-step-study"]["conference_phone"] == "+16465558888,,87654321#"
    assert by_slug["night-owls"]["end_time"] == "00:30"
    assert by_slug["monday-meditation"]["timezone"] == "America/New_York"
    assert by_slug["grupo-esperanza"]["notes"] == "Reunión en español.\n\nOther types: XYZ, MED2"

    exported = tmp_path / "springfield-export.json"
    exported.write_text(json.dumps(first, ensure_ascii=False, indent=1), encoding="utf-8")
    output = run(runner, exported, "springfield-again")
    assert "17 created, 0 updated, 0 unchanged, 0 skipped." in output
    second = export(session, "springfield-again", today)

    assert [comparable(e) for e in second] == [comparable(e) for e in first]
    # The fields the issue names, for the record, item by item.
    fields = ("name", "day", "time", "end_time", "timezone", "types", "location",
              "formatted_address", "conference_url", "attendance_option")
    assert [{f: e.get(f) for f in fields} for e in second] == \
        [{f: e.get(f) for f in fields} for e in first]
    assert {e["url"] for e in second}.isdisjoint({e["url"] for e in first})

    # And again: nothing changes, to the byte.
    assert json.dumps(export(session, "springfield", today)) == json.dumps(first)


def test_a_meeting_that_is_not_weekly_comes_back_weekly_with_its_words(
    runner, session, tmp_path, make_org, make_group, make_meeting, monkeypatch
):
    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 1, 5, 18, tzinfo=UTC))
    org = make_org(slug="monthly-org")
    group = make_group(org, slug="first-saturday", name="First Saturday Group")
    make_meeting(group, title="Speaker Night", recurrence=Recurrence.monthly(5, 1, 3),
                 first_date=date(2025, 1, 4), notes="Potluck after.")
    [entry] = export(session, "monthly-org", TODAY)
    assert entry["day"] == 6
    assert entry["notes"] == "First and third Saturday of the month.\n\nPotluck after."

    path = tmp_path / "monthly.json"
    path.write_text(json.dumps([entry]))
    run(runner, path, "monthly-again")
    [again] = export(session, "monthly-again", TODAY)
    # Meeting Guide has no monthly meetings: it is weekly now, and its notes say which.
    assert (again["day"], again["notes"]) == (6, entry["notes"])
    assert again["slug"] == entry["slug"]


def test_json_of_the_same_data_is_the_same_bytes(session, make_org, make_group, make_meeting):
    org = make_org()
    group = make_group(org)
    for n in range(5):
        make_meeting(group, title=f"Meeting {n}", start_time=time(19 - n % 2),
                     recurrence=Recurrence.weekly(n % 2))
    first = json.dumps(meeting_guide_feed(session, org, group_url, TODAY), ensure_ascii=False)
    session.expire_all()
    assert json.dumps(meeting_guide_feed(session, org, group_url, TODAY),
                      ensure_ascii=False) == first
    assert [(e["day"], e["time"]) for e in json.loads(first)] == sorted(
        (e["day"], e["time"]) for e in json.loads(first))


def test_the_meeting_model_fields_reach_the_item(session, make_org, make_group, make_meeting):
    org = make_org()
    group = make_group(org, slug="hybrid-group")
    meeting = make_meeting(group, attendance=Attendance.HYBRID,
                           online_url="https://zoom.us/j/1?pwd=c2VjcmV0",
                           online_phone="+1 555 555 0111,,1#,,,,77#", online_notes="Passcode 7",
                           location_notes="Room 2", latitude=41.5, longitude=-87.5,
                           wheelchair_accessible=True, types=["C"])
    [entry] = meeting_guide_feed(session, org, group_url, TODAY, join_url)
    assert {k: entry[k] for k in ("location", "formatted_address", "location_notes",
                                  "latitude", "longitude", "conference_url",
                                  "conference_url_notes", "conference_phone", "types")} == {
        "location": "Community Centre", "formatted_address": "90 Main Street",
        "location_notes": "Room 2", "latitude": 41.5, "longitude": -87.5,
        # never the passcode: the link without it, the phone up to the meeting ID, and
        # the notes lead to the join page
        "conference_url": "https://zoom.us/j/1",
        "conference_url_notes": f"Link and passcode: {join_url(meeting.id)} (from 15 minutes "
                                "before each meeting until it ends)",
        "conference_phone": "+15555550111,,1#", "types": ["C", "X"]}



# -- issue 25: round trips of real and made-up feeds -----------------------------------

DATA = Path(__file__).parent / "data" / "meeting_guide"


def round_trip(runner, session, tmp_path, path: Path, org: str, today: date, *args: str,
               online_location: str = "") -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Import the feed into a new org, export it, import the export into another new org
    and export that: the two exports. Both orgs give online meetings `online_location`."""
    exports = []
    for slug in (org, f"{org}-again"):
        if exports:
            path = tmp_path / f"{org}-export.json"
            path.write_text(json.dumps(exports[0], ensure_ascii=False), encoding="utf-8")
        run(runner, path, slug, *args)
        found = session.scalar(select(Organization).where(Organization.slug == slug))
        found.online_location = online_location
        session.commit()
        exports.append(export(session, slug, today))
    return exports[0], exports[1]


def test_a_feed_with_every_case_comes_back_the_same(runner, session, tmp_path, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 3, 4, 18, tzinfo=UTC))
    first, second = round_trip(runner, session, tmp_path, DATA / "every_case.json",
                               "every-case", date(2026, 3, 4),
                               online_location="Springfield, IL, USA")
    assert [comparable(e) for e in second] == [comparable(e) for e in first]
    source = {item["slug"]: item for item in json.loads((DATA / "every_case.json").read_text())}
    written = {item["slug"]: item for item in first}
    assert set(written) == set(source)  # each slug as given: long, percent-encoded, multi-day
    for slug, item in source.items():
        for key in ("name", "day", "timezone", "location", "formatted_address", "region",
                    "regions", "sub_region", "conference_url", "group", "notes",
                    "attendance_option"):
            if key in item:
                assert written[slug][key] == item[key], (slug, key)
        # The phone up to the meeting ID; the passcode after it, and the notes that
        # may say it, only on the join page.
        if "conference_phone" in item:
            assert written[slug]["conference_phone"] == public_dial_string(
                item["conference_phone"]), slug
        assert "005088" not in json.dumps(written[slug])
        assert written[slug]["types"] == [t for t in item["types"] if t in TYPES], slug
    assert written["evening-serenity"]["time"] == "19:30"
    assert written["morning-pages"]["end_time"] == "12:00"
    assert written["midnight-slip"]["end_time"] == "01:15"
    assert written["evening-serenity"]["sub_region"] == "Downtown"  # with "regions"
    assert written["morning-pages"]["regions"] == ["Springfield", "West Side"]
    online = written["zoom-step-study"]
    assert (online["formatted_address"], online["approximate"]) == ("Springfield, IL, USA",
                                                                    "yes")


def test_the_demo_comes_back_the_same(runner, session, tmp_path, frozen_clock):
    assert runner.invoke(args=["demo"]).exit_code == 0
    today = clock.today_in("America/Chicago")
    first = export(session, demo.SLUG, today)
    exported = tmp_path / "demo.json"
    exported.write_text(json.dumps(first, ensure_ascii=False), encoding="utf-8")
    run(runner, exported, "demo-again")
    second = export(session, "demo-again", today)
    assert len(first) > 5
    assert [comparable(e) for e in second] == [comparable(e) for e in first]
    # What Meeting Guide cannot say stays in words: an every-other-week or monthly
    # meeting is weekly in the JSON, and its notes say which weeks.
    said = [e["notes"] for e in first if "Every other" in e.get("notes", "")
            or "of the month" in e.get("notes", "")]
    assert said


def changed_fields(source: list[dict[str, Any]], exported: list[dict[str, Any]]
                   ) -> dict[str, int]:
    """How many items of the source the export writes otherwise, by field (fields the
    export adds are not counted)."""
    written = {item["slug"]: item for item in exported}
    changed: dict[str, int] = {}
    for item in source:
        out = written.get(str(item["slug"]))
        if out is None:
            continue
        for key, value in item.items():
            if value in (None, "", []) and key not in out:
                continue
            if out.get(key) != value:
                changed[key] = changed.get(key, 0) + 1
    return changed


def test_a_real_feed_round_trip_counts(runner, session, tmp_path, monkeypatch, capsys):
    """tsml-ui's edmonton.json, whole: items in, imported, skipped and why, and which
    fields the export writes otherwise than the source did."""
    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 3, 4, 18, tzinfo=UTC))
    path = DATA / "edmonton.json"
    source = json.loads(path.read_text())
    output = run(runner, path, "edmonton", "--timezone", "America/Edmonton")
    first = export(session, "edmonton", date(2026, 3, 4))
    exported = tmp_path / "edmonton-export.json"
    exported.write_text(json.dumps(first, ensure_ascii=False), encoding="utf-8")
    run(runner, exported, "edmonton-again")
    second = export(session, "edmonton-again", date(2026, 3, 4))

    assert len(source) == 315
    assert "294 created, 0 updated, 0 unchanged, 21 skipped." in output
    # One reason for all 21: temporarily closed (TC) with no link or phone to meet by.
    assert output.count("Skipped item") == 21
    assert output.count("Its location is temporarily closed and it has no online option.") == 21
    assert len(first) == 294
    assert [comparable(e) for e in second] == [comparable(e) for e in first]  # 0 lost
    changed = changed_fields(source, first)
    with capsys.disabled():
        print("\nedmonton:", len(source), "items,", len(first), "imported,",
              output.count("Skipped item"), "skipped, fields written otherwise:", changed)
    assert changed == {
        "time": 294,  # "7:30 PM" is written "19:30"
        "day": 294,  # [2] is written 2
        "address": 294,  # written as formatted_address
        "updated": 294,  # "8/25/2022 11:17:07 AM" is not the spec's format: our own time
        "url": 294,  # the group's page here
        # Leading and trailing spaces and line breaks trimmed (112); two notes that are
        # only line breaks are left out.
        "notes": 114,
        # ONL is no schema code: online is told by attendance_option (74); one item's
        # types are [""], which is no code at all.
        "types": 75,
        # A passcode with letters ("…#,,#,,M1F3TTRl…#", "…#,,#,,Bill&Bob1#") is no number
        # to dial: the string goes to conference_phone_notes, whole; a dial string with a
        # passcode after the meeting ID ends at the ID (the rest is on the join page).
        "conference_phone": 31,
        # Names, groups, locations and regions are one line: runs of spaces collapsed
        # ("84th Street  1201"), ends trimmed ("Camrose "), a tab made a space.
        "name": 27,
        "region": 6,
        # 13 as above; and "On The Hill Online" is the group the feed first spells "On the
        # Hill Online" (groups are found by name whatever the case).
        "group": 14,
        # 4 as above; 6 online-only meetings are written without a place ("Online
        # Meeting", "Zoom St. Albert"): only in-person and hybrid meetings have one.
        "location": 10,
        # A link's passcode (pwd=…) is left out: the meeting's join page gives it.
        "conference_url": 42,
    }
