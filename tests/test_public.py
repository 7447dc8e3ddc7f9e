"""What members see without an account: the start page, an organization's meeting
directory and a group's page. Private groups never show on any of them."""

from __future__ import annotations

import html
import re
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
from zoneinfo import ZoneInfo

import pytest

from facilitator import clock
from facilitator.domain.choices import Role
from facilitator.domain.meeting import Attendance
from facilitator.domain.meeting import CancelReason
from facilitator.domain.meeting import DateChange
from facilitator.domain.recurrence import Recurrence
from facilitator.services import meetings
from tests.conftest import counted_selects
from tests.test_handouts import text_of

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)
#: A Monday, far from daylight saving changes. Every test here runs on it.
TODAY = date(2026, 2, 2)
ZOOM = {"online_url": "https://zoom.example/j/123", "online_phone": "+15555550111,,123#",
        "online_notes": "Passcode: calm"}


#: Midnight at the start of TODAY in Chicago, the org's zone: TODAY in London too.
NOW = datetime(2026, 2, 2, 6, tzinfo=UTC)


@pytest.fixture(autouse=True)
def today(monkeypatch):
    """Fix the clock; remember which zones "today" was asked about."""
    zones: list[str] = []
    today_in = clock.today_in

    def recording(zone: str) -> date:
        zones.append(zone)
        return today_in(zone)

    monkeypatch.setattr(clock, "now", lambda: NOW)
    monkeypatch.setattr(clock, "today_in", recording)
    return zones


def get(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


def text(page: str) -> str:
    """The page as a person reads it: no tags, one space between words."""
    page = re.sub(r'<span aria-hidden="true">.*?</span>', "", page)  # screen readers skip it
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split()).replace(" .", ".")


def titles(page: str) -> list[str]:
    return [html.unescape(t) for t in re.findall(r"<h3>(.*?)</h3>", page)]


def days(page: str) -> dict[str, str]:
    """The directory's day sections by day name, in page order."""
    parts = re.split(r'<section class="day" id="([\w-]+)"', page)[1:]
    return {name: body for name, body in zip(parts[::2], parts[1::2], strict=True)}


@pytest.fixture
def week(make_org, make_group, make_meeting):
    """An org whose public meetings cover every kind of recurrence, place and language."""
    org = make_org(slug="riverside", name="Riverside")
    aa = make_group(org, slug="aa-group", name="Riverside AA", program="aa", languages=["en"])
    na = make_group(org, slug="na-group", name="Riverside NA", program="na",
                    languages=["en", "es"])
    es = make_group(org, slug="grupo", name="Grupo Latino", program="na", languages=["es"])
    smart = make_group(org, slug="smart", name="SMART Riverside", program="smart",
                       languages=["en"])
    created = {}

    def add(group, title, recurrence, start, **values):
        created[title] = make_meeting(group, title=title, recurrence=recurrence,
                                      start_time=start, **values)

    add(aa, "Sunday Serenity", Recurrence.weekly(SUN), time(17), types=["O"])
    add(aa, "Tuesday Women", Recurrence.weekly(TUE), time(19), types=["C", "W"])
    add(aa, "London Tuesday", Recurrence.weekly(TUE), time(1), timezone="Europe/London",
        attendance=Attendance.ONLINE, location_name="", address="", types=["O"], **ZOOM)
    add(aa, "One Off", Recurrence.once(), time(14), first_date=date(2026, 2, 14),
        types=["O"])
    add(na, "Early Tuesday", Recurrence.weekly(TUE), time(7), attendance=Attendance.ONLINE,
        location_name="", address="", types=["O"], **ZOOM)
    add(na, "First Saturday", Recurrence.monthly(SAT, 1), time(10), types=["O", "LIT"])
    add(na, "Past One Off", Recurrence.once(), time(19), first_date=date(2026, 1, 20))
    add(na, "Ended Thursday", Recurrence.weekly(THU), time(19), last_date=date(2026, 1, 29))
    add(es, "Hybrid Tuesday", Recurrence.weekly(TUE), time(12), attendance=Attendance.HYBRID,
        types=["O", "S"], **ZOOM)
    add(smart, "MWF Noon", Recurrence.weekly(MON, WED, FRI), time(12),
        attendance=Attendance.HYBRID, types=["D"], **ZOOM)
    return {"org": org, "meetings": created, "groups": {"aa": aa, "na": na, "es": es}}


