"""Facilitators schedule meetings once, then cancel, change and restore single dates."""

from __future__ import annotations

import re
from datetime import date
from datetime import time
from datetime import timedelta

import pytest
from sqlalchemy import func
from sqlalchemy import select

from facilitator import clock
from facilitator.domain.choices import Role
from facilitator.models import AuditEntry
from facilitator.models import Meeting
from facilitator.models import MeetingException
from tests.conftest import page_text

TZ = "America/Chicago"


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def leader_group(make_org, make_user, make_group, auth):
    org = make_org(timezone=TZ)
    leader = make_user(org, Role.FACILITATOR, display_name="Sam T.")
    group = make_group(org, slug="tuesday", name="Tuesday Group", facilitators=[leader])
    auth.login(leader)
    return group


WEEKLY = {
    "title": "Tuesday Step Study", "repeats": "weekly", "weekdays": ["1"],
    "month_weekday": "6", "first_date": "2026-01-06", "start_time": "19:00",
    "duration_minutes": "90", "timezone": TZ, "attendance": "in_person",
    "location_name": "St. Mark's Hall", "address": "412 River Road", "types": ["C", "ST"],
}


def test_schedule_weekly_meeting_and_see_next_eight_dates(client, leader_group, session):
    response = client.post("/manage/g/tuesday/meetings/new", data=WEEKLY)
    assert response.location == "/manage/g/tuesday/"
    page = client.get("/manage/g/tuesday/").get_data(as_text=True)
    assert "Tuesday Step Study" in page and "Every Tuesday" in page
    assert "7:00 pm" in page and "Closed, Step Study" in page
    today = clock.today_in(TZ)
    first = today + timedelta(days=(1 - today.weekday()) % 7)
    expected = [first + timedelta(weeks=n) for n in range(8)]
    for day in expected:
        assert f"/dates/{day.isoformat()}" in page
    assert f"/dates/{(first + timedelta(weeks=8)).isoformat()}" not in page
    meeting = session.scalar(select(Meeting))
    assert (meeting.rrule, meeting.start_time, meeting.duration_minutes) == (
        "FREQ=WEEKLY;BYDAY=TU", time(19), 90)


@pytest.mark.parametrize("change, message", [
    ({"weekdays": []}, "Choose at least one day of the week."),
    ({"repeats": "monthly", "month_weeks": []}, "Choose which week of the month"),
    ({"repeats": "fortnightly"}, "Not a valid choice"),
    ({"first_date": "2026-02-30"}, "Not a valid date value."),
    ({"first_date": ""}, "Choose the first date."),
    ({"last_date": "2025-01-01"}, "The last date is before the first date."),
    ({"start_time": "25:00"}, "Not a valid time value."),
    ({"duration_minutes": "0"}, "Number must be between 1 and 1440."),
    ({"timezone": "Mars/Olympus"}, "Choose a time zone from the list"),
    ({"location_name": "", "address": ""}, "Say where people meet"),
    ({"attendance": "online"}, "Give the online link or a phone number"),
    ({"attendance": "hybrid", "online_url": "javascript:alert(1)"},
     "The online link must start with https://"),
    ({"types": ["O", "NOPE"]}, "Not a valid choice"),
    ({"title": ""}, "Give the meeting a title."),
    ({"title": "   "}, "Give the meeting a title."),
    ({"start_time": ""}, "Choose a start time."),
    ({"timezone": ""}, "Choose a time zone."),
    ({"region": "x" * 101}, "Field cannot be longer than 100 characters."),
    ({"room_capacity": "0"}, "Number must be between 1 and 10000."),
    ({"room_capacity": "10001"}, "Number must be between 1 and 10000."),
    ({"room_capacity": "many"}, "Not a valid integer value."),
])
def test_bad_meeting_input_is_named_and_nothing_written(client, leader_group, session, change,
                                                        message):
    before = (count(session, Meeting), count(session, AuditEntry))
    response = client.post("/manage/g/tuesday/meetings/new", data=WEEKLY | change)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert (count(session, Meeting), count(session, AuditEntry)) == before


