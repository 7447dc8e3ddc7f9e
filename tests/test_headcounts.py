"""Headcounts through the web: facilitators' +/− page and form, members' check-in, and
the reports, on both databases."""

from __future__ import annotations

import csv
import io
import logging
import re
import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date
from datetime import datetime
from datetime import timedelta
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func
from sqlalchemy import inspect
from sqlalchemy import select
from werkzeug.serving import make_server

from facilitator import clock
from facilitator import create_app
from facilitator import migrate
from facilitator.db import Base
from facilitator.db import UTCDateTime
from facilitator.db import get_session
from facilitator.db import make_engine
from facilitator.domain.choices import DocumentKind
from facilitator.domain.choices import Role
from facilitator.domain.counts import Counts
from facilitator.domain.meeting import Attendance
from facilitator.domain.meeting import CancelReason
from facilitator.models import AuditEntry
from facilitator.models import Headcount
from facilitator.models import Meeting
from facilitator.services import ServiceError
from facilitator.services import documents
from facilitator.services import headcounts
from facilitator.services import meetings
from tests.conftest import HOST
from tests.conftest import PASSWORD
from tests.conftest import app_config
from tests.conftest import counted_selects
from tests.conftest import own_group
from tests.conftest import page_text
from tests.conftest import tuesday_meeting

CHICAGO = ZoneInfo("America/Chicago")
TUESDAY = date(2026, 11, 17)
#: The small-count rule as every report that hides a count says it, once.
RULE = "Counts below 5, and counts that would let one be worked out, read “hidden”."
#: The rule as a CSV says it, where a hidden count is an empty cell marked beside it.
CSV_RULE = ("Counts below 5, and counts that would let one be worked out, are left empty, "
            "with “yes” in their “hidden” column.")
#: Tuesday 17 November 2026, 19:15 in Chicago: the weekly 19:00 meeting is going on.
DURING = datetime(2026, 11, 17, 19, 15, tzinfo=CHICAGO)


@pytest.fixture
def now(monkeypatch):
    """Set the app's clock: now(when)."""
    def set_now(when: datetime) -> None:
        monkeypatch.setattr(clock, "now", lambda: when)

    set_now(DURING)
    return set_now


@pytest.fixture
def world(make_org, make_user, make_group, make_meeting):
    org = make_org()
    lead = make_user(org, Role.FACILITATOR)
    group = make_group(org, facilitators=[lead])
    meeting = make_meeting(group)
    return {"org": org, "lead": lead, "group": group, "meeting": meeting}


def count_url(world, day: date = TUESDAY) -> str:
    return f"/manage/g/{world['group'].slug}/meetings/{world['meeting'].id}/dates/{day}/count"


def _row(session, meeting, day: date) -> Headcount | None:
    session.expire_all()
    return session.scalars(select(Headcount).where(Headcount.meeting_id == meeting.id,
                                                   Headcount.occurrence_date == day)).first()


def stored(session, meeting, day: date = TUESDAY) -> tuple[int, ...] | None:
    """The facilitator's count of the occurrence: people, newcomers, in person, online."""
    row = _row(session, meeting, day)
    return None if row is None else (row.people, row.newcomers, row.in_person, row.online)


def checked_in(session, meeting, day: date = TUESDAY) -> tuple[int, ...] | None:
    """The members' check-ins, apart: how many, newcomers, in the room, online."""
    row = _row(session, meeting, day)
    return None if row is None else (row.checkins, row.checkin_newcomers,
                                     row.checkin_in_person, row.checkin_online)


def audit_count(session) -> int:
    return session.scalar(select(func.count()).select_from(AuditEntry))


def tap(client, world, value: str, day: date = TUESDAY):
    return client.post(f"{count_url(world, day)}/tap", data={"tap": value},
                       follow_redirects=True)


# -- Facilitators ----------------------------------------------------------------------


def test_the_facilitator_counts_with_plus_and_minus_during_the_meeting(
        client, auth, session, world, now):
    auth.login(world["lead"])
    response = client.get(f"/manage/g/{world['group'].slug}/meetings/{world['meeting'].id}"
                          "/count")
    assert response.status_code == 302 and response.location.endswith(count_url(world))
    before = audit_count(session)
    for value in ("people:1", "people:1", "people:1", "newcomers:1", "people:-1"):
        response = tap(client, world, value)
        assert response.status_code == 200
    assert stored(session, world["meeting"]) == (2, 1, 0, 0)
    assert checked_in(session, world["meeting"]) == (0, 0, 0, 0)
    text = page_text(response)
    assert re.search(r"People\s*−\s*2\s*\+", text)
    assert re.search(r"First meeting\s*−\s*1\s*\+", text)
    assert "← Tue 10 Nov" in text and "→" not in text.split("← Tue 10 Nov")[1][:20]
    # Counting during the meeting is not a correction: nothing in the audit log.
    assert audit_count(session) == before


def test_the_headcount_opens_on_the_next_date_once_a_meeting_is_over_never_a_past_one(
        client, auth, world, now):
    now(datetime(2026, 11, 18, 12, tzinfo=CHICAGO))
    auth.login(world["lead"])
    response = client.get(f"/manage/g/{world['group'].slug}/meetings/{world['meeting'].id}"
                          "/count")
    assert response.location.endswith(count_url(world, date(2026, 11, 24)))
    text = page_text(client.get(response.location))
    assert "Headcount Tuesday Night, Tuesday 24 November 2026" in text
    assert "has not started yet" in text
    # The date just gone, to count it late, is one tap away.
    assert "← Tue 17 Nov" in text


@pytest.mark.parametrize(("taps", "message"), [
    (["people:-1"], "cannot be below zero"),
    (["people:1", "newcomers:1", "newcomers:1"], "cannot be more newcomers than people"),
    (["in_person:1"], "not a count this meeting keeps"),
    (["people:5"], "did not work"),
    (["drop table:1"], "did not work"),
    ([""], "did not work"),
])
def test_impossible_taps_say_why_and_change_nothing(client, auth, session, world, now, taps,
                                                    message):
    auth.login(world["lead"])
    for value in taps[:-1]:
        tap(client, world, value)
    before = stored(session, world["meeting"])
    response = tap(client, world, taps[-1])
    assert response.status_code == 200
    assert message in page_text(response)
    assert stored(session, world["meeting"]) == before


