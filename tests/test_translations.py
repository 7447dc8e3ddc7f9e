"""The app in Spanish: every marked string has its translation, the translated templates
hold no unmarked text, and each page and feed is in the language the visitor chose, their
browser asks for, or their organization speaks, in that order."""

from __future__ import annotations

import json
import re
from datetime import date
from datetime import datetime
from datetime import time
from functools import cache
from html import unescape
from pathlib import Path

import icalendar
import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from facilitator import formatting
from facilitator.domain.choices import Role
from facilitator.domain.languages import N_
from facilitator.domain.languages import PAGE_LANGUAGES
from facilitator.domain.languages import Label
from facilitator.domain.languages import Message
from facilitator.domain.meeting_types import TYPES
from facilitator.domain.meeting_types import type_name
from facilitator.domain.passwords import password_problem
from facilitator.domain.recurrence import Frequency
from facilitator.domain.recurrence import Recurrence
from facilitator.i18n import COOKIE
from facilitator.i18n import SCRIPT_WORDS
from facilitator.services import ServiceError
from facilitator.services.meetings import NOT_A_DATE

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
TRANSLATIONS = ROOT / "facilitator" / "translations"

#: Templates whose every text a person reads is marked (and so translated). A template
#: leaves NOT_YET_TRANSLATED for this list once it is marked: that list shrinks to zero.
TRANSLATED = {
    "_copy.html", "_document.html", "_form.html", "_links.html", "_subscribe.html",
    "_training.html",
    "admin/confirmations.html", "admin/group_delete.html",
    "admin/group_facilitators.html", "admin/group_new.html", "admin/import_run.html",
    "admin/imports.html", "admin/invited.html", "admin/overview.html",
    "admin/person.html", "admin/person_new.html", "admin/reset_link.html",
    "admin/settings.html", "admin/training_type.html", "admin/training_types.html",
    "audit/_line.html", "audit/_nav.html", "audit/log.html", "audit/training.html",
    "audit/training_person.html", "auth/invitation.html", "auth/login.html",
    "auth/password.html", "auth/pending_invitation.html", "auth/reset.html",
    "auth/reset_unusable.html", "base.html", "checkin/check_in.html",
    "documents/_parts.html", "documents/compare.html", "documents/document.html",
    "documents/edit.html", "documents/signatures.html", "documents/statement.html",
    "documents/version.html", "errors/error.html", "handouts/_page.html",
    "handouts/_print_options.html", "handouts/attendance.html",
    "handouts/checkin_card.html", "handouts/directory.html", "handouts/documents.html",
    "handouts/group.html", "handouts/training.html", "manage/_confirm.html",
    "manage/_meeting.html", "manage/_tallies.html", "manage/checkin.html",
    "manage/checkin_full.html", "manage/dashboard.html", "manage/feed_link.html",
    "manage/group.html", "manage/group_edit.html", "manage/headcount.html",
    "manage/meeting_date.html", "manage/meeting_delete.html", "manage/meeting_end.html",
    "manage/meeting_form.html", "manage/rep_link.html", "manage/training.html",
    "manage/training_feed_link.html", "manage/training_record.html",
    "public/_dates.html", "public/_join.html", "public/_soon.html",
    "public/directory.html", "public/group.html", "public/home.html",
    "public/join.html", "public/near.html", "public/soon.html", "public/subscribe.html",
    "representative/_decisions.html", "representative/date.html",
    "representative/home.html", "representative/meeting_form.html",
    "representative/status.html", "review/meeting_form.html", "review/queue.html",
    "reports/attendance.html", "review/request.html",
}
#: Facilitator, admin and auditor pages, handouts and documents: marked in later work.
NOT_YET_TRANSLATED: set[str] = set()
#: Words a page shows the same in every language: names of products and programs, units.
UNTRANSLATED_WORDS = {
    "facilitator", "PDF", "JSON", "Apple", "Calendar", "iPhone", "iPad", "Mac", "Google",
    "Outlook", "com", "ICSx", "Android", "SMART", "AA", "NA",
}
#: Attributes whose values a person reads (or hears, with a screen reader).
READ_ATTRIBUTES = re.compile(r'\b(?:aria-label|title|alt|placeholder)="([^"]*)"')


def test_every_template_is_listed_once():
    every = {p.relative_to(TEMPLATES).as_posix() for p in TEMPLATES.rglob("*.html")}
    assert set() == TRANSLATED & NOT_YET_TRANSLATED
    assert every == TRANSLATED | NOT_YET_TRANSLATED


def unmarked_text(source: str) -> list[str]:
    """The words of a template's own text outside `{{ _(...) }}`, tags and comments: the
    template's expressions and statements are taken out first (what they print is
    marked where it is made), then its HTML tags, keeping the attributes people read."""
    text = re.sub(r"\{#.*?#\}", "", source, flags=re.S)
    text = re.sub(r"<style\b.*?</style>", " ", text, flags=re.S)  # CSS: its words are marked
    text = re.sub(r"\{%.*?%\}", " ", text, flags=re.S)
    text = re.sub(r"\{\{.*?\}\}", "0", text, flags=re.S)
    read = " ".join(READ_ATTRIBUTES.findall(text))
    text = unescape(re.sub(r"<[^>]*>", " ", text)) + " " + read
    return [w for w in re.findall(r"[A-Za-z][A-Za-z’']*", text) if w not in UNTRANSLATED_WORDS]


