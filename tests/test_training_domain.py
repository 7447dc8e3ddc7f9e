"""Training status rules, with "today" passed in: the edges an auditor would argue about."""

from __future__ import annotations

from datetime import date
from datetime import timedelta

import pytest

from facilitator.domain.compliance import Completion
from facilitator.domain.compliance import Leader
from facilitator.domain.compliance import Requirement
from facilitator.domain.compliance import Status
from facilitator.domain.compliance import add_months
from facilitator.domain.compliance import compliance_rows
from facilitator.domain.compliance import expiry
from facilitator.domain.compliance import filter_rows
from facilitator.domain.compliance import standing

TODAY = date(2026, 11, 23)
CPR = Requirement(1, "CPR/First aid", validity_months=24, roles=frozenset({"facilitator"}))
COURSE = Requirement(2, "Facilitator course", validity_months=None,
                     roles=frozenset({"facilitator", "admin"}))
PEER = Requirement(3, "Peer recovery credential", validity_months=24, required_hours=20,
                   roles=frozenset({"facilitator"}))


@pytest.mark.parametrize(("start", "months", "expected"), [
    (date(2024, 1, 31), 1, date(2024, 2, 29)),    # leap February
    (date(2025, 1, 31), 1, date(2025, 2, 28)),
    (date(2024, 2, 29), 12, date(2025, 2, 28)),   # leap day, a year on
    (date(2024, 2, 29), 48, date(2028, 2, 29)),   # and four years on
    (date(2025, 8, 31), 24, date(2027, 8, 31)),
    (date(2025, 3, 31), 36, date(2028, 3, 31)),
    (date(2025, 5, 31), 1, date(2025, 6, 30)),
])
def test_months_are_calendar_months_clamped_to_the_month_end(start, months, expected):
    assert add_months(start, months) == expected


def test_expiry_from_validity_override_and_never():
    assert expiry(date(2024, 3, 15), 24) == date(2026, 3, 15)
    assert expiry(date(2024, 3, 15), 24, override=date(2026, 3, 31)) == date(2026, 3, 31)
    assert expiry(date(2024, 3, 15), None) is None


def test_expiring_today_is_still_expiring_and_yesterday_is_expired():
    completed = add_months(TODAY, -24)
    assert standing(CPR, [Completion(completed)], TODAY).status is Status.EXPIRING
    assert standing(CPR, [Completion(completed)], TODAY).days_left(TODAY) == 0
    yesterday = Completion(TODAY - timedelta(days=400), expires_on_override=TODAY
                           - timedelta(days=1))
    result = standing(CPR, [yesterday], TODAY)
    assert result.status is Status.EXPIRED and result.due == TODAY - timedelta(days=1)


@pytest.mark.parametrize(("days", "window", "expected"), [
    (60, 60, Status.EXPIRING),
    (61, 60, Status.CURRENT),
    (1, 60, Status.EXPIRING),
    (30, 30, Status.EXPIRING),
    (31, 30, Status.CURRENT),
    (0, 0, Status.EXPIRING),
])
def test_the_expiring_window_includes_both_ends(days, window, expected):
    record = Completion(date(2025, 1, 1), expires_on_override=TODAY + timedelta(days=days))
    assert standing(CPR, [record], TODAY, expiring_days=window).status is expected


def test_never_expiring_training_stays_current_for_ever():
    record = Completion(date(1999, 6, 1))
    result = standing(COURSE, [record], date(2099, 1, 1))
    assert result.status is Status.CURRENT and result.due is None


def test_no_completion_is_missing_and_future_ones_do_not_count():
    assert standing(CPR, [], TODAY).status is Status.MISSING
    assert standing(CPR, [Completion(TODAY + timedelta(days=1))], TODAY).status \
        is Status.MISSING


def test_the_longest_lasting_completion_decides():
    old = Completion(date(2022, 1, 10))          # expired January 2024
    renewed = Completion(date(2025, 6, 1))       # good until 1 June 2027
    result = standing(CPR, [renewed, old], TODAY)
    assert result.status is Status.CURRENT and result.due == date(2027, 6, 1)


def test_leap_day_completion_expires_on_the_last_day_of_february():
    record = Completion(date(2024, 2, 29))
    cpr_one_year = Requirement(9, "Naloxone", validity_months=12, roles=frozenset({"admin"}))
    assert standing(cpr_one_year, [record], date(2025, 2, 28)).status is Status.EXPIRING
    assert standing(cpr_one_year, [record], date(2025, 3, 1)).status is Status.EXPIRED


def test_continuing_education_hours_counted_while_they_last():
    records = [
        Completion(date(2025, 2, 1), hours=8),    # counts until 1 Feb 2027
        Completion(date(2025, 9, 1), hours=6),    # until 1 Sep 2027
        Completion(date(2026, 4, 1), hours=10),   # until 1 Apr 2028
        Completion(date(2023, 1, 1), hours=40),   # dropped out 1 Jan 2025
    ]
    result = standing(PEER, records, TODAY)
    # 10 + 6 = 16 < 20, so the 8 hours of Feb 2025 are needed: due when they drop out.
    assert (result.status, result.hours, result.due) == (Status.CURRENT, 24, date(2027, 2, 1))
    assert standing(PEER, records, date(2026, 12, 15)).status is Status.EXPIRING
    short = standing(PEER, records, date(2027, 2, 2))
    assert (short.status, short.hours, short.due) == (Status.EXPIRED, 16, None)