def test_a_hybrid_meeting_counts_the_room_and_online_which_add_up_to_everyone(
        client, auth, session, world, make_meeting, now):
    hybrid = make_meeting(world["group"], attendance=Attendance.HYBRID,
                          online_url="https://meet.example/x")
    world = {**world, "meeting": hybrid}
    auth.login(world["lead"])
    for value in ("in_person:1", "in_person:1", "online:1", "newcomers:1"):
        tap(client, world, value)
    assert stored(session, hybrid) == (3, 1, 2, 1)
    assert "people:1" not in client.get(count_url(world)).text
    response = client.post(count_url(world), data={"in_person": "5", "online": "4",
                                                   "newcomers": "2"}, follow_redirects=True)
    assert "Saved: 9 people, 2 at their first meeting" in page_text(response)
    assert stored(session, hybrid) == (9, 2, 5, 4)


def test_a_correction_with_the_form_is_audited_with_the_numbers_before(
        client, auth, session, world, now):
    auth.login(world["lead"])
    tap(client, world, "people:1")
    now(datetime(2026, 11, 20, 10, tzinfo=CHICAGO))
    response = client.post(count_url(world), data={"people": "12", "newcomers": "3"},
                           follow_redirects=True)
    assert "Saved: 12 people, 3 at their first meeting" in page_text(response)
    assert stored(session, world["meeting"]) == (12, 3, 0, 0)
    entry = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry.entity_type == "headcount"
    assert entry.actor_id == world["lead"].id
    # Auditors read the log: small counts are in it only as "hidden", as in every report.
    assert entry.before == {"people": "hidden", "newcomers": "hidden"}
    assert entry.after == {"people": 12, "newcomers": "hidden"}
    assert "12" not in entry.summary and "corrected" in entry.summary
    # A tap after the meeting is a correction too.
    tap(client, world, "people:-1")
    entry = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry.before == {"people": 12} and entry.after == {"people": 11}


def test_the_audit_log_says_once_what_a_hidden_headcount_means(
        client, auth, session, world, make_user, now):
    auth.login(world["lead"])
    now(datetime(2026, 11, 20, 10, tzinfo=CHICAGO))
    client.post(count_url(world), data={"people": "12", "newcomers": "3"})
    auth.logout()
    auth.login(make_user(world["org"], Role.AUDITOR))
    text = page_text(client.get(f"/audit/{world['org'].slug}/log"))
    assert "People: hidden → changed to 12" in text
    assert "First meeting: changed (the count is hidden before and after)" in text
    assert "<5" not in text
    assert text.count("small-count threshold (at the time of the change) reads “hidden”") == 1


def test_a_hybrid_correction_never_lets_the_log_give_a_hidden_count_away(
        client, auth, session, world, make_meeting, make_user, now):
    """One correction changes everyone, the room and online at once. The room's count is
    below the threshold; online is not, but with everyone shown it would give the room
    away by subtraction, so the log hides it too, before and after."""
    hybrid = make_meeting(world["group"], attendance=Attendance.HYBRID,
                          online_url="https://meet.example/x")
    world = {**world, "meeting": hybrid}
    auth.login(world["lead"])
    now(datetime(2026, 11, 20, 10, tzinfo=CHICAGO))
    for room, online in ((3, 7), (4, 8)):
        client.post(count_url(world), data={"in_person": str(room), "online": str(online),
                                            "newcomers": "0"})
    assert stored(session, hybrid) == (12, 0, 4, 8)
    correction = session.scalars(select(AuditEntry).where(
        AuditEntry.entity_type == "headcount").order_by(AuditEntry.id.desc())).first()
    assert correction.before == {"people": 10, "in_person": "hidden", "online": "hidden"}
    assert correction.after == {"people": 12, "in_person": "hidden", "online": "hidden"}
    auth.logout()
    auth.login(make_user(world["org"], Role.AUDITOR))
    text = page_text(client.get(f"/audit/{world['org'].slug}/log"))
    for hidden_count in ("3", "4", "7", "8"):
        assert f"in_person {hidden_count}" not in text
        assert f"online {hidden_count}" not in text


@pytest.mark.parametrize(("data", "message"), [
    ({"people": "-1", "newcomers": "0"}, "from 0 to 10000"),
    ({"people": "twelve", "newcomers": "0"}, "Not a valid integer"),
    ({"people": "3.5", "newcomers": "0"}, "Not a valid integer"),
    ({"people": "10001", "newcomers": "0"}, "from 0 to 10000"),
    ({"people": "99999999999999999999999", "newcomers": "0"}, "from 0 to 10000"),
    ({"people": "4", "newcomers": "5"}, "more newcomers than people"),
    ({"people": "", "newcomers": "0"}, "Enter a number"),
    ({"newcomers": "1"}, "Enter a number"),
])
def test_bad_numbers_in_the_form_are_refused_and_nothing_is_stored(
        client, auth, session, world, now, data, message):
    auth.login(world["lead"])
    client.post(count_url(world), data={"people": "7", "newcomers": "1"})
    response = client.post(count_url(world), data=data)
    assert response.status_code == 200
    assert message in page_text(response)
    assert stored(session, world["meeting"]) == (7, 1, 0, 0)


def test_no_count_for_a_future_or_cancelled_date(client, auth, session, world, now):
    auth.login(world["lead"])
    next_week = date(2026, 11, 24)
    response = client.get(count_url(world, next_week))
    assert "has not started yet" in page_text(response)
    assert "has not started yet" in page_text(tap(client, world, "people:1", next_week))
    response = client.post(count_url(world, next_week), data={"people": "3", "newcomers": "0"})
    assert "has not started yet" in page_text(response)
    assert stored(session, world["meeting"], next_week) is None

    meetings.cancel_date(session, None, world["meeting"], date(2026, 11, 10),
                         CancelReason.HOLIDAY, "")
    session.commit()
    assert "cancelled" in page_text(tap(client, world, "people:1", date(2026, 11, 10)))
    assert stored(session, world["meeting"], date(2026, 11, 10)) is None
    # A date the meeting does not fall on, or no date at all, is not a page.
    assert client.get(count_url(world, date(2026, 11, 18))).status_code == 404
    assert client.get(count_url(world).replace("2026-11-17", "not-a-date")).status_code == 404