@pytest.mark.parametrize("name", sorted(TRANSLATED))
def test_a_translated_template_has_no_unmarked_text(name):
    assert unmarked_text((TEMPLATES / name).read_text("utf-8")) == []


def test_the_check_finds_unmarked_text():
    assert unmarked_text('<p title="Hello">{{ _("Marked") }} Not marked</p>') == [
        "Not", "marked", "Hello"]


@cache
def marked_strings() -> set[tuple[str | None, str | tuple[str, ...]]]:
    """Every string marked for translation, with its context (None for most), read as
    `make translations` reads it."""
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    return {(context, message) for _file, _line, message, _comments, context
            in extract_from_dir(str(ROOT), method_map, options_map, keywords={
                "_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None,
                "N_": None, "NC_": ((1, "c"), 2)})}


@pytest.mark.parametrize("code", sorted(set(PAGE_LANGUAGES) - {"en"}))
def test_every_marked_string_is_translated(code):
    with (TRANSLATIONS / code / "LC_MESSAGES" / "messages.po").open("rb") as source:
        catalog = read_po(source)
    translated = {(m.context, m.id) for m in catalog
                  if m.id and "fuzzy" not in m.flags
                  and all(m.string if isinstance(m.string, tuple) else [m.string])}
    missing = {(c, m if isinstance(m, str) else m[0]) for c, m in marked_strings()} - {
        (c, t if isinstance(t, str) else t[0]) for c, t in translated}
    assert missing == set(), "run `make translations` and translate these"


# Dates and times in each locale's own words (formatting.py is the one place).

def test_spanish_dates_and_times():
    tuesday = datetime(2026, 12, 8, 19, 0)
    assert formatting.date_time(tuesday, lang="es") == "martes 8 de diciembre, 19:00"
    assert formatting.long_date(tuesday.date(), lang="es") == "martes 8 de diciembre de 2026"
    assert formatting.short_date(tuesday.date(), lang="es") == "mar, 8 dic"
    assert formatting.clock(time(7, 5), lang="es") == "7:05"
    assert formatting.zone_name("America/Chicago", lang="es") == "hora central"
    assert formatting.day_name("Sunday", lang="es") == "domingo"


def test_english_dates_keep_their_wording():
    assert formatting.date_time(datetime(2026, 12, 8, 19, 0)) == "Tuesday 8 December, 7:00 pm"
    assert formatting.short_date(date(2026, 12, 8)) == "Tue 8 Dec"
    assert formatting.zone_name("America/Chicago") == "Central Time"


def test_recurrence_in_spanish():
    monthly = Recurrence(Frequency.MONTHLY, weekdays=(4,), ordinals=(-1,))
    assert formatting.recurrence_words(monthly, lang="es") == "Último viernes del mes"
    twice = Recurrence(Frequency.WEEKLY, weekdays=(1, 3))
    assert formatting.recurrence_words(twice, lang="es") == "Cada martes y jueves"
    assert formatting.recurrence_words(twice, lang="en") == twice.describe()


def test_meeting_types_in_spanish_come_from_the_spec():
    assert type_name("C", "es") == "Cerrada"
    assert type_name("O", "es") == "Abierta"
    # Every code of ours is named in Spanish: the spec's name, or the English one.
    assert all(type_name(code, "es") for code in TYPES)


def test_a_services_refusal_is_worded_in_the_readers_language():
    refusal = ServiceError(NOT_A_DATE, field="date", day=date(2026, 12, 8))
    assert refusal.message == "Tuesday 8 December 2026 is not a date of this meeting."
    assert refusal.words("es") == \
        "El martes 8 de diciembre de 2026 no es una fecha de esta reunión."
    crowded = ServiceError(N_("A room holds from 1 to %(most)s people."), most=10_000)
    assert crowded.message == "A room holds from 1 to 10,000 people."
    assert crowded.words("es") == "En una sala caben de 1 a 10.000 personas."
    # A domain rule's message, with its number, and a choice's label inside a sentence.
    short = ServiceError(password_problem("short") or "")
    assert short.words("es").startswith("Use al menos 12 caracteres")
    waiting = Message(N_("This file is no longer waiting to be imported (%(status)s)."),
                      {"status": Label("Imported")})
    assert formatting.message_words(waiting, "es") == \
        "Este archivo ya no está esperando a ser importado (Importado)."


