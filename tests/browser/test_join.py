"""An online meeting's join page in Chromium, at 320 px and 1280 px, before, during and
after a meeting: it says when the link opens, gives the link and passcode while the
meeting is on, then says the meeting has ended and when the next one opens. The group
page leads there and never shows the link itself (issue 22)."""

from __future__ import annotations

import re
from datetime import UTC
from datetime import datetime
from datetime import time
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page
from playwright.sync_api import expect

from facilitator import clock
from facilitator import demo
from facilitator.formatting import long_date
from tests.browser.conftest import serious_violations

pytestmark = pytest.mark.browser

CHICAGO = ZoneInfo("America/Chicago")
#: The demo's online-only meeting: Wednesdays, 8:00 pm to 9:00 pm in Chicago.
GROUP = "young-people-online"


@pytest.fixture(params=[320, 1280], ids=lambda w: f"{w}px")
def width(request, page: Page) -> int:
    page.set_viewport_size({"width": request.param, "height": 720})
    return request.param


def next_wednesday() -> datetime:
    today = clock.today_in("America/Chicago")
    return datetime.combine(today + timedelta(days=(2 - today.weekday()) % 7 or 7), time(),
                            tzinfo=CHICAGO)


def fits(page: Page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_a_join_page_before_during_and_after_the_meeting(
        page: Page, live_server: str, width: int, monkeypatch) -> None:
    wednesday = next_wednesday() + timedelta(days=7 if width == 1280 else 0)

    def at(hour: int, minute: int) -> None:
        moment = wednesday.replace(hour=hour, minute=minute).astimezone(UTC)
        monkeypatch.setattr(clock, "now", lambda: moment)

    at(19, 30)
    page.goto(f"{live_server}/g/{GROUP}/")
    online = page.locator("dd", has_text="join page")
    expect(online).to_contain_text("The link and passcode to join are on the meeting's "
                                   "join page from 15 minutes before each meeting")
    expect(page.locator("main")).not_to_contain_text("pwd=")
    expect(page.locator("main")).not_to_contain_text("tidewater")
    with page.expect_response(re.compile(r"/j/\d+$")) as answer:
        online.get_by_role("link", name="the meeting's join page").click()
    headers = answer.value.headers
    assert "no-store" in headers["cache-control"]
    assert headers["referrer-policy"] == "no-referrer"
    main = page.locator("main")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Young People Online")
    expect(main).to_contain_text(
        f"The link and passcode will be here from 7:45 pm on {long_date(wednesday)} "
        "(America/Chicago), 15 minutes before the meeting starts at 8:00 pm.")
    expect(page.get_by_role("link", name="Join the meeting")).to_have_count(0)
    expect(main).not_to_contain_text("tidewater")
    fits(page, width)
    assert serious_violations(page) == []

    at(20, 10)
    page.reload()
    join = page.get_by_role("link", name="Join the meeting")
    expect(join).to_have_attribute("href", demo.ZOOM["online_url"])
    expect(main).to_contain_text("Passcode: tidewater")
    expect(page.get_by_role("link", name=demo.ZOOM["online_phone"])).to_have_attribute(
        "href", "tel:+15555550111,,85550100123%23,,,,727272%23")
    fits(page, width)
    assert serious_violations(page) == []

    at(21, 5)
    page.reload()
    expect(main).to_contain_text(f"The meeting of {long_date(wednesday, year=False)} ended "
                                 "at 9:00 pm.")
    expect(main).to_contain_text(
        f"will be here from 7:45 pm on {long_date(wednesday + timedelta(days=7))}")
    expect(page.get_by_role("link", name="Join the meeting")).to_have_count(0)
    expect(main).not_to_contain_text("tidewater")
    fits(page, width)
