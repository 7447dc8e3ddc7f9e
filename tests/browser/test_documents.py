"""A facilitator writes and edits a group's guidelines; a member reads them."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page
from playwright.sync_api import expect

from tests.browser.conftest import serious_violations
from tests.browser.test_scheduling import GROUP
from tests.browser.test_scheduling import GROUP_SLUG
from tests.browser.test_scheduling import sign_in

pytestmark = pytest.mark.browser

HOSTILE = '<img src=x onerror="document.title=\'pwned\'"> [help](javascript:alert(1))'


def test_facilitator_edits_guidelines_and_a_member_reads_them(page: Page, live_server: str):
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.set_viewport_size({"width": 375, "height": 740})
    sign_in(page, live_server)
    page.get_by_role("link", name=GROUP, exact=True).first.click()
    page.get_by_role("link", name="Guidelines", exact=True).click()
    expect(page.get_by_text("Not written yet.")).to_be_visible()
    page.get_by_role("link", name="Write it").click()

    # An AA group is offered the 12-step starting text, already in the editor.
    expect(page.get_by_role("radio", name="12-step style")).to_be_checked()
    text = page.get_by_label("Text", exact=True)
    expect(text).to_have_value(re.compile("No crosstalk"))
    assert serious_violations(page) == []
    text.fill(text.input_value() + "\n- We end on time, at 8:30 pm.\n\n" + HOSTILE + "\n")
    page.get_by_label("What changed, and why").fill("Our own end time")
    page.get_by_role("button", name="Save as version 1").click()

    expect(page).to_have_url(f"{live_server}/manage/g/{GROUP_SLUG}/documents/guidelines/?lang=en")
    expect(page.get_by_role("status")).to_contain_text("Version 1 is saved.")
    document = page.get_by_role("article")
    expect(document).to_contain_text("We end on time, at 8:30 pm.")
    expect(document).to_contain_text('<img src=x onerror=')  # shown as words, not run
    expect(document.locator("img")).to_have_count(0)
    assert serious_violations(page) == []

    # A second edit: version 2, and what changed between the two.
    page.get_by_role("link", name="Edit: make version 2").click()
    text = page.get_by_label("Text", exact=True)
    text.fill(text.input_value().replace("at 8:30 pm", "at 8:15 pm"))
    page.get_by_label("What changed, and why").fill("We finish earlier now")
    page.get_by_role("button", name="Save as version 2").click()
    expect(page.get_by_role("status")).to_contain_text("Version 2 is saved.")
    expect(page.get_by_role("row", name=re.compile(r"^Version 1 "))).to_contain_text(
        "Our own end time")
    page.get_by_role("link", name="What changed in version 2").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Compare versions 1 and 2")
    expect(page.locator(".diff-removed")).to_have_text(
        re.compile("Removed: - We end on time, at 8:30 pm."))
    expect(page.locator(".diff-added")).to_have_text(
        re.compile("Added: - We end on time, at 8:15 pm."))
    assert serious_violations(page) == []

    # A member, not signed in, reads the current guidelines on the group's page.
    page.context.clear_cookies()
    page.goto(f"{live_server}/g/{GROUP_SLUG}/")
    guidelines = page.get_by_role("region", name="Group guidelines")
    expect(guidelines).to_contain_text("Version 2")
    expect(guidelines).to_contain_text("We end on time, at 8:15 pm.")
    expect(guidelines).not_to_contain_text("8:30 pm")
    expect(guidelines.get_by_role("link", name="help")).to_have_count(0)
    expect(guidelines.locator("img")).to_have_count(0)
    assert serious_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert page.title() != "pwned" and dialogs == []


def test_a_leader_reads_and_signs_the_new_agreement(page: Page, live_server: str):
    sign_in(page, live_server)  # Sam T., who has not signed the demo's agreement
    page.get_by_role("link", name="Read and sign it").click()
    expect(page.get_by_role("heading", name="Sign version 2")).to_be_visible()
    assert serious_violations(page) == []
    page.get_by_label("Type your name to sign").fill("sam t")
    page.get_by_role("button", name="Sign version 2").click()
    expect(page.get_by_text("Tick the box to confirm")).to_be_visible()
    page.get_by_role("checkbox", name="I have read this agreement").check()
    page.get_by_role("button", name="Sign version 2").click()
    expect(page.get_by_role("status")).to_contain_text("You signed version 2. Thank you.")
    page.goto(f"{live_server}/manage/")
    expect(page.get_by_role("link", name="Read and sign it")).to_have_count(0)
