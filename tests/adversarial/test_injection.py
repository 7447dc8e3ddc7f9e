"""Hostile text stored in every free-text field comes out inert everywhere it is shown:
HTML pages (escaped), iCalendar (escaped, no injected lines), Meeting Guide JSON
(parses back to the same text), CSV (formulas defused), and no header carries it."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time

import icalendar
import pytest
from pypdf import PdfReader

from facilitator import clock
from facilitator.domain.choices import Role
from facilitator.domain.counts import Counts
from facilitator.domain.meeting import DateChange
from facilitator.domain.meeting import MeetingValues
from facilitator.domain.recurrence import Recurrence
from facilitator.services import headcounts
from facilitator.services import meetings
from tests.conftest import page_text

SCRIPT = "<script>alert(1)</script>"
IMG = "\"'><img src=x onerror=alert(2)>"
FORMULA = '=HYPERLINK("http://evil.example","x")'
INJECTED_LINE = "ATTENDEE:mailto:evil@example.org"
#: One hostile value per kind; each free-text field gets one.
PAYLOADS = {
    "script": f"Sober {SCRIPT}",
    "attribute": f"Serenity {IMG}",
    "formula": FORMULA,
    "crlf": f"Step\r\n{INJECTED_LINE}\r\nX-EVIL:1",
    "unicode": "\u202egnirts\u202c \u200f\u05e9\u05dc\u05d5\u05dd 😀 e\u0301 \ufeff",
}
TUESDAY = date(2026, 11, 17)


@pytest.fixture
def poisoned(make_org, make_user, make_group, session, monkeypatch, request):
    """An org whose every free-text field holds the payload of the test's kind."""
    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 11, 20, 12, tzinfo=UTC))
    text = PAYLOADS[request.param]
    org = make_org(name=f"Org {text}", contact=f"Contact {text}")
    lead = make_user(org, Role.FACILITATOR, display_name=f"Lead {text}")
    admin = make_user(org, Role.ADMIN, display_name=f"Admin {text}")
    group = make_group(org, name=f"Group {text}", description=f"About {text}",
                       facilitators=[lead])
    meeting = meetings.create_meeting(session, lead, group, MeetingValues(
        title=text, recurrence=Recurrence.weekly(1), first_date=date(2026, 1, 6),
        start_time=time(19), timezone="America/Chicago", location_name=f"Hall {text}",
        address=f"1 {text} St", location_notes=f"Door {text}", online_notes=f"Zoom {text}",
        notes=f"Notes {text}", types=["O"]))
    meetings.change_date(session, lead, meeting, date(2026, 12, 1),
                         DateChange(note=f"Moved {text}", location_name=f"Annex {text}"))
    headcounts.set_counts(session, lead, meeting, TUESDAY, Counts(people=12, newcomers=2))
    session.commit()
    return {"org": org, "lead": lead, "admin": admin, "group": group, "meeting": meeting,
            "text": text}


def html_pages(world) -> list[str]:
    org, group, meeting = world["org"].slug, world["group"].slug, world["meeting"].id
    return [f"/o/{org}/", f"/g/{group}/", "/manage/", f"/manage/g/{group}/",
            f"/manage/g/{group}/edit", f"/manage/g/{group}/meetings/{meeting}/edit",
            f"/manage/g/{group}/meetings/{meeting}/dates/2026-12-01",
            f"/manage/g/{group}/meetings/{meeting}/dates/{TUESDAY}/count",
            f"/manage/g/{group}/attendance", f"/admin/{org}/",
            f"/admin/{org}/people/{world['lead'].id}", f"/admin/{org}/settings",
            f"/audit/{org}/log", f"/audit/{org}/attendance"]


def sign_in(auth, user):
    assert auth.login(user).status_code == 302


@pytest.mark.parametrize("poisoned", list(PAYLOADS), indirect=True)
def test_html_pages_show_the_text_but_never_run_it(client, auth, poisoned):
    sign_in(auth, poisoned["admin"])
    for path in html_pages(poisoned):
        response = client.get(path)
        assert response.status_code == 200, path
        raw = response.get_data(as_text=True)
        assert SCRIPT not in raw and "<img src=x" not in raw, path
        assert "onerror=alert" not in raw.replace("onerror=alert(2)&gt;", ""), path
    # The text is there, as text, on the group's public page.
    shown = page_text(client.get(f"/g/{poisoned['group'].slug}/"))
    assert " ".join(poisoned["text"].split())[:12] in shown


