"""A group's representative sends changes through the group's link without an account;
admins approve, edit or reject each change, and the sender reads why on the link's page
and at each request's status link.

One organization, group, meeting and link serve the whole module (made once per database);
each test runs in a savepoint of its own that is rolled back at its end."""

from __future__ import annotations

import html
import io
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from datetime import time
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from pypdf import PdfReader
from sqlalchemy import select

from facilitator import clock
from facilitator import create_app
from facilitator.domain.choices import Decision
from facilitator.domain.choices import Role
from facilitator.domain.field_texts import from_text
from facilitator.domain.field_texts import input_kind
from facilitator.domain.field_texts import to_text
from facilitator.domain.meeting import DateChange
from facilitator.domain.recurrence import Recurrence
from facilitator.formatting import long_date
from facilitator.models import AuditEntry
from facilitator.models import ChangeRequest
from facilitator.models import Group
from facilitator.models import Meeting
from facilitator.models import User
from facilitator.services import accounts
from facilitator.services import change_requests
from facilitator.services import meetings
from facilitator.services import organizations
from facilitator.services import throttle
from tests.conftest import PASSWORD
from tests.conftest import _password_hash
from tests.conftest import app_config
from tests.conftest import page_text
from tests.conftest import tuesday_meeting

LINK = re.compile(r'id="rep-link" href="(http://facilitator\.test(/rep/[A-Za-z0-9_-]{32}/))"')
SEEN = re.compile(r'name="seen" type="hidden" value="([^"]*)"')
STATUS = re.compile(r"/rep/status/[A-Za-z0-9_-]{32}")
ADMIN = "dana@riverside.example"
LEAD = "sam@riverside.example"
REQUESTS = "/admin/riverside/requests"


def test_values_are_kept_as_text_and_read_back_with_a_message_when_they_cannot_be():
    assert to_text(time(19, 30)) == "19:30"
    assert from_text("start_time", "19:30") == time(19, 30)
    assert from_text("recurrence", to_text(Recurrence.weekly(1, 3))) == Recurrence.weekly(1, 3)
    assert from_text("last_date", "") is None
    assert from_text("types", "O, W") == ("O", "W")
    assert from_text("start_time", "", of_date=True) is None
    with pytest.raises(ValueError, match="24-hour, e.g. 19:30"):
        from_text("start_time", "7pm")
    with pytest.raises(ValueError, match="RRULE"):
        from_text("recurrence", "FREQ=SOMETIMES")
    # An admin edits a date's field in the input a browser offers for its kind.
    assert [input_kind(name, of_date=True) for name in ("moved_to", "start_time",
                                                        "duration_minutes", "note")] == \
        ["date", "time", "number", "text"]


@pytest.fixture(scope="module")
def shared(database_url: str) -> Iterator[tuple[Flask, Any, dict[str, Any]]]:
    """The app on one connection whose transaction is rolled back after the module, with
    an org (admin Dana R., facilitator Sam T.), the group Hope Group, its Tuesday 19:00
    meeting and its representative link."""
    app = create_app(app_config(database_url))
    database = app.extensions["facilitator.db"]
    connection = database.engine.connect()
    transaction = connection.begin()
    database.sessionmaker.configure(bind=connection, join_transaction_mode="create_savepoint")
    session = database.sessionmaker()
    org = organizations.create_organization(session, None, slug="riverside", name="Riverside",
                                            timezone="America/Chicago")
    people = {}
    for email, name, role in ((ADMIN, "Dana R.", Role.ADMIN),
                              (LEAD, "Sam T.", Role.FACILITATOR)):
        people[role] = accounts.create_user(session, None, email=email, display_name=name)
        people[role].password_hash = _password_hash(PASSWORD)
        accounts.grant_role(session, None, people[role], org, role)
    group = organizations.create_group(session, None, org, slug="hope", name="Hope Group",
                                       program="aa", audience="everyone", languages=["en"],
                                       visibility="public")
    organizations.set_facilitators(session, None, group, [people[Role.FACILITATOR]])
    meeting = tuesday_meeting(session, group)
    token = change_requests.rotate_rep_token(session, None, group)
    session.commit()
    world = {"group": group.id, "meeting": meeting.id, "admin": people[Role.ADMIN].id,
             "link": f"/rep/{token}/"}
    session.close()
    yield app, connection, world
    transaction.rollback()
    connection.close()
    database.engine.dispose()


@pytest.fixture
def app(shared) -> Iterator[Flask]:
    """The module's app, inside a savepoint rolled back after the test."""
    app, connection, _world = shared
    savepoint = connection.begin_nested()
    yield app
    savepoint.rollback()


