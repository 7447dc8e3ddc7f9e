"""What a member sees in a real browser: the directory and a group's page are accessible
(axe-core), fit a 320 px phone, and the filters work without JavaScript, by keyboard."""

from __future__ import annotations

import re
from datetime import time

import pytest
from playwright.sync_api import Page
from playwright.sync_api import expect

from facilitator import clock
from facilitator.db import get_session
from facilitator.domain.recurrence import Recurrence
from tests.browser.conftest import serious_violations
from tests.browser.conftest import with_live_app
from tests.conftest import own_group
from tests.conftest import tuesday_meeting

pytestmark = pytest.mark.browser

PUBLIC_GROUP = "/g/clean-and-serene-na/"
CANCELLED_GROUP = "/g/celebrate-recovery-thursday/"


def open_filters(page: Page) -> None:
    filters = page.locator("details.filter-box")
    if filters.get_attribute("open") is None:
        filters.locator("summary").click()
    expect(page.get_by_label("Day", exact=True)).to_be_visible()


@pytest.mark.parametrize("path", [
    "/", "/o/demo/", "/o/demo/?day=2&attendance=in_person", "/o/demo/?day=4&type=Y",
    PUBLIC_GROUP, CANCELLED_GROUP, "/login",
])
def test_public_pages_have_no_serious_accessibility_violations(
    page: Page, live_server: str, path: str
) -> None:
    page.goto(live_server + path)
    if path.startswith("/o/"):
        open_filters(page)  # so the form is checked too
    assert serious_violations(page) == []


@pytest.mark.parametrize("path", ["/o/demo/", PUBLIC_GROUP])
@pytest.mark.parametrize("font_size", ["16px", "20px"])
def test_public_pages_fit_a_320px_phone(
    page: Page, live_server: str, path: str, font_size: str
) -> None:
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(live_server + path)
    # Through the CSSOM: the CSP rightly refuses an injected <style> tag.
    page.evaluate("size => { document.documentElement.style.fontSize = size; }", font_size)
    if path.startswith("/o/"):
        open_filters(page)
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 320, f"{path} scrolls sideways at {font_size}: {scroll_width}px"


def test_directory_shows_the_demo_week_and_its_changed_dates(page: Page, live_server: str):
    page.goto(f"{live_server}/o/demo/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Riverside Recovery Community: meetings")
    expect(page.get_by_text("Times are Central Time (America/Chicago).")).to_be_visible()
    # The week starts today, or tomorrow once today's meetings are over (then today's
    # weekday closes the week), in the org's zone.
    days = page.get_by_role("heading", level=2)
    expect(days.first).to_have_text("Starting soon")  # then the week
    expect(days.last).to_have_text("Add these meetings to your calendar")
    shown = [text.removesuffix(" (today)") for text in days.all_inner_texts()[1:-1]]
    week = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    today = clock.today_in("America/Chicago").weekday()
    assert shown in ([week[(today + n) % 7] for n in range(7)],
                     [week[(today + 1 + n) % 7] for n in range(7)]), shown
    thursday = page.get_by_role("region", name=re.compile("^Thursday"))
    expect(thursday.locator(".date-cancelled")).to_contain_text(
        re.compile(r"Cancelled \w{3} \d+ \w{3}( \d{4})? — Holiday: Closed for the holiday"))
    expect(page.locator(".date-changed")).to_contain_text(
        re.compile(r"starts 10:00 am instead of 12:00 pm"))
    expect(page.get_by_text("Healthcare Professionals")).to_have_count(0)


