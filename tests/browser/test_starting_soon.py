"""Starting soon in a real browser, late on a Wednesday in Chicago: a member in New York
sees an online meeting kept in Pacific time at their own time and the meeting's, the list
runs past midnight, and the browser's zone goes nowhere."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser
from playwright.sync_api import BrowserContext
from playwright.sync_api import Page
from playwright.sync_api import Request
from playwright.sync_api import expect

from facilitator import clock
from tests.browser.conftest import serious_violations
from tests.browser.test_scheduling import GROUP_SLUG
from tests.browser.test_scheduling import sign_in

pytestmark = pytest.mark.browser

CHICAGO = ZoneInfo("America/Chicago")


def coming_wednesday() -> date:
    today = clock.today_in("America/Chicago")
    return today + timedelta(days=(2 - today.weekday()) % 7)


WEDNESDAY = coming_wednesday()
LATE = datetime.combine(WEDNESDAY, time(23), CHICAGO)
THURSDAY = WEDNESDAY + timedelta(days=1)


def add_meeting(page: Page, base: str, title: str, start: str, *, zone: str | None = None,
                place: str = "", link: str = "") -> None:
    page.goto(f"{base}/manage/g/{GROUP_SLUG}/meetings/new")
    page.get_by_label("Title", exact=True).fill(title)
    page.get_by_role("checkbox", name="Wednesday", exact=True).check()
    page.get_by_label("Starts at").fill(start)
    page.get_by_label("Length in minutes").fill("60")
    if zone:
        page.locator("#more-when > summary").click()
        page.get_by_label("Time zone", exact=True).select_option(zone)
    if link:
        page.get_by_role("radio", name="Online", exact=True).check()
        page.get_by_label("Online link", exact=True).fill(link)
    else:
        page.get_by_label("Place", exact=True).fill(place)
    page.get_by_role("button", name="Add meeting").click()
    expect(page.get_by_role("status")).to_contain_text(f"{title} is scheduled")


@pytest.fixture(scope="module")
def late_meetings(browser: Browser, live_server: str) -> None:
    """Two meetings around midnight, added by the demo facilitator: one in person in
    Chicago at 11:40 pm, one online kept in Pacific time at 10:00 pm (midnight here)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(clock, "now", lambda: LATE)
        context = browser.new_context()
        page = context.new_page()
        sign_in(page, live_server)
        add_meeting(page, live_server, "Late Night Chicago", "23:40", place="Night Hall")
        add_meeting(page, live_server, "Pacific Night Owls", "22:00",
                    zone="America/Los_Angeles", link="https://zoom.example/j/77")
        context.close()


@pytest.fixture
def in_new_york(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(timezone_id="America/New_York")
    context.set_default_timeout(10_000)
    yield context
    context.close()


def soon_items(page: Page):
    return page.locator("ul.meetings > li.meeting")


def test_an_online_meeting_from_another_zone_shows_your_time_and_its_own(
        late_meetings, in_new_york: BrowserContext, live_server: str, monkeypatch) -> None:
    monkeypatch.setattr(clock, "now", lambda: LATE)
    sent: list[Request] = []
    in_new_york.on("request", lambda request: sent.append(request))
    page = in_new_york.new_page()
    page.goto(f"{live_server}/o/demo/soon")
    items = soon_items(page)
    expect(items).to_have_count(2)
    chicago, pacific = items.nth(0), items.nth(1)
    expect(chicago.get_by_role("heading")).to_have_text("Late Night Chicago")
    expect(chicago.locator(".meeting-time")).to_have_text(re.compile(r"^11:40 pm.*12:40 am"))
    expect(chicago.locator(".your-time")).to_have_count(0)  # in person: its own time only
    expect(pacific.get_by_role("heading")).to_have_text("Pacific Night Owls")
    # The next day in Chicago: midnight, Thursday.
    expect(pacific.locator(".meeting-time")).to_contain_text(
        "12:00 am")
    expect(pacific.locator(".meeting-time")).to_contain_text(f"{THURSDAY:%a} {THURSDAY.day}")
    expect(pacific.locator(".other-times")).to_have_text(
        "1:00 am your time · 10:00 pm Pacific Time")
    expect(page.locator("#your-zone")).to_have_text(
        "“Your time” is for your device's time zone, America/New_York. "
        "It stays on your device.")
    # The directory's first block says the same.
    page.goto(f"{live_server}/o/demo/")
    block = page.get_by_role("region", name="Starting soon")
    expect(block.locator("li")).to_have_count(2)
    expect(block.locator(".other-times").last).to_have_text(
        "1:00 am your time · 10:00 pm Pacific Time")
    # Nothing the browser sent says where it is.
    for request in sent:
        assert "New_York" not in request.url and "New_York" not in (request.post_data or "")
        assert not any("New_York" in value for value in request.headers.values())


def test_past_midnight_the_evening_s_meetings_are_in_progress(
        late_meetings, in_new_york: BrowserContext, live_server: str, monkeypatch) -> None:
    after_midnight = datetime.combine(THURSDAY, time(0, 5), CHICAGO)
    monkeypatch.setattr(clock, "now", lambda: after_midnight)
    page = in_new_york.new_page()
    page.goto(f"{live_server}/o/demo/soon")
    items = soon_items(page)
    expect(items).to_have_count(2)
    # Begun yesterday evening, still going: its day is said.
    expect(items.nth(0)).to_contain_text("Late Night Chicago")
    expect(items.nth(0).locator(".meeting-time")).to_contain_text(
        f"{WEDNESDAY:%a} {WEDNESDAY.day}")
    expect(items.nth(0)).to_contain_text("In progress")
    expect(items.nth(1)).to_contain_text("Pacific Night Owls")
    expect(items.nth(1)).to_contain_text("In progress")
    # An hour later both have left the list.
    monkeypatch.setattr(clock, "now", lambda: after_midnight + timedelta(hours=1))
    page.reload()
    expect(page.get_by_text("No meeting starts in the next 90 minutes.")).to_be_visible()


def test_a_reader_in_the_lists_zone_gets_no_second_time(
        late_meetings, browser: Browser, live_server: str, monkeypatch) -> None:
    monkeypatch.setattr(clock, "now", lambda: LATE)
    context = browser.new_context(timezone_id="America/Chicago")
    page = context.new_page()
    page.goto(f"{live_server}/o/demo/soon")
    expect(soon_items(page).nth(1).locator(".other-times")).to_have_text(
        "10:00 pm Pacific Time")
    expect(page.locator(".your-time")).to_have_count(0)
    expect(page.locator("#your-zone")).to_be_hidden()
    context.close()


@pytest.mark.parametrize("width", [320, 1280])
def test_the_page_is_accessible_fits_a_phone_and_keeps_the_csp(
        late_meetings, in_new_york: BrowserContext, live_server: str, monkeypatch,
        width: int) -> None:
    monkeypatch.setattr(clock, "now", lambda: LATE)
    page = in_new_york.new_page()
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.set_viewport_size({"width": width, "height": 700})
    for path in ("/o/demo/soon", "/o/demo/"):
        page.goto(live_server + path)
        expect(page.locator(".your-time").first).to_be_visible()
        assert serious_violations(page) == []
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert refused == []