def test_leaders_of_other_groups_cannot_see_or_change_counts(
        client, auth, session, world, make_user, make_group, now):
    other = make_user(world["org"], Role.FACILITATOR)
    make_group(world["org"], facilitators=[other])
    auth.login(other)
    base = f"/manage/g/{world['group'].slug}"
    for url in (count_url(world), f"{base}/meetings/{world['meeting'].id}/checkin",
                f"{base}/attendance", f"{base}/attendance.csv", f"{base}/attendance.svg",
                f"/audit/{world['org'].slug}/attendance", f"{count_url(world)}/state"):
        assert client.get(url).status_code == 404, url
    for accept in ("text/html", "application/json"):
        assert client.post(f"{count_url(world)}/tap", data={"tap": "people:1"},
                           headers={"Accept": accept}).status_code == 404
    assert stored(session, world["meeting"]) is None


# -- The page's script: taps without a reload, two phones in step ----------------------


def script_tap(client, world, value: str):
    """A tap as the page's script sends it: the same form, asking for JSON."""
    return client.post(f"{count_url(world)}/tap", data={"tap": value},
                       headers={"Accept": "application/json"})


def test_a_tap_from_the_script_answers_with_the_numbers_instead_of_the_page(
        client, auth, session, world, now):
    auth.login(world["lead"])
    for value in ("people:1", "people:1", "newcomers:1"):
        response = script_tap(client, world, value)
    assert response.status_code == 200
    answer = response.get_json()
    assert answer["counts"] == {"people": 2, "newcomers": 1, "in_person": 0, "online": 0}
    assert answer["error"] is None
    assert "2 people, 1 at their first meeting" in page_text(answer["tallies"])
    assert "Reports use your count." in page_text(answer["tallies"])
    assert stored(session, world["meeting"]) == (2, 1, 0, 0)
    # The page itself, reloaded, says the same.
    assert re.search(r"People\s*−\s*2\s*\+", page_text(client.get(count_url(world))))


@pytest.mark.parametrize(("taps", "message"), [
    (["people:-1"], "cannot be below zero"),
    (["people:1", "newcomers:1", "newcomers:1"], "cannot be more newcomers than people"),
    (["drop table:1"], "did not work"),
])
def test_a_refused_tap_from_the_script_says_why_once_and_changes_nothing(
        client, auth, session, world, now, taps, message):
    auth.login(world["lead"])
    for value in taps[:-1]:
        script_tap(client, world, value)
    before = stored(session, world["meeting"])
    response = script_tap(client, world, taps[-1])
    assert response.status_code == 409
    assert message in response.get_json()["error"]
    assert stored(session, world["meeting"]) == before
    # Said on the page already: the next page does not say it again.
    assert message not in page_text(client.get(count_url(world)))


def make_second_phone(app, world):
    """Another signed-in browser of the same leader."""
    phone = app.test_client()
    phone.post("/login", data={"email": world["lead"].email, "password": PASSWORD})
    return phone


def test_two_phones_see_each_others_taps_and_the_members_check_ins(
        app, client, auth, session, world, now):
    auth.login(world["lead"])
    second_leader = make_second_phone(app, world)
    script_tap(client, world, "people:1")
    assert second_leader.post(f"{count_url(world)}/tap", data={"tap": "people:1"},
                              headers={"Accept": "application/json"}
                              ).get_json()["counts"]["people"] == 2
    state = client.get(f"{count_url(world)}/state").get_json()
    assert state["counts"]["people"] == 2
    headcounts.check_in(session, app.config["SECRET_KEY"], world["meeting"], TUESDAY,
                        first_meeting=True, counter=None)
    session.commit()
    state = second_leader.get(f"{count_url(world)}/state").get_json()
    assert "1 checked in from the link, 1 at their first meeting" in page_text(state["tallies"])
    assert state["counts"] == {"people": 2, "newcomers": 0, "in_person": 0, "online": 0}
    response = client.get(f"{count_url(world)}/state")
    assert response.headers["Cache-Control"] == "private, no-store"



# -- Members ---------------------------------------------------------------------------


def checkin_link(client, auth, world) -> str:
    auth.login(world["lead"])
    response = client.get(f"/manage/g/{world['group'].slug}/meetings/{world['meeting'].id}"
                          "/checkin")
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "<svg" in response.text
    # The tab says what the page is, and its scripts load from the page, not its title.
    assert f"<title>Check-in link: {world['meeting'].title} · facilitator</title>" \
        in response.text
    auth.logout()
    return re.search(r'value="http://facilitator.test(/c/[^"]+)"', response.text).group(1)


def test_a_member_checks_in_once_and_a_second_tap_changes_nothing(
        app, client, auth, session, world, now):
    link = checkin_link(client, auth, world)
    member = app.test_client()
    response = member.get(link)
    assert "I’m here" in page_text(response)
    assert response.headers["Referrer-Policy"] == "no-referrer"
    before = audit_count(session)

    response = member.post(link)
    assert response.status_code == 303
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "Path=/c/" in cookie and "SameSite=Lax" in cookie
    assert "You are checked in" in page_text(member.get(link))
    assert checked_in(session, world["meeting"]) == (1, 0, 0, 0)

    member.post(link)
    member.post(link, data={"first": "yes"})
    assert checked_in(session, world["meeting"]) == (1, 0, 0, 0)

    newcomer = app.test_client()
    newcomer.post(link, data={"first": "yes"})
    assert checked_in(session, world["meeting"]) == (2, 1, 0, 0)
    # Check-ins are the members' own tally: the facilitator's count is theirs alone.
    assert stored(session, world["meeting"]) == (0, 0, 0, 0)
    # Nobody's check-in is written anywhere else.
    assert audit_count(session) == before


def test_a_tap_reads_its_meeting_once_and_the_page_after_it_twice(
        app, client, auth, session, world, now):
    """At a busy meeting members tap many times a second: the tap reads the meeting in
    one statement, the page it leads to the meeting with its group and org, then the
    group's statement (not its guidelines), and nothing more (no column or row fetched
    on its own)."""
    for kind, words in ((DocumentKind.STATEMENT, "What is said here **stays here**."),
                        (DocumentKind.GUIDELINES, "We start on time.")):
        documents.save_version(session, None, world["org"], kind, words, based_on=0,
                               group=world["group"])
    session.commit()
    link = checkin_link(client, auth, world)
    member = app.test_client()
    with counted_selects(app) as tap:
        response = member.post(link)
    with counted_selects(app) as page:
        shown = page_text(member.get(response.headers["Location"]))
    assert "You are checked in" in shown
    assert world["group"].name in shown and "What is said here stays here" in shown
    assert "We start on time" not in shown
    assert checked_in(session, world["meeting"]) == (1, 0, 0, 0)
    assert (len(tap), len(page)) == (1, 2)