def test_the_region_is_saved_in_one_line_and_the_orgs_public_regions_are_suggested(
        client, leader_group, session, make_group, make_meeting):
    org = leader_group.organization
    make_meeting(make_group(org), title="Elsewhere", region="North Side")
    make_meeting(make_group(org, visibility="private"), title="Private", region="Hollow Lane")
    form = client.get("/manage/g/tuesday/meetings/new").get_data(as_text=True)
    assert '<option value="North Side">' in form and "Hollow Lane" not in form
    client.post("/manage/g/tuesday/meetings/new",
                data=WEEKLY | {"region": "  Down\t town  "})
    meeting = session.scalar(select(Meeting).where(Meeting.title == WEEKLY["title"]))
    assert meeting.region == "Down town"
    assert "In person · Down town · St. Mark" in " ".join(
        client.get("/manage/g/tuesday/").get_data(as_text=True).split())


def test_the_room_capacity_is_150_unless_the_facilitator_says_otherwise(
        client, leader_group, session):
    assert 'name="room_capacity"' in client.get("/manage/g/tuesday/meetings/new").text
    client.post("/manage/g/tuesday/meetings/new", data=WEEKLY)
    client.post("/manage/g/tuesday/meetings/new", data=WEEKLY | {"title": "Small",
                                                                  "room_capacity": "12"})
    rooms = dict(session.execute(select(Meeting.title, Meeting.room_capacity)).all())
    assert rooms == {WEEKLY["title"]: 150, "Small": 12}


def test_end_time_sets_the_length(client, leader_group, session):
    client.post("/manage/g/tuesday/meetings/new",
                data=WEEKLY | {"start_time": "19:00", "end_time": "20:45"})
    assert session.scalar(select(Meeting.duration_minutes)) == 105


@pytest.mark.parametrize("repeats", ["weekly", "once"])
def test_an_end_before_the_start_is_asked_about_before_it_is_saved(
        client, leader_group, session, repeats):
    data = WEEKLY | {"repeats": repeats, "start_time": "19:00", "end_time": "18:00"}
    page = page_text(client.post("/manage/g/tuesday/meetings/new", data=data))
    assert "Ends the next day? 7:00 pm to 6:00 pm the next day is 23 h." in page
    assert "Yes, it ends the next day" in page
    assert count(session, Meeting) == 0

    response = client.post("/manage/g/tuesday/meetings/new",
                           data=data | {"times_confirmed": "y"})
    assert response.location == "/manage/g/tuesday/"
    assert session.scalar(select(Meeting.duration_minutes)) == 23 * 60


def test_a_meeting_past_midnight_is_saved_once_confirmed(client, leader_group, session):
    data = WEEKLY | {"start_time": "23:30", "end_time": "00:45"}
    assert "Ends the next day?" in page_text(
        client.post("/manage/g/tuesday/meetings/new", data=data))
    client.post("/manage/g/tuesday/meetings/new", data=data | {"times_confirmed": "y"})
    assert session.scalar(select(Meeting.duration_minutes)) == 75


@pytest.mark.parametrize("times, asked", [
    ({"duration_minutes": "780"}, "13 h long? That is more than 12 hours."),
    ({"start_time": "06:00", "end_time": "20:30"}, "14 h 30 min long?"),
    ({"duration_minutes": "720"}, None),  # 12 hours exactly: a day retreat
])
def test_more_than_twelve_hours_is_asked_about(client, leader_group, session, times, asked):
    response = client.post("/manage/g/tuesday/meetings/new", data=WEEKLY | times)
    if asked is None:
        assert response.status_code == 302
        return
    assert asked in page_text(response) and count(session, Meeting) == 0
    client.post("/manage/g/tuesday/meetings/new",
                data=WEEKLY | times | {"times_confirmed": "y"})
    assert count(session, Meeting) == 1


