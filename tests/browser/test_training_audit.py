"""An auditor in a real browser: the training matrix, filtered, read in words."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page
from playwright.sync_api import expect

from facilitator import clock
from facilitator import demo
from tests.browser.conftest import serious_violations
from tests.browser.test_login import sign_in
from tests.test_training import pdf_bytes

pytestmark = pytest.mark.browser


def matrix_leaders(page: Page) -> list[str]:
    return [name.strip() for name in
            page.locator("table.matrix tbody th[scope=row] a").all_inner_texts()]


def test_auditor_filters_the_training_matrix(page: Page, live_server: str) -> None:
    sign_in(page, live_server, "auditor@demo.example", demo.PASSWORD)
    # An auditor of one org lands on the training of its leaders.
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Training of the leaders of Riverside Recovery Community")
    assert set(matrix_leaders(page)) == {"Dana R.", "Jordan P.", "María L.", "Sam T."}
    # Every status is said in words, not by colour alone.
    table = page.locator("table.matrix")
    for word in ("Current", "Expiring soon", "Expired", "Missing"):
        expect(table.get_by_text(word, exact=True).first).to_be_visible()
    # The demo counts records nobody has verified yet, and says which they are.
    expect(page.get_by_text("A record nobody has verified yet counts")).to_be_visible()
    expect(table.get_by_text("not verified", exact=True).first).to_be_visible()
    assert serious_violations(page) == []

    page.get_by_label("Status").select_option(label="Expired")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(f"{live_server}/audit/demo/training/?group=&status=expired"
                             "&requirement=")
    assert set(matrix_leaders(page)) == {"Dana R.", "María L.", "Sam T."}

    page.get_by_label("Requirement").select_option(label="CPR and first aid")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"status=expired&requirement=\d+$"))
    assert matrix_leaders(page) == ["María L."]
    expect(page.get_by_role("columnheader", name="CPR and first aid")).to_be_visible()
    expect(page.get_by_role("columnheader", name="Background check")).to_have_count(0)

    page.get_by_label("Status").select_option(label="Any status")
    page.get_by_label("Requirement").select_option(label="Every requirement")
    page.get_by_label("Group").select_option(label="Tuesday Night Women's AA")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"group=tuesday-night-womens-aa&status=&requirement=$"))
    assert matrix_leaders(page) == ["Sam T."]

    # The CSV link keeps the filters; the auditor sees no way to change a record.
    csv_link = page.get_by_role("link", name="Download this view as CSV")
    assert "group=tuesday-night-womens-aa" in (csv_link.get_attribute("href") or "")
    page.get_by_role("link", name="Sam T.").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Training of Sam T.")
    expect(page.get_by_role("link", name="Change")).to_have_count(0)
    expect(page.get_by_role("heading", name="History")).to_be_visible()


def test_leader_records_a_training_with_its_certificate(page: Page, live_server: str) -> None:
    sign_in(page, live_server, "facilitator@demo.example", demo.PASSWORD)
    page.get_by_role("link", name="My training").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My training")
    due = page.get_by_role("region", name="What is due")
    expect(due.get_by_role("row", name=re.compile("Naloxone"))).to_contain_text(
        "Expiring soon")
    assert serious_violations(page) == []

    page.get_by_role("link", name="Record a training").click()
    assert serious_violations(page) == []
    page.get_by_label("Training", exact=True).select_option(label="Naloxone administration")
    page.get_by_label("Provider").fill("County Health Department")
    completed = clock.today_in("America/Chicago") - timedelta(days=30)
    page.get_by_label("Completed on").fill(completed.isoformat())
    page.get_by_label("Certificate or other evidence (optional)").set_input_files(
        files=[{"name": "naloxone.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()}])
    page.get_by_role("button", name="Record it").click()

    expect(page.get_by_role("status")).to_have_text("Naloxone administration is recorded.")
    # Recorded again a month ago: current now, whatever order the tests run in.
    row = page.get_by_role("region", name="What is due").get_by_role(
        "row", name=re.compile("Naloxone"))
    expect(row).to_contain_text("Current")
    records = page.get_by_role("region", name="My records")
    expect(records.get_by_role("link", name="Open file").first).to_be_visible()
