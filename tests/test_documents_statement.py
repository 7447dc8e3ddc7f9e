"""The confidentiality statement at meetings: the facilitator records that it was read at
one occurrence, members add one-tap acknowledgements, a count with nothing about who."""

from __future__ import annotations

from datetime import date
from datetime import timedelta

import pytest
from sqlalchemy import func
from sqlalchemy import select

from facilitator import clock
from facilitator.domain.choices import DocumentKind
from facilitator.models import AuditEntry
from facilitator.models import Meeting
from facilitator.models import StatementAcknowledgement
from facilitator.models import StatementReading
from facilitator.services import ServiceError
from facilitator.services import documents
from facilitator.services.meetings import cancel_date
from tests.conftest import page_text

#: make_meeting's meetings are on Tuesdays from 6 January 2026; "today" is a Tuesday.
TODAY = date(2026, 3, 3)
STATEMENT = "What you hear here, who you see here, let it stay here."


@pytest.fixture
def today(monkeypatch):
    monkeypatch.setattr(clock, "today_in", lambda _zone: TODAY)
    return TODAY


@pytest.fixture
def meeting(tenancy, auth, make_meeting, today):
    auth.login(tenancy["a"]["lead1"])
    return make_meeting(tenancy["a"]["group1"])


def url(meeting: Meeting, day: date) -> str:
    return f"/manage/g/a-one/meetings/{meeting.id}/dates/{day.isoformat()}/statement"


def write_statement(session, tenancy, body=STATEMENT, based_on=0) -> None:
    documents.save_version(session, tenancy["a"]["lead1"], tenancy["a"]["org"],
                           DocumentKind.STATEMENT, body, based_on=based_on,
                           group=tenancy["a"]["group1"])
    session.commit()


def test_facilitator_records_the_statement_read_and_takes_it_back(client, tenancy, session,
                                                                  meeting, today):
    write_statement(session, tenancy)
    page = page_text(client.get(url(meeting, today)))
    assert "Not recorded as read at this meeting." in page and STATEMENT in page
    response = client.post(url(meeting, today), data={"read": "yes"})
    assert response.location == url(meeting, today)
    page = page_text(client.get(url(meeting, today)))
    assert "Recorded as read (English, version 1)" in page
    assert "0 acknowledgements from members" in page
    # A later version: the record keeps the version that was read.
    write_statement(session, tenancy, STATEMENT + " Always.", based_on=1)
    assert "Recorded as read (English, version 1)" in page_text(client.get(url(meeting, today)))
    client.post(url(meeting, today), data={"read": "no"})
    assert "Not recorded as read" in page_text(client.get(url(meeting, today)))
    entries = session.scalars(select(AuditEntry).where(
        AuditEntry.entity_type == "statementreading").order_by(AuditEntry.id)).all()
    assert [(e.after["read"], e.after["version"], e.after["date"]) for e in entries] == [
        (True, 1, "2026-03-03"), (False, None, "2026-03-03")]
    assert all(e.actor_id == tenancy["a"]["lead1"].id for e in entries)


def test_the_latest_date_link_finds_todays_meeting(client, meeting, today):
    response = client.get(f"/manage/g/a-one/meetings/{meeting.id}/statement")
    assert response.location == url(meeting, today)


def test_the_latest_date_link_skips_a_cancelled_date(client, session, meeting, today):
    cancel_date(session, None, meeting, today, reason="holiday", note="")
    session.commit()
    response = client.get(f"/manage/g/a-one/meetings/{meeting.id}/statement")
    assert response.location == url(meeting, today - timedelta(days=7))


def test_a_meeting_that_has_not_met_yet_has_no_statement_page(client, tenancy, meeting,
                                                              make_meeting, today):
    later = make_meeting(tenancy["a"]["group1"], first_date=today + timedelta(days=7))
    response = client.get(f"/manage/g/a-one/meetings/{later.id}/statement")
    assert response.location == "/manage/g/a-one/"
    assert "has not met recently" in page_text(client.get(response.location))


