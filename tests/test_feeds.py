"""Calendar feeds over HTTP: what calendar apps, proxies and members get."""

from __future__ import annotations

from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
import recurring_ical_events
import vobject

from facilitator import clock
from facilitator.domain.choices import Role
from facilitator.domain.meeting import CancelReason
from facilitator.domain.meeting import DateChange
from facilitator.services import feeds
from facilitator.services import meetings
from facilitator.services import organizations
from tests.conftest import page_text

CHICAGO = ZoneInfo("America/Chicago")


@pytest.fixture
def org_with_feeds(make_org, make_user, make_group, make_meeting, session):
    org = make_org(slug="riverside", name="Riverside", timezone="America/Chicago")
    leader = make_user(org, Role.FACILITATOR)
    public = make_group(org, slug="tuesday", name="Tuesday Group", facilitators=[leader])
    private = make_group(org, slug="circle", name="Quiet Circle", visibility="private",
                         facilitators=[leader])
    meeting = make_meeting(public, title="Step Study")  # Tuesdays 19:00 from 6 Jan 2026
    make_meeting(private, title="Circle Meeting", location_name="Room 3, ask the facilitator")
    meetings.cancel_date(session, None, meeting, date(2026, 3, 17), CancelReason.HOLIDAY,
                         "St Patrick's")
    meetings.change_date(session, None, meeting, date(2026, 3, 24),
                         DateChange(start_time=time(10), location_name="Library, room 2"))
    session.commit()
    return {"org": org, "leader": leader, "public": public, "private": private,
            "meeting": meeting}


def march_starts(ics: bytes) -> list[tuple[datetime, str]]:
    """Expand with icalendar + recurring-ical-events: (local start, location) in March."""
    calendar = icalendar.Calendar.from_ical(ics)
    found = recurring_ical_events.of(calendar).between(datetime(2026, 3, 1),
                                                       datetime(2026, 4, 1))
    return sorted((e["DTSTART"].dt.astimezone(CHICAGO).replace(tzinfo=None),
                   str(e.get("LOCATION", ""))) for e in found)