@pytest.fixture
def world(shared, app) -> dict[str, Any]:
    return shared[2]


def _meeting_form(meeting: Meeting, seen: str | None = None, **changes: object
                  ) -> dict[str, object]:
    data = {"title": meeting.title, "repeats": "weekly", "weekdays": "1",
            "first_date": meeting.first_date.isoformat(), "start_time": "19:00",
            "duration_minutes": "90", "timezone": "America/Chicago",
            "attendance": "in_person", "location_name": meeting.location_name,
            "address": meeting.address, "room_capacity": "150"}
    return data | ({"seen": seen} if seen is not None else {}) | changes


def _seen(client, url: str) -> str:
    return html.unescape(SEEN.search(client.get(url).get_data(as_text=True)).group(1))


def _send(client, session, world, **changes):
    url = f"{world['link']}meetings/{world['meeting']}"
    meeting = session.get(Meeting, world["meeting"])
    return client.post(url, data=_meeting_form(meeting, _seen(client, url), **changes))


def test_a_facilitator_makes_the_link_and_a_new_one_kills_the_old(client, auth, world,
                                                                   session):
    group = session.get(Group, world["group"])
    meeting = session.get(Meeting, world["meeting"])
    change_requests.propose_cancellation(session, group, meeting, date(2026, 1, 13), "",
                                         None, "Snow day", "")
    session.commit()
    assert "Snow day" in page_text(client.get(world["link"]))
    auth.login(LEAD)
    # Only an admin of the organization is led to the requests' queue.
    assert f'href="{REQUESTS}/"' not in client.get("/manage/g/hope/").get_data(as_text=True)
    made = client.post("/manage/g/hope/rep-link").get_data(as_text=True)
    first = LINK.search(made).group(2)
    assert "Tuesday Night" in page_text(client.get(first))
    second = LINK.search(client.post("/manage/g/hope/rep-link").get_data(as_text=True)).group(2)
    assert client.get(first).status_code == 404
    assert client.get(world["link"]).status_code == 404
    new_page = client.get(second)
    assert new_page.status_code == 200
    assert new_page.headers["Referrer-Policy"] == "no-referrer"
    # A new link shows none of what was sent through the old ones.
    assert "Snow day" not in page_text(new_page) and "Nothing yet" in page_text(new_page)


def test_the_form_refuses_what_the_manage_form_refuses_and_keeps_nothing(
        client, world, session):
    no_title = _send(client, session, world, title="")
    no_place = _send(client, session, world, location_name="", address="")
    assert "Give the meeting a title." in page_text(no_title)
    assert "Say where people meet: a place name or an address." in page_text(no_place)
    day = f"{world['link']}meetings/{world['meeting']}/dates/2026-01-13"
    nothing = client.post(f"{day}/change", data={"seen": _seen(client, day)})
    assert "Say what is different on this date." in page_text(nothing)
    far = client.post(f"{day}/change", data={"moved_to": "2026-02-20"})
    assert far.status_code == 200 and "Held on" in page_text(far)
    # 2026-01-13 is a Tuesday of the series; the 14th is none of its dates.
    for not_a_date in ("2026-01-14", "2026-13-01", "tuesday"):
        other = f"{world['link']}meetings/{world['meeting']}/dates/{not_a_date}"
        assert client.get(other).status_code == 404, not_a_date
        assert client.post(f"{other}/change", data={}).status_code == 404, not_a_date
    assert session.scalars(select(ChangeRequest)).all() == []
    junk = client.post(f"{world['link']}meetings/{world['meeting']}",
                       data=_meeting_form(session.get(Meeting, world["meeting"]), "not json",
                                          start_time="25:99"))
    assert junk.status_code == 200