def test_unknown_organization_is_not_found(client, week):
    assert client.get("/o/no-such-org/").status_code == 404
    assert client.get("/o/RIVERSIDE/").status_code == 404


def test_directory_lists_the_week_from_sunday_in_time_order(client, week, today):
    page = get(client, "/o/riverside/")
    assert "Times are Central Time (America/Chicago)" in text(page)
    assert today == ["America/Chicago"]  # today is the org's, not the server's
    by_day = {name: titles(body) for name, body in days(page).items()}
    assert by_day == {
        "sunday": ["Sunday Serenity"],
        # 01:00 Tuesday in London is 19:00 Monday in Chicago.
        "monday": ["MWF Noon", "London Tuesday"],
        "tuesday": ["Early Tuesday", "Hybrid Tuesday", "Tuesday Women"],
        "wednesday": ["MWF Noon"],
        "friday": ["MWF Noon"],
        "saturday": ["First Saturday", "One Off"],
    }
    assert "Monday (today)" in text(page)
    assert "Showing all 10 meetings." in text(page)


def test_ended_series_and_past_one_date_meetings_are_left_out(client, week):
    page = text(get(client, "/o/riverside/"))
    assert "Ended Thursday" not in page
    assert "Past One Off" not in page


def test_recurrence_and_dates_are_described_where_the_day_does_not_say_it(client, week):
    saturday = text(days(get(client, "/o/riverside/"))["saturday"])
    assert "First Saturday of the month · next Sat 7 Feb" in saturday
    assert "One date only: Saturday 14 February 2026" in saturday


def test_converted_meeting_says_its_own_time(client, week):
    monday = text(days(get(client, "/o/riverside/"))["monday"])
    assert "7:00 pm to 8:30 pm London Tuesday" in monday
    assert "Scheduled as 1:00 am Europe/London time." in monday


def test_a_row_says_when_what_who_and_where_but_not_the_online_link(client, week):
    page = get(client, "/o/riverside/")
    tuesday = days(page)["tuesday"]
    assert '<a href="/g/aa-group/">Riverside AA</a>' in tuesday
    words = text(tuesday)
    confirmed = "listing confirmed on Mon 2 Feb 2026"  # when the groups were made
    assert ("7:00 pm to 8:30 pm Tuesday Women Riverside AA · Alcoholics Anonymous (AA) · "
            f"{confirmed} In person · Community Centre, 90 Main Street (opens a map) Closed · "
            "Women") in words
    assert ("Early Tuesday Riverside NA · Narcotics Anonymous (NA) · "
            f"{confirmed} Online · how to join") in words
    assert "Hybrid (in person and online) · Community Centre, 90 Main Street" in words
    for secret in ("zoom.example", "5550111", "Passcode"):
        assert secret not in page


@pytest.mark.parametrize("query, expected", [
    ("day=2", {"Early Tuesday", "Hybrid Tuesday", "Tuesday Women"}),
    ("day=1", {"MWF Noon", "London Tuesday"}),
    ("day=4", set()),
    ("program=na", {"Early Tuesday", "First Saturday", "Hybrid Tuesday"}),
    ("type=W", {"Tuesday Women"}),
    ("type=LIT", {"First Saturday"}),
    ("attendance=online", {"Early Tuesday", "London Tuesday", "Hybrid Tuesday", "MWF Noon"}),
    ("attendance=in_person", {"Sunday Serenity", "Tuesday Women", "One Off",
                              "First Saturday", "Hybrid Tuesday", "MWF Noon"}),
    ("attendance=hybrid", {"Hybrid Tuesday", "MWF Noon"}),
    ("language=es", {"Early Tuesday", "First Saturday", "Hybrid Tuesday"}),
    ("day=2&program=na&language=es", {"Early Tuesday", "Hybrid Tuesday"}),
    ("day=2&attendance=hybrid&type=S", {"Hybrid Tuesday"}),
    ("program=aa&attendance=online", {"London Tuesday"}),
])
def test_each_filter_and_combinations(client, week, query, expected):
    page = get(client, f"/o/riverside/?{query}")
    assert set(titles(page)) == expected
    assert '<a href="/o/riverside/">Clear filters</a>' in page


