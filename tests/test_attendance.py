"""Attendance reports say what they know: months with their years, this month as "so
far", a month without meetings as "no meetings" and a meeting nobody counted as "not
counted yet", never as 0 people; CSV number columns hold numbers only."""

from __future__ import annotations

import csv
import io
import random
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

import pytest

from facilitator import clock
from facilitator.domain.choices import Role
from facilitator.domain.counts import Counts
from facilitator.domain.counts import not_counted
from facilitator.domain.meeting import SeriesException
from facilitator.domain.recurrence import Recurrence
from facilitator.domain.recurrence import Schedule
from facilitator.domain.suppression import Sum
from facilitator.domain.suppression import last_months
from facilitator.domain.suppression import month_label
from facilitator.domain.suppression import suppress
from facilitator.models import Headcount
from facilitator.services import attendance
from facilitator.services import headcounts
from tests.conftest import counted_selects
from tests.conftest import page_text

CHICAGO = ZoneInfo("America/Chicago")
#: Tuesday 17 November 2026, 19:15 in Chicago: the weekly 19:00 meeting is going on.
DURING = datetime(2026, 11, 17, 19, 15, tzinfo=CHICAGO)
TUESDAYS = Schedule(Recurrence.weekly(1), date(2026, 10, 6), time(19), timedelta(minutes=90),
                    "America/Chicago")


# -- The pure parts --------------------------------------------------------------------


def test_a_meeting_that_went_ahead_uncounted_is_not_counted_yet():
    cancelled = {date(2026, 10, 20): SeriesException(date(2026, 10, 20), cancelled=True)}
    days = not_counted(TUESDAYS, cancelled, {date(2026, 10, 6)}, date(2026, 10, 1),
                       date(2026, 11, 17), DURING)
    # Not the counted 6 October, nor the cancelled 20 October; 17 November has begun.
    assert days == [date(2026, 10, 13), date(2026, 10, 27), date(2026, 11, 3),
                    date(2026, 11, 10), date(2026, 11, 17)]
    # An hour earlier the 17th had not started: it is nobody's missing count yet.
    assert date(2026, 11, 17) not in not_counted(
        TUESDAYS, {}, set(), date(2026, 11, 1), date(2026, 11, 17), DURING - timedelta(hours=1))


def test_months_read_with_their_year_and_this_one_so_far():
    assert month_label("2025-12") == "Dec 2025"
    assert month_label("2026-11", date(2026, 11, 17)) == "Nov 2026 (so far)"
    assert month_label("2026-10", date(2026, 11, 17)) == "Oct 2026"


@pytest.mark.parametrize(("numbers", "says"), [
    (attendance.Numbers(0, None, None), "no meetings"),
    (attendance.Numbers(0, None, None, not_counted=2), "not counted yet"),
    (attendance.Numbers(1, 0, 0, not_counted=2), ""),
    (attendance.Numbers(3, None, None), ""),
])
def test_a_line_without_numbers_says_why(numbers, says):
    assert numbers.missing == says
    report = attendance.Report("x", 5, [], numbers, [], [], {})
    # 0 people counted is a number; no meeting and no count are words.
    assert report.count(numbers, numbers.people) == (says or attendance.shown(numbers.people))


# -- Through the app -------------------------------------------------------------------


@pytest.fixture
def world(make_org, make_user, make_group, make_meeting, session, monkeypatch):
    """A weekly Tuesday meeting since 6 October: counted on 13 October (12 people, 2 at
    their first meeting), 3 November (8, 1) and 10 November (0 people); nobody counted the
    other dates."""
    monkeypatch.setattr(clock, "now", lambda: DURING)
    org = make_org()
    lead = make_user(org, Role.FACILITATOR)
    group = make_group(org, facilitators=[lead])
    meeting = make_meeting(group, first_date=date(2026, 10, 6))
    for day, people, newcomers in ((date(2026, 10, 13), 12, 2), (date(2026, 11, 3), 8, 1),
                                   (date(2026, 11, 10), 0, 0)):
        session.add(Headcount(meeting_id=meeting.id, occurrence_date=day, people=people,
                              newcomers=newcomers, counted_by_facilitator=True, checkins=0))
    # A row nobody counted in (no count, no check-in) is not a count of 0.
    session.add(Headcount(meeting_id=meeting.id, occurrence_date=date(2026, 10, 20),
                          counted_by_facilitator=False, checkins=0))
    session.commit()
    return {"org": org, "lead": lead, "group": group, "auditor": make_user(org, Role.AUDITOR)}