def test_a_check_in_leaves_only_the_hour_it_came_in(app, client, auth, session, world, now):
    """A stamp to the microsecond, beside a door camera or another log, could say who
    tapped; the row keeps only the hour, whoever changes it."""
    link = checkin_link(client, auth, world)
    now(datetime(2026, 11, 17, 19, 23, 41, 123456, tzinfo=CHICAGO))
    assert app.test_client().post(link).status_code == 303
    row = session.scalars(select(Headcount).where(
        Headcount.meeting_id == world["meeting"].id)).one()
    assert row.checkins == 1
    # 19:23:41 in Chicago is 01:23:41 UTC the next day; only 01:00 is kept.
    assert row.updated_at.replace(tzinfo=None) == datetime(2026, 11, 18, 1, 0)
    now(datetime(2026, 11, 17, 19, 52, 7, 5, tzinfo=CHICAGO))
    tap(client, world, "people:1")  # the facilitator's change: to the hour as well
    session.expire_all()
    assert session.get(Headcount, row.id).updated_at.replace(tzinfo=None) == \
        datetime(2026, 11, 18, 1, 0)


def stamps(session) -> set[tuple[str, str, datetime]]:
    """Every instant stored in any table: (table, column, value)."""
    session.expire_all()
    found = set()
    for table in Base.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, UTCDateTime)]
        if columns:
            for row in session.execute(select(*columns)):
                found.update((table.name, c.name, v) for c, v in zip(columns, row, strict=True)
                             if v is not None)
    session.rollback()
    return found


def test_no_tap_of_a_member_writes_an_instant_finer_than_the_hour(
        app, client, auth, session, world, now):
    """The issue's rule for every table, not only headcounts: whatever a member's
    check-in or acknowledgement writes (the count, the per-minute ceiling's counter)
    says at most the hour it came in."""
    documents.save_version(session, None, world["org"], DocumentKind.STATEMENT,
                           "What is said here stays here.", based_on=0, group=world["group"])
    session.commit()
    link = checkin_link(client, auth, world)
    before = stamps(session)
    now(datetime(2026, 11, 17, 19, 23, 41, 123456, tzinfo=CHICAGO))
    member = app.test_client()
    assert member.post(link).status_code == 303
    assert member.post(f"{link}/statement", data={"language": "en"}).status_code == 303
    assert documents.acknowledgements(session, world["meeting"], TUESDAY) == {"en": 1}
    written = stamps(session) - before
    assert {(table, column) for table, column, _ in written} >= {
        ("headcounts", "updated_at"), ("throttle_counters", "window_started_at")}
    finer = [(table, column, value) for table, column, value in written
             if (value.minute, value.second, value.microsecond) != (0, 0, 0)]
    assert not finer, finer


def test_a_forged_cookie_does_not_stop_or_break_a_check_in(app, client, auth, session, world,
                                                           now):
    link = checkin_link(client, auth, world)
    member = app.test_client()
    member.set_cookie("checked_in", "forged.value", domain=HOST, path="/c/")
    assert member.post(link).status_code == 303
    assert checked_in(session, world["meeting"])[0] == 1


def test_at_a_hybrid_meeting_members_say_whether_they_are_in_the_room(
        app, client, auth, session, world, make_meeting, now):
    world = {**world, "meeting": make_meeting(world["group"], attendance=Attendance.HYBRID,
                                              online_url="https://meet.example/x")}
    link = checkin_link(client, auth, world)
    assert "Where are you?" in page_text(app.test_client().get(link))
    app.test_client().post(link, data={"where": "online"})
    app.test_client().post(link, data={"where": "in_person", "first": "yes"})
    app.test_client().post(link, data={"where": "the moon"})
    assert checked_in(session, world["meeting"]) == (3, 1, 1, 1)
    assert stored(session, world["meeting"]) == (0, 0, 0, 0)


def test_outside_the_window_the_page_says_when_the_next_meeting_is(
        app, client, auth, session, world, now):
    link = checkin_link(client, auth, world)
    now(datetime(2026, 11, 17, 12, tzinfo=CHICAGO))
    member = app.test_client()
    text = page_text(member.get(link))
    assert "next meeting is on Tuesday 17 November 2026 at 7:00 pm" in text
    assert "I’m here" not in text
    response = member.post(link)
    assert response.status_code == 409
    assert "nothing was counted" in page_text(response)
    assert stored(session, world["meeting"]) is None


def test_a_replaced_link_is_a_404_at_once(app, client, auth, session, world, now):
    old = checkin_link(client, auth, world)
    auth.login(world["lead"])
    response = client.post(f"/manage/g/{world['group'].slug}/meetings/{world['meeting'].id}"
                           "/checkin", follow_redirects=True)
    assert "no longer works" in page_text(response)
    auth.logout()
    new = checkin_link(client, auth, world)
    assert new != old
    member = app.test_client()
    assert member.get(old).status_code == 404
    assert member.post(old).status_code == 404
    # The member with the old card is told what happened, in their language.
    said = page_text(member.get(old))
    assert "This check-in link does not work. It may have been replaced: ask the " \
        "facilitator for the new one." in said
    said = page_text(member.get(old, headers={"Accept-Language": "es"}))
    assert "Este enlace de registro no funciona." in said and "check-in link" not in said
    assert member.post(new).status_code == 303
    assert checked_in(session, world["meeting"])[0] == 1


@pytest.mark.parametrize("token", [
    "x", "A" * 32, "AAAAAQ" + "A" * 26, "%C3%A9" * 6, "~" * 32, "A" * 500, "..%2F..%2Fetc",
])
def test_unknown_tokens_are_404(client, world, now, token):
    assert client.get(f"/c/{token}").status_code == 404
    assert client.post(f"/c/{token}").status_code == 404