def test_the_chosen_filters_are_shown_and_kept_in_the_form(client, week):
    page = get(client, "/o/riverside/?day=2&program=na")
    assert "Showing 2 of 10 meetings: Tuesday, Narcotics Anonymous (NA)." in text(page)
    assert '<option value="2" selected>Tuesday</option>' in page
    assert '<option value="na" selected>Narcotics Anonymous (NA)</option>' in page
    assert "<summary>Change filters</summary>" in page
    # Only what the directory has is offered.
    assert '<option value="sos"' not in page
    assert '<option value="es">Spanish</option>' in page


def test_the_region_filter_offers_the_public_meetings_regions_and_shows_theirs(
        client, week, make_group, make_meeting):
    aa, na = week["groups"]["aa"], week["groups"]["na"]
    make_meeting(aa, title="Downtown Noon", start_time=time(12), region="Downtown")
    make_meeting(na, title="Downtown Evening", region="  downtown ")
    make_meeting(aa, title="Northside Sunday", recurrence=Recurrence.weekly(SUN),
                 region="North Side")
    hidden = make_group(week["org"], slug="hidden", name="Hidden", visibility="private")
    make_meeting(hidden, title="Hidden Meeting", region="Hollow Lane")

    page = get(client, "/o/riverside/")
    assert re.findall(r'<option value="([^"]*)">[^<]*</option>',
                      page.split('name="region"')[1].split("</select>")[0]) == [
        "", "Downtown", "North Side"]
    assert "Hollow Lane" not in page

    # Any case and spacing finds the region; the address to share spells it one way.
    response = client.get("/o/riverside/?region=DOWNTOWN")
    assert response.headers["Location"] == "/o/riverside/?region=Downtown"
    page = get(client, "/o/riverside/?region=Downtown")
    assert set(titles(page)) == {"Downtown Noon", "Downtown Evening"}
    assert "Showing 2 of 13 meetings: Downtown." in text(page)
    assert '<option value="Downtown" selected>Downtown</option>' in page
    assert "In person · Downtown · Community Centre, 90 Main Street" in text(page)
    assert 'href="/o/riverside/directory.pdf?region=Downtown"' in page
    # The same list printed in the other language, or in both.
    assert 'href="/o/riverside/directory.pdf?region=Downtown&amp;lang=es"' in page
    assert 'href="/o/riverside/directory.pdf?region=Downtown&amp;lang=en,es"' in page
    # With the other filters; a private group's region is not one the directory knows.
    assert set(titles(get(client, "/o/riverside/?region=Downtown&program=na"))) == {
        "Downtown Evening"}
    assert client.get("/o/riverside/?region=Hollow+Lane").headers["Location"] == \
        "/o/riverside/"


def test_online_is_one_notion_whether_asked_as_a_region_or_as_the_attendance(
        client, week, make_meeting):
    # Meeting Guide feeds file meetings without a place under the region "Online".
    make_meeting(week["groups"]["aa"], title="Online Region", attendance=Attendance.ONLINE,
                 region="Online", address="", location_name="", **ZOOM)
    by_attendance = set(titles(get(client, "/o/riverside/?attendance=online")))
    assert {"Online Region", "Hybrid Tuesday", "Early Tuesday"} <= by_attendance

    # Not offered as a region of its own; a link to it (as other lists make) shows the same.
    make_meeting(week["groups"]["aa"], title="Downtown Noon", region="Downtown")
    page = get(client, "/o/riverside/")
    assert re.findall(r'<option value="([^"]*)">[^<]*</option>',
                      page.split('name="region"')[1].split("</select>")[0]) == ["", "Downtown"]
    response = client.get("/o/riverside/?region=online")
    assert response.headers["Location"] == "/o/riverside/?attendance=online"
    response = client.get("/o/riverside/?region=Online&day=2")
    assert response.headers["Location"] == "/o/riverside/?day=2&attendance=online"
    # The listing does not say "Online · Online".
    assert "Online · Online" not in text(get(client, "/o/riverside/?attendance=online"))
    # The printed directory reads the same query.
    printed = text_of(client.get("/o/riverside/directory.pdf?region=Online").data)
    assert "Online Region" in printed and "Hybrid Tuesday" in printed
    assert "Sunday Serenity" not in printed and "Online · Online" not in printed