def rows_of(response) -> list[list[str]]:
    assert response.headers["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def test_the_group_csv_holds_numbers_apart_from_hidden_and_uncounted(client, auth, world):
    auth.login(world["lead"])
    rows = rows_of(client.get(f"/manage/g/{world['group'].slug}/attendance.csv"))
    header, lines, rule = rows[0], rows[1:-1], rows[-1]
    assert rule == ["Counts below 5, and counts that would let one be worked out, are left "
                    "empty, with “yes” in their “hidden” column."]
    by_date = {line[0]: dict(zip(header, line, strict=True)) for line in lines}
    assert list(by_date) == ["2026-11-17", "2026-11-10", "2026-11-03", "2026-10-27",
                             "2026-10-20", "2026-10-13", "2026-10-06"]
    assert by_date["2026-10-13"] == {
        "Date": "2026-10-13", "Meeting": "Tuesday Night", "Counted": "yes",
        "People": "12", "People hidden": "", "First meeting": "", "First meeting hidden": "yes",
        "In person": "", "In person hidden": "", "Online": "", "Online hidden": "",
        "More check-ins than counted": ""}
    # Counted as nobody, a 0 is a number; nobody counting is said, with no number at all.
    assert by_date["2026-11-10"]["Counted"] == "yes"
    assert by_date["2026-11-10"]["People hidden"] == "yes"  # 0 is below 5
    for day in ("2026-11-17", "2026-10-27", "2026-10-20", "2026-10-06"):
        assert by_date[day]["Counted"] == "not counted yet"
        assert by_date[day]["People"] == by_date[day]["People hidden"] == ""
    for name in ("People", "First meeting", "In person", "Online"):
        assert all(is_number(line[name]) or line[name] == "" for line in by_date.values())
        assert all(line[f"{name} hidden"] in ("yes", "") for line in by_date.values())


def test_the_org_csv_says_which_month_is_so_far_and_counts_the_uncounted(
        client, auth, world):
    auth.login(world["auditor"])
    rows = rows_of(client.get(f"/audit/{world['org'].slug}/attendance.csv"))
    header, lines = rows[0], [dict(zip(rows[0], row, strict=True)) for row in rows[1:-1]]
    assert header[:5] == ["Group", "Month", "Whole month", "Meetings counted",
                          "Meetings not counted yet"]
    all_groups = {line["Month"]: line for line in lines if line["Group"] == "All groups"}
    assert len(all_groups) == 13  # every month, and the 12 months
    assert all_groups["2026-11"]["Whole month"] == "no, so far"
    assert all_groups["2026-10"]["Whole month"] == "yes"
    assert (all_groups["2026-10"]["Meetings counted"],
            all_groups["2026-10"]["Meetings not counted yet"]) == ("1", "3")
    assert all_groups["2026-10"]["People"] == "12"
    # A month with no meeting has no number of people: not 0, and not hidden.
    assert (all_groups["2026-06"]["Meetings counted"], all_groups["2026-06"]["People"],
            all_groups["2026-06"]["People hidden"]) == ("0", "", "")
    numbers = ("Meetings counted", "Meetings not counted yet", "People", "First meeting",
               "People per meeting", "Meetings with more check-ins than counted")
    for line in lines:
        assert all(is_number(line[name]) or line[name] == "" for name in numbers), line


def test_the_page_says_not_counted_yet_and_no_meetings_never_zero(client, auth, world):
    auth.login(world["lead"])
    text = page_text(client.get(f"/manage/g/{world['group'].slug}/attendance"))
    assert "Nov 2026 (so far) 2 1 8 1 4.0" in text
    assert "Sep 2026 0 0 no meetings no meetings —" in text
    assert "Tue 20 Oct 2026 Tuesday Night not counted yet not counted yet" in text
    assert "Tue 10 Nov 2026 Tuesday Night 0 0" in text
    # The chart and the table use the same words.
    assert "Newcomers" not in text and "First meeting" in text


def test_the_charts_axis_reads_months_with_years_and_says_why_a_month_is_empty(
        client, auth, world):
    auth.login(world["lead"])
    response = client.get(f"/manage/g/{world['group'].slug}/attendance.svg")
    root = ElementTree.fromstring(response.data)  # noqa: S314 (our own response)
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    # Twelve months, each with its year; the last is this one, so far.
    assert texts.count("2025") == 1 and texts.count("2026") == 11
    assert "Dec" in texts and "Nov" in texts and "so far" in texts
    # Before the meeting began: no meetings, never a bar of 0 people.
    assert texts.count("no meetings") == 10
    assert "People" in texts and "First meeting" in texts and "Newcomers" not in texts


def test_the_chart_follows_the_pages_language(client, auth, world, session):
    auth.login(world["lead"])
    url = f"/manage/g/{world['group'].slug}/attendance.svg"
    texts = svg_texts(client.get(url, headers={"Accept-Language": "es"}).data)
    # Months as Babel writes them in Spanish, the legend and the reasons in Spanish too.
    assert "dic" in texts and "nov" in texts and "hasta ahora" in texts
    assert texts.count("sin reuniones") == 10
    assert "Personas" in texts and "Primera reunión" in texts
    assert not {"Dec", "so far", "no meetings", "People", "First meeting"} & set(texts)
    # A leader's account language is followed as well as the browser's.
    world["lead"].language = "es"
    session.commit()
    assert svg_texts(client.get(url).data) == texts


def svg_texts(svg: bytes) -> list[str | None]:
    root = ElementTree.fromstring(svg)  # noqa: S314 (our own response)
    return [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]


# -- Reports of a big org ------------------------------------------------------------------


def _occurrence_rows(rng: random.Random, groups: int) -> list[attendance._Row]:
    """Counted occurrences of a few groups over a year, small counts common, as the
    report reads them (newest first), some hybrid."""
    rows = []
    for n in range(rng.randint(1, 60)):
        day = date(2026, 11, 17) - timedelta(days=rng.randrange(330))
        people = rng.choice((0, 1, 2, 3, 4, 5, 6, 7, 9, 12, 20))
        in_person = rng.randint(0, people)
        rows.append(attendance._Row(
            n, rng.randrange(3), f"g{rng.randrange(groups)}", "G", "M", day, rng.random() < .3,
            people, rng.randint(0, people), in_person,
            rng.choice((people - in_person, rng.randint(0, people - in_person))), 0))
    return sorted(rows, key=lambda row: row.day, reverse=True)


@pytest.mark.parametrize("seed", range(300))
def test_suppressing_totals_first_hides_what_one_pass_over_every_cell_hides(seed):
    """Reports suppress the org's months first (summed by the database) and then a
    group's occurrences given the months it hides; an auditor reading both reports must
    see exactly the cells one suppression of everything together would show."""
    rng = random.Random(seed)  # noqa: S311 (test data, reproducible)
    rows = _occurrence_rows(rng, rng.randint(1, 4))
    months = last_months(date(2026, 11, 17))
    table = attendance._Table(months, attendance._months_of(rows), rows)
    assert table.totals == _totals(table, months)
    threshold = rng.choice((3, 5, 10))
    assert table.shown(threshold) == suppress(table.values | table.cells,
                                              table.parts + table.totals, threshold)


def _totals(table, months: list[str]) -> list[Sum]:
    """The sums between a report's levels, each listing every part with meetings: each
    group's months in order, each month's groups in the order they first come, and the
    org's total of both."""
    slugs = list(dict.fromkeys(key[1] for key, _ in table.values if key[0] == "gm"))
    sums = [(("g", slug), [("gm", slug, m) for m in months]) for slug in slugs]
    sums += [(("m", m), [("gm", slug, m) for slug in slugs]) for m in months]
    sums += [(("total",), [("g", slug) for slug in slugs]),
             (("total",), [("m", m) for m in months])]
    return [Sum((total, counter), tuple((p, counter) for p in parts
                                        if table.meetings.get(p)))
            for total, parts in sums if table.meetings.get(total)
            for counter in ("people", "newcomers")]


def _big_org(session, make_org, make_group, make_meeting, groups: int) -> dict:
    org = make_org()
    made = []
    for _ in range(groups):
        group = make_group(org)
        for day in (1, 3):  # Tuesdays and Thursdays, each counted since October
            meeting = make_meeting(group, first_date=date(2026, 10, 5 + day),
                                   recurrence=Recurrence.weekly(day))
            session.add_all(Headcount(meeting_id=meeting.id, occurrence_date=d, people=7,
                                      newcomers=1, counted_by_facilitator=True, checkins=8)
                            for d in meeting.schedule.dates(date(2026, 10, 1),
                                                            date(2026, 11, 12)))
        made.append(group)
    session.commit()
    return {"org": org, "groups": made}


def test_reports_of_a_bigger_org_take_no_more_queries(app, client, auth, session, make_org,
                                                      make_user, make_group, make_meeting,
                                                      monkeypatch):
    """An auditor's reports ask the database the same number of questions for 2 groups
    and for 10, each with two counted meetings a week: an intergroup of thousands of
    meetings waits no longer for a query per meeting or per row."""
    monkeypatch.setattr(clock, "now", lambda: DURING)
    counts = []
    for groups in (2, 10):
        world = _big_org(session, make_org, make_group, make_meeting, groups)
        auth.login(make_user(world["org"], Role.AUDITOR))
        base = f"/audit/{world['org'].slug}/attendance"
        with counted_selects(app) as selects:
            page = client.get(base)
            group = client.get(f"{base}/{world['groups'][0].slug}")
            chart = client.get(f"{base}.svg")
        assert page.status_code == group.status_code == chart.status_code == 200
        # Every group, with its meetings counted and marked, is on the page.
        assert page_text(page).count("Group ") >= groups
        assert "More check-ins" in page_text(page)
        counts.append(len(selects))
        auth.logout()
    assert counts[1] == counts[0]


def _org_csv_month(client, org, month: str) -> dict[str, str]:
    rows = rows_of(client.get(f"/audit/{org.slug}/attendance.csv"))
    lines = [dict(zip(rows[0], row, strict=True)) for row in rows[1:-1]]
    return next(line for line in lines if line["Group"] == "All groups" and line["Month"] == month)


def test_a_new_count_shows_at_once_and_the_chart_shares_the_pages_reading(
        app, client, auth, session, world):
    """The org's report is kept between requests (its chart comes from the page's
    reading of the counts), yet a count entered since shows on the next request."""
    auth.login(world["auditor"])
    org = world["org"]
    assert client.get(f"/audit/{org.slug}/attendance").status_code == 200
    assert client.get(f"/audit/{org.slug}/attendance.svg").status_code == 200
    assert app.extensions["facilitator.report_cache"].builds == 1
    before = _org_csv_month(client, org, "2026-11")
    assert (before["Meetings counted"], before["Meetings not counted yet"]) == ("2", "1")
    meeting = world["group"].meetings[0]
    headcounts.set_counts(session, world["lead"], meeting, date(2026, 11, 17),
                          Counts(people=9, newcomers=1))
    session.commit()
    after = _org_csv_month(client, org, "2026-11")
    assert (after["Meetings counted"], after["Meetings not counted yet"]) == ("3", "0")
    assert after["People"] == "17"


def test_a_date_that_starts_after_the_report_was_kept_becomes_not_counted_yet(
        client, auth, world, monkeypatch):
    auth.login(world["auditor"])
    org = world["org"]
    monkeypatch.setattr(clock, "now", lambda: DURING.replace(hour=12))
    assert _org_csv_month(client, org, "2026-11")["Meetings not counted yet"] == "0"
    monkeypatch.setattr(clock, "now", lambda: DURING)
    assert _org_csv_month(client, org, "2026-11")["Meetings not counted yet"] == "1"