def wednesday_after(day: date) -> date:
    return day + timedelta(days=(2 - day.weekday()) % 7 or 7)


@pytest.mark.parametrize("week, weeks_later", [("0", 0), ("1", 1)])
def test_every_other_tuesday_from_a_wednesday_starts_in_the_week_chosen(
        client, leader_group, session, week, weeks_later):
    wednesday = wednesday_after(clock.today_in(TZ))
    tuesday = wednesday + timedelta(days=6)  # the first Tuesday on or after it
    data = WEEKLY | {"repeats": "biweekly", "first_date": wednesday.isoformat()}
    form = page_text(client.post("/manage/g/tuesday/meetings/new",
                                 data=data | {"preview": "1"}))
    after = tuesday + timedelta(weeks=1)
    assert f"Starting {tuesday:%A} {tuesday.day} {tuesday:%B %Y}" in form
    assert f"Starting {after:%A} {after.day} {after:%B %Y}, the week after" in form

    client.post("/manage/g/tuesday/meetings/new", data=data | {"start_week": week})
    first = tuesday + timedelta(weeks=weeks_later)
    meeting = session.scalar(select(Meeting))
    assert (meeting.first_date, meeting.rrule) == (first, "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU")
    page = client.get("/manage/g/tuesday/").get_data(as_text=True)
    for n in range(3):
        assert f"/dates/{(first + timedelta(weeks=2 * n)).isoformat()}" in page
    assert f"/dates/{(first + timedelta(weeks=1)).isoformat()}" not in page


def test_preview_shows_the_next_four_dates_and_saves_nothing(client, leader_group, session):
    wednesday = wednesday_after(clock.today_in(TZ))
    data = WEEKLY | {"title": "", "repeats": "biweekly", "first_date": wednesday.isoformat(),
                     "start_week": "1", "preview": "1"}
    page = page_text(client.post("/manage/g/tuesday/meetings/new", data=data))
    first = wednesday + timedelta(days=13)
    for n in range(4):
        assert as_listed(first + timedelta(weeks=2 * n)) in page
    assert as_listed(first + timedelta(weeks=8)) not in page
    assert "Give the meeting a title." not in page  # a preview is not a save
    assert count(session, Meeting) == 0


def test_editing_an_older_every_other_week_meeting_keeps_its_weeks(
        client, leader_group, make_meeting, session):
    from facilitator.domain.recurrence import Recurrence

    # Stored before the form chose the week: a first date (a Wednesday) that is not
    # itself a meeting date. dateutil counts its cycle from that week.
    meeting = make_meeting(leader_group, recurrence=Recurrence.weekly(1, interval=2),
                           first_date=date(2026, 1, 7))
    before = meeting.schedule.next_dates(clock.today_in(TZ), 4)
    form = client.get(f"/manage/g/tuesday/meetings/{meeting.id}/edit").get_data(as_text=True)
    assert 'value="2026-01-20"' in form  # its first meeting, not the Wednesday
    client.post(f"/manage/g/tuesday/meetings/{meeting.id}/edit", data=WEEKLY | {
        "title": "Tuesday Night", "repeats": "biweekly", "first_date": "2026-01-20",
        "start_week": "0"})
    session.expire_all()
    assert session.get(Meeting, meeting.id).schedule.next_dates(
        clock.today_in(TZ), 4) == before