def test_no_match_says_so_kindly(client, week):
    page = text(get(client, "/o/riverside/?day=4"))
    assert "No meetings match all of these choices. Try fewer filters, or see every meeting." \
        in page


def test_an_organization_without_public_meetings_says_so(client, make_org):
    make_org(slug="quiet", name="Quiet Org", contact="Call 555-0100")
    page = text(get(client, "/o/quiet/"))
    assert "Quiet Org has no public meetings listed right now. You can ask: Call 555-0100" \
        in page


def test_the_form_sends_empty_fields_and_gets_the_short_address(client, week):
    response = client.get("/o/riverside/?day=2&program=&type=&attendance=&language=")
    assert response.status_code == 302
    assert response.headers["Location"] == "/o/riverside/?day=2"
    response = client.get("/o/riverside/?program=NA&type=w")
    assert response.headers["Location"] == "/o/riverside/?program=na&type=W"


@pytest.mark.parametrize("query", [
    "day=7", "day=-1", "day=monday", "day=2.5", "day=%D9%A3", "day=99999999999999999999",
    "program=sos-and-more", "program=%3Cscript%3E", "type=ONL", "type=", "attendance=both",
    "language=xx", "language=" + "e" * 5000, "day[]=2", "utm_source=flyer", "day=2&day=3",
    "program=%E2%80%AE", "type=%F0%9F%98%80", "attendance=%27%3B--", "region=Nowhere",
    "region=" + "x" * 5000, "region=%0A", "region[]=Downtown",
])
def test_garbage_filters_are_ignored(client, week, query):
    response = client.get(f"/o/riverside/?{query}", follow_redirects=True)
    assert response.status_code == 200
    assert len(titles(response.get_data(as_text=True))) in (10, 3)  # 3: day=2 kept


def test_cancelled_and_changed_dates_are_marked(client, session, week):
    women = week["meetings"]["Tuesday Women"]
    noon = week["meetings"]["MWF Noon"]
    meetings.cancel_date(session, None, women, date(2026, 2, 10), CancelReason.HOLIDAY,
                         "Closed for the holiday")
    meetings.change_date(session, None, noon, date(2026, 2, 4), DateChange(
        start_time=time(10), note="The hall is booked at noon."))
    session.commit()

    page = get(client, "/o/riverside/")
    tuesday, wednesday = text(days(page)["tuesday"]), text(days(page)["wednesday"])
    assert "Cancelled Tue 10 Feb — Holiday: Closed for the holiday" in tuesday
    assert ("Changed Wed 4 Feb: starts 10:00 am instead of 12:00 pm. "
            "The hall is booked at noon.") in wednesday
    assert 'class="date-cancelled"' in days(page)["tuesday"]
    assert 'class="date-changed"' in days(page)["wednesday"]
    # Only the Wednesday of a Monday-Wednesday-Friday meeting changed.
    assert "Changed" not in text(days(page)["monday"]) + text(days(page)["friday"])

    group_page = text(get(client, "/g/aa-group/"))
    assert "Tue 3 Feb Cancelled Tue 10 Feb — Holiday: Closed for the holiday Tue 17 Feb" \
        in group_page


def test_changed_place_and_link_show_on_the_group_page_only(client, session, week):
    noon = week["meetings"]["MWF Noon"]
    meetings.change_date(session, None, noon, date(2026, 2, 6), DateChange(
        location_name="Library", address="1 Elm Street",
        online_url="https://meet.example/other"))
    session.commit()
    directory = get(client, "/o/riverside/")
    assert ("Changed Fri 6 Feb: Meets at Library, 1 Elm Street. A different online link: see "
            "the group page.") in text(directory)
    assert "meet.example" not in directory
    group_page = get(client, "/g/smart/")
    # The date's own link, like the series', is given only on the join page.
    assert "meet.example" not in group_page
    assert "A different online link on this date: the join page gives it." in text(group_page)


