"""Joining an online meeting: what of its link and dial string may be public, and its
join page, which gives the link and passcode only from 15 minutes before a date that is
not cancelled until it ends (issue 22; issue 25's dial strings)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from facilitator import clock
from facilitator.domain.choices import Role
from facilitator.domain.join_page import joining
from facilitator.domain.links import public_dial_string
from facilitator.domain.links import public_link
from facilitator.domain.meeting import Attendance
from facilitator.domain.meeting import CancelReason
from facilitator.domain.meeting import DateChange
from facilitator.services import feeds
from facilitator.services import meetings
from facilitator.services import throttle
from tests.conftest import page_text

CHICAGO = ZoneInfo("America/Chicago")
#: make_meeting's Tuesdays at 19:00 for 90 minutes, from 6 January 2026.
TUESDAY = date(2026, 2, 3)
ZOOM = {"attendance": Attendance.ONLINE, "location_name": "", "address": "",
        "online_url": "https://us02web.zoom.us/j/85779615129?pwd=Y2FsbVNlY3JldA.1",
        "online_phone": "+1 301 715 8592,,85779615129#,,,,605088#",
        "online_notes": "Passcode: 605088"}


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=CHICAGO)


def set_clock(monkeypatch, moment: datetime) -> None:
    monkeypatch.setattr(clock, "now", lambda: moment.astimezone(UTC))


# -- what may be public -------------------------------------------------------------------


@pytest.mark.parametrize(("link", "public"), [
    ("https://us02web.zoom.us/j/85779615129?pwd=Y2FsbQ.1", "https://us02web.zoom.us/j/85779615129"),
    ("https://zoom.us/j/1?pwd=a&from=addon", "https://zoom.us/j/1?from=addon"),
    ("https://zoom.us/j/1?PWD=a", "https://zoom.us/j/1"),
    ("https://zoom.us/w/1?tk=registrant&pwd=b", "https://zoom.us/w/1"),
    ("https://teams.microsoft.com/meet/23456789012?p=Xk2Lq9Tz",
     "https://teams.microsoft.com/meet/23456789012"),
    ("https://example.webex.com/meet/j.php?MTID=m1&password=Wbx7",
     "https://example.webex.com/meet/j.php?MTID=m1"),
    ("https://call.element.io/room/#/circle?password=frag", "https://call.element.io/room/"),
    ("https://guest:secret@meet.example.org/room", "https://meet.example.org/room"),
    ("https://meet.google.com/abc-defg-hij", "https://meet.google.com/abc-defg-hij"),
    ("https://meet.example/r?a=1&b=%20c", "https://meet.example/r?a=1&b=%20c"),
    ("javascript:alert(1)", None),
])
def test_a_public_link_has_no_passcode(link, public):
    assert public_link(link) == public


@pytest.mark.parametrize(("phone", "public"), [
    ("+13017158592,,85779615129#,,,,005088#", "+13017158592,,85779615129#"),
    ("+1 646 555 8888,,87654321#,,,,*123456#", "+16465558888,,87654321#"),
    ("3126266799,,6631029191#,,#,,987776", "3126266799,,6631029191#"),
    ("+14156550001,,1234567890##,,5678#", "+14156550001,,1234567890##"),
    ("+15555550111,,5550100,,,,1234", "+15555550111,,5550100"),
    # the Meeting Guide spec's own examples have no passcode: all of each stays
    ("+1234567890", "+1234567890"), ("1234567890*567", "1234567890*567"),
    ("+1234567890,1234#", "+1234567890,1234#"),
    # free text may hold a passcode: not public at all
    ("+15873281099,,82900440659#,,#,,M1F3TTRl#", None),
    ("ID: 372 734 770  Password: serenity", None),
])
def test_a_public_dial_string_ends_after_the_meeting_id(phone, public):
    assert public_dial_string(phone) == public


# -- when the join page gives the link ------------------------------------------------------


@pytest.fixture
def online(make_org, make_group, make_meeting):
    org = make_org(slug="riverside", name="Riverside")
    group = make_group(org, slug="night-owls", name="Night Owls")
    return make_meeting(group, title="Night Owls Online", **ZOOM)


def test_the_window_opens_15_minutes_before_and_closes_at_the_end(online):
    series = online.series()
    before = joining(series, at(TUESDAY, 18, 44))
    assert before.going_on is None and before.link == "" and before.notes == ""
    assert before.opens_at == at(TUESDAY, 18, 45)
    opened = joining(series, at(TUESDAY, 18, 45))
    assert opened.going_on is not None and opened.going_on.date == TUESDAY
    assert opened.link == ZOOM["online_url"]
    assert opened.dial == "+13017158592,,85779615129#,,,,605088#"
    assert opened.notes == "Passcode: 605088"
    assert joining(series, at(TUESDAY, 20, 30)).link  # the last minute
    after = joining(series, at(TUESDAY, 20, 31))
    assert after.going_on is None and after.link == ""
    assert after.ended is not None and after.ended.date == TUESDAY
    assert after.coming is not None and after.coming.date == TUESDAY + timedelta(days=7)


def test_a_cancelled_date_gives_no_link_and_a_changed_one_its_own(session, online):
    meetings.cancel_date(session, None, online, TUESDAY, CancelReason.HOLIDAY)
    meetings.change_date(session, None, online, TUESDAY + timedelta(days=7), DateChange(
        start_time=time(20), online_url="https://zoom.us/j/999?pwd=Q2hhbmdlZA"))
    session.commit()
    series = online.series()
    cancelled = joining(series, at(TUESDAY, 19, 10))
    assert cancelled.going_on is None and cancelled.link == ""
    assert cancelled.coming.date == TUESDAY + timedelta(days=7)
    assert cancelled.opens_at == at(TUESDAY + timedelta(days=7), 19, 45)
    changed = joining(series, at(TUESDAY + timedelta(days=7), 19, 50))
    assert changed.link == "https://zoom.us/j/999?pwd=Q2hhbmdlZA"


def test_passcode_by_request_gives_only_the_public_parts(session, online):
    by_request = replace(online.series(), passcode_by_request=True,
                         passcode_contact="Sam, 555 0101")
    opened = joining(by_request, at(TUESDAY, 19))
    assert opened.link == "https://us02web.zoom.us/j/85779615129"
    assert opened.dial == "+13017158592,,85779615129#"
    assert opened.notes == ""


# -- the page ----------------------------------------------------------------------------


def test_the_join_page_before_during_and_after(client, monkeypatch, online):
    url = f"/j/{online.id}"
    set_clock(monkeypatch, at(TUESDAY, 12))
    before = client.get(url)
    assert before.status_code == 200
    words = page_text(before)
    assert ("The link and passcode will be here from 6:45 pm on Tuesday 3 February 2026 "
            "(America/Chicago), 15 minutes before the meeting starts at 7:00 pm.") in words
    for secret in ("pwd", "605088", "zoom.us"):
        assert secret not in before.get_data(as_text=True)

    set_clock(monkeypatch, at(TUESDAY, 19, 5))
    during = client.get(url)
    page = during.get_data(as_text=True)
    assert f'href="{ZOOM["online_url"]}"' in page
    assert 'href="tel:+13017158592,,85779615129%23,,,,605088%23"' in page
    assert "Passcode: 605088" in page_text(during)
    for response in (before, during):
        assert "no-store" in response.headers["Cache-Control"]
        assert response.headers["Referrer-Policy"] == "no-referrer"

    set_clock(monkeypatch, at(TUESDAY, 20, 45))
    after = page_text(client.get(url))
    assert "The meeting of Tuesday 3 February ended at 8:30 pm." in after
    assert "from 6:45 pm on Tuesday 10 February 2026" in after
    assert "605088" not in after


def test_only_a_public_groups_online_meetings_have_a_public_join_page(
        client, make_org, make_group, make_meeting, online):
    private = make_group(online.group.organization, slug="closed", visibility="private")
    hidden = make_meeting(private, **ZOOM)
    in_person = make_meeting(online.group)
    for meeting_id in (hidden.id, in_person.id, 0, 99_999_999, 2**40):
        assert client.get(f"/j/{meeting_id}").status_code == 404
    assert client.get(f"/j/{online.id}").status_code == 200


def test_a_private_groups_join_page_is_behind_its_feed_token(client, session, monkeypatch,
                                                            make_group, make_meeting, online):
    private = make_group(online.group.organization, slug="closed", name="Closed Circle",
                         visibility="private")
    hidden = make_meeting(private, title="Closed Online", **ZOOM)
    token = feeds.rotate_feed_token(session, None, private)
    session.commit()
    set_clock(monkeypatch, at(TUESDAY, 19, 5))
    feed = client.get(f"/feeds/{token}.ics").get_data(as_text=True)
    assert "605088" not in feed and "pwd" not in feed
    [join_url] = {line.split("VALUE=URI:")[1].strip() for line in feed.replace("\r\n ", "")
                  .splitlines() if line.startswith("CONFERENCE")}
    path = join_url.removeprefix("http://facilitator.test")
    assert path.startswith("/j/p/")
    page = client.get(path)
    assert page.status_code == 200 and "Passcode: 605088" in page_text(page)
    assert "/g/closed/" not in page.get_data(as_text=True)  # no way to the group's page
    assert client.get(f"/j/{hidden.id}").status_code == 404
    # A new feed link replaces every join link made from the old one.
    new_token = feeds.rotate_feed_token(session, None, private)
    session.commit()
    assert client.get(path).status_code == 404
    assert path not in client.get(f"/feeds/{new_token}.ics").get_data(as_text=True)


def test_join_pages_that_give_a_link_are_limited_per_address(client, monkeypatch, online):
    set_clock(monkeypatch, at(TUESDAY, 12))
    for _ in range(throttle.JOIN_ADDRESS.failures + 5):
        assert client.get(f"/j/{online.id}").status_code == 200  # nothing given: not counted
    set_clock(monkeypatch, at(TUESDAY, 19, 5))
    for _ in range(throttle.JOIN_ADDRESS.failures):
        assert client.get(f"/j/{online.id}").status_code == 200
    refused = client.get(f"/j/{online.id}")
    assert refused.status_code == 429
    assert "Too many meeting links were opened from this network" in page_text(refused)
    assert "605088" not in refused.get_data(as_text=True)
    other = client.get(f"/j/{online.id}", environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert other.status_code == 200
    set_clock(monkeypatch, at(TUESDAY, 19, 5) + throttle.WINDOW)
    assert client.get(f"/j/{online.id}").status_code == 200


def test_a_facilitator_marks_a_passcode_by_request_and_says_whom_to_ask(
        client, auth, session, make_org, make_user, make_group, monkeypatch):
    org = make_org(slug="eastside", timezone="America/Chicago")
    leader = make_user(org, Role.FACILITATOR)
    make_group(org, slug="tuesday", facilitators=[leader])
    auth.login(leader)
    form = {"title": "Online Step Study", "repeats": "weekly", "weekdays": ["1"],
            "month_weekday": "6", "first_date": "2026-01-06", "start_time": "19:00",
            "duration_minutes": "90", "timezone": "America/Chicago", "attendance": "online",
            "online_url": ZOOM["online_url"], "online_phone": ZOOM["online_phone"],
            "online_notes": "Passcode: 605088", "passcode_by_request": "y"}
    refused = client.post("/manage/g/tuesday/meetings/new", data=form)
    assert "Say whom members ask for the passcode" in page_text(refused)
    saved = client.post("/manage/g/tuesday/meetings/new",
                        data=form | {"passcode_contact": "eastside@example.org"})
    assert saved.status_code == 302
    auth.logout()
    group_page = client.get("/g/tuesday/")
    words = page_text(group_page)
    assert "The link to join is on the meeting's join page" in words
    assert "Passcode on request: eastside@example.org" in words
    assert 'href="mailto:eastside@example.org"' in group_page.get_data(as_text=True)
    [path] = {p for p in group_page.get_data(as_text=True).split('"') if p.startswith("/j/")}
    set_clock(monkeypatch, at(TUESDAY, 19, 5))
    page = client.get(path)
    html = page.get_data(as_text=True)
    assert 'href="https://us02web.zoom.us/j/85779615129"' in html
    assert "605088" not in html and "pwd" not in html
    assert ("The passcode is given on request. Whom to ask: eastside@example.org"
            in page_text(page))