@pytest.mark.parametrize("poisoned", list(PAYLOADS), indirect=True)
def test_ical_feeds_escape_every_field(client, poisoned):
    for path in (f"/o/{poisoned['org'].slug}/meetings.ics",
                 f"/g/{poisoned['group'].slug}/meetings.ics"):
        response = client.get(path)
        assert response.status_code == 200
        raw = response.get_data(as_text=True)
        lines = raw.split("\r\n")
        assert not any(line.startswith(("ATTENDEE", "X-EVIL")) for line in lines), path
        assert "\r" not in raw.replace("\r\n", "") and "\n" not in raw.replace("\r\n", "")
        calendar = icalendar.Calendar.from_ical(raw)
        summaries = {str(e["SUMMARY"]) for e in calendar.walk("VEVENT")}
        # The same text, only escaped (a CR LF typed in a field reads as a line break).
        title = poisoned["text"].strip().replace("\r\n", "\n")
        assert any(summary.startswith(title) for summary in summaries), summaries


@pytest.mark.parametrize("poisoned", list(PAYLOADS), indirect=True)
def test_meeting_guide_json_round_trips_the_text(client, poisoned):
    response = client.get(f"/o/{poisoned['org'].slug}/meetings.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    # JSON, never sniffed as HTML: the text inside needs no HTML escaping.
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    names = {m["name"] for m in json.loads(response.get_data(as_text=True))}
    assert poisoned["text"].strip() in names


@pytest.mark.parametrize("poisoned", list(PAYLOADS), indirect=True)
def test_csv_cells_are_never_formulas(client, auth, poisoned):
    sign_in(auth, poisoned["admin"])
    for path in (f"/manage/g/{poisoned['group'].slug}/attendance.csv",
                 f"/audit/{poisoned['org'].slug}/attendance.csv"):
        response = client.get(path)
        assert response.status_code == 200
        rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
        cells = [cell for row in rows for cell in row]
        assert len(rows) >= 2, path  # the header and at least one row
        assert not any(cell.startswith(("=", "+", "@", "\t", "\r")) for cell in cells), path
        assert not any(cell.startswith("-") and not cell.lstrip("-").isdigit()
                       for cell in cells), path


@pytest.mark.parametrize("poisoned", ["crlf", "unicode"], indirect=True)
def test_no_header_carries_stored_text(client, auth, poisoned):
    sign_in(auth, poisoned["admin"])
    for path in (f"/o/{poisoned['org'].slug}/meetings.ics",
                 f"/manage/g/{poisoned['group'].slug}/attendance.csv"):
        response = client.get(path)
        for name, value in response.headers.items():
            assert "\r" not in value and "\n" not in value and "evil" not in value, name


@pytest.mark.parametrize("target", [
    "/manage/%0d%0aSet-Cookie:%20x=y", "/manage/%0aLocation:%20//evil.example",
    "//evil.example/", "/\\evil.example", "https://evil.example/", "/manage/%00",
])
def test_next_parameter_never_injects_a_header_or_leaves_the_site(client, auth, poisoned_free,
                                                                 target):
    response = auth._client.post(f"/login?next={target}",
                                 data={"email": poisoned_free.email,
                                       "password": "correct horse battery"})
    assert response.status_code in (302, 400)
    location = response.headers.get("Location", "")
    assert "evil" not in location and "Set-Cookie" not in location
    assert "x=y" not in response.headers.get("Set-Cookie", "")


@pytest.fixture
def poisoned_free(make_org, make_user):
    return make_user(make_org(), Role.FACILITATOR)


@pytest.mark.parametrize("poisoned", ["script", "attribute", "unicode"], indirect=True)
def test_pdf_handouts_print_the_text_and_fetch_nothing(client, auth, poisoned):
    """The one-pager, the directory and the check-in card: the text is printed as text,
    nothing it names is fetched or attached, and no render fails."""
    group, meeting = poisoned["group"].slug, poisoned["meeting"].id
    sign_in(auth, poisoned["lead"])
    for path in (f"/g/{group}/handout.pdf", f"/o/{poisoned['org'].slug}/directory.pdf",
                 f"/manage/g/{group}/meetings/{meeting}/checkin-card.pdf"):
        response = client.get(path)
        assert response.status_code == 200, path
        document = PdfReader(io.BytesIO(response.data))
        assert not document.attachments, path
        text = " ".join(page.extract_text() for page in document.pages)
        assert "root:x:0" not in text, path
    text = " ".join(page.extract_text() for page in
                    PdfReader(io.BytesIO(client.get(f"/g/{group}/handout.pdf").data)).pages)
    if poisoned["text"].startswith("Sober"):
        assert "<script>alert(1)</script>" in text