def test_continuing_education_with_no_hours_counting_is_expired_not_missing():
    result = standing(PEER, [Completion(date(2020, 1, 1), hours=25)], TODAY)
    assert result.status is Status.EXPIRED and result.hours == 0


def test_matrix_cells_only_where_the_role_requires_it_and_filters():
    leaders = [Leader(1, "Sam T.", frozenset({"facilitator"})),
               Leader(2, "Dana R.", frozenset({"admin"}))]
    completions = {(1, CPR.id): [Completion(date(2025, 6, 1))],
                   (2, COURSE.id): [Completion(date(2020, 1, 1))]}
    rows = compliance_rows(leaders, [CPR, COURSE, PEER], completions, TODAY)
    sam, dana = rows
    assert sam.cells[CPR.id].status is Status.CURRENT
    assert sam.cells[COURSE.id].status is Status.MISSING
    assert sam.cells[PEER.id].status is Status.MISSING
    assert dana.cells[CPR.id] is None and dana.cells[COURSE.id].status is Status.CURRENT
    assert sam.worst is Status.MISSING and dana.worst is Status.CURRENT
    assert filter_rows(rows, Status.MISSING) == [sam]
    assert filter_rows(rows, requirement_id=CPR.id) == [sam]
    assert filter_rows(rows, Status.CURRENT, COURSE.id) == [dana]


def test_signature_status_plugs_in_beside_training():
    leaders = [Leader(1, "Sam T.", frozenset({"facilitator"})),
               Leader(2, "María L.", frozenset({"facilitator"}))]
    without = compliance_rows(leaders, [CPR], {}, TODAY)
    assert [r.signed for r in without] == [None, None]
    rows = compliance_rows(leaders, [CPR], {}, TODAY, signatures={1: True})
    assert [r.signed for r in rows] == [True, False]


# ---- records nobody has verified ----------------------------------------------------------

def words(found) -> tuple[str, date | None]:
    return found.label, found.due


@pytest.mark.parametrize(("count", "expected"), [
    (True, ("Current, not verified", date(2028, 1, 5))),
    (False, ("Missing, a record awaits verification", None)),
])
def test_an_unverified_record_counts_only_if_the_org_says_and_says_so(count, expected):
    done = [Completion(date(2026, 1, 5), verified=False)]
    assert words(standing(CPR, done, TODAY, unverified_count=count)) == expected


@pytest.mark.parametrize(("count", "expected"), [
    # The unverified renewal makes the leader current; the verified card is expiring.
    (True, ("Current, not verified", date(2028, 1, 5))),
    (False, ("Expiring soon, a record awaits verification", date(2026, 12, 10))),
])
def test_an_unverified_renewal_of_a_verified_card(count, expected):
    done = [Completion(date(2024, 12, 10)), Completion(date(2026, 1, 5), verified=False)]
    assert words(standing(CPR, done, TODAY, unverified_count=count)) == expected


@pytest.mark.parametrize("count", [True, False])
def test_verified_records_that_decide_say_nothing_more(count):
    # An older unverified card changes nothing: the verified renewal decides.
    done = [Completion(date(2024, 12, 10), verified=False), Completion(date(2026, 1, 5))]
    assert words(standing(CPR, done, TODAY, unverified_count=count)) == (
        "Current", date(2028, 1, 5))


def test_a_lapsed_unverified_record_is_not_news():
    # Expired or missing, the leader is not compliant either way: nothing to verify first.
    done = [Completion(date(2024, 6, 1), verified=False)]
    assert words(standing(CPR, done, TODAY)) == ("Expired", date(2026, 6, 1))
    assert words(standing(CPR, done, TODAY, unverified_count=False)) == ("Missing", None)


@pytest.mark.parametrize(("count", "label", "hours"), [
    (True, "Current, not verified", 22),
    (False, "Expired, a record awaits verification", 12),
])
def test_unverified_hours_count_only_if_the_org_says(count, label, hours):
    done = [Completion(date(2026, 5, 1), hours=12),
            Completion(date(2025, 9, 1), hours=10, verified=False)]
    found = standing(PEER, done, TODAY, unverified_count=count)
    assert (found.label, found.hours) == (label, hours)


def test_the_matrix_takes_the_orgs_choice():
    leader = Leader(7, "Sam T.", frozenset({"facilitator"}))
    done = {(7, CPR.id): [Completion(date(2026, 1, 5), verified=False)]}
    counted, = compliance_rows([leader], [CPR], done, TODAY)
    waiting, = compliance_rows([leader], [CPR], done, TODAY, unverified_count=False)
    assert counted.cells[CPR.id].label == "Current, not verified"
    assert waiting.cells[CPR.id].status is Status.MISSING
    assert filter_rows([waiting], Status.MISSING) == [waiting]
