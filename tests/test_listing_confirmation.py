"""Listings say when they were last confirmed: leaders confirm with one tap, admins see
the groups that have not, and the public pages say when the details may be out of date.
Every date here is derived from the fixed clock, never from the real day."""

from __future__ import annotations

import json
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from facilitator import clock
from facilitator.domain.choices import Role
from facilitator.domain.confirmation import Rule
from facilitator.domain.confirmation import State
from facilitator.domain.confirmation import confirmation
from facilitator.formatting import long_date
from facilitator.formatting import short_date
from facilitator.models import AuditEntry
from facilitator.models import Group
from facilitator.services import listings
from tests.conftest import page_text

CHICAGO = ZoneInfo("America/Chicago")
#: The meeting form, filled in for a weekly Tuesday meeting.
WEEKLY = {
    "title": "Tuesday Step Study", "repeats": "weekly", "weekdays": ["1"],
    "month_weekday": "6", "first_date": "2026-01-06", "start_time": "19:00",
    "duration_minutes": "90", "timezone": "America/Chicago", "attendance": "in_person",
    "location_name": "St. Mark's Hall", "address": "412 River Road",
}

# -- the rule, pure ------------------------------------------------------------------


@pytest.mark.parametrize(("days_ago", "state"), [
    (0, State.CONFIRMED), (89, State.CONFIRMED), (90, State.DUE), (179, State.DUE),
    (180, State.OUT_OF_DATE), (2000, State.OUT_OF_DATE),
])
def test_a_listing_is_due_after_the_first_period_and_out_of_date_after_the_second(
        days_ago, state):
    today = date(2026, 12, 9)
    assert Rule(90, 90).state(today - timedelta(days=days_ago), today) is state


def test_the_periods_are_the_orgs_own():
    today = date(2026, 12, 9)
    rule = Rule(remind_after_days=30, out_of_date_after_days=7)
    confirmed_on = today - timedelta(days=30)
    assert rule.state(confirmed_on, today) is State.DUE
    assert rule.out_of_date_on(confirmed_on) == today + timedelta(days=7)
    assert rule.state(confirmed_on, today + timedelta(days=7)) is State.OUT_OF_DATE


def test_the_date_confirmed_is_the_day_in_the_orgs_zone():
    # 02:00 UTC on the 10th is still the evening of the 9th in Chicago.
    instant = datetime(2026, 12, 10, 2, 0, tzinfo=ZoneInfo("UTC"))
    seen = confirmation(instant, "America/Chicago", date(2026, 12, 10), Rule())
    assert seen.confirmed_on == date(2026, 12, 9)
    assert seen.state is State.CONFIRMED and not seen.due


# -- on the pages, both databases ----------------------------------------------------


@pytest.fixture
def world(session, make_org, make_user, make_group, make_meeting, frozen_clock):
    org = make_org(name="Riverside Intergroup")
    admin = make_user(org, Role.ADMIN, display_name="Ada Admin",
                      email="ada@example.org")
    lead = make_user(org, Role.FACILITATOR, display_name="Lee Leader",
                     email="lee@example.org")
    other = make_user(org, Role.FACILITATOR)
    group = make_group(org, name="Riverside Women", slug="riverside-women",
                       facilitators=[lead])
    make_group(org, name="Fresh Start", slug="fresh-start", facilitators=[other])
    meeting = make_meeting(group, title="Tuesday Night")
    return {"org": org, "admin": admin, "lead": lead, "other": other, "group": group,
            "meeting": meeting}


def today() -> date:
    return clock.today_in("America/Chicago")


def confirmed_days_ago(session, group: Group, days: int) -> date:
    """Set the group's last confirmation `days` days before today, at noon in Chicago;
    return that day."""
    day = today() - timedelta(days=days)
    session.get(Group, group.id).confirmed_at = datetime.combine(day, time(12), CHICAGO)
    session.commit()
    return day


def test_a_leader_confirms_with_one_tap_and_every_page_shows_the_date(
        client, auth, session, world):
    group = world["group"]
    confirmed_days_ago(session, group, 100)
    auth.login(world["lead"])

    page = page_text(client.get("/manage/g/riverside-women/"))
    assert "Please confirm the listing" in page
    response = client.post("/manage/g/riverside-women/confirm", follow_redirects=True)
    page = page_text(response)
    assert "the listing of Riverside Women is confirmed as of today" in page
    assert f"Listing confirmed on {long_date(today())}." in page
    assert "Please confirm the listing" not in page

    public = page_text(client.get("/g/riverside-women/"))
    assert f"Listing confirmed on {long_date(today())}." in public
    directory = page_text(client.get(f"/o/{world['org'].slug}/"))
    assert f"listing confirmed on {short_date(today(), year=True)}" in directory

    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "confirm")).one()
    assert (entry.actor_name, entry.entity_id) == ("Lee Leader", group.id)
    assert entry.summary == "Listing of Riverside Women confirmed: nothing changed"
    auth.logout()
    auth.login(world["admin"])
    log = page_text(client.get(f"/audit/{world['org'].slug}/log"))
    assert "Confirmed" in log and "Listing of Riverside Women confirmed" in log


def test_a_leader_of_another_group_cannot_confirm_it(client, auth, session, world):
    day = confirmed_days_ago(session, world["group"], 100)
    auth.login(world["other"])
    assert client.post("/manage/g/riverside-women/confirm").status_code == 404
    session.expire_all()
    assert session.get(Group, world["group"].id).confirmation(today()).confirmed_on == day


