"""The dashboard answers "what now?": today's and tomorrow's meetings first, then what
needs the leader's attention; admins and auditors land on their own pages."""

from __future__ import annotations

from datetime import date
from datetime import datetime
from datetime import time
from zoneinfo import ZoneInfo

import pytest

from facilitator import clock
from facilitator.domain.choices import DocumentKind
from facilitator.domain.choices import Role
from facilitator.domain.meeting import CancelReason
from facilitator.domain.meeting import DateChange
from facilitator.domain.recurrence import Recurrence
from facilitator.models import Headcount
from facilitator.services import accounts
from facilitator.services import documents
from facilitator.services import meetings
from facilitator.services import organizations
from facilitator.services import training
from facilitator.services.training import RecordValues
from tests.conftest import PASSWORD
from tests.conftest import counted_selects
from tests.conftest import page_text

CHICAGO = ZoneInfo("America/Chicago")
TUESDAY = date(2026, 11, 17)


@pytest.fixture
def now(monkeypatch):
    """Set the app's clock: now(when); Tuesday 17 November 2026, 10:00 in Chicago."""
    def set_now(when: datetime) -> None:
        monkeypatch.setattr(clock, "now", lambda: when)

    set_now(datetime.combine(TUESDAY, time(10), tzinfo=CHICAGO))
    return set_now


@pytest.fixture
def world(session, make_org, make_user, make_group, make_meeting):
    org = make_org()
    lead = make_user(org, Role.FACILITATOR)
    group = make_group(org, name="Riverside Women", facilitators=[lead])
    tuesday = make_meeting(group, title="Tuesday Night")
    wednesday = make_meeting(group, title="Wednesday Noon", start_time=time(12),
                             recurrence=Recurrence.weekly(2))
    return {"org": org, "lead": lead, "group": group, "tuesday": tuesday,
            "wednesday": wednesday}


def dashboard(client) -> str:
    return page_text(client.get("/manage/"))


def count_link(meeting, day: date) -> str:
    return f"/manage/g/{meeting.group.slug}/meetings/{meeting.id}/dates/{day}/count"


def test_todays_and_tomorrows_meetings_come_first_with_their_headcount_links(
        client, auth, world, now):
    auth.login(world["lead"])
    response = client.get("/manage/")
    text = page_text(response)
    today = text.index("Today, 7:00 pm – to 8:30 pm Tuesday Night")
    tomorrow = text.index("Tomorrow, 12:00 pm – to 1:30 pm Wednesday Noon")
    assert text.index("Today and tomorrow") < today < tomorrow < text.index(
        "Groups you facilitate")
    html = response.get_data(as_text=True)
    assert f'href="{count_link(world["tuesday"], TUESDAY)}"' in html
    assert f'href="{count_link(world["wednesday"], date(2026, 11, 18))}"' in html
    assert f'href="/manage/g/{world["group"].slug}/meetings/{world["tuesday"].id}/checkin"' \
        in html
    assert "Headcount Tuesday Night, today" in text
    assert "Check-in QR Tuesday Night" in text
    # A leader whose browser asks for Spanish reads the same page in Spanish.
    spanish = page_text(client.get("/manage/", headers={"Accept-Language": "es"}))
    assert spanish.index("Hoy y mañana") < spanish.index("Hoy, 19:00") < spanish.index(
        "Grupos que usted facilita")
    assert "Conteo Tuesday Night, hoy" in spanish and "QR de registro" in spanish
    form = page_text(client.get(f"/manage/g/{world['group'].slug}/meetings/new",
                                headers={"Accept-Language": "es"}))
    assert "Agregar una reunión a Riverside Women" in form
    assert "Martes" in form and "Cómo se asiste" in form and "En persona" in form
    # …and what is missing is said in Spanish too.
    refused = page_text(client.post(f"/manage/g/{world['group'].slug}/meetings/new",
                                    data={"title": " "}, headers={"Accept-Language": "es"}))
    assert "Póngale un título a la reunión." in refused
    assert "Elija la primera fecha." in refused and "Elija una hora de inicio." in refused


def test_today_is_told_where_the_organization_is(client, auth, world, now):
    # 03:00 on Wednesday in UTC is still Tuesday evening in Chicago.
    now(datetime(2026, 11, 18, 1, 30, tzinfo=ZoneInfo("UTC")))
    auth.login(world["lead"])
    text = dashboard(client)
    assert "Today, 7:00 pm – to 8:30 pm Tuesday Night Riverside Women" in text
    assert "Going on now" in text
    assert "Tomorrow, 12:00 pm – to 1:30 pm Wednesday Noon" in text


