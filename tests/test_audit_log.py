"""The audit log records who changed what, when, before and after, and cannot be altered."""

from __future__ import annotations

from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from facilitator import clock
from facilitator.domain.choices import Role
from facilitator.domain.counts import Counter
from facilitator.domain.counts import Counts
from facilitator.domain.meeting import Attendance
from facilitator.domain.meeting import CancelReason
from facilitator.domain.meeting import MeetingValues
from facilitator.domain.recurrence import Recurrence
from facilitator.models import AuditEntry
from facilitator.services import headcounts
from facilitator.services import meetings
from facilitator.services import training
from facilitator.views import audit as audit_views
from tests.conftest import english_sentences
from tests.conftest import page_text


def entries(session, **where):
    query = select(AuditEntry).order_by(AuditEntry.id)
    for name, value in where.items():
        query = query.where(getattr(AuditEntry, name) == value)
    return session.scalars(query).all()


def test_group_change_records_who_when_before_after(client, auth, make_org, make_user,
                                                    make_group, session):
    org = make_org()
    leader = make_user(org, Role.FACILITATOR, display_name="Sam T.")
    group = make_group(org, slug="circle", name="Circle", facilitators=[leader])
    auth.login(leader)
    client.post("/manage/g/circle/edit", data={
        "name": "Wednesday Circle", "slug": "circle", "program": "smart",
        "audience": "everyone", "languages": ["en"], "visibility": "public"})
    entry = entries(session, entity_type="group", action="update")[-1]
    assert entry.actor_name == "Sam T." and entry.actor_id == leader.id
    assert entry.organization_id == org.id and entry.entity_id == group.id
    assert entry.before == {"name": "Circle", "program": "aa"}
    assert entry.after == {"name": "Wednesday Circle", "program": "smart"}
    assert entry.created_at.tzinfo is not None  # an instant in UTC


def test_saving_without_changes_records_nothing(client, auth, make_org, make_user, make_group,
                                                session):
    org = make_org()
    leader = make_user(org, Role.FACILITATOR)
    group = make_group(org, facilitators=[leader])
    auth.login(leader)
    before = len(entries(session))
    client.post(f"/manage/g/{group.slug}/edit", data={
        "name": group.name, "slug": group.slug, "program": "aa", "audience": "everyone",
        "languages": ["en"], "visibility": "public", "description": ""})
    assert len(entries(session)) == before


def test_roles_and_accounts_are_logged_without_secrets(make_org, make_user, session):
    org = make_org()
    make_user(org, Role.AUDITOR, email="avery@example.org")
    logged = entries(session)
    assert {(e.entity_type, e.action) for e in logged} >= {
        ("organization", "create"), ("user", "create"), ("membership", "create")}
    text_of_log = repr([(e.before, e.after, e.summary) for e in logged])
    assert "avery@example.org" in text_of_log
    assert "argon2" not in text_of_log and "password_hash" not in text_of_log


@pytest.mark.parametrize("statement", [
    "UPDATE audit_entries SET summary = 'nothing happened'",
    "DELETE FROM audit_entries",
])
def test_database_refuses_to_alter_the_log(make_org, session, statement):
    make_org()
    count = len(entries(session))
    with pytest.raises(DatabaseError, match="append-only"), session.begin_nested():
        session.execute(text(statement))
    assert len(entries(session)) == count


def test_log_survives_deleting_the_group(client, auth, make_org, make_user, make_group, session):
    org = make_org()
    admin = make_user(org, Role.ADMIN)
    group = make_group(org, name="Gone Group", slug="gone")
    auth.login(admin)
    client.post(f"/admin/{org.slug}/groups/gone/delete")
    summaries = [e.summary for e in entries(session, entity_id=group.id, entity_type="group")]
    assert summaries == ["Group Gone Group", "Group Gone Group deleted"]
    page = client.get(f"/audit/{org.slug}/log", query_string={"type": "group"})
    assert "Group Gone Group deleted" in page.get_data(as_text=True)


def test_log_pages_and_filters(client, auth, make_org, make_user, make_group, session):
    org = make_org()
    admin = make_user(org, Role.ADMIN)
    for n in range(55):
        make_group(org, name=f"Bulk {n:02}")
    auth.login(admin)
    first = client.get(f"/audit/{org.slug}/log?type=group").get_data(as_text=True)
    assert "Group Bulk 54" in first and "Group Bulk 04" not in first
    assert "Older" in first
    second = client.get(f"/audit/{org.slug}/log?type=group&page=2").get_data(as_text=True)
    assert "Group Bulk 04" in second and "Older" not in second
    roles = client.get(f"/audit/{org.slug}/log?type=membership").get_data(as_text=True)
    assert "Group Bulk" not in roles
    # Nonsense filters fall back to everything instead of failing.
    assert client.get(f"/audit/{org.slug}/log?type=<x>&page=-3").status_code == 200
    assert client.get(f"/audit/{org.slug}/log?page=99999999999999").status_code == 200


