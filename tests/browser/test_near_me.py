"""Near me in Chromium: a member whose browser knows where it is gets the day's meetings
nearest first, with distances in the units of their locale, and no request the page
makes, and no line the server logs, carries their position."""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Iterator
from datetime import datetime
from datetime import time
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser
from playwright.sync_api import Page
from playwright.sync_api import Request
from playwright.sync_api import expect

from facilitator import clock
from facilitator import demo
from tests.browser.conftest import serious_violations
from tests.browser.test_scheduling import GROUP_SLUG
from tests.browser.test_scheduling import sign_in

pytestmark = pytest.mark.browser

CHICAGO = ZoneInfo("America/Chicago")
#: Where the member is: Oak Park, between the demo's church in Riverside and the Loop.
HERE = {"latitude": 41.88531, "longitude": -87.78452}
#: Ways the position could be written into a request or a log line.
POSITION_TEXTS = ("41.885", "41,885", "87.784", "87,784", "87.785", "87,785", "4188", "8778")
#: The meeting a leader adds in the Loop, and where it is.
LOOP_MEETING = "Loop Lunch Bunch"
LOOP = (41.8781, -87.6298)
CHURCH = (demo.CHURCH["latitude"], demo.CHURCH["longitude"])


@pytest.fixture(scope="module")
def loop_meeting(browser: Browser, live_server: str) -> None:
    """A leader gives a new Tuesday meeting its map position in the meeting form."""
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, live_server)
    page.goto(f"{live_server}/manage/g/{GROUP_SLUG}/meetings/new")
    page.get_by_label("Title", exact=True).fill(LOOP_MEETING)
    page.get_by_role("checkbox", name="Tuesday", exact=True).check()
    page.get_by_label("Starts at").fill("18:00")
    page.get_by_label("Place", exact=True).fill("Loop Center, 1 State St")
    page.locator("#more-where > summary").click()
    page.get_by_label("Latitude").fill(str(LOOP[0]))
    page.get_by_label("Longitude").fill(str(LOOP[1]))
    page.get_by_role("button", name="Add meeting").click()
    expect(page.get_by_role("status")).to_contain_text(f"{LOOP_MEETING} is scheduled")
    context.close()


@pytest.fixture
def tuesday_noon(monkeypatch: pytest.MonkeyPatch) -> None:
    """Noon on a Tuesday: the demo's two Tuesday evening meetings at the church and the
    new one in the Loop are all still to come."""
    today = clock.today_in("America/Chicago")
    tuesday = today + timedelta(days=(1 - today.weekday()) % 7 or 7)
    instant = datetime.combine(tuesday, time(12), tzinfo=CHICAGO)
    monkeypatch.setattr(clock, "now", lambda: instant)


