"""An admin imports a Meeting Guide feed in a real browser, with a real worker: the page
follows the check by itself, shows what the import would do, and after "Import" the
summary the command line prints."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page
from playwright.sync_api import expect

from facilitator import demo
from facilitator import jobs
from tests.browser.conftest import LIVE_APPS
from tests.browser.test_login import sign_in
from tests.test_meeting_guide_import import FEED

pytestmark = [pytest.mark.browser, pytest.mark.one_database]


def test_an_admin_uploads_a_feed_checks_it_and_imports_it(page: Page, live_server: str,
                                                          monkeypatch) -> None:
    app = LIVE_APPS[live_server]
    # This test's jobs wait in the queue for the worker it starts, as under `make run`.
    monkeypatch.setattr(jobs.queue(app), "immediate", False)
    page.set_viewport_size({"width": 320, "height": 640})
    sign_in(page, live_server, "admin@demo.example", demo.PASSWORD)
    page.goto(f"{live_server}/admin/demo/")
    page.get_by_role("link", name="Import meetings").click()
    page.get_by_label("Meeting Guide JSON file").set_input_files(FEED)
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_text("Checking the file")).to_be_visible()
    summary = page.locator(".import-summary")
    with jobs.running_worker(app):
        # The page refreshes itself until the check is done.
        expect(summary).to_contain_text("Dry run: nothing was saved.", timeout=20_000)
        expect(summary).to_contain_text("Groups: 7 created, 1 unchanged.")  # the demo has one
        page.get_by_role("button", name="Import", exact=True).click()
        expect(page.get_by_role("heading", name="What was imported")).to_be_visible(
            timeout=20_000)
    expect(summary).to_contain_text(
        "Meetings (one per weekday): 17 created, 0 updated, 0 unchanged, 1 skipped.")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    jobs.close(app)
