"""`flask import-meeting-guide`: a 12 Step Meeting List feed becomes groups and meetings."""

from __future__ import annotations

import json
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlalchemy import select

from facilitator import clock
from facilitator.domain import meeting_guide_read
from facilitator.domain.choices import Program
from facilitator.domain.choices import Role
from facilitator.domain.choices import Visibility
from facilitator.domain.meeting import VALUE_FIELDS
from facilitator.domain.meeting import Attendance
from facilitator.domain.meeting import CancelReason
from facilitator.domain.meeting import MeetingValues
from facilitator.models import AuditEntry
from facilitator.models import Group
from facilitator.models import Meeting
from facilitator.models import Organization
from facilitator.services import meeting_import
from facilitator.services import meetings
from facilitator.services.meeting_import import import_feed

DATA = Path(__file__).parent / "data" / "meeting_guide"
FEED = DATA / "springfield.json"


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def counts(session) -> tuple[int, int, int, int]:
    return tuple(count(session, m) for m in (Organization, Group, Meeting, AuditEntry))


def run(runner, path: Path, *args: str):
    result = runner.invoke(args=["import-meeting-guide", str(path), *args])
    assert "Traceback" not in result.output
    return result


def imported(session, slug: str = "springfield") -> dict[str, Meeting]:
    session.expire_all()
    rows = session.scalars(select(Meeting).join(Meeting.group).join(Group.organization)
                           .where(Organization.slug == slug))
    return {m.source_slug: m for m in rows}