def test_the_schema_and_the_logs_hold_nothing_about_members(app, session, database_url):
    engine = make_engine(database_url)
    try:
        columns = {c["name"] for c in inspect(engine).get_columns("headcounts")}
    finally:
        engine.dispose()
    assert columns == {"id", "meeting_id", "occurrence_date", "people", "newcomers",
                       "in_person", "online", "counted_by_facilitator", "checkins",
                       "checkin_newcomers", "checkin_in_person", "checkin_online",
                       "updated_at"}


def test_check_ins_stop_at_the_room_capacity_but_the_facilitator_can_count_on(
        app, client, auth, session, world, make_meeting, now):
    world = {**world, "meeting": make_meeting(world["group"], room_capacity=3)}
    link = checkin_link(client, auth, world)
    # Twenty posts without a cookie, as a script on a shared link would send them.
    answers = [app.test_client().post(link, data={"first": "yes"}) for _ in range(20)]
    assert [a.status_code for a in answers].count(303) == 3
    assert "reached the room's capacity (3)" in page_text(answers[-1])
    assert checked_in(session, world["meeting"]) == (3, 3, 0, 0)
    # The facilitator, who sees the room, is not held to it.
    auth.login(world["lead"])
    for _ in range(4):
        tap(client, world, "people:1")
    assert stored(session, world["meeting"])[:1] == (4,)


def test_the_service_counts_a_check_in_only_in_its_occurrences_window(session, world, now):
    """The window is the service's rule, whoever calls it: another date of the meeting,
    or this one once its window has closed, is refused and counts nothing."""
    meeting = world["meeting"]
    headcounts.check_in(session, "k", meeting, TUESDAY, first_meeting=False, counter=None)
    for day in (TUESDAY - timedelta(days=7), TUESDAY + timedelta(days=7)):
        with pytest.raises(ServiceError, match="Check-in is closed"):
            headcounts.check_in(session, "k", meeting, day, first_meeting=False,
                                counter=None)
    now(DURING + timedelta(hours=6))
    with pytest.raises(ServiceError, match="Check-in is closed"):
        headcounts.check_in(session, "k", meeting, TUESDAY, first_meeting=True, counter=None)
    session.commit()
    assert checked_in(session, meeting) == (1, 0, 0, 0)
    assert checked_in(session, meeting, TUESDAY - timedelta(days=7)) is None


def test_check_ins_stop_at_a_ceiling_per_minute_and_go_on_the_next_minute(
        app, client, auth, session, world, now):
    link = checkin_link(client, auth, world)
    per_minute = headcounts.CHECKINS_PER_MINUTE.failures
    answers = [app.test_client().post(link) for _ in range(per_minute + 5)]
    assert [a.status_code for a in answers].count(303) == per_minute
    assert "Too many check-ins this minute" in page_text(answers[-1])
    assert checked_in(session, world["meeting"])[0] == per_minute
    now(DURING + timedelta(minutes=1))
    assert app.test_client().post(link).status_code == 303
    assert checked_in(session, world["meeting"])[0] == per_minute + 1



# -- The facilitator's count and the members' check-ins, apart ------------------------


def test_the_count_page_shows_the_facilitators_count_beside_the_members_check_ins(
        app, client, auth, session, world, now):
    link = checkin_link(client, auth, world)
    for data in ({}, {}, {"first": "yes"}):
        assert app.test_client().post(link, data=data).status_code == 303
    auth.login(world["lead"])
    text = page_text(client.get(count_url(world)))
    assert "Count everyone who is here yourself, including anyone who checked in" in text
    # Not counted is not 0: the counter, the tally and the form all say so.
    assert "Your count not counted yet" in text and "0 people" not in text
    assert re.search(r"People\s*−\s*–\s*\+", text)
    page = client.get(count_url(world)).text
    assert re.search(r'<input[^>]*name="people"[^>]*value=""', page)
    assert "Members' check-ins 3 checked in from the link, 1 at their first meeting" in text
    assert "You have not counted yet, so for now reports use the members' check-ins" in text

    # The facilitator counts the room. Their count starts from nobody, not from the
    # check-ins, and reports use it as soon as there is one.
    tap(client, world, "people:1")
    text = page_text(tap(client, world, "people:1"))
    assert re.search(r"People\s*−\s*2\s*\+", text)
    assert "Your count 2 people Members' check-ins 3 checked in from the link" in text
    assert "Reports use your count." in text and "not counted yet" not in text
    assert "More people checked in than you counted" in text
    for _ in range(3):
        text = page_text(tap(client, world, "people:1"))
    assert "Your count 5 people" in text and "More people checked in" not in text
    assert stored(session, world["meeting"]) == (5, 0, 0, 0)
    assert checked_in(session, world["meeting"]) == (3, 1, 0, 0)


def test_a_hybrid_meetings_page_splits_both_counts_into_the_room_and_online(
        app, client, auth, session, world, make_meeting, now):
    world = {**world, "meeting": make_meeting(world["group"], attendance=Attendance.HYBRID,
                                              online_url="https://meet.example/x")}
    link = checkin_link(client, auth, world)
    for where in ("in_person", "in_person", "online"):
        app.test_client().post(link, data={"where": where})
    auth.login(world["lead"])
    tap(client, world, "in_person:1")
    text = page_text(tap(client, world, "online:1"))
    assert "Your count 2 people (1 in the room, 1 online)" in text
    assert "3 checked in from the link (2 in the room, 1 online)" in text


def test_twenty_posts_without_a_cookie_no_longer_change_the_facilitators_count(
        app, client, auth, session, world, now):
    """The issue's case: a script posting to a shared link. It could add 20 people and
    20 newcomers; now it adds 20 check-ins, which the facilitator's count outweighs."""
    auth.login(world["lead"])
    client.post(count_url(world), data={"people": "7", "newcomers": "1"})
    link = checkin_link(client, auth, world)
    answers = [app.test_client().post(link, data={"first": "yes"}) for _ in range(20)]
    assert [a.status_code for a in answers] == [303] * 20
    assert stored(session, world["meeting"]) == (7, 1, 0, 0)
    assert checked_in(session, world["meeting"]) == (20, 20, 0, 0)
    auth.login(world["lead"])
    text = page_text(client.get(f"/manage/g/{world['group'].slug}/attendance"))
    assert "Tue 17 Nov 2026 Tuesday Night 7 1 More check-ins" in text
    # Two Tuesdays of November went ahead uncounted: "not counted yet", not 0 people.
    assert "Nov 2026 (so far) 1 2 7 1 7.0" in text


