"""The leaders' standings a worker keeps (services.training.StandingsCache): the
auditor's matrix and an admin's dashboard read them once, and every change to what
they are made of shows on the next request, whoever or whatever made it.

These tests run on a database of their own with real commits (the suite's usual app
runs each test in one transaction never committed, in which nothing is kept)."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from sqlalchemy import text

from facilitator import clock
from facilitator.domain.choices import Role
from facilitator.services import accounts
from facilitator.services import training
from facilitator.services.training import RecordValues
from tests.conftest import app_of_its_own

TODAY = date(2026, 11, 23)


@pytest.fixture(autouse=True)
def frozen_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "today_in", lambda _zone: TODAY)


@pytest.fixture
def app(fresh_database_url):
    """The app on a database of its own, whose sessions commit for real."""
    with app_of_its_own(fresh_database_url()) as app:
        yield app


@pytest.fixture
def world(session, make_org, make_user):
    org = make_org()
    cpr = training.create_type(session, None, org, name="CPR", validity_months=24,
                               required_roles=["facilitator"])
    ana = make_user(org, Role.FACILITATOR, display_name="Ana R.")
    ben = make_user(org, Role.FACILITATOR, display_name="Ben T.")
    record = training.add_record(session, ana, RecordValues(cpr.id, date(2025, 6, 1)))
    session.commit()
    return {"org": org, "cpr": cpr, "ana": ana, "ben": ben, "record": record,
            "auditor": make_user(org, Role.AUDITOR), "admin": make_user(org, Role.ADMIN)}


def standings(client, org) -> dict[str, str]:
    """Each leader's CPR status and date, from the matrix's CSV (the records are not
    verified, which the org counts: "Current, not verified" reads "Current")."""
    lines = csv.DictReader(io.StringIO(client.get(f"/audit/{org.slug}/training.csv").text))
    return {line["Leader"]: f"{line['Status'].split(',')[0]} {line['Counts until']}".strip()
            for line in lines}


def builds(app) -> int:
    return app.extensions["facilitator.standings_cache"].builds


def test_the_matrix_is_worked_out_once_and_each_change_shows_at_once(
        app, client, auth, session, world):
    org, cpr, ben = world["org"], world["cpr"], world["ben"]
    auth.login(world["auditor"])
    expected = {"Ana R.": "Current 2027-06-01", "Ben T.": "Missing"}
    assert standings(client, org) == expected
    assert standings(client, org) == expected
    assert client.get(f"/audit/{org.slug}/training/").status_code == 200
    assert builds(app) == 1

    def after(change, ana_now: str, ben_now: str, name: str = "Ben T.") -> None:
        before = builds(app)
        change()
        session.commit()
        assert standings(client, org) == {"Ana R.": ana_now, name: ben_now}
        assert builds(app) == before + 1

    record = training.add_record(session, ben, RecordValues(cpr.id, date(2024, 1, 10)))
    after(lambda: None, "Current 2027-06-01", "Expired 2026-01-10")
    after(lambda: training.update_type(session, world["admin"], cpr, name="CPR",
                                       validity_months=36, required_roles=["facilitator"]),
          "Current 2028-06-01", "Expiring soon 2027-01-10")
    after(lambda: training.delete_record(session, ben, record),
          "Current 2028-06-01", "Missing")
    after(lambda: setattr(ben, "display_name", "Benjamin T."),
          "Current 2028-06-01", "Missing", name="Benjamin T.")
    # A change made outside the app's services, straight in SQL, shows too.
    after(lambda: session.execute(text("UPDATE training_records SET completed_on = :day "
                                       "WHERE id = :id"),
                                  {"day": date(2023, 1, 1), "id": world["record"].id}),
          "Expired 2026-01-01", "Missing", name="Benjamin T.")
    before = builds(app)
    accounts.revoke_role(session, None, ben, org, Role.FACILITATOR)
    session.commit()
    assert standings(client, org) == {"Ana R.": "Expired 2026-01-01"}
    assert builds(app) == before + 1


def test_the_admins_dashboard_counts_from_the_same_standings(
        app, client, auth, session, world, monkeypatch):
    org = world["org"]
    auth.login(world["admin"])
    assert "1 leader with training missing" in client.get("/manage/").text
    client.get("/manage/")
    auth.logout()
    auth.login(world["auditor"])
    standings(client, org)
    assert builds(app) == 1
    # The next day is worked out again: standings move with the date alone.
    monkeypatch.setattr(clock, "today_in", lambda _zone: date(2027, 6, 2))
    assert standings(client, org) == {"Ana R.": "Expired 2027-06-01", "Ben T.": "Missing"}
    assert builds(app) == 2
    # So do the org's settings: how early a standing is "expiring".
    monkeypatch.setattr(clock, "today_in", lambda _zone: date(2027, 3, 1))
    assert standings(client, org)["Ana R."] == "Current 2027-06-01"
    org.expiry_warning_days = 100
    session.commit()
    assert standings(client, org)["Ana R."] == "Expiring soon 2027-06-01"


def worst(matrix: training.Matrix) -> dict[str, str]:
    """Each facilitator's worst standing (the admin has no requirement)."""
    return {row.leader.name: row.worst.value for row in matrix.rows if row.worst}


def test_standings_read_beside_writes_not_committed_are_not_kept(app, session, world):
    """A transaction that reads the matrix after adding a record sees the record; if
    it then rolls back, nobody is shown it, even once another change has brought the
    org's version to the one the rolled-back transaction saw."""
    org, cpr, ana, ben = world["org"], world["cpr"], world["ana"], world["ben"]
    kept = training.StandingsCache()
    training.add_record(session, ben, RecordValues(cpr.id, date(2026, 1, 5)))
    session.flush()
    assert worst(training.compliance(session, org, TODAY, kept=kept)) == {
        "Ana R.": "current", "Ben T.": "current"}
    session.rollback()
    # The same kind of change, committed: the org's version is now what it was above.
    training.add_record(session, ana, RecordValues(cpr.id, date(2024, 1, 5)))
    session.commit()
    assert worst(training.compliance(session, org, TODAY, kept=kept)) == {
        "Ana R.": "current", "Ben T.": "missing"}
    assert kept.builds == 2
    session.rollback()
    training.compliance(session, org, TODAY, kept=kept)
    assert kept.builds == 2