class Lines(logging.Handler):
    """Every line logged in this process (the app and the live server's request log)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@pytest.fixture
def logged() -> Iterator[list[str]]:
    handler, root = Lines(), logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield handler.lines
    root.removeHandler(handler)
    root.setLevel(level)


def km_between(a: tuple[float, float], b: tuple[float, float]) -> float:
    (lat1, lon1), (lat2, lon2) = (map(math.radians, a), map(math.radians, b))
    h = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2)
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def distance_text(km: float, miles: bool) -> str:
    value = km / 1.609344 if miles else km
    return f"{value:.1f} {'miles' if miles else 'km'}" if value < 10 \
        else f"{round(value)} {'miles' if miles else 'km'}"


def carried(request: Request) -> str:
    """All a request tells the server: its address, headers and body."""
    return " ".join((request.url, json.dumps(request.all_headers()), request.post_data or ""))


@pytest.mark.parametrize(("locale", "miles", "width"), [("en-US", True, 1280),
                                                        ("en-CA", False, 320)])
def test_the_days_meetings_nearest_first_and_the_position_never_leaves_the_browser(
        browser: Browser, live_server: str, loop_meeting: None, tuesday_noon: None,
        logged: list[str], locale: str, miles: bool, width: int):
    context = browser.new_context(geolocation=HERE, permissions=["geolocation"],
                                  locale=locale, viewport={"width": width, "height": 800})
    context.set_default_timeout(10_000)
    page = context.new_page()
    requests: list[Request] = []
    page.on("request", lambda request: requests.append(request))
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text)
            if "Content Security Policy" in message.text else None)

    page.goto(f"{live_server}/o/demo/")
    link = page.get_by_role("link", name="Meetings near me")
    expect(link).to_be_visible()
    link.click()
    expect(page).to_have_url(f"{live_server}/o/demo/near#nearest")

    # The directory's link sorts at once: the browser already may tell where it is.
    status = page.locator("#near-status")
    expect(status).to_have_text("Nearest first, from where your device says you are.")
    items = page.locator("#near-list > li")
    here = (HERE["latitude"], HERE["longitude"])
    # In order of time, the Loop's 6:00 pm meeting came first; it is the farthest.
    expect(items.get_by_role("link")).to_have_text(
        ["Women's Step Study", "Grupo Esperanza", LOOP_MEETING])
    church, loop = (distance_text(km_between(here, CHURCH), miles),
                    distance_text(km_between(here, LOOP), miles))
    expect(items.locator(".distance")).to_have_text([f"{church}: ", f"{church}: ", f"{loop}: "])
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert serious_violations(page) == []

    # Sorting again asks the browser, not the server: no request goes out.
    before = len(requests)
    page.get_by_role("button", name="Sort again from where I am now").click()
    expect(status).to_have_text("Nearest first, from where your device says you are.")
    assert len(requests) == before

    # The meeting's group page: nothing of the position in its address or Referer.
    items.get_by_role("link", name=LOOP_MEETING).click()
    expect(page).to_have_url(f"{live_server}/g/{GROUP_SLUG}/")
    page.wait_for_load_state("networkidle")

    assert refused == []  # the script is a static file of ours, as the CSP asks
    assert len(requests) >= 4
    for request in requests:
        told = carried(request)
        assert not [text for text in POSITION_TEXTS if text in told], told
    context.close()
    assert any("/o/demo/near" in line for line in logged)  # the request log was read
    for line in logged:
        assert not [text for text in POSITION_TEXTS if text in line], line


def test_a_refusal_leaves_the_list_in_order_of_time(browser: Browser, live_server: str,
                                                    loop_meeting: None, tuesday_noon: None):
    context = browser.new_context(locale="en-US")  # no permission: the browser says no
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(f"{live_server}/o/demo/near")
    items = page.locator("#near-list > li")
    expect(items.get_by_role("link")).to_have_text(
        [LOOP_MEETING, "Women's Step Study", "Grupo Esperanza"])
    page.get_by_role("button", name="Sort by distance from me").click()
    expect(page.locator("#near-status")).to_contain_text(
        "Your browser did not share your position, so the list stays in order of time.")
    expect(items.get_by_role("link")).to_have_text(
        [LOOP_MEETING, "Women's Step Study", "Grupo Esperanza"])
    context.close()


def test_without_javascript_the_link_is_not_offered_and_the_list_is_by_time(
        browser: Browser, live_server: str, loop_meeting: None, tuesday_noon: None):
    context = browser.new_context(java_script_enabled=False)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(f"{live_server}/o/demo/")
    expect(page.get_by_role("link", name="Meetings near me")).to_be_hidden()
    page.goto(f"{live_server}/o/demo/near")
    expect(page.get_by_role("button", name="Sort by distance from me")).to_be_hidden()
    expect(page.get_by_text("Sorting by distance needs JavaScript")).to_be_visible()
    expect(page.locator("#near-list > li").get_by_role("link")).to_have_text(
        [LOOP_MEETING, "Women's Step Study", "Grupo Esperanza"])
    context.close()


def test_the_print_in_another_zone_fits_a_small_phone_and_is_accessible(
        page: Page, live_server: str):
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(f"{live_server}/o/demo/?attendance=online")
    page.get_by_text("Print the online meetings in another time zone").click()
    zone = page.get_by_label("Time zone", exact=True)
    expect(zone).to_be_visible()
    zone.select_option("America/Los_Angeles")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    assert serious_violations(page) == []
    # What the form asks for: the PDF of these meetings in that zone.
    form = page.locator("details.print-zone form")
    query = form.evaluate("f => new URLSearchParams(new FormData(f)).toString()")
    assert query == "attendance=online&zone=America%2FLos_Angeles"
    assert form.get_attribute("action") == "/o/demo/directory.pdf"
