"""A facilitator on a phone schedules a meeting, cancels a date, and members see it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page
from playwright.sync_api import expect

from facilitator import demo
from tests.browser.conftest import serious_violations

pytestmark = pytest.mark.browser

GROUP = "Tuesday Night Women's AA"
GROUP_SLUG = "tuesday-night-womens-aa"


def sign_in(page: Page, base: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Email", exact=True).fill("facilitator@demo.example")
    page.get_by_label("Password", exact=True).fill(demo.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{base}/manage/")


def test_schedule_a_meeting_cancel_a_date_and_members_see_it(page: Page, live_server: str):
    page.set_viewport_size({"width": 375, "height": 740})
    sign_in(page, live_server)
    page.get_by_role("link", name=GROUP, exact=True).first.click()
    page.get_by_role("link", name="Add a meeting").click()
    assert serious_violations(page) == []

    page.get_by_label("Title", exact=True).fill("Thursday Big Book")
    page.get_by_role("checkbox", name="Thursday", exact=True).check()
    page.get_by_label("Starts at").fill("18:30")
    page.get_by_label("Length in minutes").fill("60")
    page.get_by_label("Place", exact=True).fill("St. Mark's Church Hall")
    page.get_by_label("Address", exact=True).fill("412 River Road")
    page.get_by_role("button", name="Add meeting").click()

    expect(page).to_have_url(f"{live_server}/manage/g/{GROUP_SLUG}/")
    expect(page.get_by_role("status")).to_contain_text("Thursday Big Book is scheduled: "
                                                       "Every Thursday.")
    meeting = page.get_by_role("region", name="Thursday Big Book")
    dates = meeting.locator("ol.dates > li")
    expect(dates).to_have_count(8)
    second = dates.nth(1)
    day_text = second.inner_text().split(" · ")[0].strip()  # e.g. "Thu 10 Dec"
    second.get_by_role("link").click()
    assert serious_violations(page) == []

    page.get_by_role("radio", name="Holiday").check()
    page.get_by_label("Note for members").first.fill("Closed for the holiday")
    page.get_by_role("button", name=re.compile(r"^Cancel ")).click()
    expect(page).to_have_url(f"{live_server}/manage/g/{GROUP_SLUG}/")
    expect(meeting.locator("li.date-cancelled")).to_contain_text(
        f"Cancelled {day_text} — Holiday: Closed for the holiday")
    assert serious_violations(page) == []

    # A member, not signed in, on the group's public page.
    page.context.clear_cookies()
    page.goto(f"{live_server}/g/{GROUP_SLUG}/")
    public = page.get_by_role("region", name="Thursday Big Book")
    expect(public).to_contain_text("Every Thursday")
    expect(public.locator(".date-cancelled")).to_contain_text(
        f"Cancelled {day_text} — Holiday: Closed for the holiday")
    expect(public.locator("ol.dates > li")).to_have_count(8)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