def test_the_dashboard_reminds_the_leader_and_confirms_from_there(
        client, auth, session, world):
    auth.login(world["lead"])
    assert "Please confirm the listing" not in page_text(client.get("/manage/"))

    day = confirmed_days_ago(session, world["group"], 90)
    page = page_text(client.get("/manage/"))
    assert (f"Riverside Women: Please confirm the listing: last confirmed on "
            f"{long_date(day)}.") in page
    response = client.post("/manage/g/riverside-women/confirm", data={"back": "dashboard"})
    assert response.headers["Location"].endswith("/manage/")
    assert "Please confirm the listing" not in page_text(client.get("/manage/"))


def test_saving_a_meeting_confirms_the_listing_and_cancelling_a_date_does_not(
        client, auth, session, world):
    group, meeting = world["group"], world["meeting"]
    confirmed_days_ago(session, group, 100)
    auth.login(world["lead"])
    base = f"/manage/g/riverside-women/meetings/{meeting.id}"
    next_tuesday = next(today() + timedelta(days=n) for n in range(1, 8)
                        if (today() + timedelta(days=n)).weekday() == 1)
    client.post(f"{base}/dates/{next_tuesday}/cancel", data={"publish": "1"})
    session.expire_all()
    assert session.get(Group, group.id).confirmation(today()).due

    response = client.post(f"{base}/edit", data=WEEKLY)
    assert response.status_code == 302, page_text(response)
    session.expire_all()
    assert session.get(Group, group.id).confirmation(today()).confirmed_on == today()
    summaries = session.scalars(select(AuditEntry.summary)
                                .where(AuditEntry.action == "confirm")).all()
    assert summaries == ["Listing of Riverside Women confirmed: a meeting saved"]


def test_admins_get_the_list_of_groups_to_ask_with_addresses_to_copy(
        client, auth, session, world):
    org = world["org"]
    due_day = confirmed_days_ago(session, world["group"], 120)
    auth.login(world["admin"])
    assert "not confirmed its listing" in page_text(client.get(f"/admin/{org.slug}/"))
    page = client.get(f"/admin/{org.slug}/confirmations")
    text = page_text(page)
    assert "Riverside Women" in text and "Fresh Start" not in text
    assert long_date(due_day) in text and "Confirmation due" in text
    html = page.get_data(as_text=True)
    assert 'value="lee@example.org"' in html
    assert (f"Riverside Women: last confirmed on {long_date(due_day)} (confirmation due). "
            "Facilitators: Lee Leader <lee@example.org>") in html

    auth.logout()
    auth.login(world["lead"])
    assert client.get(f"/admin/{org.slug}/confirmations").status_code == 404


def test_after_the_second_period_the_public_pages_say_the_details_may_be_out_of_date(
        client, session, world):
    org = world["org"]
    day = confirmed_days_ago(session, world["group"], 179)
    assert "may be out of date" not in page_text(client.get("/g/riverside-women/"))

    day = confirmed_days_ago(session, world["group"], 180)
    page = page_text(client.get("/g/riverside-women/"))
    assert (f"These details may be out of date. The group last confirmed them on "
            f"{long_date(day)}") in page
    directory = page_text(client.get(f"/o/{org.slug}/"))
    assert (f"Riverside Women · Alcoholics Anonymous (AA) · may be out of date : listing "
            f"confirmed on {short_date(day, year=True)}") in directory


def test_the_org_sets_the_periods_and_a_bad_one_is_refused(client, auth, session, world):
    org = world["org"]
    day = confirmed_days_ago(session, world["group"], 40)
    auth.login(world["admin"])
    form = {"name": org.name, "timezone": org.timezone, "contact": "", "online_location": "",
            "small_count_threshold": "5", "expiry_warning_days": "60",
            "unverified_training_counts": "y", "listing_reminder_days": "0",
            "listing_out_of_date_days": "10"}
    page = page_text(client.post(f"/admin/{org.slug}/settings", data=form))
    assert "Number must be between 1 and 730." in page
    session.expire_all()
    assert session.get(Group, world["group"].id).confirmation(today()).state is State.CONFIRMED

    form["listing_reminder_days"] = "30"
    assert client.post(f"/admin/{org.slug}/settings", data=form).status_code == 302
    assert "Riverside Women" in page_text(client.get(f"/admin/{org.slug}/confirmations"))
    assert (f"These details may be out of date. The group last confirmed them on "
            f"{long_date(day)}") in page_text(client.get("/g/riverside-women/"))


def test_the_meeting_guide_feed_says_when_the_listing_was_last_confirmed(
        client, session, world):
    org = world["org"]
    meeting = world["meeting"]
    session.expire_all()
    changed = session.get(type(meeting), meeting.id).updated_at
    confirmed_days_ago(session, world["group"], 200)
    [item] = json.loads(client.get(f"/o/{org.slug}/meetings.json").data)
    # Saved after that confirmation: the series' own time.
    assert item["updated"] == f"{changed:%Y-%m-%d %H:%M:%S}"

    listings.confirm_listing(session, None, session.get(Group, world["group"].id),
                             by="the representative link")
    session.commit()
    [item] = json.loads(client.get(f"/o/{org.slug}/meetings.json").data)
    assert item["updated"] == f"{clock.now():%Y-%m-%d %H:%M:%S}"