# -- Reading the log, as an auditor ------------------------------------------------------

CHICAGO = ZoneInfo("America/Chicago")
#: Friday 20 November 2026, 10:05 in Chicago (16:05 UTC): after the Tuesday meeting.
FRIDAY = datetime(2026, 11, 20, 10, 5, tzinfo=CHICAGO)
TUESDAY = date(2026, 11, 17)


@pytest.fixture
def at(monkeypatch):
    """Set the app's clock (and so the log's stamps): at(when)."""
    def set_now(when: datetime) -> None:
        monkeypatch.setattr(clock, "now", lambda: when)

    set_now(FRIDAY)
    return set_now


@pytest.fixture
def org_world(make_org, make_user, make_group, make_meeting, at):
    org = make_org()
    lead = make_user(org, Role.FACILITATOR, display_name="Sam T.")
    group = make_group(org, facilitators=[lead])
    return {"org": org, "lead": lead, "group": group, "meeting": make_meeting(group),
            "auditor": make_user(org, Role.AUDITOR),
            "admin": make_user(org, Role.ADMIN, display_name="Dana R.")}


def read_log(client, auth, world, **query) -> str:
    auth.logout()
    auth.login(world["auditor"])
    response = client.get(f"/audit/{world['org'].slug}/log", query_string=query)
    assert response.status_code == 200
    return page_text(response)


def move_and_cancel(session, world) -> None:
    """The leader moves the Tuesday meeting to 7:30 pm for an hour, and cancels the 24th
    for a holiday."""
    meeting = world["meeting"]
    meetings.update_meeting(session, world["lead"], meeting, MeetingValues(
        title="Tuesday Night", recurrence=Recurrence.weekly(1), first_date=date(2026, 1, 6),
        start_time=time(19, 30), duration_minutes=60, timezone="America/Chicago",
        location_name="Community Centre", address="90 Main Street"))
    meetings.cancel_date(session, world["lead"], meeting, date(2026, 11, 24),
                         CancelReason.HOLIDAY, "Thanksgiving week")


def test_the_log_reads_in_the_orgs_zone_and_in_words(client, auth, session, org_world, at):
    world = org_world
    move_and_cancel(session, world)
    cpr = training.create_type(session, world["admin"], world["org"], name="CPR and first aid",
                               validity_months=24, required_roles=["facilitator"])
    naloxone = training.create_type(session, world["admin"], world["org"],
                                    name="Naloxone administration", validity_months=12)
    record = training.add_record(session, world["admin"], training.RecordValues(
        training_type_id=cpr.id, completed_on=date(2026, 11, 2), provider="Red Cross"))
    training.update_record(session, world["admin"], record, training.RecordValues(
        training_type_id=naloxone.id, completed_on=date(2026, 11, 3), provider="Red Cross"))
    session.commit()

    text = read_log(client, auth, world)
    # When, in the org's zone, named.
    assert "Times are in the organization's time zone, America/Chicago." in text
    assert "Fri 20 Nov 2026, 10:05 am CST · Sam T." in text
    assert "16:05" not in text and "UTC" not in text
    # What, in words: names for ids, dates as dates, yes and no.
    assert "Changed Meeting Tuesday Night of" in text
    assert "Starts at: 7:00 pm → changed to 7:30 pm" in text
    assert "Length: 1 h 30 min → changed to 1 h" in text
    assert "Tue 24 Nov 2026 cancelled" in text
    assert "Cancelled: no → changed to yes" in text and "Reason: Holiday" in text
    assert "Training: CPR and first aid → changed to Naloxone administration" in text
    assert "Completed on: Mon 2 Nov 2026 → changed to Tue 3 Nov 2026" in text
    assert "Required of: Facilitator" in text
    for raw in ("training_type_id", "completed_on", "2026-11-", "True", "False", "19:30:00",
                "duration_minutes"):
        assert raw not in text, raw