def test_group_page_shows_everything_a_member_needs(client, make_org, make_group,
                                                     make_meeting):
    org = make_org(slug="riverside", name="Riverside")
    group = make_group(org, slug="womens-step", name="Women's Step Study", program="aa",
                       audience="women", languages=["en", "es"],
                       description="A closed meeting for women.\nNewcomers welcome.")
    make_meeting(group, title="Step Study", attendance=Attendance.HYBRID,
                 location_name="St. Mark's Hall", address="412 River Road",
                 location_notes="Side door; basement room 3.", wheelchair_accessible=True,
                 types=["C", "W", "ST"], notes="Bring the Big Book.", **ZOOM)
    page = get(client, "/g/womens-step/")
    words = text(page)
    for expected in (
        "Women's Step Study", "Program Alcoholics Anonymous (AA)", "For Women",
        "Languages English, Spanish", "A closed meeting for women. Newcomers welcome.",
        "Step Study Every Tuesday, 7:00 pm to 8:30 pm Central Time (America/Chicago)",
        "Attendance Hybrid (in person and online)",
        "Place St. Mark's Hall 412 River Road (opens a map) Side door; basement room 3. "
        "Wheelchair accessible",
        "Online The link and passcode to join are on the meeting's join page from 15 minutes "
        "before each meeting until it ends. By phone: +15555550111,,123# (the passcode is "
        "on the join page)",
        "Type Closed, Women, Step Study", "Notes Bring the Big Book.",
        "Next dates Tue 3 Feb Tue 10 Feb Tue 17 Feb Tue 24 Feb Tue 3 Mar Tue 10 Mar Tue 17 Mar "
        "Tue 24 Mar",
    ):
        assert expected in words, expected
    assert page.count('<li class="date-scheduled">') == 8
    # The link and the online notes (the passcode) are on the join page only.
    assert "zoom.example" not in page and "calm" not in page
    assert f'href="/j/{group.meetings[0].id}"' in page
    assert 'href="tel:+15555550111,,123%23"' in page
    assert '<a href="/o/riverside/">' in page
    assert "Private group" not in words


def test_group_page_times_say_what_the_feed_says_across_clock_changes(
        client, make_org, make_group, make_meeting):
    org = make_org(slug="riverside", name="Riverside")
    group = make_group(org, slug="night-owls", name="Night Owls")
    # 02:30 does not exist on 8 March 2026 in Chicago, the first date: the app, and
    # every calendar app reading the feed, have it at 03:30 that night
    make_meeting(group, title="Small Hours", recurrence=Recurrence.weekly(SUN),
                 first_date=date(2026, 3, 8), start_time=time(2, 30), duration_minutes=60)
    make_meeting(group, title="Marathon", recurrence=Recurrence.weekly(SAT),
                 first_date=date(2026, 2, 7), start_time=time(12), duration_minutes=24 * 60)
    page = get(client, "/g/night-owls/")
    words = text(page)
    # its own start time and length, not the first date's real end (4:30 am)
    assert "Small Hours Every Sunday, 2:30 am to 3:30 am" in words
    assert ("Next dates Sun 8 Mar: starts 3:30 am, as the clocks go forward that night "
            "Sun 15 Mar Sun 22 Mar") in words
    assert words.count("as the clocks go forward") == 1
    # a 24-hour meeting does not read as an hour long
    assert "Marathon Every Saturday, 12:00 pm to 12:00 pm the next day" in words
    assert "12:00 pm to 12:00 pm the next day Marathon" in text(get(client, "/o/riverside/"))
    handout = text_of(client.get("/g/night-owls/handout.pdf").data)
    assert "2:30 am – 3:30 am" in handout and "12:00 pm – 12:00 pm the next day" in handout
    assert "Sun 8 Mar: starts 3:30 am, as the clocks go forward that night" in handout


def test_group_page_of_unknown_group_is_not_found(client):
    assert client.get("/g/no-such-group/").status_code == 404


def test_group_page_leaves_out_ended_meetings(client, week):
    page = text(get(client, "/g/na-group/"))
    assert "Early Tuesday" in page and "First Saturday" in page
    assert "Past One Off" not in page and "Ended Thursday" not in page


@pytest.fixture
def hidden(tenancy, session, make_meeting):
    """Org A's private group, with a name and a place worth keeping secret."""
    group = tenancy["a"]["group2"]
    group.name = "Hidden Nurses Circle"
    session.commit()
    make_meeting(group, title="Secret Circle Meeting", location_name="Room Behind The Pharmacy",
                 attendance=Attendance.HYBRID, types=["P"], **ZOOM)
    make_meeting(tenancy["a"]["group1"], title="Open Meeting")
    return group