def test_a_date_moves_to_another_day(client, leader_group, make_meeting, session):
    meeting = make_meeting(leader_group)
    day = next_tuesday()
    base = f"/manage/g/tuesday/meetings/{meeting.id}/dates/{day.isoformat()}"
    assert f'value="{day.isoformat()}"' in client.get(base).get_data(as_text=True)
    thursday = day + timedelta(days=2)
    response = client.post(f"{base}/change", data={"moved_to": thursday.isoformat(),
                                                   "note": "The hall is booked"})
    assert response.status_code == 302
    page = page_text(client.get("/manage/g/tuesday/"))
    assert f"Changed {as_listed(thursday)}: meets on this day instead of " \
           f"{as_listed(day)}. The hall is booked" in page
    # Its page, its headcount and its exception stay under the series' date.
    assert f"/dates/{day.isoformat()}" in client.get("/manage/g/tuesday/").text
    exception = session.scalar(select(MeetingException))
    assert (exception.date, exception.moved_to) == (day, thursday)
    # Calendars move it: the changed event of that date starts on the Thursday.
    feed = client.get("/g/tuesday/meetings.ics").get_data(as_text=True).replace("\r\n ", "")
    override = next(e for e in feed.split("BEGIN:VEVENT") if "RECURRENCE-ID" in e)
    assert f"RECURRENCE-ID;TZID={TZ}:{day:%Y%m%d}T190000" in override
    assert f"DTSTART;TZID={TZ}:{thursday:%Y%m%d}T190000" in override
    # Undoing the change puts it back on the Tuesday.
    client.post(f"{base}/change", data={"moved_to": day.isoformat(), "note": "Back on"})
    session.expire_all()
    assert session.scalar(select(MeetingException.moved_to)) is None


@pytest.mark.parametrize("offset, message", [
    (7, "between the meetings before and after it"),  # onto the next Tuesday
    (-7, "between the meetings before and after it"),
    (8, "at most a week either way"),
])
def test_a_date_cannot_move_past_its_neighbours(client, leader_group, make_meeting, session,
                                                offset, message):
    meeting = make_meeting(leader_group)
    day = next_tuesday() + timedelta(weeks=1)
    base = f"/manage/g/tuesday/meetings/{meeting.id}/dates/{day.isoformat()}"
    page = page_text(client.post(f"{base}/change", data={
        "moved_to": (day + timedelta(days=offset)).isoformat()}))
    assert message in page
    assert count(session, MeetingException) == 0


@pytest.mark.parametrize("times, asked", [
    ({"start_time": "19:00", "end_time": "07:00"}, "Ends the next day? 7:00 pm to 7:00 am"),
    ({"end_time": "18:00"}, "Ends the next day? 7:00 pm to 6:00 pm"),  # the usual start
    ({"duration_minutes": "800"}, "13 h 20 min long?"),
])
def test_a_changed_dates_times_are_asked_about_too(client, leader_group, make_meeting, session,
                                                   times, asked):
    meeting = make_meeting(leader_group)
    base = f"/manage/g/tuesday/meetings/{meeting.id}/dates/{next_tuesday().isoformat()}"
    assert asked in page_text(client.post(f"{base}/change", data=times))
    assert count(session, MeetingException) == 0
    assert client.post(f"{base}/change", data=times | {"times_confirmed": "y"}) \
        .status_code == 302
    assert count(session, MeetingException) == 1


def test_monthly_and_every_other_week(client, leader_group, session):
    client.post("/manage/g/tuesday/meetings/new", data=WEEKLY | {
        "title": "Literature", "repeats": "monthly", "month_weeks": ["1", "-1"],
        "month_weekday": "5"})
    client.post("/manage/g/tuesday/meetings/new", data=WEEKLY | {
        "title": "Biweekly", "repeats": "biweekly", "weekdays": ["0", "2"]})
    rules = dict(session.execute(select(Meeting.title, Meeting.rrule)).all())
    assert rules == {"Literature": "FREQ=MONTHLY;BYDAY=1SA,-1SA",
                     "Biweekly": "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE"}
    page = client.get("/manage/g/tuesday/").get_data(as_text=True)
    assert "First and last Saturday of the month" in page
    assert "Every other Monday and Wednesday" in page


def next_tuesday() -> date:
    today = clock.today_in(TZ)
    return today + timedelta(days=(1 - today.weekday()) % 7 or 7)