def test_a_count_of_nobody_is_the_facilitators_and_wins_over_check_ins(
        app, client, auth, session, world, now):
    """A facilitator who saw an empty room, or who took every check-in off, has counted:
    their 0 is what reports say, not the check-ins."""
    link = checkin_link(client, auth, world)
    for _ in range(6):
        app.test_client().post(link)
    auth.login(world["lead"])
    tap(client, world, "people:1")
    text = page_text(tap(client, world, "people:-1"))
    assert "Your count 0 people" in text and "Reports use your count." in text
    text = page_text(client.get(f"/manage/g/{world['group'].slug}/attendance"))
    assert "Tue 17 Nov 2026 Tuesday Night 0 0 More check-ins" in text


# -- Reports ---------------------------------------------------------------------------


@pytest.fixture
def counted(session, world, make_group, make_meeting):
    """Counts for two groups over two months: some small, some not."""
    second = make_group(world["org"], name="=HYPERLINK(\"http://x\")")
    other_meeting = make_meeting(second, title="Second")
    numbers = {(world["meeting"], date(2026, 10, 6)): (12, 2),
               (world["meeting"], date(2026, 10, 13)): (3, 1),
               (world["meeting"], date(2026, 11, 10)): (9, 0),
               (other_meeting, date(2026, 10, 6)): (20, 6),
               (other_meeting, date(2026, 11, 10)): (7, 5)}
    for (meeting, day), (people, newcomers) in numbers.items():
        session.add(Headcount(meeting_id=meeting.id, occurrence_date=day, people=people,
                              newcomers=newcomers, in_person=0, online=0,
                              counted_by_facilitator=True, checkins=0))
    session.commit()
    return second


def test_the_group_leader_sees_every_number_and_the_csv_hides_small_ones(
        client, auth, world, counted, now):
    auth.login(world["lead"])
    text = page_text(client.get(f"/manage/g/{world['group'].slug}/attendance"))
    assert re.search(r"Oct 2026 2 2 15 3 7\.5", text)
    assert re.search(r"Tue 20 Oct 2026 Tuesday Night not counted yet not counted yet "
                     r"Tue 13 Oct 2026 Tuesday Night 3 1", text)
    response = client.get(f"/manage/g/{world['group'].slug}/attendance.csv")
    assert response.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == ["Date", "Meeting", "Counted", "People", "People hidden",
                       "First meeting", "First meeting hidden", "In person",
                       "In person hidden", "Online", "Online hidden",
                       "More check-ins than counted"]
    by_date = {row[0]: row[2:7] for row in rows[1:-1]}
    assert by_date["2026-10-13"] == ["yes", "", "yes", "", "yes"]
    # 12 + 3 = 15 is October's total on the org's report: 12 shown would give 3 away.
    # It is hidden, and says so: "<5" would be a lie about twelve people.
    assert by_date["2026-10-06"] == ["yes", "", "yes", "", "yes"]
    assert by_date["2026-11-10"] == ["yes", "9", "", "", "yes"]
    # A Tuesday nobody counted is not 0 people.
    assert by_date["2026-10-20"] == ["not counted yet", "", "", "", ""]
    assert rows[-1] == [CSV_RULE]
    assert "<5" not in response.text


def test_the_auditor_sees_the_org_with_small_counts_hidden_and_nothing_to_subtract(
        client, auth, make_user, world, counted, now):
    auditor = make_user(world["org"], Role.AUDITOR)
    auth.login(auditor)
    response = client.get(f"/audit/{world['org'].slug}/attendance")
    assert response.status_code == 200
    text = page_text(response)
    assert text.count(RULE) == 1 and "<5" not in text
    # Group 1's 24 people over its 3 meetings are shown; its 3 newcomers are hidden.
    # (and 43 of its Tuesdays went ahead with nobody counting).
    assert f"{world['group'].name} 3 43 24 hidden 8.0" in text
    response = client.get(f"/audit/{world['org'].slug}/attendance.csv")
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0][:9] == ["Group", "Month", "Whole month", "Meetings counted",
                           "Meetings not counted yet", "People", "People hidden",
                           "First meeting", "First meeting hidden"]
    assert rows[-1] == [CSV_RULE] and "<5" not in response.text
    cells = {(row[0], row[1]): row[5:9] for row in rows[1:-1]}
    # The group named like a formula starts with a quote, so no spreadsheet runs it.
    assert ("'=HYPERLINK(\"http://x\")", "2026-10") in cells
    assert cells[("All groups", "12 months")] == ["51", "", "14", ""]
    # Every number shown, with the totals, never pins down a hidden one.
    for month in ("2026-10", "2026-11"):
        parts = [cells[(g, month)][1] for g in {g for g, m in cells if m == month}
                 if g != "All groups"]
        assert parts.count("yes") != 1 or cells[("All groups", month)][1] == "yes"
    group = client.get(f"/audit/{world['org'].slug}/attendance/{world['group'].slug}")
    assert group.status_code == 200 and "Tuesday Night" in page_text(group)
    assert client.get(f"/audit/{world['org'].slug}/attendance/{world['group'].slug}.csv") \
        .status_code == 200


def test_an_auditor_who_reads_spanish_gets_the_files_in_spanish(
        client, auth, session, make_user, world, counted, now):
    """The CSVs a reader downloads speak their language: columns, marks, the rule and the
    totals. Numbers and dates stay as a spreadsheet sorts them."""
    auditor = make_user(world["org"], Role.AUDITOR)
    auditor.language = "es"
    session.commit()
    auth.login(auditor)
    org = world["org"].slug
    rows = list(csv.reader(io.StringIO(client.get(f"/audit/{org}/attendance.csv").text)))
    assert rows[0][:9] == ["Grupo", "Mes", "Mes completo", "Reuniones contadas",
                           "Reuniones aún sin contar", "Personas", "Personas (oculta)",
                           "Primera reunión", "Primera reunión (oculta)"]
    assert rows[-1] == ["Las cuentas menores que 5, y las que permitirían deducir una de "
                        "ellas, quedan vacías, con «sí» en su columna «oculta»."]
    cells = {(row[0], row[1]): row[5:9] for row in rows[1:-1]}
    assert cells[("Todos los grupos", "12 meses")] == ["51", "", "14", ""]
    assert any(row[2] == "sí" for row in rows[1:-1])
    group = list(csv.reader(io.StringIO(
        client.get(f"/audit/{org}/attendance/{world['group'].slug}.csv").text)))
    assert group[0][:3] == ["Fecha", "Reunión", "Contada"]
    assert {row[0]: row[2] for row in group[1:-1]}["2026-10-20"] == "aún sin contar"
    training = client.get(f"/audit/{org}/training.csv").text.splitlines()[0]
    assert training.startswith("Líder,Grupos,Requisito,Estado,")
    for english in ("yes", "hidden", "All groups", "not counted yet", "Leader"):
        assert english not in "\n".join(",".join(row) for row in rows + group) + training