def test_private_group_never_appears_on_public_pages(client, tenancy, hidden):
    directory = get(client, "/o/org-a/")
    assert "Open Meeting" in directory
    slug = tenancy["a"]["group2"].slug
    for secret in ("Hidden Nurses Circle", "Secret Circle Meeting", "Behind The Pharmacy",
                   slug, "Professionals"):
        assert secret not in directory, secret
    for query in ("?type=P", "?type=O", "?program=aa", "?day=2", "?attendance=hybrid"):
        page = get(client, "/o/org-a/" + query)
        assert "Hidden Nurses" not in page and "Secret Circle" not in page, query
    not_found = client.get(f"/g/{slug}/")
    assert not_found.status_code == 404
    assert "Hidden Nurses" not in not_found.get_data(as_text=True)
    assert "Hidden Nurses" not in get(client, "/")


@pytest.mark.parametrize("who, org", [("lead1", "a"), ("admin", "b"), ("auditor", "b")])
def test_private_group_is_not_found_for_leaders_who_may_not_read_it(client, auth, tenancy,
                                                                     hidden, who, org):
    auth.login(tenancy[org][who])
    response = client.get(f"/g/{tenancy['a']['group2'].slug}/")
    assert response.status_code == 404
    assert "Hidden Nurses" not in response.get_data(as_text=True)
    assert "Hidden Nurses" not in get(client, "/o/org-a/")


def test_a_private_group_page_answers_as_a_missing_one_even_in_a_spanish_org(
        client, session, tenancy, hidden):
    """Its 404 is not worded in its org's language: that would tell the group exists."""
    tenancy["a"]["org"].default_language = "es"
    session.commit()
    private = client.get(f"/g/{hidden.slug}/")
    missing = client.get("/g/no-such-group/")
    assert private.status_code == missing.status_code == 404
    # The same page, but for the address in its language links.
    assert private.get_data(as_text=True).replace(hidden.slug, "no-such-group") == \
        missing.get_data(as_text=True)


@pytest.mark.parametrize("who", ["lead2", "admin", "auditor"])
def test_leaders_who_may_read_a_private_group_see_its_page_marked_private(client, auth,
                                                                         tenancy, hidden, who):
    auth.login(tenancy["a"][who])
    response = client.get(f"/g/{tenancy['a']['group2'].slug}/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert ("Private group — only people with the link or a leader account can see this page."
            in text(page))
    assert "Secret Circle Meeting" in page
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["X-Robots-Tag"] == "noindex"
    # The online link and phone of a private group are not on this page.
    assert "zoom.example" not in page and "5550111" not in page
    # Still not in the public directory, signed in or not.
    assert "Hidden Nurses" not in get(client, "/o/org-a/")


def test_facilitator_text_is_escaped(client, session, make_org, make_group, make_meeting):
    org = make_org(slug="riverside")
    group = make_group(org, slug="escape", name="<b>Bold</b> group",
                       description="<script>alert('d')</script>")
    meeting = make_meeting(group, title="<script>alert('t')</script>",
                           location_name="<img src=x onerror=alert(1)>",
                           notes="<script>alert('n')</script>")
    meetings.cancel_date(session, None, meeting, date(2026, 2, 3), CancelReason.OTHER,
                         "<script>alert('x')</script>")
    session.commit()
    for url in ("/o/riverside/", "/g/escape/"):
        page = get(client, url)
        assert "<script>alert" not in page, url
        assert "<img src=x" not in page and "<b>Bold" not in page, url
        assert "&lt;script&gt;alert(&#39;t&#39;)&lt;/script&gt;" in page, url
        assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page, url


