"""A group's representative sends changes through the group's link without an account;
admins approve, edit or reject each change, and the sender's status link shows why."""

from __future__ import annotations

import html
import re
from dataclasses import replace
from datetime import date
from datetime import time

import pytest
from sqlalchemy import select

from facilitator.domain.change_requests import from_text
from facilitator.domain.change_requests import to_text
from facilitator.domain.meeting import DateChange
from facilitator.domain.recurrence import Recurrence
from facilitator.models import AuditEntry
from facilitator.models import ChangeRequest
from facilitator.models import Meeting
from facilitator.models import Role
from facilitator.services import change_requests
from facilitator.services import meetings
from facilitator.services import throttle
from tests.conftest import page_text

LINK = re.compile(r'id="rep-link" href="http://facilitator\.test(/rep/[A-Za-z0-9_-]{32}/)"')
SEEN = re.compile(r'name="seen" type="hidden" value="([^"]*)"')
STATUS = re.compile(r"/rep/status/[A-Za-z0-9_-]{32}")


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


@pytest.fixture
def world(make_org, make_user, make_group, make_meeting, session):
    org = make_org(slug="riverside", name="Riverside")
    admin = make_user(org, Role.ADMIN, display_name="Dana R.")
    lead = make_user(org, Role.FACILITATOR, display_name="Sam T.")
    group = make_group(org, facilitators=[lead], slug="hope", name="Hope Group")
    meeting = make_meeting(group)
    token = change_requests.rotate_rep_token(session, None, group)
    session.commit()
    return {"org": org, "admin": admin, "lead": lead, "group": group, "meeting": meeting,
            "link": f"/rep/{token}/"}


def _meeting_form(meeting: Meeting, seen: str, **changes: object) -> dict[str, object]:
    data = {"title": meeting.title, "repeats": "weekly", "weekdays": "1",
            "first_date": meeting.first_date.isoformat(), "start_time": "19:00",
            "duration_minutes": "90", "timezone": "America/Chicago",
            "attendance": "in_person", "location_name": meeting.location_name,
            "address": meeting.address, "room_capacity": "150", "seen": seen}
    return data | changes


def _seen(client, url: str) -> str:
    return html.unescape(SEEN.search(client.get(url).get_data(as_text=True)).group(1))


def _send(client, world, **changes):
    url = f"{world['link']}meetings/{world['meeting'].id}"
    return client.post(url, data=_meeting_form(world["meeting"], _seen(client, url), **changes))


def test_a_facilitator_makes_the_link_and_a_new_one_kills_the_old(client, auth, world):
    auth.login(world["lead"])
    first = LINK.search(client.post("/manage/g/hope/rep-link").get_data(as_text=True)).group(1)
    assert "Tuesday Night" in page_text(client.get(first))
    second = LINK.search(client.post("/manage/g/hope/rep-link").get_data(as_text=True)).group(1)
    assert client.get(first).status_code == 404
    assert client.get(world["link"]).status_code == 404
    assert client.get(second).status_code == 200
    assert client.get(second).headers["Referrer-Policy"] == "no-referrer"


def test_the_form_refuses_what_the_manage_form_refuses_and_keeps_nothing(
        client, world, session):
    no_title = _send(client, world, title="")
    no_place = _send(client, world, location_name="", address="")
    assert "Give the meeting a title." in page_text(no_title)
    assert "Say where people meet: a place name or an address." in page_text(no_place)
    day = f"{world['link']}meetings/{world['meeting'].id}/dates/2026-01-13"
    nothing = client.post(f"{day}/change", data={"seen": _seen(client, day)})
    assert "Say what is different on this date." in page_text(nothing)
    far = client.post(f"{day}/change", data={"moved_to": "2026-02-20"})
    assert far.status_code == 200 and "Held on" in page_text(far)
    assert session.scalars(select(ChangeRequest)).all() == []
    junk = client.post(f"{world['link']}meetings/{world['meeting'].id}",
                       data=_meeting_form(world["meeting"], "not json", start_time="25:99"))
    assert junk.status_code == 200