def _script_sentences(source: str) -> set[str]:
    """The string literals inside each `said(…)` or `pageWords(…)` call of a script that
    read as words (a letter, and a space or a placeholder)."""
    found = set()
    for call in re.finditer(r"\b(?:said|pageWords)\(", source):
        depth, at, literals = 1, call.end(), []
        while depth and at < len(source):
            if source[at] == '"':
                literal = re.match(r'"((?:[^"\\]|\\.)*)"', source[at:])
                assert literal is not None
                literals.append(literal.group(1))
                at += literal.end()
                continue
            depth += {"(": 1, ")": -1}.get(source[at], 0)
            at += 1
        found |= {text for text in literals
                  if re.search(r"[A-Za-z]", text) and (" " in text or "%(" in text)}
    return found


def test_every_sentence_of_the_scripts_is_given_to_them():
    """A script's English sentence reaches a page in another language only through
    i18n.SCRIPT_WORDS (base.html's #page-words): each one must be listed there, and each
    listed one must still be a script's."""
    static = Path(formatting.__file__).parent / "static"
    found: set[str] = set()
    for script in static.glob("*.js"):
        found |= _script_sentences(script.read_text(encoding="utf-8"))
    assert "Sort again from where I am now" in found
    assert "Starting %(date)s, the week after" in found
    assert found == set(SCRIPT_WORDS) - {"(today)", "Copied."}


def test_a_spanish_page_gives_its_scripts_their_words(client, spanish_org):
    page = client.get("/o/esperanza/", headers={"Accept-Language": "es"}).text
    words = re.search(r'<script type="application/json" id="page-words">(.*?)</script>', page)
    assert words is not None
    assert json.loads(words.group(1))["Finding where you are…"] == "Buscando dónde está…"
    english = client.get("/o/esperanza/", headers={"Accept-Language": "en"}).text
    assert '<html lang="en">' in english
    assert 'id="page-words"' not in english  # English needs none


# Which language a page is in.

@pytest.fixture
def spanish_org(make_org, make_user, make_group, make_meeting, session):
    org = make_org(slug="esperanza", name="Esperanza", timezone="America/Chicago")
    leader = make_user(org, Role.FACILITATOR)
    group = make_group(org, slug="grupo", name="Grupo Esperanza", facilitators=[leader])
    make_meeting(group, title="Paso a paso", types=["C", "S"])
    org.default_language = "es"
    session.commit()
    return org


def test_the_org_default_then_accept_language_then_the_cookie(client, spanish_org):
    page = client.get("/g/grupo/")
    assert '<html lang="es">' in page.text and "Reuniones" in page.text
    assert {"Accept-Language", "Cookie"} <= set(page.vary)
    english = client.get("/g/grupo/", headers={"Accept-Language": "en-US,en;q=0.8"})
    assert '<html lang="en">' in english.text and "Next dates" in english.text
    chosen = client.get("/language?lang=es&next=/g/grupo/",
                        headers={"Accept-Language": "en-US"})
    assert chosen.status_code == 302 and chosen.location == "/g/grupo/"
    assert f"{COOKIE}=es" in chosen.headers["Set-Cookie"]
    again = client.get("/g/grupo/", headers={"Accept-Language": "en-US"})
    assert '<html lang="es">' in again.text and "Cerrada" in again.text


def test_the_switcher_goes_back_only_to_this_site(client, spanish_org):
    response = client.get("/language?lang=es&next=//elsewhere.example/")
    assert response.location == "/"
    assert "Set-Cookie" not in client.get("/language?lang=xx&next=/").headers


def test_a_spanish_page_subscribes_to_a_spanish_feed(client, spanish_org):
    page = client.get("/g/grupo/", headers={"Accept-Language": "es"})
    assert "meetings.ics?lang=es" in page.text
    english = client.get("/g/grupo/", headers={"Accept-Language": "en"})
    assert "meetings.ics?lang=" not in english.text


def test_a_feed_in_spanish(client, spanish_org):
    english = client.get("/g/grupo/meetings.ics")
    spanish = client.get("/g/grupo/meetings.ics?lang=es")
    assert english.headers["ETag"] != spanish.headers["ETag"]
    calendar = icalendar.Calendar.from_ical(spanish.data)
    assert str(calendar["X-WR-CALDESC"]).startswith("Reuniones de Grupo Esperanza")
    event = next(iter(calendar.walk("VEVENT")))
    assert "Paso a paso" in str(event["SUMMARY"])  # the meeting's own text, as it is
    assert "Cerrada, Español" in str(event["DESCRIPTION"])
    assert "Página del grupo" in str(event["DESCRIPTION"])
    # The English copy is still English (kept apart in the cache).
    english_event = next(iter(icalendar.Calendar.from_ical(
        client.get("/g/grupo/meetings.ics").data).walk("VEVENT")))
    assert "Closed, Spanish" in str(english_event["DESCRIPTION"])


def test_a_signed_in_persons_choice_is_kept_in_their_account(client, auth, spanish_org,
                                                               make_user, session):
    leader = make_user(spanish_org, Role.FACILITATOR, email="lea@example.org")
    session.commit()
    auth.login("lea@example.org")
    page = client.get("/g/grupo/", headers={"Accept-Language": "en"})
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    client.post("/language", data={"lang": "es", "next": "/g/grupo/",
                                   "csrf_token": token.group(1)})
    session.refresh(leader)
    assert leader.language == "es"