@pytest.fixture
def tallies(session, world, make_group, make_meeting):
    """Occurrences with the facilitator's count, the members' check-ins, or both. The
    numbers are 5 or more, so the small-count rule hides none of them."""
    second = make_group(world["org"], name="Second group")
    other = make_meeting(second, title="Second")
    rows = [
        # The facilitator counted 12, and 15 checked in: the count wins, marked.
        (world["meeting"], date(2026, 10, 6), Counts(12, 6), Counts(15, 9)),
        # Only members checked in: reports use them.
        (world["meeting"], date(2026, 10, 13), None, Counts(8, 5)),
        # The facilitator counted more than checked in, as at most meetings.
        (other, date(2026, 10, 6), Counts(20, 6), Counts(5, 0)),
    ]
    for meeting, day, counts, taps in rows:
        session.add(Headcount(
            meeting_id=meeting.id, occurrence_date=day, counted_by_facilitator=bool(counts),
            people=counts.people if counts else 0, newcomers=counts.newcomers if counts else 0,
            checkins=taps.people, checkin_newcomers=taps.newcomers))
    session.commit()
    return second


def test_reports_use_the_facilitators_count_else_the_check_ins(
        client, auth, make_user, world, tallies, now):
    auth.login(world["lead"])
    text = page_text(client.get(f"/manage/g/{world['group'].slug}/attendance"))
    assert "Tue 13 Oct 2026 Tuesday Night 8 5 Tue 6 Oct 2026 Tuesday Night 12 6 More " \
        "check-ins" in text
    assert "Oct 2026 2 2 20 11 10.0" in text
    rows = list(csv.reader(io.StringIO(
        client.get(f"/manage/g/{world['group'].slug}/attendance.csv").text)))
    by_date = {row[0]: row[3:] for row in rows[1:-1] if row[2] == "yes"}
    assert by_date == {"2026-10-06": ["12", "", "6", "", "", "", "", "", "yes"],
                       "2026-10-13": ["8", "", "5", "", "", "", "", "", ""]}
    auth.logout()

    auth.login(make_user(world["org"], Role.AUDITOR))
    text = page_text(client.get(f"/audit/{world['org'].slug}/attendance"))
    assert "Oct 2026 3 5 40 17 13.3" in text
    assert f"{world['group'].name} 2 44 20 11 10.0 1 Second group 1 45 20 6 20.0" in text
    rows = list(csv.reader(io.StringIO(
        client.get(f"/audit/{world['org'].slug}/attendance.csv").text)))
    assert rows[0] == ["Group", "Month", "Whole month", "Meetings counted",
                       "Meetings not counted yet", "People", "People hidden",
                       "First meeting", "First meeting hidden", "People per meeting",
                       "Meetings with more check-ins than counted"]
    cells = {(row[0], row[1]): row[2:] for row in rows[1:-1]}
    assert cells[(world["group"].name, "2026-10")] == \
        ["yes", "2", "2", "20", "", "11", "", "10.0", "1"]
    assert cells[("Second group", "2026-10")] == ["yes", "1", "3", "20", "", "6", "", "20.0",
                                                  "0"]
    assert cells[("All groups", "12 months")] == \
        ["no, so far", "3", "89", "40", "", "17", "", "13.3", "1"]


def test_the_auditor_sees_which_meetings_had_more_check_ins_than_counted(
        client, auth, make_user, world, tallies, now):
    auth.login(make_user(world["org"], Role.AUDITOR))
    text = page_text(client.get(f"/audit/{world['org'].slug}/attendance"))
    means = "“More check-ins” marks a meeting where more members checked in from its link " \
        "than the facilitator counted."
    assert text.count(means) == 1
    assert f"Meetings marked “More check-ins” Date Group Meeting Tue 6 Oct 2026 " \
        f"{world['group'].name} Tuesday Night" in text
    text = page_text(client.get(f"/audit/{world['org'].slug}/attendance/"
                                f"{world['group'].slug}"))
    assert text.count(means) == 1
    assert "Tue 13 Oct 2026 Tuesday Night 8 5 Tue 6 Oct 2026 Tuesday Night 12 6 More " \
        "check-ins" in text
    rows = list(csv.reader(io.StringIO(client.get(
        f"/audit/{world['org'].slug}/attendance/{world['group'].slug}.csv").text)))
    assert rows[0][-1] == "More check-ins than counted"
    assert {row[0]: row[-1] for row in rows[1:-1] if row[2] == "yes"} == \
        {"2026-10-06": "yes", "2026-10-13": ""}


def test_the_mark_never_gives_a_hidden_count_away(
        client, auth, session, make_user, world, counted, now):
    """A facilitator counted 3 (hidden), and 23 checked in: the auditor learns that more
    checked in than were counted, and neither number."""
    session.add(Headcount(meeting_id=world["meeting"].id, occurrence_date=date(2026, 11, 3),
                          counted_by_facilitator=True, people=3, newcomers=0, checkins=23))
    session.commit()
    auth.login(make_user(world["org"], Role.AUDITOR))
    org = world["org"].slug
    text = page_text(client.get(f"/audit/{org}/attendance/{world['group'].slug}"))
    line = re.search(r"Tue 3 Nov 2026 (.*?) Tue \d", text).group(1)
    assert line == "Tuesday Night hidden hidden More check-ins"
    group_csv = list(csv.reader(io.StringIO(
        client.get(f"/audit/{org}/attendance/{world['group'].slug}.csv").text)))
    assert {row[0]: row[2:] for row in group_csv[1:-1]}["2026-11-03"] == \
        ["yes", "", "yes", "", "yes", "", "", "", "", "yes"]
    text = page_text(client.get(f"/audit/{org}/attendance"))
    assert text.count(RULE) == 1
    assert text.split("Meetings marked “More check-ins” Date Group Meeting ")[1].startswith(
        f"Tue 3 Nov 2026 {world['group'].name} Tuesday Night Anonymity first")
    org_csv = list(csv.reader(io.StringIO(client.get(f"/audit/{org}/attendance.csv").text)))
    assert {(row[0], row[1]): row[-1] for row in org_csv[1:-1]}[
        (world["group"].name, "2026-11")] == "1"
    # Neither the check-ins nor the hidden count is among the people of either file.
    people = [row[3] for row in group_csv[1:-1]] + [row[5] for row in org_csv[1:-1]]
    assert "23" not in people and "3" not in people