def test_an_admin_approves_one_change_rejects_another_and_the_sender_reads_why(
        client, auth, world, session):
    sent = _send(client, world, start_time="19:30", notes="Bring a friend",
                 contact="sec@example.org")
    status = STATUS.search(sent.headers["Location"]).group(0)
    request = session.scalars(select(ChangeRequest)).one()
    items = {item.field: item for item in request.items}
    assert set(items) == {"start_time", "notes"}
    auth.login(world["admin"])
    page = page_text(client.get(f"/admin/riverside/requests/{request.id}"))
    assert "sec@example.org" in page and "19:00" in page and "19:30" in page
    base = f"/admin/riverside/requests/{request.id}/items"
    client.post(f"{base}/{items['start_time'].id}", data={"action": "approve"})
    no_reason = client.post(f"{base}/{items['notes'].id}", data={"action": "reject"},
                            follow_redirects=True)
    assert "Say why it is not applied" in page_text(no_reason)
    client.post(f"{base}/{items['notes'].id}",
                data={"action": "reject", "reason": "Notes are for the facilitator."})
    session.expire_all()
    assert session.get(Meeting, world["meeting"].id).start_time == time(19, 30)
    assert session.get(Meeting, world["meeting"].id).notes == ""
    closed = session.get(ChangeRequest, request.id)
    assert closed.closed_at is not None and closed.contact is None
    entries = [e.summary for e in session.scalars(select(AuditEntry).where(
        AuditEntry.actor_name == "Dana R."))]
    assert f"Change request {request.id} for Hope Group: start time of Tuesday Night approved" \
        in entries
    assert "Meeting Tuesday Night of Hope Group" in entries
    auth.logout()
    text = page_text(client.get(status))
    assert "Applied" in text and "Not applied" in text and "Notes are for the facilitator" in text


def test_a_meeting_changed_since_the_form_was_opened_shows_a_conflict(
        client, auth, world, session):
    url = f"{world['link']}meetings/{world['meeting'].id}"
    seen = _seen(client, url)
    meeting = session.get(Meeting, world["meeting"].id)
    meetings.update_meeting(session, None, meeting,
                            replace(change_requests.current_values(meeting), start_time=time(18)))
    session.commit()
    client.post(url, data=_meeting_form(meeting, seen, start_time="19:30"))
    request = session.scalars(select(ChangeRequest)).one()
    item = request.items[0]
    auth.login(world["admin"])
    page = page_text(client.get(f"/admin/riverside/requests/{request.id}"))
    assert "Changed since the sender opened the form" in page and "18:00" in page
    refused = client.post(f"/admin/riverside/requests/{request.id}/items/{item.id}",
                          data={"action": "approve"}, follow_redirects=True)
    assert "could undo someone else's change" in page_text(refused)
    session.expire_all()
    assert session.get(Meeting, meeting.id).start_time == time(18)
    client.post(f"/admin/riverside/requests/{request.id}/items/{item.id}",
                data={"action": "edit", "value": "19:15"})
    session.expire_all()
    assert session.get(Meeting, meeting.id).start_time == time(19, 15)


def test_a_cancelled_date_and_a_moved_one_are_applied_through_the_date_services(
        world, session):
    group, meeting = world["group"], session.get(Meeting, world["meeting"].id)
    cancel, _ = change_requests.propose_cancellation(session, group, meeting,
                                                     date(2026, 1, 13), "", None, "Snow", "")
    moved, _ = change_requests.propose_date_change(
        session, group, meeting, date(2026, 1, 20), None,
        DateChange(moved_to=date(2026, 1, 21)), "")
    admin = world["admin"]
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
    answers = [_send(client, world, notes=f"secret words {n}").status_code for n in range(4)]
    assert answers == [302, 302, 429, 429]
    assert len(session.scalars(select(ChangeRequest)).all()) == 2
    summaries = [e.summary for e in session.scalars(select(AuditEntry).where(
        AuditEntry.actor_name == "representative link"))]
    assert len(summaries) == 3 and sum("more than 2" in s for s in summaries) == 1
    assert not any("secret" in s for s in summaries)
