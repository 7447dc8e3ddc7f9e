"""The org's attendance report adds up monthly totals per meeting (headcount_months), which
the database keeps beside the counts. Whatever changes a count (a service's UPDATE, a
flush, a deletion, a count dated after today), the totals and what the report reads
from them are what the counts themselves give, occurrence by occurrence, so the report
and its small-count hiding are the same as when it summed every occurrence."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date
from datetime import datetime
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete
from sqlalchemy import select
from sqlalchemy import update

from facilitator import clock
from facilitator.domain.choices import Role
from facilitator.domain.counts import Counter
from facilitator.domain.counts import Counts
from facilitator.domain.counts import reported
from facilitator.domain.counts import taps_exceed
from facilitator.domain.meeting import Attendance
from facilitator.domain.recurrence import Recurrence
from facilitator.domain.suppression import last_months
from facilitator.models import Headcount
from facilitator.models import HeadcountMonth
from facilitator.models import Meeting
from facilitator.models import Organization
from facilitator.services import ServiceError
from facilitator.services import attendance
from facilitator.services import headcounts

CHICAGO = ZoneInfo("America/Chicago")
#: Tuesday 17 November 2026, 19:15 in Chicago.
NOW = datetime(2026, 11, 17, 19, 15, tzinfo=CHICAGO)
TODAY = NOW.date()
#: The first day of the report's months.
START = date(2025, 12, 1)


def _expected(session, org) -> dict[tuple[int, date], tuple[int, ...]]:
    """Each meeting's months summed from its counts, one occurrence at a time, as
    reports count them (domain.counts)."""
    sums: dict[tuple[int, date], list[int]] = defaultdict(lambda: [0] * 6)
    for meeting_id, day, *columns in session.execute(
            select(Headcount.meeting_id, Headcount.occurrence_date, *headcounts.TALLY_COLUMNS)
            .join(Meeting).where(Meeting.group_id.in_([g.id for g in org.groups]))):
        counts, taps = headcounts.tally(columns)
        if counts is None and not taps.people:
            continue
        counted, bit = reported(counts, taps), 1 << (day.day - 1)
        more = taps_exceed(counts, taps)
        found = sums[(meeting_id, day.replace(day=1))]
        for n, value in enumerate((1, counted.people, counted.newcomers, int(more), bit,
                                   bit if more else 0)):
            found[n] += value
    return {key: tuple(value) for key, value in sums.items()}


def _stored(session, org) -> dict[tuple[int, date], tuple[int, ...]]:
    return {(row.meeting_id, row.month): (row.meetings, row.people, row.newcomers,
                                          row.more_checkins, row.counted_days, row.marked_days)
            for row in session.scalars(
                select(HeadcountMonth).join(Meeting)
                .where(Meeting.group_id.in_([g.id for g in org.groups])))
            if row.meetings or row.counted_days}


def _days(session, org) -> dict[tuple[int, date], tuple[int, ...]]:
    return {key: numbers[4:] for key, numbers in _stored(session, org).items()}


def _raw(session, org) -> tuple[list, dict, dict]:
    """The group months, counted days and marked days the report read before the monthly
    totals: from every occurrence of the window (the leader's path, _rows)."""
    months = last_months(TODAY, attendance.MONTHS)
    start = {m.id: m.start_time for g in org.groups for m in g.meetings}
    rows = sorted((row for group in org.groups
                   for row in attendance._rows(session, months, TODAY, group)),
                  key=lambda row: (-row.day.toordinal(), start[row.meeting_id],
                                   row.meeting_id))
    days: dict[int, list[date]] = defaultdict(list)
    marked: dict[int, list[date]] = defaultdict(list)
    for row in rows:
        days[row.meeting_id].append(row.day)
        if row.more_checkins:
            marked[row.meeting_id].append(row.day)
    return (attendance._months_of(rows),
            {meeting_id: attendance._bits(found, START) for meeting_id, found in days.items()},
            {meeting_id: sorted(found) for meeting_id, found in marked.items()})


def _random_counts(rng: random.Random) -> dict[str, object]:
    people = rng.choice((0, 1, 3, 4, 5, 6, 9, 14, 30))
    in_person = rng.randint(0, people)
    checkins = rng.choice((0, 0, 2, people, people + 1, people + 6))
    return {"people": people, "newcomers": rng.randint(0, people), "in_person": in_person,
            "online": rng.randint(0, people - in_person),
            "counted_by_facilitator": rng.random() < 0.6, "checkins": checkins,
            "checkin_newcomers": rng.randint(0, checkins)}


@pytest.mark.parametrize("seed", range(2))
def test_monthly_totals_are_the_counts_summed_whatever_changes_them(
        session, make_org, make_user, make_group, make_meeting, monkeypatch, seed):
    monkeypatch.setattr(clock, "now", lambda: NOW)
    rng = random.Random(seed)  # noqa: S311 (test data, reproducible)
    org = make_org()
    lead = make_user(org, Role.FACILITATOR)
    meetings = []
    for n in range(3):
        group = make_group(org, facilitators=[lead])
        meetings.append(make_meeting(group, first_date=date(2025, 11, 4)))
        meetings.append(make_meeting(
            group, first_date=date(2025, 11, 6), recurrence=Recurrence.weekly(3),
            attendance=Attendance.HYBRID if n else Attendance.IN_PERSON,
            online_url="https://meet.example.org/x" if n else ""))
    dates = {m.id: list(m.schedule.dates(date(2025, 10, 20), TODAY)) for m in meetings}
    made: dict[int, set[date]] = defaultdict(set)
    # Rows flushed by the session, some outside the window, one dated after today.
    for meeting in meetings:
        for day in rng.sample(dates[meeting.id], 25):
            session.add(Headcount(meeting_id=meeting.id, occurrence_date=day,
                                  **_random_counts(rng)))
            made[meeting.id].add(day)
    session.add(Headcount(meeting_id=meetings[1].id, occurrence_date=TODAY + timedelta(days=2),
                          people=9, newcomers=1, counted_by_facilitator=True, checkins=12))
    session.commit()
    kept = attendance.ReportCache()
    kept.org_months(session, org, TODAY)
    # Then changes of every kind: the facilitator's form and taps, members' check-ins
    # changed in SQL, deletions.
    for _ in range(40):
        meeting = rng.choice(meetings)
        day = rng.choice(dates[meeting.id])
        what = rng.random()
        version, dated = attendance.headcount_version(session, org)
        days = _days(session, org)
        try:
            if what < 0.3:
                headcounts.set_counts(session, lead, meeting, day, Counts(
                    people=rng.randint(0, 9), newcomers=rng.randint(0, 2),
                    in_person=rng.randint(0, 3), online=rng.randint(0, 3)))
            elif what < 0.6:
                counter = headcounts.counters_of(meeting)[0]
                headcounts.adjust(session, lead, meeting, day, Counter(counter),
                                  rng.choice((1, -1)))
            elif what < 0.8 and made[meeting.id]:
                day = rng.choice(sorted(made[meeting.id]))
                session.execute(update(Headcount).where(
                    Headcount.meeting_id == meeting.id, Headcount.occurrence_date == day)
                    .values(checkins=Headcount.checkins + rng.randint(1, 6)))
            elif made[meeting.id]:
                day = rng.choice(sorted(made[meeting.id]))
                session.delete(session.scalars(select(Headcount).where(
                    Headcount.meeting_id == meeting.id,
                    Headcount.occurrence_date == day)).one())
                made[meeting.id].discard(day)
            else:
                continue
            if what < 0.6:
                made[meeting.id].add(day)
        except ServiceError:
            continue  # a tap below zero: nothing changed
        session.flush()
        # Every change shows to reports kept in a worker, whatever made it.
        after, dated_after = attendance.headcount_version(session, org)
        assert after > version
        # Which dates are counted and marked is kept by the second version: unchanged,
        # they are the same.
        assert dated_after > dated or _days(session, org) == days
        # A worker's kept months, read again by changed shard only, are a fresh read's.
        assert kept.org_months(session, org, TODAY) == attendance._org_months(
            session, last_months(TODAY, attendance.MONTHS), TODAY, org)
    # A group's month that loses its last count leaves the kept months too.
    session.execute(delete(Headcount).where(
        Headcount.meeting_id.in_([m.id for m in meetings[:2]]),
        Headcount.occurrence_date >= date(2026, 11, 1)))
    session.flush()
    assert kept.org_months(session, org, TODAY) == attendance._org_months(
        session, last_months(TODAY, attendance.MONTHS), TODAY, org)
    session.commit()
    session.expire_all()
    org = session.get_one(Organization, org.id)

    assert _stored(session, org) == _expected(session, org)
    months = last_months(TODAY, attendance.MONTHS)
    group_months, days, marked = _raw(session, org)
    # The groups' months, the groups in the same order (which decides what complementary
    # hiding picks), the dates counted and the dates marked: all as summing every
    # occurrence.
    found = attendance._org_months(session, months, TODAY, org)
    assert sorted(found, key=repr) == sorted(group_months, key=repr)
    assert list(dict.fromkeys(c.slug for c in found)) == list(
        dict.fromkeys(c.slug for c in group_months))
    counted, found_marked = attendance._counted_days(session, months, TODAY, org)
    # Counted dates as bits from the window's first day, those after today left out.
    up_to_today = (1 << ((TODAY - START).days + 1)) - 1
    assert {m: bits & up_to_today for m, bits in counted.items() if bits & up_to_today} == days
    assert {m: sorted(found) for m, found in found_marked.items()} == marked


def test_a_count_dated_after_today_waits_for_its_day(session, make_org, make_group,
                                                      make_meeting, monkeypatch):
    """A meeting in a zone ahead of the org's may have counted tomorrow's date already;
    the org's report, which ends today, leaves it out, as it did before."""
    monkeypatch.setattr(clock, "now", lambda: NOW)
    org = make_org()
    meeting = make_meeting(make_group(org), first_date=date(2026, 11, 3))
    for day in (date(2026, 11, 10), date(2026, 11, 19)):
        session.add(Headcount(meeting_id=meeting.id, occurrence_date=day, people=8,
                              counted_by_facilitator=True, checkins=9))
    session.commit()
    months = last_months(TODAY, attendance.MONTHS)
    (cell,) = attendance._org_months(session, months, TODAY, org)
    assert (cell.month, cell.meetings, cell.people, cell.more_checkins) == ("2026-11", 1, 8, 1)
    assert attendance._counted_days(session, months, TODAY, org)[1] == {
        meeting.id: [date(2026, 11, 10)]}
