"""Paper to phone: every QR code printed on a handout opens, on an Android phone and on an
iPhone, a page of the site whose first button suits that phone, and whose every button
subscribes to the right feed, a feed that parses as iCalendar."""

from __future__ import annotations

import re
import urllib.request
from collections.abc import Iterator
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import pytest
from icalendar import Calendar
from playwright.sync_api import Browser
from playwright.sync_api import Page
from playwright.sync_api import expect

from facilitator import demo
from tests.browser.conftest import serious_violations
from tests.browser.test_login import sign_in
from tests.test_handouts import codes_in

pytestmark = pytest.mark.browser

ANDROID = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
           "Chrome/126.0.0.0 Mobile Safari/537.36")
IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
          "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1")
#: Which button each phone gets first.
FIRST = {ANDROID: "Google Calendar", IPHONE: "Apple Calendar (iPhone, iPad, Mac)"}


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read()


@pytest.fixture(params=[ANDROID, IPHONE], ids=["android", "iphone"])
def phone(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A 390 px wide phone with its own browser's User-Agent."""
    context = browser.new_context(user_agent=request.param, is_mobile=True, has_touch=True,
                                  viewport={"width": 390, "height": 844})
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.user_agent = request.param  # type: ignore[attr-defined]
    yield page
    context.close()


def feed_of(button: str, href: str) -> str:
    """The http(s) feed a subscribe button's link asks its app to subscribe to."""
    query = parse_qs(urlsplit(href).query)
    if href.startswith("webcal://"):
        return href
    if href.startswith("https://calendar.google.com/calendar/render?"):
        return query["cid"][0]
    if re.match(r"https://outlook\.(live|office)\.com/calendar/0/addfromweb\?", href):
        return query["url"][0]
    raise AssertionError(f"{button}: no app's link: {href}")


def check_subscribe_page(phone: Page, base: str, url: str, feed_path: str) -> None:
    """Open a printed code's target on the phone: its button first, every button for the
    feed at `feed_path`, which is iCalendar."""
    assert url.startswith(f"{base}/"), f"{url} is not a page of the site"
    phone.goto(url)
    buttons = phone.locator("ul.subscribe-apps a")
    expect(buttons.first).to_have_text(FIRST[phone.user_agent])  # type: ignore[attr-defined]
    expect(phone.get_by_text("The first button suits this device")).to_be_visible()
    feed = f"{base}{feed_path}"
    names = buttons.all_inner_texts()
    assert sorted(names) == sorted([
        "Apple Calendar (iPhone, iPad, Mac)", "Google Calendar", "Outlook.com",
        "Outlook (work or school)", "ICSx⁵ (Android)"])
    for name, link in zip(names, buttons.all(), strict=True):
        subscribed = feed_of(name, link.get_attribute("href") or "")
        assert re.sub(r"^(webcal|https?)://", "", subscribed) == \
            re.sub(r"^https?://", "", feed), name
    address = phone.get_by_label("Calendar address, for any other app")
    expect(address).to_have_value(feed)
    calendar = Calendar.from_ical(fetch(address.input_value()))
    assert calendar.walk("VEVENT"), f"{feed} has no meetings"
    # The address is copied by its button (or left selected where copying is refused).
    phone.get_by_role("button", name="Copy address").click()
    expect(phone.locator(".copy-status")).to_contain_text(re.compile("Copied|selected"))
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390


def test_a_public_groups_one_pager_leads_each_phone_to_its_button(
        phone: Page, live_server: str) -> None:
    group = "clean-and-serene-na"
    codes = codes_in(fetch(f"{live_server}/g/{group}/handout.pdf"))
    assert sorted(codes) == [f"{live_server}/g/{group}/", f"{live_server}/g/{group}/subscribe"]
    check_subscribe_page(phone, live_server, f"{live_server}/g/{group}/subscribe",
                         f"/g/{group}/meetings.ics")
    phone.get_by_role("link", name="See the group’s page").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Clean and Serene NA")
    # The group page has the same buttons, in the same order for this phone.
    expect(phone.locator("ul.subscribe-apps a").first).to_have_text(
        FIRST[phone.user_agent])  # type: ignore[attr-defined]


def test_the_directory_handout_leads_to_every_meeting_of_the_org(
        phone: Page, live_server: str) -> None:
    codes = codes_in(fetch(f"{live_server}/o/demo/directory.pdf?day=2"))
    assert sorted(codes) == [f"{live_server}/o/demo/?day=2", f"{live_server}/o/demo/subscribe"]
    check_subscribe_page(phone, live_server, f"{live_server}/o/demo/subscribe",
                         "/o/demo/meetings.ics")
    expect(phone.get_by_role("heading", level=2)).to_have_text(
        "Add all of its meetings to your calendar")


def test_a_private_groups_one_pager_leads_behind_its_token_only(
        phone: Page, page: Page, live_server: str) -> None:
    sign_in(page, live_server, "facilitator@demo.example", demo.PASSWORD)
    page.get_by_role("link", name="Healthcare Professionals Recovery Circle").first.click()
    manage = page.url
    # A new link where there is one already cuts the old one off: it asks in a second step.
    again = page.get_by_text("Make a new private link…")
    if again.count():
        again.click()
    page.get_by_role("button", name=re.compile("private calendar link|Make a new link")).click()
    link = page.get_by_label("Calendar address, for any other app").input_value()
    token = re.fullmatch(rf"{re.escape(live_server)}/feeds/([^/]+)\.ics", link).group(1)
    page.goto(manage)
    # The form as the leader sends it, through the browser's own session (a PDF answer
    # would be a download, not a page).
    form = page.locator("form", has=page.get_by_role("button",
                                                     name="Print with the calendar code"))
    printed = page.request.post(live_server + (form.get_attribute("action") or ""), form={
        "csrf_token": form.locator("input[name=csrf_token]").input_value(),
        "feed_link": link,
    })
    assert printed.ok and printed.headers["content-type"] == "application/pdf"
    codes = codes_in(printed.body())
    assert codes == [f"{live_server}/feeds/{token}/subscribe"]
    check_subscribe_page(phone, live_server, codes[0], f"/feeds/{token}.ics")
    # The page names no place and links no group page; without the token there is none.
    assert "Community Centre" not in phone.content()
    expect(phone.locator('a[href*="/g/"]')).to_have_count(0)
    assert phone.goto(f"{live_server}/feeds/{token[:-2]}xx/subscribe").status == 404


@pytest.mark.parametrize("path", ["/g/clean-and-serene-na/subscribe", "/o/demo/subscribe"])
def test_the_subscribe_pages_are_accessible_and_fit_a_320px_phone(
        page: Page, live_server: str, path: str) -> None:
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(live_server + path)
    page.locator("section.subscribe details summary").click()
    assert serious_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
