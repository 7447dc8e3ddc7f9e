"""A facilitator signs in and sees what now: the meeting going on, tomorrow's, and the
training that needs seeing to; admins and auditors land on their own pages."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page
from playwright.sync_api import expect

from facilitator import demo
from tests.browser.conftest import serious_violations
from tests.browser.test_headcount import during_next_tuesday  # noqa: F401 (a fixture)
from tests.browser.test_login import sign_in as sign_in_with
from tests.browser.test_scheduling import sign_in

pytestmark = pytest.mark.browser


def sign_in_as(page: Page, base: str, email: str) -> None:
    sign_in_with(page, base, email, demo.PASSWORD)


@pytest.mark.parametrize("width", [320, 1280])
def test_a_facilitator_sees_the_meeting_going_on_first_and_what_needs_attention(
        page: Page, live_server: str, during_next_tuesday, width: int):  # noqa: F811
    page.set_viewport_size({"width": width, "height": 800})
    sign_in(page, live_server)
    meetings = page.get_by_role("region", name="Today and tomorrow")
    first = meetings.get_by_role("listitem").first
    expect(first.get_by_role("heading")).to_contain_text("Today")
    expect(first.get_by_role("heading")).to_contain_text("Women's Step Study")
    expect(first).to_contain_text("Going on now")
    expect(meetings.get_by_role("heading", name=re.compile("Tomorrow.*Young People Online"))
           ).to_be_visible()
    # What needs attention comes after the meetings and names the training.
    attention = page.get_by_role("region", name="Needs your attention")
    expect(attention).to_contain_text("Naloxone administration: expires on")
    expect(attention).to_contain_text("Mental Health First Aid: expired on")
    expect(attention).to_contain_text("asks you to sign its leader confidentiality agreement")
    assert meetings.bounding_box()["y"] < attention.bounding_box()["y"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert serious_violations(page) == []

    headcount = first.get_by_role("link", name="Headcount Women's Step Study, today")
    box = headcount.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 44, "a thumb must find it in a dim room"
    headcount.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Women's Step Study")
    expect(page.get_by_text("going on now")).to_be_visible()
    page.go_back()
    first.get_by_role("link", name="Check-in QR Women's Step Study").click()
    expect(page.locator("svg.qr")).to_be_visible()


@pytest.mark.parametrize(("email", "landing", "heading"), [
    ("admin@demo.example", "/admin/demo/", "Riverside Recovery Community"),
    ("auditor@demo.example", "/audit/demo/training/", "Training of the leaders of"),
])
def test_admins_and_auditors_land_on_their_own_pages(page: Page, live_server: str,
                                                     email: str, landing: str, heading: str):
    page.set_viewport_size({"width": 320, "height": 700})
    sign_in_as(page, live_server, email)
    expect(page).to_have_url(f"{live_server}{landing}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
    expect(page.get_by_text("You are not leading a group yet")).to_have_count(0)


def test_a_facilitator_who_is_also_admin_sees_their_meetings_and_the_admin_link(
        page: Page, live_server: str):
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in_as(page, live_server, "jordan@demo.example")
    expect(page).to_have_url(f"{live_server}/manage/")
    expect(page.get_by_role("heading", name="Today and tomorrow")).to_be_visible()
    page.get_by_role("link", name="Admin: groups and people").click()
    expect(page).to_have_url(f"{live_server}/admin/demo/")