def _org_with_meetings(session, make_org, make_group, make_meeting, slug: str, count: int):
    org = make_org(slug=slug)
    groups = [make_group(org, slug=f"{slug}-{n}", program=program, languages=["en", "es"])
              for n, program in enumerate(("aa", "na", "smart"))]
    for n in range(count):
        meeting = make_meeting(groups[n % 3], title=f"Meeting {n}",
                               recurrence=Recurrence.weekly(n % 7, (n + 3) % 7),
                               start_time=time(7 + n % 12), types=["O", "D"])
        meetings.cancel_date(session, None, meeting, meeting.schedule.next_dates(TODAY, 1)[0],
                             CancelReason.HOLIDAY, "Holiday")
    # One big group page too.
    big = make_group(org, slug=f"{slug}-big")
    for n in range(count):
        make_meeting(big, title=f"Big {n}", recurrence=Recurrence.monthly(n % 7, 1))
    session.commit()
    return org


def test_queries_do_not_grow_with_the_number_of_meetings(app, client, session, make_org,
                                                         make_group, make_meeting):
    _org_with_meetings(session, make_org, make_group, make_meeting, "small", 5)
    _org_with_meetings(session, make_org, make_group, make_meeting, "large", 50)
    counts = {}
    for slug in ("small", "large"):
        for url in (f"/o/{slug}/", f"/o/{slug}/?day=1&program=na&type=O",
                    f"/g/{slug}-big/", f"/g/{slug}-0/"):
            with counted_selects(app) as statements:
                page = get(client, url)
            assert "Meeting" in page or "Big" in page
            counts[slug, url.replace(slug, "*")] = len(statements)
    for (_slug, url), n in counts.items():
        assert n == counts["small", url], (url, counts)
        # A group page also reads its current guidelines and statement: one more.
        assert n <= (5 if url.startswith("/g/") else 4), (url, n)
    # Its 150 listings are on pages: each cancelled date is on one of them.
    pages = [get(client, "/o/large/")]
    while 'rel="next"' in pages[-1]:
        pages.append(get(client, f"/o/large/?page={len(pages) + 1}"))
    assert len(pages) == 3
    assert sum(text(page).count("Cancelled") for page in pages) == 50


def test_home_page_links_to_each_directory(client, make_org):
    make_org(slug="riverside", name="Riverside Recovery")
    assert '<a href="/o/riverside/">Riverside Recovery</a>' in get(client, "/")


def test_role_is_irrelevant_to_the_directory(client, auth, tenancy, hidden):
    """Signed-in leaders see the same public directory as everyone."""
    anonymous = titles(get(client, "/o/org-a/"))
    auth.login(tenancy["a"]["admin"])
    assert titles(get(client, "/o/org-a/")) == anonymous


def test_a_proxy_may_keep_public_pages_for_visitors_and_revalidate_them(client, week):
    for url in ("/o/riverside/", "/g/aa-group/"):
        first = client.get(url)
        assert first.headers["Cache-Control"] == "public, max-age=300"
        assert "Cookie" in first.headers["Vary"]  # a signed-in leader's copy differs
        assert "Set-Cookie" not in first.headers  # a cookie would make the page unshareable
        again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304 and again.data == b""


def test_a_signed_in_leaders_public_pages_are_never_kept(client, auth, week, make_user):
    auth.login(make_user(week["org"], Role.ADMIN))
    for url in ("/o/riverside/", "/g/aa-group/"):
        response = client.get(url)
        assert response.headers["Cache-Control"] == "private, no-store"
        assert "ETag" not in response.headers  # nothing to revalidate a kept copy with


def test_health_check_answers_without_asking_the_database(app, client):
    with counted_selects(app) as statements:
        response = client.get("/healthz")
    assert statements == []
    assert response.status_code == 200 and response.data == b"ok"
    assert response.headers["Cache-Control"] == "no-store"


def test_after_a_meeting_ends_today_it_reads_as_next_weeks(client, week, monkeypatch):
    # Monday 2 pm in Chicago: MWF Noon (noon to 1:30 pm) is over.
    monkeypatch.setattr(clock, "now", lambda: NOW.replace(hour=20))
    page = get(client, "/o/riverside/")
    sections = days(page)
    assert list(sections)[:2] == ["monday", "tuesday"]  # the week starts with today
    assert titles(sections["monday"]) == ["London Tuesday"]  # 7 pm here, still to come
    assert "Monday (today)" in text(page)
    assert titles(sections["next-monday"]) == ["MWF Noon"]
    assert "(today)" not in text(sections["next-monday"])
    # The group page's dates start with the next one to come.
    group = text(get(client, "/g/smart/"))
    assert "Mon 2 Feb" not in group and "Wed 4 Feb" in group


