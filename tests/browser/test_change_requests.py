"""A group's representative proposes a new time and a cancelled date through the group's
link; an admin approves one and rejects the other; members see the approved change, and
the representative reads both decisions on the link's own page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser
from playwright.sync_api import Page
from playwright.sync_api import expect

from facilitator import demo

# What a person does here is the same on either database; tests/test_change_requests.py
# checks the decisions, conflicts and validation on both.
pytestmark = [pytest.mark.browser, pytest.mark.one_database]

GROUP = "tuesday-night-womens-aa"
MEETING = "Women's Step Study"


def test_a_representative_proposes_and_an_admin_decides(page: Page, browser: Browser,
                                                          live_server: str):
    page.goto(f"{live_server}/login")
    page.get_by_label("Email", exact=True).fill("admin@demo.example")
    page.get_by_label("Password", exact=True).fill(demo.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server}/manage/g/{GROUP}/")
    page.get_by_role("button", name="Make the representative link").click()
    link = page.locator("#rep-link").inner_text()

    rep = browser.new_context(viewport={"width": 320, "height": 700}).new_page()
    rep.goto(link)
    rep.get_by_role("link", name=f"Change or end this meeting {MEETING}").click()
    rep.get_by_label("Starts at").fill("19:30")
    rep.get_by_role("button", name="Send to the admins").click()
    expect(rep.get_by_role("status")).to_contain_text("Sent.")
    rep.goto(link)
    rep.locator(f"section:has(h3:text-is(\"{MEETING}\"))").get_by_role(
        "link", name=re.compile("cancel or change")).first.click()
    cancelled_day = rep.get_by_role("heading", level=1).inner_text()
    rep.get_by_label("Note for members (optional)").fill("Hall closed")
    rep.get_by_role("button", name=re.compile("Ask to cancel")).click()
    expect(rep.get_by_role("status")).to_contain_text("Sent.")

    page.goto(f"{live_server}/admin/{demo.SLUG}/requests/")
    page.get_by_role("link", name=re.compile(r"Request \d+: Tuesday")).first.click()
    expect(page.locator("table.compare")).to_have_count(1)
    expect(page.locator("table.compare")).to_contain_text("19:00")
    page.get_by_role("button", name="Approve Starts at").click()
    page.goto(f"{live_server}/admin/{demo.SLUG}/requests/")
    page.get_by_role("link", name=re.compile(r"Request \d+: Tuesday")).first.click()
    page.get_by_label("Reason, for the sender").fill("The hall confirmed it is open.")
    page.get_by_role("button", name="Reject Cancel a date").click()

    page.goto(f"{live_server}/g/{GROUP}/")
    expect(page.locator("main")).to_contain_text("7:30")
    feed = page.request.get(f"{live_server}/g/{GROUP}/meetings.ics").text()
    assert "T193000" in feed and "Hall closed" not in feed
    # The representative link's own page shows both decisions, whichever request each was.
    rep.goto(link)
    sent = rep.locator("section:has(h2#sent-heading)")
    expect(sent.locator("li.decision-approved")).to_contain_text("Starts at → 19:30")
    expect(sent.locator("li.decision-approved")).to_contain_text("Applied")
    expect(sent.locator("li.decision-rejected")).to_contain_text("cancel this date")
    expect(sent.locator("li.decision-rejected")).to_contain_text(
        "Not applied. Why: The hall confirmed it is open.")
    assert cancelled_day.startswith(MEETING)