def as_listed(day: date) -> str:
    """A date as the group page lists it: with its year only when that is not this year's."""
    text = f"{day:%a} {day.day} {day:%b}"
    return text if day.year == clock.today_in(TZ).year else f"{text} {day.year}"


def test_cancel_change_and_restore_a_date(client, leader_group, make_meeting, session):
    meeting = make_meeting(leader_group)
    day = next_tuesday()
    base = f"/manage/g/tuesday/meetings/{meeting.id}/dates/{day.isoformat()}"
    assert "Cancel this date" in client.get(base).get_data(as_text=True)

    client.post(f"{base}/cancel", data={"reason": "holiday", "note": "Closed for Thanksgiving",
                                      "publish": "1"})
    page = page_text(client.get("/manage/g/tuesday/"))
    assert f"Cancelled {as_listed(day)} — Holiday: Closed for Thanksgiving" in page
    session.expire_all()
    assert meeting.sequence == 1

    client.post(f"{base}/change", data={"start_time": "10:00", "note": "Early start"})
    page = page_text(client.get("/manage/g/tuesday/"))
    assert f"Changed {as_listed(day)}: starts 10:00 am instead of 7:00 pm. " \
           "Early start" in page
    exception = session.scalar(select(MeetingException))
    assert (exception.cancelled, exception.start_time) == (False, time(10))

    client.post(f"{base}/restore")
    session.expire_all()
    assert count(session, MeetingException) == 0
    assert meeting.sequence == 3
    page = page_text(client.get("/manage/g/tuesday/"))
    assert "Cancelled" not in page and "Changed" not in page
    actions = [e.summary for e in session.scalars(
        select(AuditEntry).where(AuditEntry.entity_type == "meetingexception")
        .order_by(AuditEntry.id))]
    assert [a.split(": ")[-1] for a in actions] == [
        f"{day} cancelled", f"{day} changed", f"{day} back to normal"]


def test_cancelling_shows_what_members_will_read_and_saves_only_on_publish(
        client, leader_group, make_meeting, session):
    meeting = make_meeting(leader_group)
    day = next_tuesday()
    base = f"/manage/g/tuesday/meetings/{meeting.id}/dates/{day.isoformat()}"
    form = client.get(base).get_data(as_text=True)
    assert "checked" not in form.split('id="cancel-form"')[1].split("</form>")[0]

    preview = client.post(f"{base}/cancel", data={"note": "Room is being painted",
                                                  "preview": "1"})
    text = page_text(preview)
    assert f"Members will see Cancelled {as_listed(day)} — Room is being painted" in text
    assert "Holiday" not in text.split("Members will see")[1].split("Nothing is published")[0]
    assert "Publish the cancellation" in text
    assert count(session, MeetingException) == 0

    edited = page_text(client.post(f"{base}/cancel", data={"note": "Room is being painted",
                                                           "edit": "1"}))
    assert "Members will see" not in edited and "Room is being painted" in edited
    assert count(session, MeetingException) == 0

    client.post(f"{base}/cancel", data={"note": "Room is being painted", "publish": "1"})
    exception = session.scalar(select(MeetingException))
    assert (exception.cancelled, exception.reason, exception.note) == (
        True, None, "Room is being painted")
    page = page_text(client.get("/manage/g/tuesday/"))
    assert f"Cancelled {as_listed(day)} — Room is being painted" in page
    assert "Holiday" not in page


def test_a_date_cancelled_without_reason_or_note_says_only_cancelled(
        client, leader_group, make_meeting, session):
    meeting = make_meeting(leader_group)
    day = next_tuesday()
    base = f"/manage/g/tuesday/meetings/{meeting.id}/dates/{day.isoformat()}"
    assert f"Members will see Cancelled {as_listed(day)} The group page" in page_text(
        client.post(f"{base}/cancel", data={"preview": "1"}))
    client.post(f"{base}/cancel", data={"publish": "1"})
    assert session.scalar(select(MeetingException)).reason is None
    page = client.get("/g/tuesday/").get_data(as_text=True)
    assert "Cancelled" in page and "Holiday" not in page