def test_an_admin_approves_one_change_rejects_another_and_the_sender_reads_why(
        client, auth, world, session):
    sent = _send(client, session, world, start_time="19:30", notes="Bring a friend",
                 contact="sec@example.org")
    status = STATUS.search(sent.headers["Location"]).group(0)
    request = session.scalars(select(ChangeRequest)).one()
    items = {item.field: item for item in request.items}
    assert set(items) == {"start_time", "notes"}
    auth.login(ADMIN)
    assert f'href="{REQUESTS}/"' in client.get("/manage/g/hope/").get_data(as_text=True)
    page = page_text(client.get(f"{REQUESTS}/{request.id}"))
    assert "sec@example.org" in page and "19:00" in page and "19:30" in page
    base = f"{REQUESTS}/{request.id}/items"
    client.post(f"{base}/{items['start_time'].id}", data={"action": "approve"})
    no_reason = client.post(f"{base}/{items['notes'].id}", data={"action": "reject"},
                            follow_redirects=True)
    assert "Say why it is not applied" in page_text(no_reason)
    client.post(f"{base}/{items['notes'].id}",
                data={"action": "reject", "reason": "Notes are for the facilitator."})
    session.expire_all()
    assert session.get(Meeting, world["meeting"]).start_time == time(19, 30)
    assert session.get(Meeting, world["meeting"]).notes == ""
    closed = session.get(ChangeRequest, request.id)
    assert closed.closed_at is not None and closed.contact is None
    entries = [e.summary for e in session.scalars(select(AuditEntry).where(
        AuditEntry.actor_name == "Dana R."))]
    assert f"Change request {request.id} for Hope Group: “Starts at” of Tuesday Night approved" \
        in entries
    assert "Meeting Tuesday Night of Hope Group" in entries
    auth.logout()
    # Both decisions, on the request's own page and on the link's.
    for text in (page_text(client.get(status)), page_text(client.get(world["link"]))):
        assert "Starts at → 19:30 Applied" in text
        assert "Notes for members → Bring a friend Not applied" in text
        assert "Why: Notes are for the facilitator." in text
        assert "sec@example.org" not in text
    # A Spanish-speaking group's secretary reads the same in Spanish.
    spanish = page_text(client.get(status, headers={"Accept-Language": "es"}))
    assert "Su solicitud de cambio para Hope Group" in spanish
    assert "Aplicado" in spanish and "No aplicado" in spanish
    assert "Motivo: Notes are for the facilitator." in spanish
    assert "Hope Group: enviar un cambio" in page_text(
        client.get(world["link"], headers={"Accept-Language": "es"}))


def test_an_admin_edits_a_change_in_the_form_it_is_made_in_then_approves_it(
        client, auth, world, session):
    url = f"{world['link']}meetings/{world['meeting']}"
    seen = _seen(client, url)
    meeting = session.get(Meeting, world["meeting"])
    group = session.get(Group, world["group"])
    meetings.update_meeting(session, None, meeting,
                            replace(change_requests.current_values(meeting), start_time=time(18)))
    session.commit()
    client.post(url, data=_meeting_form(meeting, seen, start_time="19:30"))
    request = session.scalars(select(ChangeRequest)).one()
    item = request.items[0]
    added, _ = change_requests.propose_new_meeting(
        session, group, replace(change_requests.current_values(meeting), title="Big Book",
                                recurrence=Recurrence.weekly(4)), "")
    moved, _ = change_requests.propose_date_change(
        session, group, meeting, date(2026, 1, 20), None,
        DateChange(moved_to=date(2026, 1, 21)), "")
    session.commit()
    auth.login(ADMIN)

    page = client.get(f"{REQUESTS}/{request.id}").get_data(as_text=True)
    assert "Changed since the sender opened the form" in page_text(page)
    assert "18:00" in page_text(page)
    refused = client.post(f"{REQUESTS}/{request.id}/items/{item.id}",
                          data={"action": "approve"}, follow_redirects=True)
    assert "could undo someone else's change" in page_text(refused)
    # The manage meeting form, with the meeting as it is now and the proposed time.
    edit = f"{REQUESTS}/{request.id}/items/{item.id}/edit"
    assert f'href="{edit}"' in page
    form = client.get(edit).get_data(as_text=True)
    assert re.search(r'id="start_time"[^>]*value="19:30"', form)
    assert "Save and approve" in page_text(form)
    client.post(edit, data=_meeting_form(meeting, start_time="19:15", reason="Quarter past."))
    session.expire_all()
    assert session.get(Meeting, meeting.id).start_time == time(19, 15)
    assert (item := session.get(type(item), item.id)).decision is Decision.APPROVED
    assert item.applied == "19:15" and item.reason == "Quarter past."

    # A proposed new meeting opens in the new-meeting form; saving it adds the meeting.
    new_item = added.items[0]
    edit = f"{REQUESTS}/{added.id}/items/{new_item.id}/edit"
    form = page_text(client.get(edit))
    assert "Edit, then approve: Big Book" in form and "Save and approve" in form
    client.post(edit, data=_meeting_form(meeting, title="Big Book Study", weekdays="4"))
    session.expire_all()
    created = session.scalars(select(Meeting).where(Meeting.title == "Big Book Study")).one()
    assert created.group_id == group.id and created.recurrence == Recurrence.weekly(4)
    assert session.get(type(new_item), new_item.id).decision is Decision.APPROVED

    # A date's change is edited in a date input, as the date's own form asks it.
    moved_item = moved.items[0]
    page = client.get(f"{REQUESTS}/{moved.id}").get_data(as_text=True)
    assert re.search(r'name="value" type="date" value="2026-01-21"', page)
    client.post(f"{REQUESTS}/{moved.id}/items/{moved_item.id}",
                data={"action": "edit", "value": "2026-01-22"})
    session.expire_all()
    assert session.get(Meeting, meeting.id).exceptions_by_date[date(2026, 1, 20)].moved_to \
        == date(2026, 1, 22)


