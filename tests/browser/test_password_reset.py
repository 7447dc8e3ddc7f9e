"""A leader forgets their password and gets back in, in real browsers: the admin makes a
reset link on the leader's page, the leader opens it in another browser, chooses a new
password and is signed in; the browser still signed in with the old one is signed out,
and the link does not work a second time."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser
from playwright.sync_api import BrowserContext
from playwright.sync_api import Page
from playwright.sync_api import expect

from facilitator import demo
from tests.browser.conftest import serious_violations
from tests.browser.test_login import sign_in

pytestmark = pytest.mark.browser

ADMIN = "admin@demo.example"
NEW_PASSWORD = "lanterns over the quiet harbour"


def fits(page: Page, width: int) -> None:
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"{page.url} scrolls sideways: {scroll_width}px wide"


def new_page(browser: Browser, width: int, contexts: list[BrowserContext]) -> Page:
    """A page in a browser profile of its own (its own cookies), at this width."""
    context = browser.new_context(viewport={"width": width, "height": 800})
    context.set_default_timeout(10_000)
    contexts.append(context)
    return context.new_page()


@pytest.fixture
def contexts() -> list[BrowserContext]:
    opened: list[BrowserContext] = []
    yield opened
    for context in opened:
        context.close()


@pytest.mark.parametrize("width, email, name", [
    (320, "maria@demo.example", "María L."),
    (1280, "facilitator@demo.example", "Sam T."),
])
def test_a_leader_who_forgot_their_password_gets_back_in(
        browser: Browser, contexts: list[BrowserContext], live_server: str,
        width: int, email: str, name: str) -> None:
    # The leader's laptop is still signed in with the old password.
    laptop = new_page(browser, width, contexts)
    sign_in(laptop, live_server, email, demo.PASSWORD)
    expect(laptop).to_have_url(f"{live_server}/manage/")

    # On their phone they cannot remember it: the sign-in page says whom to ask.
    phone = new_page(browser, width, contexts)
    phone.goto(f"{live_server}/login")
    expect(phone.get_by_role("heading", name="Forgot your password?")).to_be_visible()
    expect(phone.get_by_text("Ask an admin of your organization to make you a reset link."))\
        .to_be_visible()
    fits(phone, width)

    # The admin makes the link on the leader's page.
    office = new_page(browser, width, contexts)
    sign_in(office, live_server, ADMIN, demo.PASSWORD)
    office.goto(f"{live_server}/admin/demo/")
    office.get_by_role("link", name=name, exact=True).click()
    expect(office.get_by_role("heading", level=1)).to_have_text(name)
    office.get_by_role("button", name="Make a password reset link").click()
    expect(office.get_by_role("heading", level=1)).to_have_text(f"A reset link for {name}")
    fits(office, width)
    link = office.get_by_label("Reset link").input_value()
    assert re.fullmatch(re.escape(live_server) + r"/reset/[A-Za-z0-9_-]{32}", link), link

    # The leader opens it on the phone and chooses a new password.
    phone.goto(link)
    expect(phone.get_by_role("heading", name="Choose a new password")).to_be_visible()
    expect(phone.get_by_text(email)).to_be_visible()
    fits(phone, width)
    assert serious_violations(phone) == []
    phone.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    phone.get_by_label("New password again", exact=True).fill(NEW_PASSWORD)
    phone.get_by_role("button", name="Set password and sign in").click()
    expect(phone).to_have_url(f"{live_server}/manage/")
    expect(phone.get_by_role("status")).to_contain_text(
        "Your new password is set and you are signed in.")
    expect(phone.get_by_role("heading", level=1)).to_have_text(f"Hello, {name}")

    # The laptop's old session is over.
    laptop.goto(f"{live_server}/manage/")
    expect(laptop).to_have_url(re.compile(re.escape(f"{live_server}/login") + r"(\?|$)"))
    expect(laptop.get_by_role("button", name="Sign out")).to_have_count(0)

    # The link does not work a second time, and says what to do instead.
    stranger = new_page(browser, width, contexts)
    stranger.goto(link)
    expect(stranger.get_by_role("heading", level=1)).to_have_text(
        "This reset link does not work")
    expect(stranger.get_by_text("Ask an admin of your organization to make you a new "
                                "reset link.")).to_be_visible()
    fits(stranger, width)
    assert serious_violations(stranger) == []

    # The old password no longer signs in; the new one does.
    sign_in(laptop, live_server, email, demo.PASSWORD)
    expect(laptop.get_by_role("alert")).to_have_text(
        "That email and password do not match an account.")
    sign_in(laptop, live_server, email, NEW_PASSWORD)
    expect(laptop).to_have_url(f"{live_server}/manage/")