def test_an_unknown_reason_is_refused_and_nothing_is_cancelled(
        client, leader_group, make_meeting, session):
    meeting = make_meeting(leader_group)
    base = f"/manage/g/tuesday/meetings/{meeting.id}/dates/{next_tuesday().isoformat()}"
    page = page_text(client.post(f"{base}/cancel", data={"reason": "vacation",
                                                         "publish": "1"}))
    assert "Not a valid choice" in page and "Members will see" not in page
    assert count(session, MeetingException) == 0


def test_editing_keeps_an_imported_meetings_map_position(
        client, leader_group, make_meeting, session):
    meeting = make_meeting(leader_group, latitude=41.8781, longitude=-87.6298)
    base = f"/manage/g/tuesday/meetings/{meeting.id}/edit"
    form = client.get(base).get_data(as_text=True)
    assert 'value="41.8781"' in form and 'value="-87.6298"' in form
    data = {name: value for name, value in WEEKLY.items()} | {
        "title": "Renamed", "latitude": "41.8781", "longitude": "-87.6298"}
    assert client.post(base, data=data).status_code == 302
    session.expire_all()
    assert (meeting.title, meeting.latitude, meeting.longitude) == (
        "Renamed", 41.8781, -87.6298)
    page = page_text(client.post(base, data=data | {"latitude": "123"}))
    assert "A latitude is between -90 and 90." in page
    page = page_text(client.post(base, data=data | {"longitude": "west"}))
    assert "Write the longitude as a number, e.g. -87.6298." in page
    page = page_text(client.post(base, data=data | {"title": "Half", "longitude": ""}))
    assert "Give the longitude too, or leave both empty" in page
    session.expire_all()
    assert (meeting.title, meeting.longitude) == ("Renamed", -87.6298)
    # Both emptied: the meeting has no map position any more.
    assert client.post(base, data=data | {"latitude": "", "longitude": ""}).status_code == 302
    session.expire_all()
    assert (meeting.latitude, meeting.longitude) == (None, None)


def test_the_meeting_form_refuses_a_time_zone_not_on_the_list(client, leader_group, session):
    page = page_text(client.post("/manage/g/tuesday/meetings/new",
                                 data=WEEKLY | {"timezone": "Chicago"}))
    assert "Choose a time zone from the list, like America/Chicago." in page
    assert count(session, Meeting) == 0


def test_a_plain_weekly_meeting_needs_only_title_day_time_and_place(
        client, leader_group, session):
    """The first date and the time zone come filled in: the rest of the form is optional."""
    form = client.get("/manage/g/tuesday/meetings/new").get_data(as_text=True)
    first_date = re.search(r'name="first_date"[^>]*value="([^"]+)"', form).group(1)
    assert '<details class="field" id="more-when">' in form  # closed: nothing to see there
    # Without the script, every question is still on the page (behind a summary at most).
    for name in ('name="online_url"', 'value="POL"', 'name="repeats"', 'name="latitude"',
                 '<option value="Asia/Tokyo">', 'id="preview-button"'):
        assert name in form, name
    response = client.post("/manage/g/tuesday/meetings/new", data={
        "title": "Tuesday Step Study", "weekdays": ["1"], "start_time": "19:00",
        "location_name": "St. Mark's Hall", "repeats": "weekly", "month_weekday": "6",
        "first_date": first_date, "timezone": TZ, "attendance": "in_person",
        "duration_minutes": "60", "start_week": "0", "room_capacity": "40"})
    assert response.status_code == 302
    meeting = session.scalar(select(Meeting))
    assert (meeting.rrule, meeting.timezone, meeting.location_name) == (
        "FREQ=WEEKLY;BYDAY=TU", TZ, "St. Mark's Hall")


