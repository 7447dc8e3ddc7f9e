"""Starting soon as members get it: /o/<org>/soon and the directory's first block, in the
org's zone, from the meetings' real dates, with nothing about the reader's zone asked."""

from __future__ import annotations

import re
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from facilitator import clock
from facilitator.domain.meeting import Attendance
from facilitator.domain.meeting import CancelReason
from facilitator.domain.meeting import DateChange
from facilitator.domain.recurrence import Recurrence
from facilitator.services import meetings
from tests.conftest import counted_selects
from tests.conftest import page_text

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)
CHICAGO = ZoneInfo("America/Chicago")
#: A Tuesday far from the clock changes, 11:00 pm in Chicago, the org's zone.
TUESDAY = date(2026, 2, 3)
NOW = datetime.combine(TUESDAY, time(23), CHICAGO)


@pytest.fixture(autouse=True)
def late_tuesday(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)


@pytest.fixture
def riverside(make_org, make_group, make_meeting):
    org = make_org(slug="riverside", name="Riverside")
    aa = make_group(org, slug="aa-group", name="Riverside AA", program="aa")
    private = make_group(org, slug="hidden", name="Hidden", visibility="private")
    made = {}

    def add(group, title, recurrence, start, **values):
        made[title] = make_meeting(group, title=title, recurrence=recurrence,
                                   start_time=start, **values)

    add(aa, "Late Tuesday", Recurrence.weekly(TUE), time(22, 45))        # in progress
    add(aa, "Long ago", Recurrence.weekly(TUE), time(22, 15))            # began 45 min ago
    add(aa, "Midnight Wednesday", Recurrence.weekly(WED), time(0, 15))   # after midnight
    add(aa, "Pacific Online", Recurrence.weekly(TUE), time(21, 30),      # 11:30 pm here
        timezone="America/Los_Angeles", attendance=Attendance.ONLINE, location_name="",
        address="", online_url="https://zoom.example/j/1")
    add(aa, "Wednesday Breakfast", Recurrence.weekly(WED), time(7))      # too far ahead
    add(aa, "Cancelled tonight", Recurrence.weekly(TUE), time(23, 30))
    add(aa, "Moved to tonight", Recurrence.weekly(FRI), time(19))
    add(private, "Private midnight", Recurrence.weekly(WED), time(0))
    return {"org": org, "meetings": made}


@pytest.fixture
def changed(session, riverside):
    made = riverside["meetings"]
    meetings.cancel_date(session, None, made["Cancelled tonight"], TUESDAY,
                         CancelReason.HOLIDAY, "")
    # Friday 30 January's meeting, held tonight at 11:45 pm instead.
    meetings.change_date(session, None, made["Moved to tonight"], date(2026, 1, 30),
                         DateChange(moved_to=TUESDAY, start_time=time(23, 45)))
    session.commit()
    return riverside


def read(page: str) -> str:
    """The page as a screen reader says it."""
    return page_text(re.sub(r'<span aria-hidden="true">.*?</span>', "", page))


def items(page: str) -> list[str]:
    """The meetings of the starting-soon page, as read."""
    return [read(li) for li in re.findall(r'<li class="meeting">(.*?)</li>', page, re.S)]


def test_lists_what_one_can_still_get_to_in_order(client, changed):
    response = client.get("/o/riverside/soon")
    assert response.status_code == 200
    found = items(response.get_data(as_text=True))
    titles = [t for f in found for t in changed["meetings"] if t in f]
    assert titles == ["Late Tuesday", "Pacific Online", "Moved to tonight",
                      "Midnight Wednesday"]
    late, pacific, moved, midnight = found
    assert late.startswith("10:45 pm to 12:15 am the next day Late Tuesday In progress")
    assert pacific.startswith("11:30 pm to 1:00 am the next day Pacific Online")
    assert "9:30 pm Pacific Time" in pacific
    assert "the link is on the group page" in pacific
    assert moved.startswith("11:45 pm") and (
        "Changed Tue 3 Feb (today): meets on this day instead of Fri 30 Jan. "
        "starts 11:45 pm instead of 7:00 pm.") in moved
    assert midnight.startswith("12:15 am to 1:45 am Wed 4 Feb")
    text = page_text(response)
    assert "Times are Central Time (America/Chicago)" in text
    assert "as of 11:00 pm Tue 3 Feb" in text
    for left_out in ("Long ago", "Wednesday Breakfast", "Cancelled tonight", "Private"):
        assert left_out not in text