def test_a_cancelled_date_is_left_out_and_a_changed_one_is_at_its_new_time(
        client, auth, session, world, now):
    meetings.cancel_date(session, None, world["tuesday"], TUESDAY, CancelReason.HOLIDAY, "")
    meetings.change_date(session, None, world["wednesday"], date(2026, 11, 18),
                         DateChange(start_time=time(10), note="The hall is booked at noon."))
    session.commit()
    auth.login(world["lead"])
    text = dashboard(client)
    assert "Tuesday Night" not in text.split("Needs your attention")[0]
    assert "Tomorrow, 10:00 am – to 11:30 am Wednesday Noon" in text
    assert "starts 10:00 am instead of 12:00 pm" in text
    assert "The hall is booked at noon." in text


def test_no_meeting_today_or_tomorrow_is_said_plainly(client, auth, world, now):
    now(datetime(2026, 11, 19, 10, tzinfo=CHICAGO))  # Thursday
    auth.login(world["lead"])
    assert "None of your meetings is on today or tomorrow." in dashboard(client)


def test_expired_and_expiring_training_and_the_agreement_are_named(
        client, auth, session, world, make_user, now):
    org, lead = world["org"], world["lead"]
    cpr = training.create_type(session, None, org, name="CPR and first aid",
                               validity_months=24, required_roles=["facilitator"])
    naloxone = training.create_type(session, None, org, name="Naloxone administration",
                                    validity_months=24, required_roles=["facilitator"])
    training.create_type(session, None, org, name="Background check", validity_months=36,
                         required_roles=["facilitator"])
    training.create_type(session, None, org, name="Optional reading", validity_months=12,
                         required_roles=[])
    training.add_record(session, lead, RecordValues(cpr.id, date(2024, 11, 7)))
    training.add_record(session, lead, RecordValues(naloxone.id, date(2024, 12, 7)))
    admin = make_user(org, Role.ADMIN)
    documents.save_version(session, admin, org, DocumentKind.AGREEMENT, "I keep confidences.",
                           based_on=0)
    session.commit()
    auth.login(lead)
    text = dashboard(client)
    attention = text.split("Needs your attention")[1].split("Groups you facilitate")[0]
    assert "Expired CPR and first aid: expired on Saturday 7 November 2026, 10 days ago." \
        in attention
    assert "Expiring soon Naloxone administration: expires on Monday 7 December 2026, in 20 days." \
        in attention
    assert "Missing Background check: not recorded yet." in attention
    assert "Optional reading" not in attention
    assert f"{org.name} asks you to sign its leader confidentiality agreement" in attention


def test_a_meeting_that_went_ahead_uncounted_is_named_until_counted(
        client, auth, session, world, now):
    auth.login(world["lead"])
    text = dashboard(client)
    assert "Tuesday Night on Tue 10 Nov has no count of yours yet." in text
    assert "Wednesday Noon on Wed 11 Nov has no count of yours yet." in text
    # Today's has not ended yet, and one more than a week old is past asking.
    assert "Tue 17 Nov has no count" not in text and "Wed 4 Nov" not in text
    session.add(Headcount(meeting_id=world["tuesday"].id, occurrence_date=date(2026, 11, 10),
                          people=0, counted_by_facilitator=True))
    session.commit()
    text = dashboard(client)
    assert "Tuesday Night on Tue 10 Nov" not in text
    assert "Wednesday Noon on Wed 11 Nov has no count of yours yet." in text


def test_all_is_well_is_said_too(client, auth, session, world, now):
    for meeting, day in ((world["tuesday"], date(2026, 11, 10)),
                         (world["wednesday"], date(2026, 11, 11))):
        session.add(Headcount(meeting_id=meeting.id, occurrence_date=day, people=7,
                              counted_by_facilitator=True))
    session.commit()
    auth.login(world["lead"])
    assert "Nothing needs your attention." in dashboard(client)


# -- Where each person lands -------------------------------------------------------------


@pytest.mark.parametrize(("role", "landing"), [
    (Role.ADMIN, "/admin/{org}/"),
    (Role.AUDITOR, "/audit/{org}/training/"),
])
def test_admins_and_auditors_of_one_org_land_on_its_pages(
        client, auth, world, make_user, now, role, landing):
    person = make_user(world["org"], role)
    expected = landing.format(org=world["org"].slug)
    assert auth.login(person).location == expected
    assert client.get(expected).status_code == 200
    assert client.get("/login").location == expected
    # A ?next= still wins.
    auth.logout()
    assert client.post("/login?next=/manage/", data={
        "email": person.email, "password": PASSWORD}).location == "/manage/"
    text = dashboard(client)
    assert "You are not leading a group yet" not in text
    assert "Today and tomorrow" not in text
    assert world["org"].name in text