def test_change_needs_something_to_change(client, leader_group, make_meeting, session):
    meeting = make_meeting(leader_group)
    base = f"/manage/g/tuesday/meetings/{meeting.id}/dates/{next_tuesday().isoformat()}"
    page = client.post(f"{base}/change", data={}).get_data(as_text=True)
    assert "Say what is different on this date." in page
    page = client.post(f"{base}/change", data={"online_url": "file:///etc/passwd"}).get_data(
        as_text=True)
    assert "The online link must start with https://" in page
    assert count(session, MeetingException) == 0


@pytest.mark.parametrize("day", ["2026-13-01", "not-a-date", "2026-01-07", "2025-12-30"])
def test_dates_that_are_not_meeting_dates_are_404(client, leader_group, make_meeting, day):
    meeting = make_meeting(leader_group)  # Tuesdays from 6 Jan 2026
    base = f"/manage/g/tuesday/meetings/{meeting.id}/dates/{day}"
    assert client.get(base).status_code == 404
    assert client.post(f"{base}/cancel", data={"reason": "holiday"}).status_code == 404


def test_editing_series_keeps_exceptions_still_on_it_and_asks_about_the_rest(
        client, leader_group, make_meeting, session):
    meeting = make_meeting(leader_group)
    day = next_tuesday()
    later = day + timedelta(weeks=1)
    base = f"/manage/g/tuesday/meetings/{meeting.id}"
    client.post(f"{base}/dates/{day.isoformat()}/cancel",
                data={"reason": "holiday", "publish": "1"})
    client.post(f"{base}/dates/{later.isoformat()}/change", data={"note": "Speaker night"})

    # Adding Thursday keeps both Tuesdays: nothing to confirm.
    response = client.post(f"{base}/edit", data=WEEKLY | {"weekdays": ["1", "3"]})
    assert response.location == "/manage/g/tuesday/"
    assert count(session, MeetingException) == 2

    # Moving to Wednesdays only: the Tuesday changes are listed, nothing changes yet.
    page = client.post(f"{base}/edit", data=WEEKLY | {"weekdays": ["2"]}).get_data(
        as_text=True)
    assert "would no longer be meeting dates" in page
    assert day.strftime("%d %B %Y").lstrip("0") in page and "Speaker night" in page
    session.expire_all()
    assert session.get(Meeting, meeting.id).rrule == "FREQ=WEEKLY;BYDAY=TU,TH"
    assert count(session, MeetingException) == 2

    # Confirming drops them and saves the new series.
    response = client.post(f"{base}/edit",
                           data=WEEKLY | {"weekdays": ["2"], "drop_orphans": "yes"})
    assert response.location == "/manage/g/tuesday/"
    session.expire_all()
    assert session.get(Meeting, meeting.id).rrule == "FREQ=WEEKLY;BYDAY=WE"
    assert count(session, MeetingException) == 0


def test_end_meeting_stops_its_dates(client, leader_group, make_meeting, session):
    meeting = make_meeting(leader_group)
    day = next_tuesday()
    client.post(f"/manage/g/tuesday/meetings/{meeting.id}/end",
                data={"last_date": day.isoformat()})
    page = client.get("/manage/g/tuesday/").get_data(as_text=True)
    assert f"/dates/{day.isoformat()}" in page
    assert f"/dates/{(day + timedelta(weeks=1)).isoformat()}" not in page
    page = client.post(f"/manage/g/tuesday/meetings/{meeting.id}/end",
                       data={"last_date": "2025-01-01"}).get_data(as_text=True)
    assert "The last date cannot be before the first date." in page


def test_delete_meeting(client, leader_group, make_meeting, session):
    meeting_id = make_meeting(leader_group, title="Mistake").id
    assert "Delete Mistake?" in client.get(
        f"/manage/g/tuesday/meetings/{meeting_id}/delete").get_data(as_text=True)
    client.post(f"/manage/g/tuesday/meetings/{meeting_id}/delete")
    session.expire_all()
    assert session.get(Meeting, meeting_id) is None


