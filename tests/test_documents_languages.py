"""Documents in more than one language: a text per language with its own versions, the
check-in and group pages in the member's language, acknowledgements counted per
language, and leaders signing the agreement in the language they read."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from facilitator import clock
from facilitator.domain.choices import DocumentKind
from facilitator.handouts import documents_html
from facilitator.handouts import group_handout_drafts
from facilitator.handouts import in_language
from facilitator.models import Document
from facilitator.models import Signature
from facilitator.pdf import Paper
from facilitator.services import ServiceError
from facilitator.services import documents
from facilitator.services import headcounts
from tests.conftest import counted_selects
from tests.conftest import page_text

STATEMENT = "/manage/g/a-one/documents/statement"
AGREEMENT = "/manage/o/org-a/agreement"
SPANISH = {"Accept-Language": "es"}
ENGLISH_TEXT = "What you hear here stays here."
SPANISH_TEXT = "Lo que escucha aquí se queda aquí."
#: Tuesday 17 November 2026, 19:15 in Chicago: the weekly 19:00 meeting is going on.
DURING = datetime(2026, 11, 17, 19, 15, tzinfo=ZoneInfo("America/Chicago"))


def save(client, url, body, based_on, lang=None, headers=None):
    query = f"?lang={lang}" if lang else ""
    return client.post(f"{url}/edit{query}", data={"body": body, "based_on": based_on},
                       headers=headers)


@pytest.fixture
def world(tenancy, auth):
    auth.login(tenancy["a"]["lead1"])
    return tenancy


def test_a_leader_adds_a_spanish_version_with_its_own_history(client, world, session):
    assert save(client, STATEMENT, ENGLISH_TEXT, 0).status_code == 302
    save(client, STATEMENT, ENGLISH_TEXT + " Always.", 1)
    page = page_text(client.get(f"{STATEMENT}/"))
    assert "English (version 2)" in page and "Add a Spanish version" in page
    # The new translation starts from the main text, to translate.
    edit = page_text(client.get(f"{STATEMENT}/edit?lang=es"))
    assert "The English text (version 2) is below, to translate." in edit
    assert ENGLISH_TEXT + " Always." in edit and "Save as version 1" in edit
    response = save(client, STATEMENT, SPANISH_TEXT, 0, lang="es")
    assert response.location == f"{STATEMENT}/?lang=es"
    spanish = client.get(response.location).get_data(as_text=True)
    assert re.search(r'<article class="document" lang="es"[^>]*>\s*<p>' + SPANISH_TEXT, spanish)
    assert "English (version 2)" in page_text(spanish)
    # Each language keeps its own numbers: the English text is still at version 2.
    assert "Version 1, saved" in page_text(spanish)
    assert "Version 2, saved" in page_text(client.get(f"{STATEMENT}/?lang=en"))
    assert client.get(f"{STATEMENT}/versions/2?lang=es").status_code == 404
    assert client.get(f"{STATEMENT}/compare?lang=es").status_code == 200
    # A stale base is measured against the Spanish text's own versions.
    assert "Someone else saved version 1" in page_text(
        save(client, STATEMENT, "Otra cosa.", 0, lang="es"))
    # Only the app's languages, and the page in Spanish opens the Spanish text.
    assert client.get(f"{STATEMENT}/?lang=fr").status_code == 404
    assert client.get(f"{STATEMENT}/edit?lang=../en").status_code == 404
    assert SPANISH_TEXT in page_text(client.get(f"{STATEMENT}/", headers=SPANISH))
    texts = documents.texts_of(session, world["a"]["org"], DocumentKind.STATEMENT,
                               world["a"]["group1"])
    assert {code: d.current_version for code, d in texts.items()} == {"en": 2, "es": 1}


def test_the_group_page_shows_each_text_in_the_members_language_when_there_is_one(
        app, client, world, auth):
    save(client, "/manage/g/a-one/documents/guidelines", "Be brief.", 0)
    save(client, STATEMENT, ENGLISH_TEXT, 0)
    save(client, STATEMENT, SPANISH_TEXT, 0, lang="es")
    auth.logout()
    with counted_selects(app) as selects:
        spanish = client.get("/g/a-one/", headers=SPANISH).get_data(as_text=True)
    # Every language's texts, and which document each is, in one query.
    assert sum("documents" in s for s in selects) == 1
    assert re.search(r'<div class="document" lang="es">\s*<p>' + SPANISH_TEXT, spanish)
    assert ENGLISH_TEXT not in spanish
    # The guidelines have no Spanish text: the English one, marked so, with a calm note.
    assert re.search(r'Se muestra en inglés[^<]*</p>\s*<div class="document" lang="en">\s*'
                     r'<p>Be brief\.', spanish)
    english = client.get("/g/a-one/").get_data(as_text=True)
    assert ENGLISH_TEXT in english and SPANISH_TEXT not in english
    assert "Shown in" not in english


def test_a_text_only_in_spanish_is_shown_on_english_pages_with_a_note(client, world, auth):
    save(client, STATEMENT, SPANISH_TEXT, 0, lang="es")
    auth.logout()
    english = client.get("/g/a-one/").get_data(as_text=True)
    assert "Shown in Spanish: there is no version in this page's language yet." in \
        page_text(english)
    assert re.search(r'<div class="document" lang="es">\s*<p>' + SPANISH_TEXT, english)


@pytest.fixture
def checkin(app, world, session, make_meeting, monkeypatch):
    """A member's check-in page while the meeting is going on."""
    monkeypatch.setattr(clock, "now", lambda: DURING)
    meeting = make_meeting(world["a"]["group1"])
    session.commit()
    return meeting, f"/c/{headcounts.checkin_token(app.config['SECRET_KEY'], meeting)}"


