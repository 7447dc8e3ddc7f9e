"""An auditor reads the audit log on a phone and on a desktop, after a facilitator
changed a meeting and corrected a headcount with several taps, and an admin changed a
training record: times in the org's zone, values in words, the taps as one change."""

from __future__ import annotations

import re
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page
from playwright.sync_api import expect

from facilitator import clock
from facilitator import demo
from facilitator.domain.suppression import HIDDEN
from tests.browser.conftest import serious_violations
from tests.browser.test_login import sign_in
from tests.browser.test_scheduling import GROUP

pytestmark = pytest.mark.browser

CHICAGO = ZoneInfo("America/Chicago")


@pytest.fixture
def wednesday_noon(monkeypatch) -> datetime:
    """Noon on the Wednesday after the demo's Tuesday meeting: its count is a correction."""
    today = clock.today_in("America/Chicago")
    wednesday = today + timedelta(days=(2 - today.weekday()) % 7 or 7)
    instant = datetime.combine(wednesday, time(12, 4), tzinfo=CHICAGO)
    monkeypatch.setattr(clock, "now", lambda: instant)
    return instant


def shown(count: int) -> str:
    """A count as the log holds it for the demo org (threshold 5, no split to protect)."""
    return HIDDEN if count < 5 else str(count)


def day_in_words(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"


def test_an_auditor_reads_the_log_at_320_and_1280_pixels(
        page: Page, live_server: str, wednesday_noon: datetime) -> None:
    # The facilitator moves the meeting half an hour later…
    sign_in(page, live_server, "facilitator@demo.example", demo.PASSWORD)
    page.get_by_role("link", name=GROUP, exact=True).first.click()
    page.get_by_role("link", name="Edit Women's Step Study").click()
    page.get_by_label("Starts at").fill("19:30")
    page.get_by_role("button", name="Save meeting").click()
    expect(page.get_by_role("status")).to_be_visible()

    # …and corrects yesterday's headcount with three taps.
    # The group page opens the next date, not yet begun; the date before is yesterday's.
    page.get_by_role("link", name="Headcount Women's Step Study").click()
    page.get_by_role("link", name=re.compile("^← ")).click()
    yesterday = wednesday_noon.date() - timedelta(days=1)
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        f"{yesterday:%A} {yesterday.day} {yesterday:%B}")
    people = page.get_by_role("group", name="People").locator("output")
    shown_before = people.inner_text()
    before = 0 if shown_before == "–" else int(shown_before)
    for n in range(1, 4):
        page.get_by_role("button", name="One more: People").click()
        expect(people).to_have_text(str(before + n))
    page.context.clear_cookies()

    # The admin corrects the completion date of one of her own training records.
    sign_in(page, live_server, "admin@demo.example", demo.PASSWORD)
    page.goto(f"{live_server}/manage/training")
    page.get_by_role("link", name=re.compile(r"^Change Background check")).click()
    completed = page.get_by_label("Completed on")
    old_day = date.fromisoformat(completed.input_value())
    new_day = old_day + timedelta(days=1)
    completed.fill(new_day.isoformat())
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("status")).to_be_visible()
    page.context.clear_cookies()

    sign_in(page, live_server, "auditor@demo.example", demo.PASSWORD)
    page.get_by_role("link", name="Audit log", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Audit log of Riverside Recovery Community")
    log = page.locator("ol.log")
    at = (f"{day_in_words(wednesday_noon.date())}, 12:04 pm "
          f"{wednesday_noon.strftime('%Z')}")

    for width in (1280, 320):
        page.set_viewport_size({"width": width, "height": 900})
        expect(page.get_by_text("Times are in the organization's time zone, "
                                "America/Chicago.")).to_be_visible()
        meeting = log.locator("li", has_text="Changed Meeting Women's Step Study").first
        expect(meeting).to_contain_text(f"{at} · Sam T.")
        expect(meeting).to_contain_text("Starts at: 7:00 pm → changed to 7:30 pm")
        # The form orders the types its own way: the same types are no change.
        expect(meeting).not_to_contain_text("Meeting types")

        # Three taps, one correction, from the first number to the last.
        headcount = log.locator("li", has_text="Headcount of Women's Step Study").first
        expect(headcount).to_contain_text("(3 corrections from 12:04 pm)")
        expect(headcount).to_contain_text(
            f"People: {shown(before)} → changed to {shown(before + 3)}"
            if shown(before) != shown(before + 3) else
            "People: changed (the count is hidden before and after)")
        expect(log.locator("li", has_text="Headcount of Women's Step Study")).to_have_count(1)

        record = log.locator("li", has_text="Training record Background check of Dana R.")
        expect(record.first).to_contain_text(f"{at} · Dana R.")
        expect(record.first).to_contain_text(
            f"Completed on: {day_in_words(old_day)} → changed to {day_in_words(new_day)}")

        text = log.inner_text()
        for raw in ("training_type_id", "completed_on", "start_time", "19:00:00", "UTC",
                    "<5"):
            assert raw not in text, raw
        # Fits the screen: nothing to scroll sideways, nothing cut off.
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert serious_violations(page) == []