def test_the_log_reads_in_its_readers_language(client, auth, session, org_world, at):
    """An auditor who reads Spanish reads the log in Spanish: what was done, to what, each
    field and value, and who did it from the command line. An entry made before entries
    kept their summary as a message reads in the English it was written in."""
    world = org_world
    meeting = world["meeting"]
    move_and_cancel(session, world)
    training.create_type(session, None, world["org"], name="CPR", validity_months=24,
                         required_roles=["facilitator"])
    headcounts.set_counts(session, world["lead"], meeting, TUESDAY, Counts(12, 6))
    headcounts.adjust(session, world["lead"], meeting, TUESDAY, Counter("people"), 1)
    session.add(AuditEntry(organization_id=world["org"].id, actor_id=None,
                           actor_name="command line", action="update", entity_type="group",
                           entity_id=world["group"].id, summary="Group Old Name renamed",
                           message=None, before=None, after=None))
    world["auditor"].language = "es"
    session.commit()

    text = read_log(client, auth, world)
    assert "Cambio Reunión Tuesday Night de Group" in text
    assert "Empieza a las: 19:00 → cambió a 19:30" in text
    assert "Duración: 1 h 30 min → cambió a 1 h" in text
    assert "Reunión Tuesday Night de Group" in text and "24 nov 2026 cancelada" in text
    assert "Cancelada: no → cambió a sí" in text and "Motivo: Día festivo" in text
    assert "línea de comandos Alta Tipo de capacitación CPR" in text
    assert "Obligatoria para: Facilitador" in text
    assert "Cambio Conteo de Tuesday Night del mar, 17 nov 2026 corregido" in text
    assert "Group Old Name renamed" in text  # as it was written, before messages
    assert [s for s in english_sentences() if s in text] == []
    for english in ("Changed", "Added", "Starts at", "Meeting Tuesday Night of",
                    "cancelled", "command line", "Headcount of", "Training type"):
        assert english not in text, english


def tap(session, world, counter: str, delta: int) -> None:
    headcounts.adjust(session, world["lead"], world["meeting"], TUESDAY, Counter(counter),
                      delta)
    session.commit()


def test_taps_of_one_correction_read_as_one_change(client, auth, session, org_world, at):
    """Three + taps a minute apart fix one number: one line, 12 → 15. A tap hours later
    is another correction, and reads as one."""
    world = org_world
    headcounts.set_counts(session, world["lead"], world["meeting"], TUESDAY, Counts(12, 6))
    session.commit()
    for minute in (20, 21, 22):
        at(FRIDAY + timedelta(minutes=minute))
        tap(session, world, "people", 1)
    at(FRIDAY + timedelta(hours=3))
    tap(session, world, "people", -1)

    text = read_log(client, auth, world, type="headcount")
    assert text.count("Headcount of Tuesday Night on Tue 17 Nov 2026 corrected") == 3
    assert "People: 12 → changed to 15 (3 corrections from 10:25 am)" not in text
    assert "corrected (3 corrections from 10:25 am) People: 12 → changed to 15" in text
    assert "People: 15 → changed to 14" in text
    assert "People: hidden → changed to 12" in text
    assert "13" not in text.split("corrected", 1)[1].split("Anonymity first")[0]


def test_a_session_across_two_pages_shows_once(client, auth, session, org_world, at,
                                               monkeypatch):
    world = org_world
    headcounts.set_counts(session, world["lead"], world["meeting"], TUESDAY, Counts(12, 6))
    session.commit()
    for minute in range(31, 35):
        at(FRIDAY + timedelta(minutes=minute))
        tap(session, world, "people", 1)
    monkeypatch.setattr(audit_views, "PAGE_SIZE", 3)
    first = read_log(client, auth, world, type="headcount")
    assert "People: 12 → changed to 16" in first and "4 corrections from 10:36 am" in first
    # Page 2 holds the session's first taps, shown on page 1, and the count before it.
    second = page_text(client.get(f"/audit/{world['org'].slug}/log?type=headcount&page=2"))
    assert second.count("Headcount of") == 1 and "People: hidden → changed to 12" in second


def test_a_hidden_count_reads_changed_and_nothing_more(client, auth, session, org_world, at):
    world = org_world
    headcounts.set_counts(session, world["lead"], world["meeting"], TUESDAY, Counts(12, 0))
    session.commit()
    at(FRIDAY + timedelta(minutes=30))
    tap(session, world, "newcomers", 1)
    tap(session, world, "newcomers", 1)
    text = read_log(client, auth, world, type="headcount")
    assert "First meeting: changed (the count is hidden before and after)" in text
    assert "hidden → changed to hidden" not in text and "<5" not in text


def test_a_hybrid_split_never_gives_a_hidden_room_away_across_corrections(
        client, auth, session, org_world, make_meeting, at):
    """Online changed in one correction (the room then shown), the room in another hour's
    (now hidden): with everyone shown, online shown would give the room away."""
    world = {**org_world, "meeting": make_meeting(
        org_world["group"], attendance=Attendance.HYBRID, online_url="https://meet.example/x")}
    headcounts.set_counts(session, world["lead"], world["meeting"], TUESDAY,
                          Counts(newcomers=0, in_person=5, online=8))
    session.commit()
    at(FRIDAY + timedelta(minutes=30))
    tap(session, world, "in_person", -1)
    text = read_log(client, auth, world, type="headcount")
    latest = text.split("corrected", 1)[1].split("corrected", 1)[0]
    assert "People: 13 → changed to 12" in latest
    assert "Online: 8" not in latest and "4" not in latest
