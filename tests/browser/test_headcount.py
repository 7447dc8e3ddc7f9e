"""A facilitator counts on a phone during a meeting; a member scans the QR code and
checks in; the facilitator sees the check-in beside their own count."""

from __future__ import annotations

import io
import re
from datetime import datetime
from datetime import time
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import BrowserContext
from playwright.sync_api import Page
from playwright.sync_api import expect

from facilitator import clock
from tests.browser.conftest import serious_violations
from tests.browser.test_scheduling import GROUP
from tests.browser.test_scheduling import sign_in

pytestmark = pytest.mark.browser

CHICAGO = ZoneInfo("America/Chicago")


@pytest.fixture
def during_next_tuesday(monkeypatch):
    """The demo's Tuesday 19:00 meeting going on, on a Tuesday the demo has no count for
    (its counts stop yesterday)."""
    today = clock.today_in("America/Chicago")
    tuesday = today + timedelta(days=(1 - today.weekday()) % 7 or 7)
    monkeypatch.setattr(clock, "now", lambda: datetime.combine(tuesday, time(19, 10),
                                                               tzinfo=CHICAGO))


def counter(page: Page, name: str):
    return page.get_by_role("group", name=name).locator("output")


def test_counting_on_a_phone_and_a_member_checking_in_by_qr_code(
        page: Page, context: BrowserContext, live_server: str, during_next_tuesday):
    page.set_viewport_size({"width": 320, "height": 640})
    sign_in(page, live_server)
    page.get_by_role("link", name=GROUP, exact=True).first.click()
    page.get_by_role("link", name="Headcount Women's Step Study").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Women's Step Study")
    # Nobody has counted this date yet: "–", not 0, and the tally says so.
    expect(counter(page, "People")).to_have_text("–")
    expect(page.locator("#tallies")).to_contain_text(re.compile(r"Your count\s*not counted yet"))

    for _ in range(3):
        page.get_by_role("button", name="One more: People").click()
    page.get_by_role("button", name="One less: People").click()
    page.get_by_role("button", name="One more: First meeting").click()
    expect(counter(page, "People")).to_have_text("2")
    expect(counter(page, "First meeting")).to_have_text("1")

    plus = page.get_by_role("button", name="One more: People").bounding_box()
    assert plus["width"] >= 44 and plus["height"] >= 44, "a thumb must find it in a dim room"
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    assert serious_violations(page) == []

    page.get_by_role("link", name="Check-in link and QR code").click()
    link = page.get_by_label("The same link, to paste in an online meeting's chat").input_value()
    shot = page.locator("svg.qr").screenshot()
    decoded = [code.text for code in zxingcpp.read_barcodes(Image.open(io.BytesIO(shot)))]
    assert decoded == [link]
    assert serious_violations(page) == []

    member = context.browser.new_context()
    try:
        phone = member.new_page()
        phone.set_viewport_size({"width": 360, "height": 640})
        phone.goto(decoded[0])
        assert serious_violations(phone) == []
        phone.get_by_role("button", name="I’m here", exact=True).click()
        expect(phone.get_by_role("status")).to_contain_text("You are checked in")
        phone.reload()
        expect(phone.get_by_role("button", name="I’m here", exact=True)).to_have_count(0)
    finally:
        member.close()

    page.go_back()
    page.reload()
    # The member's check-in is shown beside the facilitator's count, never added to it.
    expect(counter(page, "People")).to_have_text("2")
    expect(page.get_by_text("1 checked in from the link")).to_be_visible()
    expect(page.get_by_text("Reports use your count.")).to_be_visible()


def shown_count(page: Page, name: str) -> int:
    """The number a counter shows; "–" (nobody has counted yet) counts from 0. Another
    test may or may not have counted this date first."""
    text = counter(page, name).inner_text()
    return 0 if text == "–" else int(text)


def open_count(page: Page, base: str) -> None:
    """Sign in as the demo facilitator and open the count of the meeting going on."""
    page.set_viewport_size({"width": 320, "height": 640})
    sign_in(page, base)
    page.get_by_role("link", name="Headcount Women's Step Study, today").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Women's Step Study")


def test_two_phones_counting_one_meeting_agree_without_a_reload(
        page: Page, context: BrowserContext, live_server: str, during_next_tuesday):
    other = context.browser.new_context()
    try:
        second = other.new_page()
        open_count(page, live_server)
        open_count(second, live_server)
        start = shown_count(page, "People")
        # Marks that a reload would wipe: the taps must not reload either page.
        for phone in (page, second):
            phone.evaluate("window.notReloaded = true")

        page.get_by_role("button", name="One more: People").click()
        expect(counter(page, "People")).to_have_text(str(start + 1))
        second.get_by_role("button", name="One more: People").click()
        second.get_by_role("button", name="One more: People").click()
        expect(counter(second, "People")).to_have_text(str(start + 3))
        # The first phone catches up by itself within a few seconds.
        expect(counter(page, "People")).to_have_text(str(start + 3), timeout=6_000)
        expect(page.locator("#tallies")).to_contain_text(f"{start + 3} people")
        second.get_by_role("button", name="One less: People").click()
        expect(counter(page, "People")).to_have_text(str(start + 2), timeout=6_000)
        expect(counter(second, "People")).to_have_text(str(start + 2))
        # The typed-in numbers follow too, so saving them would not undo a tap.
        typed = page.locator("#headcount-form").get_by_label("People", exact=True)
        expect(typed).to_have_value(str(start + 2))
        for phone in (page, second):
            assert phone.evaluate("window.notReloaded") is True
    finally:
        other.close()


def test_without_javascript_the_buttons_still_count(
        browser, live_server: str, during_next_tuesday):
    plain = browser.new_context(java_script_enabled=False)
    try:
        page = plain.new_page()
        open_count(page, live_server)
        start = shown_count(page, "People")
        for _ in range(2):
            page.get_by_role("button", name="One more: People").click()
        expect(counter(page, "People")).to_have_text(str(start + 2))
        page.get_by_role("button", name="One less: People").click()
        expect(counter(page, "People")).to_have_text(str(start + 1))
        expect(page).to_have_url(re.compile(r"/count#counters$"))
    finally:
        plain.close()
