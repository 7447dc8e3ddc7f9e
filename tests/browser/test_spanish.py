"""A Spanish-speaking member's journey, in a browser that asks for Spanish: the directory,
a group's page, its calendar, the check-in and the confidentiality statement, without an
English sentence of the app's on the way."""

from __future__ import annotations

import urllib.request
from datetime import datetime
from datetime import time
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from playwright.sync_api import Browser
from playwright.sync_api import Page
from playwright.sync_api import expect
from sqlalchemy import select

from facilitator import clock
from facilitator.db import get_session
from facilitator.models import Group
from facilitator.models import Meeting
from facilitator.services import headcounts
from tests.browser.conftest import LIVE_APPS
from tests.browser.conftest import with_live_app
from tests.conftest import english_sentences

# The words on the pages are the same on either database: the first one is enough.
pytestmark = [pytest.mark.browser, pytest.mark.one_database]

CHICAGO = ZoneInfo("America/Chicago")
#: From Grupo Esperanza's statement in Spanish (the demo's): its main text is English.
STATEMENT = "Esta es una reunión anónima."


def english_on(page: Page, sentences: tuple[str, ...]) -> list[str]:
    text = page.locator("body").inner_text()
    return [s for s in sentences if s in text]


@pytest.fixture
def during_grupo_esperanza(monkeypatch):
    """Grupo Esperanza's Tuesday 19:30 meeting going on."""
    today = clock.today_in("America/Chicago")
    tuesday = today + timedelta(days=(1 - today.weekday()) % 7 or 7)
    monkeypatch.setattr(clock, "now", lambda: datetime.combine(tuesday, time(19, 40),
                                                               tzinfo=CHICAGO))


def test_a_spanish_speaking_member_from_the_directory_to_the_statement(
        browser: Browser, live_server: str, during_grupo_esperanza):
    with with_live_app(live_server):
        session = get_session()
        group = session.scalars(select(Group).where(Group.name == "Grupo Esperanza")).one()
        meeting = session.scalars(select(Meeting).where(Meeting.group_id == group.id)).first()
        assert meeting is not None
        token = headcounts.checkin_token(LIVE_APPS[live_server].config["SECRET_KEY"], meeting)
    sentences = english_sentences()
    assert "Add these meetings to your calendar" in sentences  # the list is the app's

    context = browser.new_context(locale="es-ES", extra_http_headers={"Accept-Language": "es"})
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        page.goto(f"{live_server}/o/demo/")
        assert page.locator("html").get_attribute("lang") == "es"
        expect(page.get_by_role("heading", level=1)).to_contain_text("reuniones")
        assert english_on(page, sentences) == []

        page.get_by_role("link", name="Grupo Esperanza", exact=True).first.click()
        expect(page.get_by_role("heading", name="Próximas fechas").first).to_be_visible()
        expect(page.locator("body")).to_contain_text("Cerrada")  # its type, from the spec
        assert english_on(page, sentences) == []

        # Subscribing: the calendar is the Spanish one.
        apple = page.get_by_role("link", name="Apple Calendar (iPhone, iPad, Mac)")
        feed = (apple.get_attribute("href") or "").replace("webcal://", "http://", 1)
        assert feed.endswith("meetings.ics?lang=es")
        with urllib.request.urlopen(feed, timeout=30) as response:
            calendar = Calendar.from_ical(response.read())
        assert str(calendar["X-WR-CALDESC"]).startswith("Reuniones de Grupo Esperanza")

        page.goto(f"{live_server}/c/{token}")
        page.get_by_role("button", name="Estoy aquí", exact=True).click()
        expect(page.get_by_role("status").first).to_contain_text("Está registrado")
        expect(page.locator(".statement")).to_contain_text(STATEMENT)
        assert page.locator(".statement .document").get_attribute("lang") == "es"
        assert english_on(page, sentences) == []
        page.get_by_role("button", name="Guardaré en confidencia lo que se comparte aquí").click()
        expect(page.locator(".statement")).to_contain_text("Gracias por guardar")
        assert english_on(page, sentences) == []
    finally:
        context.close()
