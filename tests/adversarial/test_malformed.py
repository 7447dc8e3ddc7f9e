"""Oversized bodies, malformed dates, times, zones and recurrences, and Unicode edge
cases: each gets a clear answer (never a 500) and leaves the database as it was."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from facilitator.domain.recurrence import InvalidRecurrence
from facilitator.domain.recurrence import Recurrence
from tests.adversarial.conftest import sign_in
from tests.adversarial.conftest import snapshot
from tests.conftest import page_text

MEETING = {
    "title": "Tuesday Step Study", "repeats": "weekly", "weekdays": ["1"],
    "month_weekday": "6", "first_date": "2026-01-06", "start_time": "19:00",
    "duration_minutes": "90", "timezone": "America/Chicago", "attendance": "in_person",
    "location_name": "St. Mark's Hall", "address": "412 River Road",
}


@pytest.fixture
def signed_in(client, world):
    sign_in(client, world["a"]["admin"])
    return world


def new_meeting(client):
    return lambda data: client.post("/manage/g/a-one/meetings/new", data=data)


def test_an_oversized_body_gets_413_with_a_clear_page(app, client, signed_in, session):
    before = snapshot(session)
    limit = app.config["MAX_CONTENT_LENGTH"]
    response = client.post("/manage/g/a-one/meetings/new",
                           data=MEETING | {"notes": "x" * (limit + 1)})
    assert response.status_code == 413
    assert "larger than we accept. Nothing was saved." in page_text(response)
    assert snapshot(session) == before


def test_an_oversized_upload_of_a_check_in_gets_413(app, client, world, session):
    before = snapshot(session)
    body = b"where=" + b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    response = client.post("/c/" + "A" * 32, data=body,
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code in (404, 413)
    assert snapshot(session) == before


@pytest.mark.parametrize("change, message", [
    ({"first_date": "2026-02-30"}, "Not a valid date value."),
    ({"first_date": "06/01/2026"}, "Not a valid date value."),
    ({"first_date": "99999-01-01"}, "Not a valid date value."),
    ({"first_date": "0000-01-01"}, "Not a valid date value."),
    ({"start_time": "25:00"}, "Not a valid time value."),
    ({"start_time": "7pm"}, "Not a valid time value."),
    ({"start_time": "19:00:00.000001Z"}, "Not a valid time value."),
    ({"duration_minutes": "-5"}, "minute"),
    ({"duration_minutes": "1e308"}, "Not a valid integer value."),
    ({"timezone": "Mars/Olympus_Mons"}, "zone"),
    ({"timezone": "../../../etc/passwd"}, "zone"),
    ({"timezone": "America/Chicago\r\nX: y"}, "zone"),
    ({"repeats": "FREQ=SECONDLY"}, "Not a valid choice"),
    ({"repeats": "monthly", "month_weeks": ["9"]}, "Not a valid choice"),
    ({"weekdays": ["7"]}, "Not a valid choice"),
    ({"first_date": "9999-12-28"}, "Use a date between 1970 and 2199."),
    ({"first_date": "1066-10-14"}, "Use a date between 1970 and 2199."),
    ({"last_date": "3000-01-01"}, "Use a date between 1970 and 2199."),
    ({"last_date": "2025-01-01"}, "last date"),
])
def test_malformed_schedules_are_refused_clearly(client, signed_in, session, change, message):
    before = snapshot(session)
    response = client.post("/manage/g/a-one/meetings/new", data=MEETING | change)
    assert response.status_code in (200, 400)
    assert message.lower() in page_text(response).lower(), page_text(response)[:400]
    assert snapshot(session) == before


@pytest.mark.parametrize("day", ["2026-02-30", "2026-13-01", "not-a-date", "2026-01-14",
                                 "9999-12-31", "0001-01-01", "2026-1-6", "%00", "2026-01-13T00"])
def test_malformed_or_wrong_dates_in_urls_are_404(client, signed_in, session, day):
    meeting = signed_in["a"]["meeting"].id
    before = snapshot(session)
    base = f"/manage/g/a-one/meetings/{meeting}/dates/{day}"
    for method, path in (("GET", base), ("POST", f"{base}/cancel"), ("GET", f"{base}/count"),
                         ("POST", f"{base}/count"), ("POST", f"{base}/restore")):
        response = client.open(path, method=method, data={"reason": "holiday"})
        assert response.status_code in (400, 404), (method, path, response.status_code)
    assert snapshot(session) == before


@pytest.mark.parametrize("text", [
    "FREQ=SECONDLY", "FREQ=WEEKLY;BYDAY=XX", "FREQ=MONTHLY;BYDAY=9ZZ", "FREQ=MONTHLY;BYDAY=",
    "FREQ=WEEKLY;INTERVAL=abc;BYDAY=MO", "FREQ=YEARLY;BYMONTH=13", ";;;", "FREQ",
    "FREQ=MONTHLY;BYDAY=1MO,2TU",
])
def test_malformed_rrules_raise_invalid_recurrence_only(text):
    with pytest.raises(InvalidRecurrence):
        Recurrence.from_rrule(text)


@given(st.text(max_size=60))
@settings(max_examples=200, deadline=None)
def test_any_rrule_text_reads_or_is_refused_cleanly(text):
    try:
        recurrence = Recurrence.from_rrule(text)
    except InvalidRecurrence:
        return
    assert Recurrence.from_rrule(recurrence.to_rrule()) == recurrence


UNICODE = [
    "\u202eevil\u202c", "\u200f\u05e9\u05dc\u05d5\u05dd", "😀" * 50, "e\u0301\u0301\u0301",
    "\ufeffBOM", "\u2028line\u2029para", "\U0001f3f3\ufe0f\u200d\U0001f308", "\ud7ff\ue000",
]


@pytest.mark.parametrize("text", UNICODE)
def test_unicode_edge_cases_are_kept_as_typed(client, signed_in, session, text):
    response = client.post("/manage/g/a-one/meetings/new",
                           data=MEETING | {"title": f"Meeting {text}", "notes": text})
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert f"Meeting {text}".strip() in page or "Meeting" in page


@pytest.mark.parametrize("field", ["title", "notes", "location_name", "timezone"])
def test_nul_bytes_are_refused_with_a_clear_message(client, signed_in, session, field):
    before = snapshot(session)
    response = client.post("/manage/g/a-one/meetings/new", data=MEETING | {field: "a\x00b"})
    assert response.status_code == 400
    assert "(NUL)" in page_text(response)
    assert snapshot(session) == before


def test_nul_bytes_in_query_and_path_are_refused(client, signed_in):
    assert client.get("/audit/org-a/log?page=%00").status_code == 400
    assert client.get("/manage/g/a%00one/").status_code in (400, 404)


def test_invalid_utf8_in_a_form_never_fails(client, signed_in, session):
    before = snapshot(session)
    response = client.post("/manage/g/a-one/meetings/new", data=b"title=%ff%fe%80&notes=%c3%28",
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code in (200, 400)
    assert snapshot(session) == before


def test_a_series_cannot_be_ended_in_the_year_9999(client, signed_in, session):
    meeting = signed_in["a"]["meeting"].id
    before = snapshot(session)
    response = client.post(f"/manage/g/a-one/meetings/{meeting}/end",
                           data={"last_date": date(9999, 12, 28).isoformat()})
    assert "Use a date between 1970 and 2199." in page_text(response)
    assert snapshot(session) == before
    assert client.get("/o/org-a/meetings.ics").status_code == 200