def write(tmp_path: Path, feed: object, name: str = "feed.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(feed))
    return path


def springfield() -> list[dict]:
    return json.loads(FEED.read_text())


def by_slug(feed: list[dict], slug: str) -> dict:
    return next(item for item in feed if item["slug"] == slug)


def test_a_feed_becomes_an_org_with_groups_and_one_meeting_per_day(runner, session,
                                                                  frozen_clock):
    result = run(runner, FEED, "--org", "springfield")
    assert result.exit_code == 0, result.output
    assert "Organization springfield: created, time zone America/Chicago." in result.output
    assert "Groups: 8 created, 0 unchanged." in result.output
    assert ("Meetings (one per weekday): 17 created, 0 updated, 0 unchanged, 1 skipped."
            in result.output)
    assert ("Skipped item 9 “Westside Closed Discussion” (slug westside-closed-discussion): "
            "The feed marks it inactive") in result.output

    org = session.scalar(select(Organization).where(Organization.slug == "springfield"))
    assert org.name == "Springfield Area Intergroup"  # the feed's "entity"
    assert org.timezone == "America/Chicago"
    groups = {g.name: g for g in org.groups}
    assert set(groups) == {"Sunrise Group", "Women of Grace Group", "Night Owls Group",
                           "Zoom Step Study", "Grupo Esperanza", "Lunch Bunch Group",
                           "Young People's Group", "Eleventh Step Group"}
    assert all(g.visibility is Visibility.PUBLIC and g.program is Program.AA
               for g in org.groups)
    assert groups["Sunrise Group"].slug == "sunrise-group"
    assert groups["Sunrise Group"].description == "Home group of early risers since 1987."
    assert sorted(m.title for m in groups["Sunrise Group"].meetings) == [
        "Living Sober Saturday", "Sunrise Big Book", "Sunrise Serenity", "Sunrise Serenity",
        "Sunrise Serenity"]

    rows = imported(session)
    assert len(rows) == 17
    # Meeting Guide days 1, 3, 5: Monday, Wednesday, Friday, one weekly series each.
    for suffix, rrule in (("mon", "FREQ=WEEKLY;BYDAY=MO"), ("wed", "FREQ=WEEKLY;BYDAY=WE"),
                          ("fri", "FREQ=WEEKLY;BYDAY=FR")):
        sunrise = rows[f"sunrise-serenity--{suffix}"]
        assert sunrise.rrule == rrule
        assert (sunrise.start_time, sunrise.duration_minutes) == (time(7), 60)
        assert sunrise.types == ["O", "D", "X"] and sunrise.wheelchair_accessible
        assert sunrise.location_name == "St. Mark's Church"
        assert sunrise.address == "123 Main St, Springfield, IL 62701, USA"
        assert sunrise.region == "Downtown"
        assert sunrise.notes == "Coffee from 6:30."
    assert {m.source_slug for m in rows.values() if m.title == "Lunch Bunch"} == {
        "lunch-bunch--mon", "lunch-bunch--tue", "lunch-bunch--wed", "lunch-bunch--thu",
        "lunch-bunch--fri"}
    for meeting in rows.values():
        assert meeting.first_date.weekday() == meeting.recurrence.weekdays[0]
        # The next such weekday from today on the meeting's own wall clock, as the import saw it.
        assert 0 <= (meeting.first_date - clock.today_in(meeting.timezone)).days <= 6
        assert meeting.last_date is None and meeting.sequence == 0

    women = rows["tuesday-night-womens"]
    assert women.attendance is Attendance.HYBRID
    assert women.online_phone == "+13125550111,,85012345678#"
    assert women.online_notes == "Passcode: serenity\nMeeting ID 850 1234 5678"
    assert rows["night-owls"].duration_minutes == 90  # 23:00 to 00:30
    assert rows["night-owls"].address == "900 S 2nd St, Springfield, IL 62703, US"
    zoom = rows["zoom-step-study--sun"]
    assert zoom.attendance is Attendance.ONLINE and zoom.types == ["ST"]
    assert zoom.group.name == "Zoom Step Study"
    esperanza = rows["grupo-esperanza"]
    assert esperanza.rrule == "FREQ=WEEKLY;BYDAY=WE"  # "day": "3"
    assert esperanza.types == ["O", "S"]
    assert esperanza.notes == "Reunión en español.\n\nOther types: XYZ, MED2"
    assert (esperanza.latitude, esperanza.longitude) == (39.799, -89.644)
    lunch = rows["lunch-bunch--tue"]
    assert lunch.attendance is Attendance.HYBRID and lunch.types == ["O", "D"]
    assert lunch.timezone == "America/Chicago"  # none in the feed: the org's
    assert rows["living-sober-saturday"].attendance is Attendance.ONLINE
    assert rows["monday-meditation"].timezone == "America/New_York"
    assert rows["monday-meditation"].start_time == time(6, 30)
    created = session.scalars(select(AuditEntry).where(AuditEntry.organization_id == org.id,
                                                       AuditEntry.entity_type == "meeting"))
    assert {e.action for e in created} == {"create"}
    assert all(e.actor_name == "command line" for e in created)


def test_importing_the_same_feed_again_changes_nothing(runner, session):
    assert run(runner, FEED, "--org", "springfield").exit_code == 0
    before = counts(session)
    rows = imported(session)
    stamps = {slug: (m.sequence, m.updated_at, m.first_date) for slug, m in rows.items()}
    org = session.scalar(select(Organization).where(Organization.slug == "springfield"))
    versions = (org.data_version, sorted((g.slug, g.data_version) for g in org.groups))

    result = run(runner, FEED, "--org", "springfield")
    assert result.exit_code == 0, result.output
    assert "Organization springfield: already there." in result.output
    assert "Groups: 0 created, 8 unchanged." in result.output
    assert ("Meetings (one per weekday): 0 created, 0 updated, 17 unchanged, 1 skipped."
            in result.output)
    assert "left as they are" not in result.output
    assert counts(session) == before  # no new rows, no new audit entries
    assert {slug: (m.sequence, m.updated_at, m.first_date)
            for slug, m in imported(session).items()} == stamps
    # Feeds and pages see no change either (their ETags come from these versions).
    assert (org.data_version, sorted((g.slug, g.data_version) for g in org.groups)) == versions


def test_a_changed_feed_updates_meetings_in_place(runner, session, tmp_path):
    assert run(runner, FEED, "--org", "springfield").exit_code == 0
    before = imported(session)
    ids = {slug: m.id for slug, m in before.items()}
    audit_before = count(session, AuditEntry)
    version_before = before["tuesday-night-womens"].group.organization.data_version

    feed = springfield()
    by_slug(feed, "tuesday-night-womens")["time"] = "19:30"
    by_slug(feed, "tuesday-night-womens")["end_time"] = "20:45"
    by_slug(feed, "tuesday-night-womens")["regions"] = ["Near North", "Old Town"]
    by_slug(feed, "sunrise-big-book")["day"] = [6, 0]  # now Saturday and Sunday
    by_slug(feed, "lunch-bunch")["day"] = [1, 3, 5]  # no longer Tuesday and Thursday
    by_slug(feed, "monday-meditation")["day"] = 2  # moved to Tuesday
    feed.remove(by_slug(feed, "night-owls"))
    changed = write(tmp_path, feed)
    result = run(runner, changed, "--org", "springfield")
    assert result.exit_code == 0, result.output
    assert "Groups: 0 created, 7 unchanged." in result.output
    assert ("Meetings (one per weekday): 1 created, 2 updated, 12 unchanged, 1 skipped."
            in result.output)
    assert "3 meeting(s) imported earlier are not in this feed" in result.output
    assert "  “Night Owls” (slug night-owls) of Night Owls Group" in result.output
    assert "  “Lunch Bunch” (slug lunch-bunch--tue) of Lunch Bunch Group" in result.output

    rows = imported(session)
    women = rows["tuesday-night-womens"]
    assert women.id == ids["tuesday-night-womens"]
    assert (women.start_time, women.duration_minutes, women.sequence) == (time(19, 30), 75, 1)
    update = session.scalars(select(AuditEntry).where(AuditEntry.action == "update",
                                                      AuditEntry.entity_id == women.id)).one()
    assert update.before == {"start_time": "19:00:00", "duration_minutes": 60, "region": "",
                             "sub_region": ""}
    assert update.after == {"start_time": "19:30:00", "duration_minutes": 75,
                            "region": "Near North", "sub_region": "Old Town"}
    meditation = rows["monday-meditation"]
    assert meditation.id == ids["monday-meditation"] and meditation.sequence == 1
    assert meditation.rrule == "FREQ=WEEKLY;BYDAY=TU" and meditation.first_date.weekday() == 1
    # The Saturday series keeps its row (and its history) under its new slug.
    assert rows["sunrise-big-book--sat"].id == ids["sunrise-big-book"]
    assert rows["sunrise-big-book--sat"].sequence == 0
    assert rows["sunrise-big-book--sun"].group.name == "Sunrise Group"
    assert rows["sunrise-big-book--sun"].rrule == "FREQ=WEEKLY;BYDAY=SU"
    # Left alone, not deleted.
    assert rows["night-owls"].id == ids["night-owls"]
    assert rows["lunch-bunch--tue"].sequence == 0
    assert count(session, AuditEntry) == audit_before + 3  # two updates, one create
    assert women.group.organization.data_version > version_before

    again = run(runner, changed, "--org", "springfield")
    assert "0 created, 0 updated, 15 unchanged, 1 skipped." in again.output
    assert count(session, AuditEntry) == audit_before + 3


def test_a_day_change_that_would_drop_a_cancelled_date_is_skipped(runner, session, tmp_path,
                                                                  frozen_clock):
    assert run(runner, FEED, "--org", "springfield").exit_code == 0
    meditation = imported(session)["monday-meditation"]
    next_monday = meditation.schedule.next_dates(clock.today_in(meditation.timezone), 1)[0]
    meetings.cancel_date(session, None, meditation, next_monday, CancelReason.HOLIDAY)
    session.commit()
    feed = springfield()
    by_slug(feed, "monday-meditation")["day"] = 2

    result = run(runner, write(tmp_path, feed), "--org", "springfield")
    assert result.exit_code == 0, result.output
    assert ("Skipped item 11 “Monday Meditation” (slug monday-meditation): 1 changed or "
            "cancelled date(s) would no longer be dates of it; change it by hand."
            in result.output)
    meditation = imported(session)["monday-meditation"]
    assert meditation.rrule == "FREQ=WEEKLY;BYDAY=MO" and meditation.sequence == 1
    assert [e.date for e in meditation.exceptions] == [next_monday]


def test_each_bad_meeting_is_skipped_with_its_reason(runner, session):
    result = run(runner, DATA / "bad_meetings.json", "--org", "bad-feed")
    assert result.exit_code == 0, result.output
    assert ("Meetings (one per weekday): 1 created, 0 updated, 0 unchanged, 22 skipped."
            in result.output)
    expected = [
        "item 2 (slug no-name): It has no name.",
        "item 3 “Day Seven” (slug day-seven): Day 7 is not a day of the week",
        "item 4 “Day Monday” (slug day-monday): Its day is “Monday”, not a day number",
        "item 5 “Late Late Show” (slug late-late-show): Its start time “25:00” is not a time",
        "item 6 “No Time” (slug no-time): It has no start time.",
        "item 7 “Martian Meeting” (slug martian-meeting): “Mars/Olympus_Mons” is not a time "
        "zone we know.",
        "item 8 “Script Link” (slug script-link): The online link must start with https://",
        "item 9 “Far North” (slug far-north): The latitude must be between -90 and 90.",
        "item 10 “East Of Nowhere” (slug east-of-nowhere): Its longitude is “east”, not a "
        "number.",
        "item 11 (slug numbered): “name” should be text, not a number.",
        "item 12 “Types As Text” (slug types-as-text): “types” should be a list",
        "item 13 “Nested Junk” (slug nested-junk): “location” should be text, not an object.",
        "item 14: It is text, not a meeting (a JSON object).",
        "item 15 “Good Meeting Again” (slug good-meeting): Its slug is already used by item 1.",
        "item 16 “No Slug”: It has no slug",
        "item 17 “No Days” (slug no-days): Its list of days is empty.",
        "item 18 “Seven PM” (slug seven-pm): Its end time “7pm” is not a time of day",
        "item 19 “Nowhere” (slug nowhere): Say where people meet",
        "item 20 “Sometimes” (slug sometimes): Its attendance_option “sometimes” is not one",
        "item 21 “Nul Notes” (slug nul-notes): “notes” contains a character that cannot be "
        "stored (NUL).",
        "item 22 “Long Place” (slug long-place): Its location is longer than 200 characters.",
        "item 23 “True Day” (slug true-day): Its day is true/false, not a day number",
    ]
    skipped = [line for line in result.output.splitlines() if line.startswith("Skipped ")]
    assert len(skipped) == len(expected)
    for line, start in zip(skipped, expected, strict=True):
        assert line.startswith("Skipped " + start), line
    assert [m.title for m in imported(session, "bad-feed").values()] == ["Good Meeting"]
    assert count(session, Group) == 1  # no group left behind by a skipped meeting


@pytest.mark.parametrize(("content", "message"), [
    (b"<!doctype html><title>Page not found</title>", "is not valid JSON"),
    (b'{"name": "Sunrise"}', "expected a list of meetings"),
    (b"[]", "The feed lists no meetings."),
    (b"\x89PNG\r\n\x1a\n", "is not UTF-8 text"),
])
def test_a_file_that_is_no_feed_is_refused_and_nothing_is_written(
    runner, session, tmp_path, content, message
):
    before = counts(session)
    path = tmp_path / "meetings.json"
    path.write_bytes(content)
    result = run(runner, path, "--org", "springfield")
    assert result.exit_code != 0
    assert message in result.output and "Nothing was imported." in result.output
    assert counts(session) == before


def test_an_absurdly_large_file_is_refused_unread(runner, session, tmp_path, monkeypatch):
    monkeypatch.setattr(meeting_guide_read, "MAX_FEED_BYTES", 1024)
    path = write(tmp_path, springfield())
    result = run(runner, path, "--org", "springfield")
    assert result.exit_code != 0
    assert "is larger than" in result.output
    assert count(session, Organization) == 0


@pytest.mark.parametrize(("args", "message"), [
    (["--org", "Spring Field"], "may only use"),
    (["--org", "springfield", "--timezone", "Moon/Base"], "“Moon/Base” is not a time zone"),
    (["--org", "springfield", "--program", "bowling"], "Invalid value for '--program'"),
])
def test_bad_options_are_refused_and_nothing_is_written(runner, session, args, message):
    before = counts(session)
    result = run(runner, FEED, *args)
    assert result.exit_code != 0
    assert message in result.output
    assert counts(session) == before


def test_a_missing_file_is_refused(runner, tmp_path):
    result = run(runner, tmp_path / "nope.json", "--org", "springfield")
    assert result.exit_code != 0 and "does not exist" in result.output


def test_an_unexpected_failure_half_way_saves_nothing(runner, session, monkeypatch):
    before = counts(session)
    real_copy = meeting_import._copy
    calls = []

    def failing_copy(*args, **kwargs):
        # The organization and its groups are in; the meetings are not yet.
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk on fire")
        return real_copy(*args, **kwargs)

    monkeypatch.setattr(meeting_import, "_copy", failing_copy)
    result = run(runner, FEED, "--org", "springfield")
    assert result.exit_code != 0
    assert ("The import failed and nothing was saved (RuntimeError: disk on fire)."
            in result.output)
    assert counts(session) == before


def test_an_existing_org_keeps_its_settings_and_other_meetings(
    runner, session, make_org, make_group, make_meeting
):
    org = make_org(slug="springfield", name="Springfield Intergroup", timezone="America/Denver")
    sunrise = make_group(org, slug="sunrise", name="Sunrise  group")
    own = make_meeting(sunrise, title="Our own meeting")
    elsewhere = make_org(slug="elsewhere")
    make_group(elsewhere, slug="night-owls-group", name="Night Owls Group")

    result = run(runner, FEED, "--org", "springfield", "--timezone", "America/Phoenix",
                 "--program", "na")
    assert result.exit_code == 0, result.output
    assert "Organization springfield: already there." in result.output
    assert "Groups: 7 created, 1 unchanged." in result.output
    session.expire_all()
    assert (org.name, org.timezone) == ("Springfield Intergroup", "America/Denver")
    # The group of the same name (spacing and case aside) gets the feed's meetings.
    assert {m.title for m in sunrise.meetings} == {
        "Our own meeting", "Sunrise Serenity", "Sunrise Big Book", "Living Sober Saturday"}
    assert sunrise.program is Program.AA
    groups = {g.name: g for g in org.groups}
    assert groups["Night Owls Group"].slug == "night-owls-group-2"  # the slug is taken
    assert groups["Night Owls Group"].program is Program.NA
    rows = imported(session)
    assert rows["lunch-bunch--mon"].timezone == "America/Phoenix"  # none in the feed
    assert rows["night-owls"].timezone == "America/Chicago"
    assert own.source_slug is None and own.sequence == 0

    again = run(runner, FEED, "--org", "springfield", "--timezone", "America/Phoenix")
    assert "0 created, 0 updated, 17 unchanged" in again.output
    assert "left as they are" not in again.output  # only imported meetings are listed


def test_first_dates_are_the_next_meeting_day_in_the_meetings_zone(session):
    now = datetime(2026, 3, 4, 3, 30, tzinfo=UTC)  # Tuesday evening in Chicago
    summary = import_feed(session, None, json.loads(FEED.read_text()), org_slug="springfield",
                          now=now)
    assert (summary.created, len(summary.skipped)) == (17, 1)
    rows = imported(session)
    assert rows["tuesday-night-womens"].first_date == date(2026, 3, 3)  # that same evening
    assert rows["sunrise-serenity--mon"].first_date == date(2026, 3, 9)
    assert rows["sunrise-serenity--wed"].first_date == date(2026, 3, 4)
    assert rows["monday-meditation"].first_date == date(2026, 3, 9)

    later = import_feed(session, None, json.loads(FEED.read_text()), org_slug="springfield",
                        now=datetime(2026, 6, 1, tzinfo=UTC))
    assert (later.created, later.updated, later.unchanged) == (0, 0, 17)
    assert imported(session)["sunrise-serenity--mon"].first_date == date(2026, 3, 9)


def test_a_new_org_without_zone_or_entity_gets_defaults(runner, session, tmp_path):
    feed = [{"name": "Lakeside", "slug": "lakeside", "day": 0, "time": "10:00",
             "conference_url": "https://zoom.us/j/1"}]
    result = run(runner, write(tmp_path, feed), "--org", "lake-district")
    assert result.exit_code == 0, result.output
    org = session.scalar(select(Organization).where(Organization.slug == "lake-district"))
    assert (org.name, org.timezone) == ("Lake District", "UTC")
    meeting = imported(session, "lake-district")["lakeside"]
    assert (meeting.attendance, meeting.timezone) == (Attendance.ONLINE, "UTC")


def test_a_meeting_listed_on_fewer_days_keeps_the_series_of_the_day_it_still_has(session):
    now = datetime(2026, 3, 4, 12, tzinfo=UTC)
    item = {"name": "Noon Step Study", "slug": "noon", "day": [1, 3], "time": "12:00",
            "location": "Library", "group": "Noon Group"}
    import_feed(session, None, [item], org_slug="noon-org", now=now)
    first = imported(session, "noon-org")
    summary = import_feed(session, None, [item | {"day": 3}], org_slug="noon-org", now=now)
    assert (summary.created, summary.updated, summary.unchanged) == (0, 0, 1)
    assert [str(m) for m in summary.not_in_feed] == [
        "“Noon Step Study” (slug noon--mon) of Noon Group"]
    rows = imported(session, "noon-org")
    assert rows["noon"].id == first["noon--wed"].id  # now under the plain slug
    assert rows["noon--mon"].id == first["noon--mon"].id  # left as it was


# -- issue 25: what real feeds send ------------------------------------------------------

EDMONTON = DATA / "edmonton.json"
EVERY_CASE = DATA / "every_case.json"


def test_a_feed_written_with_12_hour_times_imports(runner, session, frozen_clock):
    """A real intergroup feed (tsml-ui's edmonton.json) writes "7:30 PM" and "11:00 AM"."""
    result = run(runner, EDMONTON, "--org", "edmonton", "--timezone", "America/Edmonton")
    assert result.exit_code == 0, result.output
    assert "Meetings (one per weekday): 294 created, 0 updated, 0 unchanged, 21 skipped." \
        in result.output
    assert result.output.count("temporarily closed and it has no online option") == 21
    rows = imported(session, "edmonton")
    assert rows["6"].start_time == time(11) and rows["6"].duration_minutes == 60
    assert rows["9"].start_time == time(12, 15)
    assert rows["8"].start_time == time(19, 30) and rows["11"].start_time == time(12)
    # The dial string as the feed gives it, pauses and key presses included.
    assert rows["14"].online_phone == \
        "+15873281099,,82900440659#,,#,,M1F3TTRlakdHUDg4Ukl0VjFZSHo5QT09#"


@pytest.mark.parametrize(("text", "expected"), [
    ("7:30 PM", time(19, 30)), ("11:00 AM", time(11)), ("7:30pm", time(19, 30)),
    ("7:30  p.m.", time(19, 30)), ("12:00 PM", time(12)), ("12:15 am", time(0, 15)),
    ("07:05 Am", time(7, 5)), ("19:30", time(19, 30)), ("19:30:00", time(19, 30)),
])
def test_times_are_read_in_24_and_12_hour_forms(text, expected):
    assert meeting_guide_read.parse_time(text) == expected


@pytest.mark.parametrize("text", ["13:00 PM", "0:30 AM", "7 PM", "7:30 XM", "7.30pm", "noon"])
def test_other_times_are_refused_with_the_meeting_and_the_value(text):
    _, [skip] = meeting_guide_read.parse_feed([{"name": "Late Show", "slug": "late-show",
                                                "day": 1, "time": text}])
    assert str(skip) == (f"item 1 “Late Show” (slug late-show): Its start time “{text}” is "
                         "not a time of day (like 19:30 or 7:30 PM).")


def test_doubtful_ends_are_warned_of_and_listed_for_the_admin(runner, session, client, auth,
                                                              make_user, frozen_clock):
    result = run(runner, EVERY_CASE, "--org", "every-case")
    assert result.exit_code == 0, result.output
    assert "2 meeting(s) to check: longer than 4 hours or ending after midnight" in result.output
    assert ("  Check item 3 “Midnight Slip” (slug midnight-slip): 12:15 to 01:15 is 13 hours "
            "long.") in result.output
    assert ("  Check item 4 “Night Owls” (slug night-owls): 23:30 to 00:30 ends after "
            "midnight.") in result.output

    org = session.scalar(select(Organization).where(Organization.slug == "every-case"))
    auth.login(make_user(org, Role.ADMIN))
    page = client.get("/admin/every-case/").get_data(as_text=True)
    assert "Imported meetings to check" in page
    assert "12:15 to 01:15 is 13 hours long" in page
    assert "23:30 to 00:30 ends after midnight" in page
    spanish = client.get("/admin/every-case/", headers={"Accept-Language": "es"}).text
    assert "de 12:15 a 01:15 dura 13 horas" in spanish
    assert "de 23:30 a 00:30 termina después de la medianoche" in spanish
    # Corrected, it leaves the list: nothing is stored about it.
    slip = imported(session, "every-case")["midnight-slip"]
    values = {name: getattr(slip.series(), name) for name in VALUE_FIELDS}
    meetings.update_meeting(session, None, slip, MeetingValues(**values | {"duration_minutes": 60}))
    session.commit()
    page = client.get("/admin/every-case/").get_data(as_text=True)
    assert "12:15 to 01:15" not in page and "23:30 to 00:30 ends after midnight" in page


def test_regions_keep_their_levels_and_the_directory_finds_either(runner, session, client,
                                                                  frozen_clock):
    assert run(runner, EVERY_CASE, "--org", "every-case").exit_code == 0
    rows = imported(session, "every-case")
    evening = rows["evening-serenity"]
    assert (evening.region, evening.sub_region) == ("Springfield", "Downtown > Historic District")
    morning = rows["morning-pages--mon"]
    assert (morning.region, morning.sub_region) == ("Springfield", "West Side")
    for region in ("Historic District", "downtown", "Springfield"):
        page = client.get("/o/every-case/", query_string={"region": region},
                          follow_redirects=True)
        assert "Evening Serenity" in page.get_data(as_text=True), region
    page = client.get("/o/every-case/", query_string={"region": "West Side"})
    text = page.get_data(as_text=True)
    assert "Morning Pages" in text and "Evening Serenity" not in text


def test_slugs_are_kept_as_the_feed_gave_them(runner, session, frozen_clock):
    assert run(runner, EVERY_CASE, "--org", "every-case").exit_code == 0
    rows = imported(session, "every-case")
    long_slug = "meeting-585-general-steuben-rd-king-of-prussia-pa-19406-usa-0-070000"
    kept = [m for m in rows.values() if m.feed_slug == long_slug]
    assert len(kept) == 2  # Sunday and Saturday, one series each
    assert all(len(m.source_slug) <= 64 for m in kept)
    assert rows["caf%C3%A9-r%C3%A9union"].feed_slug == "caf%C3%A9-r%C3%A9union"


def test_programs_come_from_type_codes_or_the_program_map(runner, session, tmp_path,
                                                          frozen_clock):
    result = run(runner, EVERY_CASE, "--org", "every-case")
    assert "group(s) of this feed of several programs had none in the feed and were filed " \
        "under Alcoholics Anonymous (AA); pass --program-map FILE" in result.output
    groups = {g.name: g.program for g in session.scalars(select(Group))}
    assert groups["Springfield Sangha"] == Program.DHARMA  # its "RD" type
    assert groups["Family Hope AFG"] == Program.AA  # --program's default

    mapping = tmp_path / "programs.txt"
    mapping.write_text("# what = program\nfamily hope afg = al-anon\nS = na\n")
    result = run(runner, EVERY_CASE, "--org", "mapped", "--program-map", str(mapping))
    assert result.exit_code == 0, result.output
    org = session.scalar(select(Organization).where(Organization.slug == "mapped"))
    mapped = {g.name: g.program for g in org.groups}
    assert mapped["Family Hope AFG"] == Program.ALANON  # by its group's name
    assert mapped["Grupo Reunión"] == Program.NA  # by its type code
    assert mapped["Springfield Sangha"] == Program.DHARMA


@pytest.mark.parametrize(("text", "message"), [
    ("RD dharma\n", "Line 1 should read “type code or group name = program”"),
    ("# programs\nRD = buddhists\n", "Line 2: “buddhists” is not a program; use one of aa,"),
])
def test_a_program_map_that_cannot_be_read_imports_nothing(runner, session, tmp_path, text,
                                                           message):
    before = counts(session)
    mapping = tmp_path / "programs.txt"
    mapping.write_text(text)
    result = run(runner, EVERY_CASE, "--org", "every-case", "--program-map", str(mapping))
    assert result.exit_code != 0
    assert f"programs.txt: {message}" in result.output and "Nothing was imported." in result.output
    assert counts(session) == before


def test_a_dry_run_says_what_the_import_would_do_and_saves_nothing(runner, session):
    before = counts(session)
    result = run(runner, FEED, "--org", "springfield", "--dry-run")
    assert result.exit_code == 0, result.output
    assert meeting_import.DRY_RUN_HEADING in result.output
    assert ("Meetings (one per weekday): 17 created, 0 updated, 0 unchanged, 1 skipped."
            in result.output)
    assert counts(session) == before