def test_other_groups_meetings_are_404(client, auth, tenancy, make_meeting):
    theirs = make_meeting(tenancy["b"]["group1"])
    mine = make_meeting(tenancy["a"]["group1"])
    auth.login(tenancy["a"]["lead1"])
    day = "2026-01-06"
    for path in (f"/manage/g/b-one/meetings/{theirs.id}/edit",
                 # another group's meeting through my own group's URL
                 f"/manage/g/a-one/meetings/{theirs.id}/edit",
                 f"/manage/g/a-one/meetings/{theirs.id}/dates/{day}",
                 f"/manage/g/{tenancy['a']['group2'].slug}/meetings/{mine.id}/edit",
                 "/manage/g/a-one/meetings/99999999999/edit"):
        assert client.get(path).status_code == 404, path
    assert client.post(f"/manage/g/a-one/meetings/{theirs.id}/dates/{day}/cancel",
                       data={"reason": "holiday"}).status_code == 404
    assert client.post(f"/manage/g/a-one/meetings/{theirs.id}/delete").status_code == 404
    assert client.get(f"/manage/g/a-one/meetings/{mine.id}/edit").status_code == 200


def test_every_change_moves_the_data_versions(client, leader_group, make_meeting, session):
    """Feeds answer 304 from these versions, so every change a member could see bumps them."""
    org = leader_group.organization

    def versions():
        session.expire_all()
        return org.data_version, leader_group.data_version

    seen = [versions()]
    meeting = make_meeting(leader_group)
    seen.append(versions())
    base = f"/manage/g/tuesday/meetings/{meeting.id}"
    day = next_tuesday().isoformat()
    for path, data in [(f"{base}/dates/{day}/cancel", {"reason": "holiday", "publish": "1"}),
                       (f"{base}/dates/{day}/change", {"note": "Speaker"}),
                       (f"{base}/dates/{day}/restore", {}),
                       (f"{base}/edit", WEEKLY | {"title": "Renamed"}),
                       (f"{base}/end", {"last_date": day}),
                       (f"{base}/delete", {})]:
        assert client.post(path, data=data).status_code == 302, path
        seen.append(versions())
    assert [v[0] for v in seen] == sorted(v[0] for v in seen)
    assert len({v for v in seen}) == len(seen)  # every step moved both


def test_end_time_equal_to_start_is_refused(client, leader_group, session):
    page = client.post("/manage/g/tuesday/meetings/new",
                       data=WEEKLY | {"end_time": "19:00"}).get_data(as_text=True)
    assert "The end time is the same as the start time." in page
    assert count(session, Meeting) == 0


def test_service_refuses_overlong_text_whatever_the_caller(leader_group, session):
    """The import and the forms share the service's limits; PostgreSQL never sees more."""
    from facilitator.domain.meeting import LIMITS
    from facilitator.domain.meeting import MeetingValues
    from facilitator.domain.recurrence import Recurrence
    from facilitator.services import ServiceError
    from facilitator.services.meetings import create_meeting

    values = MeetingValues(title="x" * (LIMITS["title"] + 1), recurrence=Recurrence.weekly(1),
                           first_date=date(2026, 1, 6), start_time=time(19), timezone=TZ,
                           location_name="Hall")
    with pytest.raises(ServiceError, match="longer than 200"):
        create_meeting(session, None, leader_group, values)


def test_versions_bumped_once_per_transaction_and_again_after_a_rollback(leader_group, session):
    from facilitator.services.organizations import mark_changed

    org = leader_group.organization
    start = org.data_version
    mark_changed(org, leader_group)
    mark_changed(org, leader_group)
    with session.begin_nested():
        mark_changed(org, leader_group)  # inside a savepoint of the same transaction
    session.flush()
    session.refresh(org)
    assert org.data_version == start + 1
    nested = session.begin_nested()
    nested.rollback()  # only the savepoint
    mark_changed(org, leader_group)  # the memo was forgotten: bumps again
    session.commit()
    session.refresh(org)
    assert org.data_version == start + 2
