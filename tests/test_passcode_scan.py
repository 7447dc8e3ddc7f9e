"""No passcode in any public output (issue 22): every page, feed, JSON, PDF and QR code
of the demo and of an org whose online meetings carry passcodes in every way real and
hostile ones do (pwd= and its kin in the link, after the meeting ID in the dial string,
in the online notes, in a changed date's link, in a private group's meeting) is read,
and none of their passcodes, nor any `pwd=`, is in any of them."""

from __future__ import annotations

import json
import re
from datetime import date
from datetime import datetime
from datetime import time
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from facilitator import clock
from facilitator import demo
from facilitator.domain.choices import Role
from facilitator.domain.choices import Visibility
from facilitator.domain.meeting import Attendance
from facilitator.domain.meeting import DateChange
from facilitator.domain.recurrence import Recurrence
from facilitator.models import Group
from facilitator.models import Meeting
from facilitator.models import Organization
from facilitator.services import feeds
from facilitator.services import meetings
from tests.conftest import BASE_URL
from tests.test_handouts import codes_in
from tests.test_handouts import text_of

CHICAGO = ZoneInfo("America/Chicago")
#: Monday 23 November 2026, 10 am in Chicago: no meeting's join page is open.
NOW = datetime(2026, 11, 23, 10, tzinfo=CHICAGO)

#: Each meeting's passcode, written as it is in real links, dial strings and notes.
HOSTILE: list[dict[str, object]] = [
    {"title": "Zoom as Zoom gives it", "attendance": Attendance.ONLINE,
     "online_url": "https://us02web.zoom.us/j/85779615129?pwd=Wm9vbVNlY3JldDE.1",
     "online_phone": "+13017158592,,85779615129#,,,,605088#",
     "online_notes": "Meeting ID: 857 7961 5129\nPasscode: 605088"},
    {"title": "Upper-case PWD and more", "attendance": Attendance.HYBRID,
     "location_name": "Hall", "address": "1 Main St",
     "online_url": "https://zoom.us/j/123456789?from=addon&PWD=UpperCaseSecret7",
     "online_phone": "+1 (646) 555-8888,,123456789#,,,,*707070#",
     "online_notes": "<script>alert('Passcode: ScriptSecret9')</script>"},
    {"title": "Teams meet link", "attendance": Attendance.ONLINE,
     "online_url": "https://teams.microsoft.com/meet/23456789012?p=TeamsSecret3",
     "online_notes": "Passcode: TeamsSecret3"},
    {"title": "Webex", "attendance": Attendance.ONLINE,
     "online_url": "https://example.webex.com/meet/j.php?MTID=m0a1b2c&password=WebexSecret4"},
    {"title": "Password in the fragment", "attendance": Attendance.ONLINE,
     "online_url": "https://call.element.io/room/#/circle?password=FragmentSecret5"},
    {"title": "Password before the host", "attendance": Attendance.ONLINE,
     "online_url": "https://guest:UserinfoSecret6@meet.example.org/room"},
    {"title": "Phone only, passcode in words", "attendance": Attendance.ONLINE,
     "online_phone": "+15873281099,,82900440659#,,#,,WordsSecret8#"},
    {"title": "Given on request", "attendance": Attendance.ONLINE,
     "online_url": "https://zoom.us/j/222333444?pwd=RequestSecret10",
     "online_phone": "+13126266799,,222333444#,,,,818181#",
     "online_notes": "Passcode: RequestSecret10", "passcode_by_request": True,
     "passcode_contact": "intergroup@example.org"},
]
#: A changed date's own link, and a private group's meeting.
CHANGED_DATE_LINK = "https://zoom.us/j/999888777?pwd=ChangedDateSecret11"
PRIVATE = {"title": "Closed online circle", "attendance": Attendance.ONLINE,
           "online_url": "https://zoom.us/j/555666777?pwd=PrivateSecret12",
           "online_phone": "+13017158592,,555666777#,,,,919191#",
           "online_notes": "Passcode: PrivateSecret12"}
SECRETS = ["Wm9vbVNlY3JldDE", "605088", "UpperCaseSecret7", "707070", "ScriptSecret9",
           "TeamsSecret3", "WebexSecret4", "FragmentSecret5", "UserinfoSecret6",
           "WordsSecret8", "RequestSecret10", "818181", "ChangedDateSecret11",
           "PrivateSecret12", "919191",
           # the demo's, as demo.ZOOM has them
           "dGlkZXdhdGVyMjAyNg", "727272", "tidewater"]


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)


@pytest.fixture
def hostile(session, make_org, make_group, make_meeting, make_user):
    org = make_org(slug="eastside", name="Eastside Intergroup")
    leader = make_user(org, Role.FACILITATOR)
    group = make_group(org, slug="eastside-online", name="Eastside Online",
                       facilitators=[leader])
    made = [make_meeting(group, recurrence=Recurrence.weekly(n % 7),
                         **({"location_name": "", "address": ""} | values))
            for n, values in enumerate(HOSTILE)]
    first = made[0]
    meetings.change_date(session, None, first, first.schedule.next_dates(NOW.date(), 2)[1],
                         DateChange(start_time=time(20), online_url=CHANGED_DATE_LINK,
                                    note="Another room this week"))
    private = make_group(org, slug="closed-circle", name="Closed Circle",
                         visibility="private", facilitators=[leader])
    make_meeting(private, **PRIVATE)
    token = feeds.rotate_feed_token(session, None, private)
    session.commit()
    return {"org": org, "leader": leader, "private": private, "token": token}


