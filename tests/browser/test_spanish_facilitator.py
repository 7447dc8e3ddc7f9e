"""A facilitator's tasks in a browser that asks for Spanish: sign in, the dashboard, the
group page, a meeting scheduled (refused twice on the way: by the form, then by the
meeting rules), a date cancelled, a headcount, the guidelines edited, the agreement
signed, a training recorded (refused once by the training rules), the attendance report
and a handout printed in Spanish, without an English sentence of the app's on the way."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from playwright.sync_api import Browser
from playwright.sync_api import Page
from playwright.sync_api import expect
from pypdf import PdfReader
from sqlalchemy import select

from facilitator import clock
from facilitator import demo
from facilitator.db import get_session
from facilitator.models import Meeting
from tests.browser.conftest import with_live_app
from tests.browser.test_headcount import during_next_tuesday  # noqa: F401 (a fixture)
from tests.browser.test_spanish import english_on
from tests.conftest import english_sentences

# The words on the pages are the same on either database: the first one is enough.
pytestmark = [pytest.mark.browser, pytest.mark.one_database]

GROUP = "Tuesday Night Women's AA"
GROUP_SLUG = "tuesday-night-womens-aa"


def test_a_spanish_speaking_facilitator_does_every_task_in_spanish(
        browser: Browser, live_server: str, during_next_tuesday):  # noqa: F811
    with with_live_app(live_server):
        step_study = get_session().scalars(
            select(Meeting).where(Meeting.title == "Women's Step Study")).one().id
    sentences = english_sentences()
    assert "Say where people meet: a place name or an address" in sentences  # services' too
    base = f"{live_server}/manage/g/{GROUP_SLUG}"
    context = browser.new_context(locale="es-ES", extra_http_headers={"Accept-Language": "es"})
    context.set_default_timeout(10_000)
    page = context.new_page()
    english: dict[str, list[str]] = {}

    def read(page: Page) -> None:
        """The page is in Spanish, with no English sentence of the app's. A document's
        own text is the group's words, in the language its author wrote (the demo's
        agreement is in English), and is left out."""
        assert page.locator("html").get_attribute("lang") == "es", page.url
        documents = " ".join(page.locator("article.document").all_inner_texts())
        if found := [s for s in english_on(page, sentences) if s not in documents]:
            english[page.url] = found

    try:
        page.goto(f"{live_server}/login")
        read(page)
        page.fill("#email", "facilitator@demo.example")
        page.fill("#password", demo.PASSWORD)
        page.locator("main form button[type=submit]").click()
        expect(page).to_have_url(f"{live_server}/manage/")
        expect(page.get_by_role("heading", level=1)).to_contain_text("Sam T.")
        read(page)

        page.get_by_role("link", name=GROUP, exact=True).first.click()
        expect(page).to_have_url(f"{base}/")
        read(page)
        # The handouts offer the other language, as the public pages do.
        handouts = page.locator("section#handouts")
        expect(handouts.locator('a[hreflang="en"]').first).to_have_attribute(
            "href", re.compile(r"handout\.pdf\?lang=en$"))

        # Scheduling, refused by the form (no title), then by the rules (no place).
        page.goto(f"{base}/meetings/new")
        read(page)
        page.locator("input[name=weekdays][value='3']").check()
        # The next dates, worked out by the form's script, in Spanish ("jue, 10 dic").
        expect(page.locator("#preview-dates li").first).to_contain_text("jue")
        page.fill("#start_time", "18:30")
        page.fill("#duration_minutes", "60")
        page.locator("main form button[type=submit]").last.click()
        expect(page.locator("#title-error")).to_be_visible()
        read(page)
        page.fill("#title", "Estudio del Libro Grande")
        page.locator("main form button[type=submit]").last.click()
        expect(page.locator("#address-error")).to_contain_text("Diga dónde se reúnen")
        read(page)
        page.fill("#address", "412 River Road")
        page.locator("main form button[type=submit]").last.click()
        expect(page).to_have_url(f"{base}/")
        expect(page.get_by_role("status").first).to_contain_text("Estudio del Libro Grande")
        read(page)

        # Cancelling its second date: preview, then publish.
        meeting = page.get_by_role("region", name="Estudio del Libro Grande")
        meeting.locator("ol.dates > li").nth(1).get_by_role("link").click()
        read(page)
        page.locator("#cancel-form input[name=reason]").first.check()
        page.locator("#cancel-form button[name=preview]").click()
        expect(page.locator("#cancel-preview")).to_contain_text("Cancelada")
        read(page)
        page.locator("#cancel-form button[name=publish]").click()
        expect(page).to_have_url(f"{base}/")
        expect(meeting.locator("li.date-cancelled")).to_have_count(1)
        read(page)

        # A headcount of the meeting going on.
        page.goto(f"{base}/meetings/{step_study}/count")
        read(page)
        page.locator("button.plus").first.click()
        expect(page.locator("form.counters output").first).to_have_text("1")
        read(page)
        # Its check-in link: the script's Copy button speaks the page's language too.
        page.goto(f"{base}/meetings/{step_study}/checkin")
        expect(page.locator("button.copy-button")).to_have_text(re.compile(r"^Copiar"))
        read(page)

        # The guidelines, written from the starting text.
        page.goto(f"{base}/documents/guidelines/edit")
        read(page)
        page.fill("#body", "- Hablamos de uno en uno.\n- Terminamos a tiempo.\n")
        page.locator("main form button[type=submit]").last.click()
        expect(page).to_have_url(f"{base}/documents/guidelines/?lang=es")
        expect(page.get_by_role("article")).to_contain_text("Terminamos a tiempo.")
        read(page)

        # The leader agreement, signed.
        page.goto(f"{live_server}/manage/o/demo/agreement/")
        read(page)
        page.fill("#typed_name", "Sam T.")
        page.locator("#confirm").check()
        page.locator("main form button[type=submit]").last.click()
        expect(page.get_by_role("status").first).to_be_visible()
        read(page)

        # A training record: refused once (completed tomorrow), then kept.
        page.goto(f"{live_server}/manage/training/new")
        read(page)
        page.locator("#training_type_id").select_option(index=1)
        page.fill("#provider", "Departamento de Salud del Condado")
        tomorrow = clock.today_in("America/Chicago") + timedelta(days=2)
        page.fill("#completed_on", tomorrow.isoformat())
        page.locator("main form button[type=submit]").last.click()
        expect(page.locator("#completed_on-error")).to_contain_text("en el futuro")
        read(page)
        page.fill("#completed_on", (tomorrow - timedelta(days=30)).isoformat())
        page.locator("main form button[type=submit]").last.click()
        expect(page).to_have_url(f"{live_server}/manage/training/")
        read(page)

        # The attendance report, and a handout printed in Spanish.
        page.goto(f"{base}/attendance")
        read(page)
        # The browser draws the chart (an SVG of our own, asked for by the page's <img>).
        chart = page.locator("figure.chart img")
        assert chart.evaluate("img => img.complete && img.naturalWidth") > 0
        pdf = page.request.get(f"{base}/handout.pdf?paper=letter", timeout=60_000)
        assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
        text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.body())).pages)
        assert "Reuniones" in text or "reuniones" in text
    finally:
        context.close()
    assert english == {}