def test_auditors_of_another_org_and_members_see_no_counts(
        client, auth, make_org, make_user, world, counted, now):
    stranger = make_user(make_org(), Role.AUDITOR)
    auth.login(stranger)
    assert client.get(f"/audit/{world['org'].slug}/attendance").status_code == 404
    assert client.get(f"/audit/{world['org'].slug}/attendance.csv").status_code == 404
    auth.logout()
    response = client.get(f"/manage/g/{world['group'].slug}/attendance")
    assert response.status_code == 302 and "/login" in response.location
    assert "/login" in client.get(f"/audit/{world['org'].slug}/attendance").location


def test_the_chart_is_an_svg_without_script_with_a_bar_per_month(client, auth, world, counted,
                                                                 now):
    auth.login(world["lead"])
    response = client.get(f"/manage/g/{world['group'].slug}/attendance.svg")
    assert response.mimetype == "image/svg+xml"
    root = ElementTree.fromstring(response.data)  # noqa: S314 (our own response)
    svg = "{http://www.w3.org/2000/svg}"
    assert not list(root.iter(f"{svg}script"))
    labels = [t.text for t in root.iter(f"{svg}text")]
    assert "Oct" in labels and "Nov" in labels
    assert "People" in labels and "First meeting" in labels


# -- Many at once ----------------------------------------------------------------------


@pytest.fixture
def live(fresh_database_url, monkeypatch):
    """The app on a fresh database of this backend, served in threads, with one meeting
    going on now."""
    url = fresh_database_url()
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    app = create_app(app_config(url))
    monkeypatch.setattr(clock, "now", lambda: DURING)
    with app.app_context():
        session = get_session()
        meeting = tuesday_meeting(session, own_group(session, "live"), room_capacity=1000)
        session.commit()
        token = headcounts.checkin_token(app.config["SECRET_KEY"], meeting)
        meeting_id = meeting.id
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}", token, meeting_id
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)
    app.extensions["facilitator.db"].engine.dispose()


def test_hundreds_of_simultaneous_check_ins_are_each_counted_once(live, caplog, monkeypatch):
    app, base, token, meeting_id = live
    n = 300
    # The ceilings on check-ins have their own tests; here every one must be counted.
    monkeypatch.setattr(headcounts, "CHECKINS_PER_MINUTE",
                        replace(headcounts.CHECKINS_PER_MINUTE, failures=n))

    def check_in(i: int) -> int:
        data = b"first=yes" if i % 3 == 0 else b""
        request = urllib.request.Request(f"{base}/c/{token}", data=data,  # noqa: S310
                                         method="POST")
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    with caplog.at_level(logging.INFO), ThreadPoolExecutor(max_workers=40) as pool:
        statuses = list(pool.map(check_in, range(n)))
    assert statuses.count(200) == n  # each followed its 303 to the "checked in" page
    with app.app_context():
        row = get_session().scalars(select(Headcount).where(Headcount.meeting_id == meeting_id)
                                    ).one()
        assert (row.checkins, row.checkin_newcomers) == (n, n // 3)
        assert (row.people, row.newcomers) == (0, 0)  # the facilitator's, untouched
    logged = "\n".join(record.getMessage() for record in caplog.records)
    # The request lines were logged, with the link masked and no client address.
    assert logged.count("POST /c/…") == n
    assert token not in logged
    assert "127.0.0.1 -" not in logged


def test_check_ins_refused_at_a_full_room_use_none_of_the_minutes_ceiling(live):
    """Served as in production (on PostgreSQL each tap is one statement of its own): a
    full room refuses with its own reason however many tap, and once the facilitator
    makes room the next member is counted in the same minute."""
    app, base, token, meeting_id = live

    def set_capacity(capacity: int) -> None:
        with app.app_context():
            session = get_session()
            session.get_one(Meeting, meeting_id).room_capacity = capacity
            session.commit()

    def check_in() -> tuple[int, str]:
        request = urllib.request.Request(f"{base}/c/{token}", data=b"",  # noqa: S310
                                         method="POST")
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    set_capacity(2)
    answers = [check_in() for _ in range(headcounts.CHECKINS_PER_MINUTE.failures + 2)]
    assert [status for status, _ in answers].count(200) == 2
    assert "reached the room&#39;s capacity (2)" in answers[-1][1]
    set_capacity(5)
    assert check_in()[0] == 200
    with app.app_context():
        row = get_session().scalars(select(Headcount).where(Headcount.meeting_id == meeting_id)
                                    ).one()
        assert row.checkins == 3


def test_members_acknowledge_the_confidentiality_statement_once_each(
        app, client, auth, session, world, now):
    documents.save_version(session, None, world["org"], DocumentKind.STATEMENT,
                           "What is said here **stays here**.", based_on=0,
                           group=world["group"])
    session.commit()
    link = checkin_link(client, auth, world)
    member = app.test_client()
    text = page_text(member.get(link))
    assert "What is said here stays here" in text
    member.post(link)
    assert member.post(f"{link}/statement", data={"language": "en"}).status_code == 303
    assert "Thank you for keeping what is shared here" in page_text(member.get(link))
    member.post(f"{link}/statement", data={"language": "en"})
    app.test_client().post(f"{link}/statement", data={"language": "en"})
    assert documents.acknowledgements(session, world["meeting"], TUESDAY) == {"en": 2}
    now(datetime(2026, 11, 18, 12, tzinfo=CHICAGO))
    assert app.test_client().post(f"{link}/statement",
                                  data={"language": "en"}).status_code == 409
    assert documents.acknowledgements(session, world["meeting"], TUESDAY) == {"en": 2}