def test_members_acknowledge_in_their_language_and_leaders_see_each_count(
        app, client, world, auth, session, checkin):
    meeting, link = checkin
    save(client, STATEMENT, ENGLISH_TEXT, 0)
    save(client, STATEMENT, SPANISH_TEXT, 0, lang="es")
    spanish, english = app.test_client(), app.test_client()
    page = spanish.get(link, headers=SPANISH).get_data(as_text=True)
    assert re.search(r'<div class="document" lang="es">\s*<p>' + SPANISH_TEXT, page)
    assert 'name="language" value="es"' in page
    assert spanish.post(f"{link}/statement", data={"language": "es"},
                        headers=SPANISH).status_code == 303
    for _ in range(2):  # the same browser twice: counted once
        english.post(f"{link}/statement", data={"language": "en"})
    app.test_client().post(f"{link}/statement", data={"language": "en"})
    # A forged language counts nothing and says so, in the member's language.
    forged = app.test_client().post(f"{link}/statement", data={"language": "xx"},
                                    headers=SPANISH)
    assert forged.status_code == 409 and "vuelva a cargarla" in page_text(forged)
    day = DURING.date()
    assert documents.acknowledgements(session, meeting, day) == {"en": 2, "es": 1}
    leader = page_text(client.get(f"/manage/g/a-one/meetings/{meeting.id}/dates/{day}/"
                                  "statement"))
    assert "3 acknowledgements from members" in leader
    assert "English: 2" in leader and "Spanish: 1" in leader
    # The leader reading the statement in Spanish records that text's language.
    client.post(f"/manage/g/a-one/meetings/{meeting.id}/dates/{day}/statement",
                data={"read": "yes"}, headers=SPANISH)
    reading = documents.reading(session, meeting, day)
    assert (reading.read_language, reading.read_version) == ("es", 1)


def test_acknowledging_in_a_language_the_app_does_not_speak_is_refused(session, world,
                                                                        checkin):
    meeting, _ = checkin
    with pytest.raises(ServiceError):
        documents.acknowledge_statement(session, meeting, DURING.date(), "fr")
    assert documents.acknowledgements(session, meeting, DURING.date()) == {}


def sign(client, version, name, lang):
    return client.post(f"{AGREEMENT}/sign?lang={lang}",
                       data={"version": version, "typed_name": name, "confirm": "y"})


