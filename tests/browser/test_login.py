"""What a facilitator sees in a real browser: signing in, the dashboard, signing out."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page
from playwright.sync_api import expect

from facilitator import demo

pytestmark = pytest.mark.browser

FACILITATOR = "facilitator@demo.example"


def sign_in(page: Page, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


def sign_in_to_dashboard(page: Page, base: str) -> None:
    sign_in(page, base, FACILITATOR, demo.PASSWORD)
    expect(page).to_have_url(f"{base}/manage/")


def test_sign_in_shows_the_facilitators_groups(page: Page, live_server: str) -> None:
    sign_in_to_dashboard(page, live_server)
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Sam T.")
    expect(page.get_by_role("heading", name="Groups you facilitate")).to_be_visible()
    groups = page.get_by_role("region", name="Groups you facilitate")
    for name in ("Tuesday Night Women's AA", "Healthcare Professionals Recovery Circle"):
        expect(groups.get_by_role("link", name=name, exact=True)).to_be_visible()


def test_wrong_password_is_refused(page: Page, live_server: str) -> None:
    sign_in(page, live_server, FACILITATOR, "not-the-password")
    expect(page.get_by_role("alert")).to_have_text(
        "That email and password do not match an account."
    )
    expect(page).to_have_url(f"{live_server}/login")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_dashboard_fits_320px_and_sign_out_is_keyboard_reachable(
    page: Page, live_server: str
) -> None:
    page.set_viewport_size({"width": 320, "height": 640})
    sign_in_to_dashboard(page, live_server)

    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 320, f"the page scrolls sideways: {scroll_width}px wide"

    sign_out = page.get_by_role("button", name="Sign out")
    for _ in range(30):
        page.keyboard.press("Tab")
        if sign_out.evaluate("element => element === document.activeElement"):
            break
    expect(sign_out).to_be_focused()
    outline = sign_out.evaluate(
        "element => { const s = getComputedStyle(element);"
        " return {style: s.outlineStyle, width: s.outlineWidth}; }"
    )
    assert outline["style"] != "none", f"no visible focus outline: {outline}"
    assert outline["width"] != "0px", f"no visible focus outline: {outline}"


def test_sign_out_ends_the_session(page: Page, live_server: str) -> None:
    sign_in_to_dashboard(page, live_server)
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{live_server}/login")
    expect(page.get_by_role("status")).to_have_text("You are signed out.")

    page.goto(f"{live_server}/manage/")
    expect(page).to_have_url(re.compile(re.escape(f"{live_server}/login") + r"(\?|$)"))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)


def test_dashboard_fits_320px_with_large_text(page: Page, live_server: str) -> None:
    """People who set a larger default font still get a page that fits a small phone."""
    page.set_viewport_size({"width": 320, "height": 640})
    sign_in_to_dashboard(page, live_server)
    # Through the CSSOM: the CSP rightly refuses an injected <style> tag.
    page.evaluate("document.documentElement.style.fontSize = '20px'")
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 320, f"the page scrolls sideways at 20px text: {scroll_width}px"