@pytest.mark.parametrize("when", ["future", "cancelled", "no statement"])
def test_refused_records_change_nothing(client, tenancy, session, meeting, today, when):
    day = today
    if when != "no statement":
        write_statement(session, tenancy)
    if when == "future":
        day = today + timedelta(days=7)
    if when == "cancelled":
        cancel_date(session, None, meeting, today, reason="holiday", note="")
        session.commit()
    response = client.post(url(meeting, day), data={"read": "yes"})
    message = {"future": "has not happened yet", "cancelled": "was cancelled",
               "no statement": "has no confidentiality statement yet"}[when]
    assert message in page_text(client.get(url(meeting, day))) or \
        message in page_text(response)
    assert session.scalar(select(func.count()).select_from(StatementReading)) == 0


@pytest.mark.parametrize("path", ["2026-03-04", "2026-13-01", "tuesday", "9999-01-06"])
def test_a_date_the_meeting_does_not_meet_is_404(client, meeting, path):
    assert client.get(f"/manage/g/a-one/meetings/{meeting.id}/dates/{path}/statement"
                      ).status_code == 404


def test_another_groups_meeting_is_404(client, tenancy, meeting, make_meeting, today):
    theirs = make_meeting(tenancy["a"]["group2"])
    for group in ("a-one", tenancy["a"]["group2"].slug):
        address = f"/manage/g/{group}/meetings/{theirs.id}/dates/{today}/statement"
        assert client.get(address).status_code == 404
        assert client.post(address, data={"read": "yes"}).status_code == 404


def test_acknowledgements_count_and_nothing_else(client, tenancy, session, meeting, today):
    write_statement(session, tenancy)
    for _ in range(3):
        assert documents.acknowledge_statement(session, meeting, today, "en") is None
    session.commit()
    assert documents.acknowledgements(session, meeting, today) == {"en": 3}
    assert documents.reading(session, meeting, today) is None
    # Recording the reading keeps the count; nothing was audited per tap.
    client.post(url(meeting, today), data={"read": "yes"})
    assert "3 acknowledgements from members" in page_text(client.get(url(meeting, today)))
    assert documents.acknowledgements(session, meeting, today) == {"en": 3}
    assert session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.entity_type == "statementreading")) == 1
    # Another occurrence has its own count.
    documents.acknowledge_statement(session, meeting, today - timedelta(days=7), "en")
    assert documents.acknowledgements(session, meeting, today - timedelta(days=7)) == {"en": 1}


def test_acknowledging_a_cancelled_or_future_date_is_refused(session, meeting, today):
    cancel_date(session, None, meeting, today, reason="holiday", note="")
    for day in (today, today + timedelta(days=7), today + timedelta(days=1)):
        with pytest.raises(ServiceError):
            documents.acknowledge_statement(session, meeting, day, "en")
    assert session.scalar(select(func.count()).select_from(StatementAcknowledgement)) == 0


def test_agreement_status_gives_each_leader_a_state(tenancy, session):
    org, lead1, lead2 = (tenancy["a"][k] for k in ("org", "lead1", "lead2"))
    documents.save_version(session, None, org, DocumentKind.AGREEMENT, "One", based_on=0)
    documents.sign_agreement(session, lead1, org, 1, lead1.display_name, confirmed=True)
    documents.sign_agreement(session, lead2, org, 1, lead2.display_name, confirmed=True)
    documents.save_version(session, None, org, DocumentKind.AGREEMENT, "Two", based_on=1)
    documents.sign_agreement(session, lead2, org, 2, lead2.display_name, confirmed=True)
    states = {user_id: s.state for user_id, s in
              documents.agreement_status(session, org).items()}
    # Only facilitators are leaders: the admin and auditor have nothing to sign.
    assert states == {lead1.id: "outdated", lead2.id: "signed"}
    assert documents.agreement_status(session, tenancy["b"]["org"]) == {
        tenancy["b"][k].id: documents.SignatureStatus(False) for k in ("lead1", "lead2")}