def test_a_leader_signs_the_version_in_the_language_they_read(client, world, auth, session):
    lead1, lead2 = world["a"]["lead1"], world["a"]["lead2"]
    auth.logout()
    auth.login(world["a"]["admin"])
    save(client, AGREEMENT, "I keep confidences.", 0)
    save(client, AGREEMENT, "Guardo la confidencialidad.", 0, lang="es")
    auth.logout()
    auth.login(lead2)
    page = client.get(f"{AGREEMENT}/", headers=SPANISH).get_data(as_text=True)
    assert 'lang="es"' in page and "Guardo la confidencialidad." in page
    assert f'action="{AGREEMENT}/sign?lang=es"' in page
    assert sign(client, 1, lead2.display_name, "es").status_code == 302
    signed = session.scalar(select(Signature).where(Signature.user_id == lead2.id))
    assert signed.version.document.language == "es"
    auth.logout()
    auth.login(lead1)
    sign(client, 1, lead1.display_name, "en")
    statuses = documents.agreement_status(session, world["a"]["org"])
    assert (statuses[lead1.id].signed, statuses[lead2.id].signed) == (True, True)
    assert statuses[lead2.id].language == "es"

    # A new English version: both must sign again, and the Spanish text, now behind,
    # cannot be signed until it is brought up to date.
    auth.logout()
    auth.login(world["a"]["admin"])
    save(client, AGREEMENT, "I keep confidences, always.", 1)
    auth.logout()
    auth.login(lead2)
    statuses = documents.agreement_status(session, world["a"]["org"])
    assert (statuses[lead1.id].state, statuses[lead2.id].state) == ("outdated", "outdated")
    behind = page_text(client.get(f"{AGREEMENT}/?lang=es"))
    assert "This text is older than the English one" in behind
    assert "Sign version" not in behind
    refused = page_text(sign(client, 1, lead2.display_name, "es"))
    assert "This translation is older than the main text" in refused
    # The English text asks them to sign it, without comparing across languages.
    english = page_text(client.get(f"{AGREEMENT}/?lang=en"))
    assert "You signed version 1 of the Spanish text. The agreement has changed since" \
        in english and "See what changed since" not in english
    assert documents.awaiting_signature(session, lead2) == [world["a"]["org"]]
    # Brought up to date: signing the Spanish text counts again; a better Spanish
    # translation does not ask the English signers to sign again.
    auth.logout()
    auth.login(world["a"]["admin"])
    save(client, AGREEMENT, "Guardo la confidencialidad, siempre.", 1, lang="es")
    auth.logout()
    auth.login(lead2)
    sign(client, 2, lead2.display_name, "es")
    auth.logout()
    auth.login(lead1)
    sign(client, 2, lead1.display_name, "en")
    auth.logout()
    auth.login(world["a"]["admin"])
    save(client, AGREEMENT, "Guardo la confidencialidad, siempre y en todo lugar.", 2,
         lang="es")
    statuses = documents.agreement_status(session, world["a"]["org"])
    assert (statuses[lead1.id].state, statuses[lead2.id].state) == ("signed", "outdated")
    who = page_text(client.get(f"{AGREEMENT}/signatures"))
    assert "Version 2 (Spanish)" in who and "Version 2 (English)" in who


def test_handouts_print_the_language_asked_for(app, client, world, auth, session):
    save(client, STATEMENT, ENGLISH_TEXT, 0)
    save(client, STATEMENT, SPANISH_TEXT, 0, lang="es")
    save(client, "/manage/g/a-one/documents/guidelines", "Sea breve.", 0, lang="es")
    group = world["a"]["group1"]
    with app.test_request_context("/"):
        with in_language("es"):
            spanish = documents_html(group, Paper())
            one_pager = group_handout_drafts(group, Paper(), [])[0]
        with in_language("en"):
            english = documents_html(group, Paper())
            english_one_pager = group_handout_drafts(group, Paper(), [])[0]
    assert SPANISH_TEXT in spanish and ENGLISH_TEXT not in spanish
    assert ENGLISH_TEXT in english and SPANISH_TEXT not in english
    # The guidelines are only in Spanish: an English sheet prints them, marked and noted.
    assert re.search(r'Shown in Spanish[^<]*</p>\s*<div class="document" lang="es">', english)
    assert re.search(r'<div class="guidelines" lang="es">\s*<p>Sea breve\.', one_pager)
    assert "Se muestra" not in one_pager
    assert re.search(r'Shown in Spanish[^<]*</p>\s*<div class="guidelines" lang="es">',
                     english_one_pager)


def test_a_document_in_another_language_is_its_own_row(world, session):
    org, group = world["a"]["org"], world["a"]["group1"]
    documents.save_version(session, None, org, DocumentKind.GUIDELINES, "Be kind.",
                           based_on=0, group=group)
    documents.save_version(session, None, org, DocumentKind.GUIDELINES, "Sea amable.",
                           based_on=0, group=group, language="es")
    with pytest.raises(ServiceError):
        documents.save_version(session, None, org, DocumentKind.GUIDELINES, "Soyez gentil.",
                               based_on=0, group=group, language="fr")
    rows = session.scalars(select(Document.language).where(Document.group_id == group.id)
                           .order_by(Document.id)).all()
    assert rows == ["en", "es"]
    # Without a language, a save goes to the main text (the org's language).
    saved = documents.save_version(session, None, org, DocumentKind.GUIDELINES,
                                   "Be kind. Be brief.", based_on=1, group=group)
    assert (saved.document.language, saved.number) == ("en", 2)