def test_a_leader_who_is_also_admin_sees_their_meetings_and_a_link_to_admin(
        client, auth, session, world, now):
    accounts.grant_role(session, None, world["lead"], world["org"], Role.ADMIN)
    session.commit()
    assert auth.login(world["lead"]).location == "/manage/"
    response = client.get("/manage/")
    text = page_text(response)
    assert text.index("Today, 7:00 pm – to 8:30 pm Tuesday Night") < text.index(
        "Admin: groups and people")
    assert f'href="/admin/{world["org"].slug}/"' in response.get_data(as_text=True)


def test_someone_in_two_orgs_without_groups_lands_on_the_dashboard(
        client, auth, session, world, make_org, make_user, now):
    person = make_user(world["org"], Role.ADMIN)
    other = make_org()
    accounts.grant_role(session, None, person, other, Role.AUDITOR)
    session.commit()
    assert auth.login(person).location == "/manage/"
    text = dashboard(client)
    assert world["org"].name in text and other.name in text


def test_admins_see_how_many_leaders_are_behind_on_training(
        client, auth, session, world, make_user, now):
    org = world["org"]
    training.create_type(session, None, org, name="CPR and first aid", validity_months=24,
                         required_roles=["facilitator"])
    session.commit()
    auth.login(make_user(org, Role.AUDITOR))
    text = dashboard(client)
    assert "Training of leaders: 1 leader with training missing. See who" in text


def test_a_big_org_is_named_by_its_number_of_groups_with_the_page_that_lists_them(
        client, auth, session, world, make_user, make_group, now):
    """Up to DASHBOARD_GROUPS groups are listed on an admin's or auditor's dashboard;
    one more and the dashboard says how many there are and where to see each."""
    org = world["org"]
    for n in range(organizations.DASHBOARD_GROUPS - 1):
        make_group(org, name=f"Tuesday Group {n:02}")
    admin, auditor = make_user(org, Role.ADMIN), make_user(org, Role.AUDITOR)
    auth.login(admin)
    text = dashboard(client)
    assert "All groups" in text and "Tuesday Group 38" in text and "Riverside Women" in text
    auth.logout()
    make_group(org, name="One Too Many")
    for person, link, words in (
            (admin, f"/admin/{org.slug}/", "see each, with its facilitators"),
            (auditor, f"/audit/{org.slug}/attendance", "see each in the attendance report")):
        auth.login(person)
        response = client.get("/manage/")
        text = page_text(response)
        assert f"{organizations.DASHBOARD_GROUPS + 1} groups: {words}" in text
        assert "All groups" not in text and "Tuesday Group" not in text
        assert f'href="{link}"' in response.get_data(as_text=True)
        auth.logout()


def test_a_leader_without_a_group_is_told_who_can_give_them_one(
        client, auth, session, world, make_user, now):
    """A facilitator asks an admin; an admin is told what they can do themselves."""
    org = world["org"]
    lead = make_user(org, Role.FACILITATOR)
    auth.login(lead)
    assert f"You are not leading a group yet. An admin of {org.name} can assign you one." \
        in dashboard(client)
    auth.logout()
    accounts.grant_role(session, None, lead, org, Role.ADMIN)
    session.commit()
    auth.login(lead)
    response = client.get("/manage/")
    text = page_text(response)
    assert "can assign you one" not in text
    assert (f"As an admin of {org.name}, you can make yourself a group's facilitator: "
            "choose the group") in text
    assert f'href="/admin/{org.slug}/"' in response.get_data(as_text=True)


def test_dashboards_of_a_bigger_org_take_no_more_queries(app, client, auth, session,
                                                         make_org, make_user, make_group,
                                                         make_meeting, now):
    """An admin's dashboard (which counts the leaders behind on training) and a
    facilitator's ask the database the same number of questions in an org of 2 leaders
    and of 10, each leading a group with a meeting."""
    counts = []
    for leaders in (2, 10):
        org = make_org()
        training.create_type(session, None, org, name="CPR", validity_months=24,
                             required_roles=["facilitator"])
        leads = [make_user(org, Role.FACILITATOR) for _ in range(leaders)]
        for lead in leads:
            make_meeting(make_group(org, facilitators=[lead]), title="Tuesday Night")
        session.commit()
        seen, texts = [], []
        for person in (make_user(org, Role.ADMIN), leads[0]):
            auth.login(person)
            with counted_selects(app) as selects:
                texts.append(dashboard(client))
            seen.append(len(selects))
            auth.logout()
        assert f"{leaders} leaders with training missing" in texts[0]
        assert "Tuesday Night" in texts[1]
        counts.append(seen)
    assert counts[1] == counts[0]