def test_an_edit_that_drops_a_cancelled_date_asks_the_admin_before_approving(
        client, auth, world, session):
    meeting = session.get(Meeting, world["meeting"])
    meetings.cancel_date(session, None, meeting, date(2026, 1, 20), note="Snow day")
    session.commit()
    _send(client, session, world, start_time="19:30")
    request = session.scalars(select(ChangeRequest)).one()
    auth.login(ADMIN)
    edit = f"{REQUESTS}/{request.id}/items/{request.items[0].id}/edit"
    thursdays = _meeting_form(meeting, weekdays="3", reason="Thursdays now.")
    asked = page_text(client.post(edit, data=thursdays))
    assert "These dates would no longer be meeting dates" in asked and "Snow day" in asked
    assert "Save and remove those changes, and approve" in asked
    session.expire_all()
    assert session.get(Meeting, meeting.id).recurrence == Recurrence.weekly(1)
    client.post(edit, data=thursdays | {"drop_orphans": "yes"})
    session.expire_all()
    saved = session.get(Meeting, meeting.id)
    assert saved.recurrence == Recurrence.weekly(3) and saved.exceptions == []
    assert session.get(type(request.items[0]), request.items[0].id).decision \
        is Decision.APPROVED


def test_a_cancelled_date_and_a_moved_one_are_applied_through_the_date_services(
        world, session):
    group, meeting = session.get(Group, world["group"]), session.get(Meeting, world["meeting"])
    cancel, _ = change_requests.propose_cancellation(session, group, meeting,
                                                     date(2026, 1, 13), "", None, "Snow", "")
    moved, _ = change_requests.propose_date_change(
        session, group, meeting, date(2026, 1, 20), None,
        DateChange(moved_to=date(2026, 1, 21)), "")
    admin = session.get(User, world["admin"])
    for request in (cancel, moved):
        for item in request.items:
            change_requests.decide(session, admin, item, action="approve", value=None,
                                   reason="", now=meeting.updated_at)
    session.flush()
    assert meeting.exceptions_by_date[date(2026, 1, 13)].cancelled
    assert meeting.exceptions_by_date[date(2026, 1, 20)].moved_to == date(2026, 1, 21)


def test_a_flood_from_one_link_is_refused_and_logged_only_as_a_count(
        client, world, session, monkeypatch):
    monkeypatch.setattr(throttle, "REP_LINK", throttle.Limit("rep-link", 2,
                                                             throttle.REP_LINK.window))
    answers = [_send(client, session, world, notes=f"secret words {n}").status_code
               for n in range(4)]
    assert answers == [302, 302, 429, 429]
    assert len(session.scalars(select(ChangeRequest)).all()) == 2
    summaries = [e.summary for e in session.scalars(select(AuditEntry).where(
        AuditEntry.actor_name == "representative link"))]
    assert len(summaries) == 3 and sum("more than 2" in s for s in summaries) == 1
    assert not any("secret" in s for s in summaries)


@pytest.mark.one_database  # what a PDF says
def test_the_one_pager_carries_the_representative_link_on_its_back(client, auth, world):
    auth.login(LEAD)
    link = f"http://facilitator.test{world['link']}"
    pdf = client.post("/manage/g/hope/handout.pdf", data={"rep_link": link})
    pages = [re.sub(r"\s+", "", page.extract_text())
             for page in PdfReader(io.BytesIO(pdf.data)).pages]
    assert len(pages) == 2
    assert link in pages[1] and link not in pages[0]
    assert "Forthegroup'ssecretary" in pages[1]


def test_the_representative_says_nothing_changed_and_the_listing_is_confirmed(
        client, world, session):
    group = session.get(Group, world["group"])
    group.confirmed_at -= timedelta(days=3650)
    session.commit()
    page = page_text(client.post(f"{world['link']}confirm", follow_redirects=True))
    assert "Hope Group's listing is confirmed as of today" in page
    today = clock.today_in("America/Chicago")
    assert f"Listing confirmed on {long_date(today)}." in page_text(client.get("/g/hope/"))
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "confirm")).one()
    assert (entry.actor_name, entry.entity_id) == ("representative link", group.id)