def test_filters_work_by_keyboard_and_make_a_link_to_share(page: Page, live_server: str):
    page.goto(f"{live_server}/o/demo/")
    summary = page.get_by_text("Filter meetings", exact=True)
    for _ in range(20):
        page.keyboard.press("Tab")
        if summary.evaluate("element => element === document.activeElement"):
            break
    expect(summary).to_be_focused()
    page.keyboard.press("Enter")

    page.keyboard.press("Tab")
    expect(page.get_by_label("Day", exact=True)).to_be_focused()
    page.keyboard.type("Tuesday")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Region", exact=True)).to_be_focused()
    page.keyboard.type("River")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Program", exact=True)).to_be_focused()
    page.keyboard.type("Narcotics")
    button = page.get_by_role("button", name="Show meetings")
    for _ in range(5):
        page.keyboard.press("Tab")
        if button.evaluate("element => element === document.activeElement"):
            break
    page.keyboard.press("Enter")

    shared = f"{live_server}/o/demo/?day=2&region=River+Road&program=na"
    expect(page).to_have_url(shared)
    expect(page.get_by_text("Showing 1 of")).to_contain_text(
        "Tuesday, River Road, Narcotics Anonymous (NA)")
    expect(page.get_by_role("heading", level=3)).to_have_text(["Grupo Esperanza"])
    expect(page.get_by_label("Day", exact=True)).to_have_value("2")

    page.get_by_role("link", name="Clear filters").click()
    expect(page).to_have_url(f"{live_server}/o/demo/")
    expect(page.get_by_text("Showing all")).to_be_visible()


def test_a_shared_filter_link_opens_the_same_list(page: Page, live_server: str):
    page.goto(f"{live_server}/o/demo/")
    open_filters(page)
    page.get_by_label("Attendance", exact=True).select_option(label="Online (and hybrid)")
    page.get_by_role("button", name="Show meetings").click()
    expect(page).to_have_url(f"{live_server}/o/demo/?attendance=online")
    listed = page.get_by_role("heading", level=3).all_text_contents()
    assert "Young People Online" in listed and "SMART Saturday" not in listed

    page.goto(f"{live_server}/o/demo/?attendance=online")
    assert page.get_by_role("heading", level=3).all_text_contents() == listed


def test_group_page_lists_next_dates_with_the_cancelled_one(page: Page, live_server: str):
    page.goto(live_server + CANCELLED_GROUP)
    expect(page.get_by_role("heading", level=1)).to_have_text("Celebrate Recovery Thursday")
    dates = page.locator("ol.dates > li")
    expect(dates).to_have_count(8)
    expect(page.locator("ol.dates > li.date-cancelled")).to_have_count(1)
    page.get_by_role("link", name="Riverside Recovery Community: meetings").click()
    expect(page).to_have_url(f"{live_server}/o/demo/")


def test_pages_break_no_rule_of_the_content_security_policy(page: Page, live_server: str) -> None:
    """The CSP forbids inline script and style: no page of ours needs either."""
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text)
            if "Content Security Policy" in message.text else None)
    for path in ("/", "/o/demo/", PUBLIC_GROUP, "/login"):
        page.goto(live_server + path)
        if path.startswith("/o/"):
            open_filters(page)
    assert refused == []


@pytest.fixture(scope="module")
def big_org(live_server: str) -> str:
    """An intergroup of 150 weekly meetings, in the live server's database: three pages."""
    with with_live_app(live_server):
        session = get_session()
        group = own_group(session, "metro")
        for n in range(150):
            tuesday_meeting(session, group, title=f"Meeting {n:03}",
                            recurrence=Recurrence.weekly(n % 7), start_time=time(6 + n % 15))
        session.commit()
    return f"{live_server}/o/metro/"


@pytest.mark.parametrize("width", [320, 1280])
def test_a_big_directory_goes_page_by_page_and_day_by_day(page: Page, big_org: str,
                                                          width: int):
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(big_org)
    assert page.locator("li.meeting").count() == 60
    pages = page.get_by_role("navigation", name="Pages of meetings", exact=True)
    expect(pages).to_contain_text("Meetings 1–60 of 150, in order from today.")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    # By keyboard, to the later meetings.
    later = pages.get_by_role("link", name="Later meetings →")
    later.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"\?page=2$"))
    expect(pages).to_contain_text("Meetings 61–120 of 150")
    assert serious_violations(page) == []
    # The day list leads to any day, on whichever page it starts: the last one (the
    # day before today's, or today's weekday next week) is on the last page.
    last_day = page.get_by_role("navigation", name="Days of the week").get_by_role(
        "link").last
    href = last_day.get_attribute("href")
    assert href is not None and re.fullmatch(r"/o/metro/\?page=3#[a-z-]+", href), href
    last_day.click()
    page.wait_for_url(re.compile(re.escape(href) + "$"))
    anchor = href.split("#")[1]
    expect(page.locator(f"#{anchor}-heading")).to_be_in_viewport()
