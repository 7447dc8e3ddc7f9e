"""A leader sends a certificate from a phone, in a real browser: a photo too large comes
back with the form still filled in and the reason beside the file field; an iPhone
photo (HEIC) is taken and kept as a JPEG."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page
from playwright.sync_api import expect

from facilitator import clock
from facilitator import demo
from tests.browser.test_login import sign_in
from tests.test_training import heic_bytes
from tests.test_training import image_bytes

pytestmark = pytest.mark.browser

FIELD = "Certificate or other evidence (optional)"


def fill_record(page: Page, live_server: str) -> str:
    """Open the form on a phone and answer every field but the file; return the date."""
    page.set_viewport_size({"width": 320, "height": 640})
    sign_in(page, live_server, "facilitator@demo.example", demo.PASSWORD)
    page.goto(f"{live_server}/manage/training/new")
    completed = (clock.today_in("America/Chicago") - timedelta(days=10)).isoformat()
    page.get_by_label("Training", exact=True).select_option(label="CPR and first aid")
    page.get_by_label("Provider").fill("Riverside Fire Department")
    page.get_by_label("Completed on").fill(completed)
    page.get_by_label("Certificate number").fill("CPR-20931")
    page.get_by_label("Notes").fill("Evening class at the fire station.")
    return completed


def test_a_photo_over_the_limit_comes_back_with_the_form_filled_in(
        page: Page, live_server: str) -> None:
    completed = fill_record(page, live_server)
    # The limit is said before anyone tries.
    expect(page.get_by_label(FIELD)).to_have_accessible_description(
        "A PDF, PNG or JPEG, or a photo from an iPhone (HEIC, kept as a JPEG), of at most "
        "5 MB. Only you, your organization's admins and its auditors can open it.")
    photo = image_bytes("JPEG") + b"\0" * (7 * 1024 * 1024)
    page.get_by_label(FIELD).set_input_files(
        files=[{"name": "IMG_0412.jpg", "mimeType": "image/jpeg", "buffer": photo}])
    page.get_by_role("button", name="Record it").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Record a training")
    field = page.get_by_label(FIELD)
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_accessible_description(
        "A PDF, PNG or JPEG, or a photo from an iPhone (HEIC, kept as a JPEG), of at most "
        "5 MB. Only you, your organization's admins and its auditors can open it. "
        "The file is larger than 5 MB. Scan at a lower resolution, or save it as a smaller "
        "PDF or JPEG.")
    # Everything else the leader typed is still there.
    expect(page.get_by_label("Training", exact=True)).to_have_value(
        page.locator("option", has_text="CPR and first aid").get_attribute("value") or "")
    expect(page.get_by_label("Provider")).to_have_value("Riverside Fire Department")
    expect(page.get_by_label("Completed on")).to_have_value(completed)
    expect(page.get_by_label("Certificate number")).to_have_value("CPR-20931")
    expect(page.get_by_label("Notes")).to_have_value("Evening class at the fire station.")
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 320


def test_an_iphone_photo_is_recorded_and_opens_as_a_jpeg(page: Page, live_server: str) -> None:
    fill_record(page, live_server)
    page.get_by_label(FIELD).set_input_files(
        files=[{"name": "IMG_0413.HEIC", "mimeType": "image/heic", "buffer": heic_bytes()}])
    page.get_by_role("button", name="Record it").click()
    expect(page.get_by_role("status")).to_have_text("CPR and first aid is recorded.")

    link = page.get_by_role("region", name="My records").get_by_role(
        "row", name="CPR and first aid").first.get_by_role("link", name="Open file")
    response = page.request.get(live_server + (link.get_attribute("href") or ""))
    assert response.headers["content-type"] == "image/jpeg"
    assert response.body().startswith(b"\xff\xd8\xff")