def scanned(name: str, text: str) -> None:
    """Fail if `text` (an output, or what a PDF or QR code says) holds a passcode."""
    squeezed = re.sub(r"\s+", "", text)  # a long link wrapped over two lines on paper
    for secret in [*SECRETS, "pwd="]:
        for form in (text, squeezed):
            assert secret.casefold() not in form.casefold(), f"{secret!r} in {name}"


class Scan:
    """Reads every public output of an org, and what its PDFs' QR codes lead to;
    `large_print` reads the large-print PDFs too (the same text, set bigger)."""

    def __init__(self, client, *, large_print: bool = True) -> None:
        self.client = client
        self.large_print = large_print
        self.seen: set[str] = set()
        self.counts = {"html": 0, "ics": 0, "json": 0, "pdf": 0, "qr": 0}

    def get(self, path: str, method: str = "GET", **kwargs) -> None:
        key = f"{method} {path}"
        if key in self.seen:
            return
        self.seen.add(key)
        response = self.client.open(path, method=method, **kwargs)
        assert response.status_code == 200, (path, response.status_code)
        kind = response.mimetype
        if kind == "application/pdf":
            self.counts["pdf"] += 1
            scanned(path, text_of(response.data))
            for code in codes_in(response.data):
                self.counts["qr"] += 1
                scanned(f"a QR code of {path}", code)
                assert code.startswith(f"{BASE_URL}/"), code
                self.get(code.removeprefix(BASE_URL))
            return
        body = response.get_data(as_text=True)
        scanned(path, body)
        if kind == "text/calendar":
            self.counts["ics"] += 1
        elif kind == "application/json":
            self.counts["json"] += 1
            scanned(f"{path}, read", json.dumps(json.loads(body), ensure_ascii=False))
        else:
            self.counts["html"] += 1
            for link in re.findall(r'href="(/(?:g|o|j)/[^"#]*)"', body):
                if self.large_print or "print=large" not in link:
                    self.get(link.replace("&amp;", "&"))

    def org(self, org: Organization, session) -> None:
        """Every public output of the org."""
        slug = org.slug
        large = ("?print=large",) if self.large_print else ()
        for path in ("/", f"/o/{slug}/", f"/o/{slug}/?attendance=online", f"/o/{slug}/subscribe",
                     f"/o/{slug}/meetings.ics", f"/o/{slug}/meetings.json",
                     f"/o/{slug}/directory.pdf", *(f"/o/{slug}/directory.pdf{q}" for q in large),
                     f"/o/{slug}/directory.pdf?attendance=online"):
            self.get(path)
        groups = session.scalars(select(Group).where(Group.organization_id == org.id)).all()
        for group in groups:
            if group.visibility is not Visibility.PUBLIC:
                continue
            for path in (f"/g/{group.slug}/", f"/g/{group.slug}/subscribe",
                         f"/g/{group.slug}/meetings.ics", f"/g/{group.slug}/handout.pdf",
                         *(f"/g/{group.slug}/handout.pdf{q}" for q in large)):
                self.get(path)
            for meeting in group.meetings:
                if meeting.attendance.online:
                    self.get(f"/j/{meeting.id}")


@pytest.mark.one_database  # what the outputs say: the same on every database
def test_no_passcode_in_any_public_output_of_an_org_with_hostile_meetings(
        client, auth, session, hostile):
    scan = Scan(client)
    scan.org(hostile["org"], session)
    token = hostile["token"]
    # A private group's feed and subscribe page, behind its token, carry none either.
    scan.get(f"/feeds/{token}.ics")
    scan.get(f"/feeds/{token}/subscribe")
    feed = client.get(f"/feeds/{token}.ics").get_data(as_text=True).replace("\r\n ", "")
    for join in re.findall(r"VALUE=URI:(\S+/j/p/\S+)", feed):
        scan.get(join.removeprefix(BASE_URL))
    # What leaders print to hand out: the one-pagers (a private group's with its
    # calendar's code) and every check-in card.
    auth.login(hostile["leader"])
    group = hostile["private"]
    scan.get(f"/manage/g/{group.slug}/handout.pdf", method="POST",
             data={"feed_link": f"{BASE_URL}/feeds/{token}.ics"})
    scan.get("/manage/g/eastside-online/handout.pdf")
    for meeting in session.scalars(select(Meeting)).all():
        if meeting.group.organization_id == hostile["org"].id:
            scan.get(f"/manage/g/{meeting.group.slug}/meetings/{meeting.id}/checkin-card.pdf")
    assert scan.counts["ics"] >= 3 and scan.counts["json"] == 1
    assert scan.counts["pdf"] >= 10 and scan.counts["qr"] >= 10
    assert scan.counts["html"] >= 15


@pytest.mark.one_database  # what the outputs say: the same on every database
def test_no_passcode_in_any_public_output_of_the_demo(runner, client, session):
    assert runner.invoke(args=["demo"]).exit_code == 0
    session.expire_all()
    org = session.scalar(select(Organization).where(Organization.slug == demo.SLUG))
    # The hostile org's scan reads the large print too: here once is enough.
    scan = Scan(client, large_print=False)
    scan.org(org, session)
    assert scan.counts["pdf"] >= 5 and scan.counts["qr"] >= 5


def test_the_scan_finds_a_passcode_where_there_is_one():
    with pytest.raises(AssertionError, match="605088"):
        scanned("a page", "Passcode: 605088")
    with pytest.raises(AssertionError, match="pwd="):
        scanned("a feed", "https://zoom.us/j/1?PWD=abc")
    with pytest.raises(AssertionError, match="WebexSecret4"):
        scanned("a PDF", "https://example.webex.com/j.php?password=Webex\nSecret4")
    assert date(2026, 11, 23) == NOW.date()