def _chicago(hour: int, minute: int = 0) -> datetime:
    return datetime.combine(TODAY, time(hour, minute), ZoneInfo("America/Chicago"))


@pytest.fixture
def big_directory(make_org, make_group, make_meeting):
    """130 weekly meetings: 18 on Monday, 27 on Saturday, 17 on each other day."""
    org = make_org(slug="metro", name="Metro Intergroup")
    groups = [make_group(org, slug=f"metro-{n}", program=p)
              for n, p in enumerate(("aa", "na"))]
    for n in range(130):
        make_meeting(groups[n % 2], title=f"Meeting {n:03}",
                     recurrence=Recurrence.weekly(n % 7 if n < 120 else SAT),
                     start_time=time(6 + n % 15))
    return org


def test_a_large_directory_comes_a_page_at_a_time_from_today(client, big_directory):
    first = get(client, "/o/metro/")
    assert len(titles(first)) == 60
    assert "Meetings 1–60 of 130, in order from today." in text(first)
    # Today (a Monday) first, then the days after it.
    assert list(days(first))[:2] == ["monday", "tuesday"]
    assert 'href="/o/metro/?page=2" rel="next"' in first
    assert 'rel="prev"' not in first

    second = get(client, "/o/metro/?page=2")
    assert len(titles(second)) == 60
    assert 'href="/o/metro/" rel="prev"' in second
    # Thursday's 17 meetings are cut by the page break: the rest come first here.
    assert list(days(second))[0] == "thursday"
    assert "Thursday (continued)" in text(second)
    last = get(client, "/o/metro/?page=3")
    assert "Meetings 121–130 of 130" in text(last) and 'rel="next"' not in last
    # Every meeting is on exactly one page.
    listed = titles(first) + titles(second) + titles(last)
    assert sorted(listed) == [f"Meeting {n:03}" for n in range(130)]
    # Each day of the week is one link away, on the page where it starts.
    assert 'href="#tuesday"' in first
    assert 'href="#thursday"' in first
    assert 'href="/o/metro/?page=2#friday"' in first


def test_pages_keep_the_filters_and_odd_page_numbers_lead_to_a_real_page(client,
                                                                        big_directory):
    na_only = get(client, "/o/metro/?program=na")
    assert "Meetings 1–60 of 65" in text(na_only)
    assert 'href="/o/metro/?program=na&amp;page=2" rel="next"' in na_only
    for asked, shown in (("?page=9", "/o/metro/?page=3"), ("?page=0", "/o/metro/"),
                         ("?page=two", "/o/metro/"), ("?page=1", "/o/metro/"),
                         ("?page=99999999999999999999", "/o/metro/")):
        response = client.get("/o/metro/" + asked)
        assert response.status_code == 302, asked
        assert response.headers["Location"] == shown, asked


def test_a_small_directory_is_all_on_one_page(client, week):
    page = get(client, "/o/riverside/")
    assert 'class="pages"' not in page and "?page=" not in page


def test_the_directory_moves_a_meeting_on_once_it_ends_and_shows_changes_at_once(
        client, session, monkeypatch, make_org, make_group, make_meeting):
    group = make_group(make_org(slug="riverside"), slug="aa-group")
    meeting = make_meeting(group, title="Morning Meditation",
                           recurrence=Recurrence.weekly(MON), start_time=time(10))
    assert list(days(get(client, "/o/riverside/"))) == ["monday"]
    # At 11:30 it is over for today: listed next Monday, closing the week.
    monkeypatch.setattr(clock, "now", lambda: _chicago(11, 30))
    assert list(days(get(client, "/o/riverside/"))) == ["next-monday"]
    # A cancelled date shows on the very next request.
    meetings.cancel_date(session, None, meeting, date(2026, 2, 9), CancelReason.HOLIDAY,
                         "Closed for the holiday")
    session.commit()
    assert "Closed for the holiday" in text(get(client, "/o/riverside/"))
    # An earlier moment of the same day (a list printed for the whole day) is not
    # answered from what was kept for a later one.
    monkeypatch.setattr(clock, "now", lambda: _chicago(9))
    assert list(days(get(client, "/o/riverside/"))) == ["monday"]