def test_the_start_is_machine_readable_and_the_readers_zone_is_left_to_the_browser(
        client, riverside):
    page = client.get("/o/riverside/soon").get_data(as_text=True)
    # The browser's script reads the instant and the list's zone; the server knows
    # nothing of the reader's zone and says nothing of "your time".
    assert '<time datetime="2026-02-03T23:30:00-06:00">' in page
    assert 'data-your-time data-zone="America/Chicago"' in page
    assert '<script src="/static/your_time.js" defer></script>' in page
    assert "your time" not in page_text(page)
    assert "zoom.example" not in page


def test_an_hour_later_the_list_has_moved_on(client, monkeypatch, riverside):
    monkeypatch.setattr(clock, "now", lambda: NOW + timedelta(hours=1))
    page = page_text(client.get("/o/riverside/soon"))
    assert "Late Tuesday" not in page and "Midnight Wednesday" in page


def test_an_empty_window_says_so(client, monkeypatch, riverside):
    monkeypatch.setattr(clock, "now", lambda: NOW + timedelta(hours=4))
    page = page_text(client.get("/o/riverside/soon"))
    assert "No meeting starts in the next 90 minutes. See the whole week" in page


def test_an_unknown_org_is_not_found(client, riverside):
    assert client.get("/o/nowhere/soon").status_code == 404


def test_a_proxy_keeps_it_a_minute_at_most(client, riverside):
    response = client.get("/o/riverside/soon")
    assert response.headers["Cache-Control"] == "public, max-age=60"
    assert client.get("/o/riverside/").headers["Cache-Control"] == "public, max-age=300"


def soon_block(page: str) -> str:
    return read(re.search(r'<section class="soon".*?</section>', page, re.S)[0])


def test_the_directory_leads_with_a_few_and_links_the_rest(client, make_meeting, changed):
    page = client.get("/o/riverside/").get_data(as_text=True)
    assert soon_block(page).endswith("Midnight Wednesday · In person See them in full")
    make_meeting(changed["meetings"]["Late Tuesday"].group, title="Ten to midnight",
                 recurrence=Recurrence.weekly(TUE), start_time=time(23, 50))
    page = client.get("/o/riverside/").get_data(as_text=True)
    block = soon_block(page)
    assert block.startswith("Starting soon 10:45 pm to 12:15 am the next day Late Tuesday · "
                            "In person In progress")
    assert "Moved to tonight · In person · Changed" in block
    assert "Midnight Wednesday" not in block  # the fifth: on the page of its own
    assert block.endswith("See all 5 meetings starting soon")
    assert '<a href="/o/riverside/soon">' in page
    # A filtered list, or its second page, is a search of the week: no block there.
    assert "Starting soon" not in client.get("/o/riverside/?day=3").get_data(as_text=True)


def test_the_directory_says_when_nothing_is_soon(client, monkeypatch, riverside):
    monkeypatch.setattr(clock, "now", lambda: NOW + timedelta(hours=4))
    page = read(client.get("/o/riverside/").get_data(as_text=True))
    assert ("Starting soon No meeting starts in the next 90 minutes. "
            "Starting soon, on a page of its own") in page


def test_the_meetings_are_read_once_for_the_directory_and_the_page(app, client, riverside):
    client.get("/o/riverside/")
    with counted_selects(app) as statements:
        client.get("/o/riverside/soon")
    # The organization only: the meetings are the directory's kept ones.
    assert len(statements) == 1, statements


def test_a_busy_evening_comes_a_page_at_a_time_the_soonest_first(client, make_org,
                                                                  make_group, make_meeting):
    org = make_org(slug="metro", name="Metro")
    group = make_group(org, slug="metro-aa")
    for n in range(65):
        make_meeting(group, title=f"Meeting {n:02}", recurrence=Recurrence.weekly(TUE),
                     start_time=time(23, 5 + n // 2))
    first = client.get("/o/metro/soon").get_data(as_text=True)
    assert len(items(first)) == 60
    assert "Meetings 1–60 of 65, the soonest first." in read(first)
    assert items(first)[0].startswith("11:05 pm")
    assert '<a href="/o/metro/soon?page=2" rel="next">' in first
    second = client.get("/o/metro/soon?page=2").get_data(as_text=True)
    assert [i.split(" ")[0] for i in items(second)] == ["11:35", "11:35", "11:36", "11:36",
                                                        "11:37"]
    assert '<a href="/o/metro/soon" rel="prev">' in second
    assert items(client.get("/o/metro/soon?page=99").get_data(as_text=True)) == items(second)
