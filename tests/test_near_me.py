"""The near-me list: one day's meetings with a place on the map, the same page for every
visitor, which the browser sorts by distance (tests/browser/test_near_me.py). The server
is never given a position."""

from __future__ import annotations

import re
from datetime import datetime
from datetime import time
from zoneinfo import ZoneInfo

import pytest

from facilitator import clock
from facilitator.domain.meeting import Attendance
from facilitator.domain.recurrence import Recurrence
from facilitator.services import directory
from tests.conftest import page_text

#: Tuesday 24 November 2026, noon in Chicago.
NOW = datetime(2026, 11, 24, 12, tzinfo=ZoneInfo("America/Chicago"))
LOOP = {"location_name": "Loop Center", "address": "1 State St", "latitude": 41.8781,
        "longitude": -87.6298}
CHURCH = {"location_name": "St. Mark's", "address": "412 River Road",
          "latitude": 41.83507319, "longitude": -87.82291}


@pytest.fixture(autouse=True)
def tuesday_noon(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)


@pytest.fixture
def org(make_org, make_group, make_meeting):
    org = make_org(timezone="America/Chicago")
    group = make_group(org, name="Riverside Group")
    na = make_group(org, name="Clean Group", program="na")
    make_meeting(group, title="Church Evening", start_time=time(19), **CHURCH)
    make_meeting(na, title="Loop Lunch", start_time=time(12, 30), **LOOP)
    make_meeting(group, title="Online Only", start_time=time(20), location_name="",
                 address="", attendance=Attendance.ONLINE, online_url="https://meet.example/1")
    make_meeting(group, title="No Map", start_time=time(18))
    make_meeting(group, title="Morning Done", start_time=time(8), **LOOP)
    make_meeting(group, title="Wednesday Walk", recurrence=Recurrence.weekly(2), **CHURCH)
    return org


def listed(page: str) -> list[str]:
    """The titles of the near-me list, in order."""
    items = re.findall(r'<li data-lat="[^"]*" data-lon="[^"]*">(.*?)</li>', page, re.S)
    return [re.search(r"<a [^>]*>([^<]*)</a>", item).group(1) for item in items]


def test_todays_meetings_with_a_position_are_listed_in_order_of_time_for_the_browser(
        client, org):
    response = client.get(f"/o/{org.slug}/near")
    assert response.status_code == 200
    assert response.headers["Cache-Control"].startswith("public")
    page = response.get_data(as_text=True)
    # Still to come today, with a place on the map: soonest first (the browser sorts).
    assert listed(page) == ["Loop Lunch", "Church Evening"]
    # Positions to four places (about 11 m): what the address says, no more.
    assert 'data-lat="41.8351" data-lon="-87.8229"' in page
    assert 'data-lat="41.8781" data-lon="-87.6298"' in page
    text = page_text(response)
    assert "Today, Tuesday. Times are Central Time" in text
    assert "12:30 pm to 2:00 pm Loop Lunch , Clean Group · Loop Center, 1 State St" in text
    assert "2 meetings are not in this list: online meetings, and places without a map " \
        "position." in text
    assert "Nothing about where you are is sent to us or kept." in text
    assert 'src="/static/near.js"' in page
    # The button is the script's to show: without it the page is a list by time.
    assert '<button type="button" id="near-sort" hidden>' in page


def test_the_directory_links_to_the_list_only_where_a_meeting_has_a_position(
        client, org, make_org, make_group, make_meeting):
    page = client.get(f"/o/{org.slug}/?program=na").get_data(as_text=True)
    assert re.search(r'<p class="near-me" data-near-link hidden><a href="/o/'
                     + org.slug + r'/near\?program=na#nearest">Meetings near me</a>', page)
    assert 'src="/static/near.js"' in page
    elsewhere = make_org()
    make_meeting(make_group(elsewhere), title="Mapless")
    page = client.get(f"/o/{elsewhere.slug}/").get_data(as_text=True)
    assert "Mapless" in page and "data-near-link" not in page and "near.js" not in page


def test_another_day_and_the_filters_narrow_the_list(client, org):
    wednesday = client.get(f"/o/{org.slug}/near?day=3")
    assert listed(wednesday.get_data(as_text=True)) == ["Wednesday Walk"]
    assert "Wednesday. Times are" in page_text(wednesday)
    monday = client.get(f"/o/{org.slug}/near?day=1")
    assert listed(monday.get_data(as_text=True)) == []
    assert "No meetings with a place on the map on this day" in page_text(monday)
    only_na = client.get(f"/o/{org.slug}/near?program=na").get_data(as_text=True)
    assert listed(only_na) == ["Loop Lunch"]
    assert "Only: <strong>Narcotics Anonymous (NA)</strong>" in only_na
    assert f'href="/o/{org.slug}/near">Clear filters</a>' in only_na


@pytest.mark.parametrize(("query", "canonical"), [
    ("day=2", ""),  # today is the list's own day
    ("lat=41.88&lon=-87.63", ""),  # no address of the site takes a position
    ("day=3&latitude=41.88&page=2", "?day=3"),
    ("program=&day=4", "?day=4"),
])
def test_an_address_is_answered_with_the_lists_own(client, org, query, canonical):
    response = client.get(f"/o/{org.slug}/near?{query}")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/o/{org.slug}/near{canonical}"


def test_todays_later_meetings_are_kept_when_the_list_is_full(client, org, monkeypatch):
    monkeypatch.setattr(directory, "NEAR_LIMIT", 1)
    response = client.get(f"/o/{org.slug}/near")
    assert listed(response.get_data(as_text=True)) == ["Loop Lunch"]
    assert "This list has the first meeting to start; 1 more with a place on the map " \
        "meets later this day, and the nearest may be among them." in page_text(response)
