"""What a phone taps instead of copying, at 320 px and 1280 px: an address opens a map, a
phone number dials, the Copy button copies the check-in link, the check-in code fills
the screen; End asks first; the headcount opens on the next date and says "not counted
yet" rather than 0."""

from __future__ import annotations

import re
from datetime import datetime
from datetime import time
from datetime import timedelta
from urllib.parse import parse_qs
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import BrowserContext
from playwright.sync_api import Page
from playwright.sync_api import expect

from facilitator import clock
from tests.browser.test_scheduling import GROUP_SLUG
from tests.browser.test_scheduling import sign_in

pytestmark = pytest.mark.browser

CHICAGO = ZoneInfo("America/Chicago")
WIDTHS = [320, 1280]
MEETING = "Women's Step Study"


@pytest.fixture(params=WIDTHS, ids=lambda w: f"{w}px")
def width(request, page: Page) -> int:
    page.set_viewport_size({"width": request.param, "height": 720})
    return request.param


def next_tuesday() -> datetime:
    today = clock.today_in("America/Chicago")
    return datetime.combine(today + timedelta(days=(1 - today.weekday()) % 7 or 7), time(),
                            tzinfo=CHICAGO)


def test_the_group_pages_address_opens_a_map_and_its_phone_dials(
        page: Page, context: BrowserContext, live_server: str, width: int) -> None:
    # No network here: the map answers with a stand-in page, to see the tap lead to it.
    context.route("https://www.google.com/maps/**",
                  lambda route: route.fulfill(body="<title>map</title>", content_type="text/html"))
    page.goto(f"{live_server}/g/clean-and-serene-na/")
    phone = page.get_by_role("link", name="+15555550111,,85550100123#")
    expect(phone).to_have_attribute("href", "tel:+15555550111,,85550100123%23")
    place = page.get_by_role("link", name=re.compile("^90 Main Street")).first
    place.click()
    page.wait_for_url(re.compile(r"^https://www\.google\.com/maps/search/"))
    query = parse_qs(urlsplit(page.url).query)
    assert query["api"] == ["1"]
    assert query["query"] == ["Riverside Community Centre, 90 Main Street, Riverside, IL"]


def test_the_directory_links_the_org_contact(page: Page, live_server: str, width: int) -> None:
    page.goto(f"{live_server}/o/demo/")
    expect(page.get_by_role("link", name="(555) 555-0134")).to_have_attribute(
        "href", "tel:5555550134")
    expect(page.get_by_role("link", name="help@riverside-recovery.example").first) \
        .to_have_attribute("href", "mailto:help@riverside-recovery.example")


def test_the_copy_button_copies_the_check_in_link_and_the_code_fills_the_screen(
        page: Page, context: BrowserContext, live_server: str, width: int) -> None:
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
    sign_in(page, live_server)
    page.goto(f"{live_server}/manage/g/{GROUP_SLUG}/")
    page.get_by_role("link", name=f"Check-in QR {MEETING}").click()
    link = page.locator("#checkin-link").input_value()
    assert re.fullmatch(rf"{live_server}/c/[\w-]+", link)
    page.get_by_role("button", name="Copy link").click()
    expect(page.locator("#checkin-link-status")).to_have_text(
        "Copied. Paste it into the meeting's chat.")
    assert page.evaluate("navigator.clipboard.readText()") == link

    # Full screen: the code itself fills the screen, and a tap brings the page back.
    page.get_by_role("link", name="Show the code full screen").click()
    page.wait_for_function("document.fullscreenElement?.id === 'checkin-qr'")
    viewport = page.viewport_size
    assert viewport
    code = page.locator("#checkin-qr svg").bounding_box()
    assert code and code["width"] >= 0.8 * min(viewport["width"], viewport["height"])
    page.locator("#checkin-qr").click()
    page.wait_for_function("document.fullscreenElement === null")


def test_without_full_screen_the_code_opens_alone_and_large(
        browser, live_server: str) -> None:
    """Where the browser cannot make the code full screen (an iPhone) or runs no script,
    the same link opens a page with only the code."""
    context = browser.new_context(java_script_enabled=False,
                                  viewport={"width": 320, "height": 640})
    try:
        page = context.new_page()
        sign_in(page, live_server)
        page.goto(f"{live_server}/manage/g/{GROUP_SLUG}/")
        page.get_by_role("link", name=f"Check-in QR {MEETING}").click()
        page.get_by_role("link", name="Show the code full screen").click()
        expect(page.get_by_text(f"Scan to check in to {MEETING}")).to_be_visible()
        expect(page.locator("header.site")).to_have_count(0)
        code = page.locator("figure svg").bounding_box()
        assert code and code["width"] >= 280
        page.get_by_role("link", name="Back").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Check-in link")
    finally:
        context.close()


def test_end_and_delete_sit_apart_and_end_asks_first(
        page: Page, live_server: str, width: int) -> None:
    sign_in(page, live_server)
    page.goto(f"{live_server}/manage/g/{GROUP_SLUG}/")
    card = page.get_by_role("region", name=MEETING, exact=True)
    end = card.get_by_role("link", name=f"End this meeting… {MEETING}")
    expect(card.get_by_role("link", name=f"Headcount {MEETING}")).to_be_visible()
    expect(end).to_be_hidden()
    card.get_by_text("More").click()
    end.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"End {MEETING}")
    expect(page.get_by_role("button", name="End the meeting")).to_be_visible()
    page.get_by_role("link", name="Keep it going").click()
    expect(page).to_have_url(f"{live_server}/manage/g/{GROUP_SLUG}/")
    # Nothing was ended.
    expect(page.get_by_role("region", name=MEETING, exact=True)).not_to_contain_text("Until")


def test_the_headcount_opens_on_the_next_date_not_a_past_one(
        page: Page, live_server: str, width: int, monkeypatch) -> None:
    tuesday = next_tuesday()
    # The day before: the meeting last went ahead five days ago, and is next tomorrow.
    monkeypatch.setattr(clock, "now", lambda: tuesday - timedelta(hours=12))
    sign_in(page, live_server)
    page.goto(f"{live_server}/manage/g/{GROUP_SLUG}/")
    page.get_by_role("link", name=f"Headcount {MEETING}").click()
    expect(page).to_have_url(re.compile(rf"/dates/{tuesday.date().isoformat()}/count$"))
    expect(page.get_by_text("This meeting has not started yet.")).to_be_visible()


def test_a_date_nobody_counted_says_so_until_the_first_tap(
        page: Page, live_server: str, width: int, monkeypatch) -> None:
    tuesday = next_tuesday() + timedelta(days=7 if width == 1280 else 0)
    monkeypatch.setattr(clock, "now", lambda: tuesday + timedelta(hours=19, minutes=10))
    sign_in(page, live_server)
    page.goto(f"{live_server}/manage/g/{GROUP_SLUG}/")
    page.get_by_role("link", name=f"Headcount {MEETING}").click()
    people = page.get_by_role("group", name="People").locator("output")
    expect(people).to_have_text("–")
    expect(page.locator("#tallies")).to_contain_text(re.compile(r"Your count\s*not counted yet"))
    expect(page.get_by_role("spinbutton", name="People")).to_have_value("")
    page.get_by_role("button", name="One more: People").click()
    expect(people).to_have_text("1")
    expect(page.locator("#tallies")).to_contain_text(re.compile(r"Your count\s*1 person"))
    expect(page.get_by_role("spinbutton", name="People")).to_have_value("1")