def test_group_feed_matches_the_apps_own_dates_across_dst(client, org_with_feeds):
    response = client.get("/g/tuesday/meetings.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    starts = march_starts(response.data)
    # DST starts 8 March: still 19:00 on the wall clock; 17th cancelled; 24th moved.
    assert [s for s, _ in starts] == [
        datetime(2026, 3, 3, 19), datetime(2026, 3, 10, 19), datetime(2026, 3, 24, 10),
        datetime(2026, 3, 31, 19)]
    assert "Library, room 2" in dict(starts)[datetime(2026, 3, 24, 10)]
    # The group page says the same of the dates it shows.
    page = page_text(client.get("/g/tuesday/"))
    assert "Every Tuesday" in page and "7:00 pm" in page

    # A second, independent parser reads the same series and exception.
    parsed = vobject.readOne(response.data.decode())
    series = next(v for v in parsed.vevent_list if not hasattr(v, "recurrence_id"))
    rules = series.getrruleset()
    march = [d.astimezone(CHICAGO) for d in rules.between(
        datetime(2026, 3, 1, tzinfo=CHICAGO), datetime(2026, 4, 1, tzinfo=CHICAGO))]
    assert [(d.day, d.hour) for d in march] == [(3, 19), (10, 19), (24, 19), (31, 19)]
    override = next(v for v in parsed.vevent_list if hasattr(v, "recurrence_id"))
    assert override.recurrence_id.value.astimezone(CHICAGO) == datetime(2026, 3, 24, 19,
                                                                        tzinfo=CHICAGO)
    assert override.dtstart.value.astimezone(CHICAGO).hour == 10


def test_org_feed_has_public_meetings_only(client, org_with_feeds):
    body = client.get("/o/riverside/meetings.ics").data
    calendar = icalendar.Calendar.from_ical(body)
    summaries = {str(e["SUMMARY"]) for e in calendar.walk("VEVENT")}
    assert summaries == {"Step Study — Tuesday Group"}
    assert b"Quiet Circle" not in body and b"Room 3" not in body
    assert calendar.get("X-WR-CALNAME") == "Riverside"
    assert {str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")} == {"America/Chicago"}


def a_minute_later(monkeypatch) -> None:
    """Move the app's clock on: the last change is a minute old."""
    moment = clock.now() + timedelta(minutes=1)
    monkeypatch.setattr(clock, "now", lambda: moment)


def test_validators_and_304(client, org_with_feeds, session, monkeypatch):
    a_minute_later(monkeypatch)
    first = client.get("/o/riverside/meetings.ics")
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert etag.startswith('"') and not etag.startswith('W/')  # strong
    assert first.headers["Cache-Control"].startswith("public, max-age=")
    again = client.get("/o/riverside/meetings.ics", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag
    since = client.get("/o/riverside/meetings.ics", headers={"If-Modified-Since": modified})
    assert since.status_code == 304

    # A change anyone can see gives a new ETag and the change.
    meetings.cancel_date(session, None, org_with_feeds["meeting"], date(2026, 3, 31),
                         CancelReason.VENUE_CLOSED)
    session.commit()
    changed = client.get("/o/riverside/meetings.ics", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert datetime(2026, 3, 31, 19) not in [s for s, _ in march_starts(changed.data)]


def test_a_public_feed_answers_from_validators_read_less_than_a_second_ago(
        app, client, auth, org_with_feeds, session, monkeypatch):
    """A worker trusts the validators it read for a public feed for
    FEED_VALIDATOR_SECONDS (the feed may be an hour old in any cache anyway); a
    private feed's token is looked up every time, so a replaced one stops at once."""
    app.config["FEED_VALIDATOR_SECONDS"] = 1.0
    now = [1000.0]
    monkeypatch.setattr(clock, "monotonic", lambda: now[0])
    feeds_ = ("/o/riverside/meetings.ics", "/o/riverside/meetings.json",
              "/g/tuesday/meetings.ics")
    etags = {url: client.get(url).headers["ETag"] for url in feeds_}
    meetings.cancel_date(session, None, org_with_feeds["meeting"], date(2026, 3, 31),
                         CancelReason.VENUE_CLOSED)
    session.commit()
    now[0] += 0.9
    for url in feeds_:
        assert client.get(url, headers={"If-None-Match": etags[url]}).status_code == 304
    now[0] += 0.2
    for url in feeds_:
        changed = client.get(url, headers={"If-None-Match": etags[url]})
        assert changed.status_code == 200 and changed.headers["ETag"] != etags[url]
    changed = client.get("/o/riverside/meetings.ics")
    assert datetime(2026, 3, 31, 19) not in [s for s, _ in march_starts(changed.data)]
    # An org's feed nobody could find is looked up again, not remembered as missing.
    assert client.get("/o/nowhere/meetings.ics").status_code == 404
    organizations.create_organization(session, None, slug="nowhere", name="Nowhere",
                                      timezone="America/Chicago")
    session.commit()
    assert client.get("/o/nowhere/meetings.ics").status_code == 200
    # A private feed's link replaced: the old one stops within the same instant.
    link = make_private_link(client, auth, org_with_feeds["leader"], org_with_feeds["private"])
    assert client.get(link).status_code == 200
    make_private_link(client, auth, org_with_feeds["leader"], org_with_feeds["private"])
    assert client.get(link).status_code == 404


def test_a_weak_etag_from_a_proxy_gets_304(client, org_with_feeds):
    # A proxy that compresses the feed weakens its ETag; RFC 9110 compares weakly on GET.
    etag = client.get("/o/riverside/meetings.ics").headers["ETag"]
    for sent in (f"W/{etag}", f'"something-else", W/{etag}', "*"):
        answer = client.get("/o/riverside/meetings.ics", headers={"If-None-Match": sent})
        assert (answer.status_code, answer.data) == (304, b""), sent
    other = client.get("/o/riverside/meetings.ics", headers={"If-None-Match": 'W/"old"'})
    assert other.status_code == 200 and b"BEGIN:VCALENDAR" in other.data
    group = client.get("/g/tuesday/meetings.ics")
    assert client.get("/g/tuesday/meetings.ics", headers={
        "If-None-Match": f"W/{group.headers['ETag']}"}).status_code == 304


def test_two_changes_within_one_second_both_reach_a_client_that_sends_only_the_date(
        client, org_with_feeds, session, frozen_clock, monkeypatch):
    meeting = org_with_feeds["meeting"]
    meetings.cancel_date(session, None, meeting, date(2026, 3, 31), CancelReason.HOLIDAY)
    session.commit()
    first = client.get("/o/riverside/meetings.ics")
    assert datetime(2026, 3, 31, 19) not in [s for s, _ in march_starts(first.data)]
    # The same instant: the clock is stopped
    meetings.change_date(session, None, meeting, date(2026, 3, 10),
                         DateChange(start_time=time(18)))
    session.commit()
    assert clock.now() == frozen_clock
    second = client.get("/o/riverside/meetings.ics",
                        headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert second.status_code == 200
    assert datetime(2026, 3, 10, 18) in [s for s, _ in march_starts(second.data)]
    # No date later than the clock's, and none that would hide the second change
    assert first.last_modified <= frozen_clock
    # Once that second is over, the copy a client has is answered 304
    a_minute_later(monkeypatch)
    third = client.get("/o/riverside/meetings.ics",
                       headers={"If-Modified-Since": second.headers["Last-Modified"]})
    assert third.last_modified > first.last_modified
    fourth = client.get("/o/riverside/meetings.ics",
                        headers={"If-Modified-Since": third.headers["Last-Modified"]})
    assert fourth.status_code == 304
    # and a change after that is not
    meetings.cancel_date(session, None, meeting, date(2026, 3, 3), CancelReason.HOLIDAY)
    session.commit()
    fifth = client.get("/o/riverside/meetings.ics",
                       headers={"If-Modified-Since": third.headers["Last-Modified"]})
    assert fifth.status_code == 200
    assert datetime(2026, 3, 3, 19) not in [s for s, _ in march_starts(fifth.data)]


def test_a_repeated_request_is_built_once(client, org_with_feeds, monkeypatch):
    built = []
    real = feeds.org_feed
    monkeypatch.setattr(feeds, "org_feed", lambda *a, **k: built.append(1) or real(*a, **k))
    bodies = {client.get("/o/riverside/meetings.ics").data for _ in range(3)}
    assert len(bodies) == 1 and built == [1]
    client.get("/o/riverside/meetings.ics", headers={
        "If-None-Match": client.get("/o/riverside/meetings.ics").headers["ETag"]})
    assert built == [1]


def test_private_group_has_no_public_feed(client, org_with_feeds):
    assert client.get(f"/g/{org_with_feeds['private'].slug}/meetings.ics").status_code == 404
    assert client.get("/o/nope/meetings.ics").status_code == 404
    assert client.get("/g/nope/meetings.ics").status_code == 404


def make_private_link(client, auth, leader, group) -> str:
    auth.login(leader)
    page = client.post(f"/manage/g/{group.slug}/feed-link")
    assert page.headers["Cache-Control"] == "private, no-store"
    html = page.get_data(as_text=True)
    auth.logout()
    return html.split('id="private-url" class="copy" readonly value="http://facilitator.test')[1] \
        .split('"')[0]


def test_private_feed_token_life_cycle(client, auth, org_with_feeds, session):
    leader = org_with_feeds["leader"]
    link = make_private_link(client, auth, leader, org_with_feeds["private"])
    assert link.startswith("/feeds/") and link.endswith(".ics")
    token = link.removeprefix("/feeds/").removesuffix(".ics")
    assert len(token) >= 22  # at least 128 bits, URL-safe
    session.refresh(org_with_feeds["private"])
    assert token not in (org_with_feeds["private"].feed_token_hash or "")

    response = client.get(link)
    assert response.status_code == 200
    assert b"Circle Meeting" in response.data and b"Room 3" in response.data
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    for wrong in (f"/feeds/{token[:-1]}.ics", f"/feeds/{token}x.ics", "/feeds/.ics",
                  f"/feeds/{token.upper()}.ics", "/feeds/%00.ics"):
        assert client.get(wrong).status_code in (400, 404), wrong

    new_link = make_private_link(client, auth, leader, org_with_feeds["private"])
    assert new_link != link
    assert client.get(link).status_code == 404  # the old copies stop at once
    assert client.get(new_link).status_code == 200


def test_only_the_groups_leaders_make_its_link(client, auth, org_with_feeds, make_user):
    outsider = make_user(org_with_feeds["org"], Role.FACILITATOR)
    auth.login(outsider)
    assert client.post(f"/manage/g/{org_with_feeds['private'].slug}/feed-link").status_code == 404


def test_pages_offer_subscription(client, org_with_feeds):
    page = client.get("/g/tuesday/").get_data(as_text=True)
    assert "webcal://facilitator.test/g/tuesday/meetings.ics" in page
    assert "calendar.google.com/calendar/render?cid=webcal%3A//facilitator.test/g/tuesday/" \
        "meetings.ics" in page
    assert "outlook.live.com/calendar/0/addfromweb?url=http%3A//facilitator.test/g/tuesday/" in page
    text = page_text(page)
    for app in ("Apple Calendar", "Google Calendar", "Outlook", "Android"):
        assert app in text
    directory = client.get("/o/riverside/").get_data(as_text=True)
    assert "webcal://facilitator.test/o/riverside/meetings.ics" in directory


def test_meeting_guide_json_over_http(client, org_with_feeds):
    response = client.get("/o/riverside/meetings.json")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    items = response.get_json()
    assert [(i["name"], i["day"], i["time"], i["end_time"]) for i in items] == [
        ("Step Study", 2, "19:00", "20:30")]
    assert "Quiet Circle" not in response.get_data(as_text=True)
    again = client.get("/o/riverside/meetings.json",
                       headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    assert response.headers["ETag"] != client.get("/o/riverside/meetings.ics").headers["ETag"]


def test_reused_event_texts_give_the_same_feed_as_a_fresh_build(org_with_feeds, session):
    org = org_with_feeds["org"]

    def build(texts=None) -> bytes:
        session.expire_all()
        return feeds.org_feed(session, org, "https://x/o/riverside/",
                              lambda slug: f"https://x/g/{slug}/", texts)

    texts = feeds.EventTexts()
    assert build(texts) == build() == build(texts)
    assert len(texts) == 1
    meetings.change_date(session, None, org_with_feeds["meeting"], date(2026, 4, 7),
                         DateChange(note="Upstairs this week"))
    session.commit()
    rebuilt = build(texts)
    assert rebuilt == build()
    assert b"Upstairs this week" in rebuilt
