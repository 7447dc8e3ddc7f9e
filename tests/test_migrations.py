"""Migrations: from empty to newest and back on both databases, one step at a time; the
models match the newest."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC
from datetime import date
from datetime import datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from sqlalchemy import Engine
from sqlalchemy import inspect
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from facilitator import create_app
from facilitator import migrate
from facilitator.db import Base
from facilitator.db import get_session
from facilitator.db import make_engine
from facilitator.domain.languages import N_
from facilitator.domain.languages import Message
from facilitator.domain.meeting import Attendance
from facilitator.models import Headcount
from facilitator.models import ImportRun
from facilitator.models import User
from facilitator.services import attendance
from facilitator.services import organizations
from tests.conftest import app_config
from tests.conftest import own_group
from tests.conftest import tuesday_meeting

TABLES = {"organizations", "users", "memberships", "groups", "group_facilitators",
          "audit_entries", "documents", "document_versions", "signatures",
          "statement_readings", "training_types", "training_records", "pending_invitations"}


def schema(engine) -> dict[str, object]:
    """Every table's columns, indexes, unique and foreign keys, as the database has them."""
    inspector = inspect(engine)
    # One query of each kind for every table (PostgreSQL's catalog queries are slow).
    columns = inspector.get_multi_columns()
    indexes = inspector.get_multi_indexes()
    uniques = inspector.get_multi_unique_constraints()
    foreign_keys = inspector.get_multi_foreign_keys()
    return {
        name: (
            sorted((c["name"], str(c["type"]), c["nullable"]) for c in columns[key]),
            sorted((i["name"], tuple(i["column_names"])) for i in indexes[key]),
            sorted((u["name"], tuple(u["column_names"])) for u in uniques[key]),
            sorted((f["name"], tuple(f["constrained_columns"]), f["referred_table"])
                   for f in foreign_keys[key]),
        )
        for key in sorted(columns, key=lambda key: key[1])
        if (name := key[1]) != "alembic_version"
    }


def test_every_migration_goes_up_and_down_one_step_at_a_time(fresh_database_url):
    """Empty → each revision in turn → newest, each step undone and redone on the way;
    then back to empty one step at a time. Each downgrade leaves exactly the schema
    its upgrade started from."""
    revisions = [script.revision for script in reversed(list(migrate.scripts().walk_revisions()))]
    assert revisions[-1] == migrate.head_revision()
    engine = make_engine(fresh_database_url())
    try:
        before: list[dict[str, object]] = []
        for previous, revision in zip(["base", *revisions], revisions, strict=False):
            start = schema(engine)
            migrate.upgrade(engine, revision)
            after = schema(engine)
            assert after != start, f"{revision} changed nothing"
            migrate.downgrade(engine, previous)
            assert schema(engine) == start, f"downgrading {revision} left a different schema"
            migrate.upgrade(engine, revision)
            assert schema(engine) == after, f"{revision} upgraded differently the second time"
            before.append(start)
        assert set(schema(engine)) >= TABLES
        for previous, start in zip(["base", *revisions][-2::-1], reversed(before), strict=True):
            migrate.downgrade(engine, previous)
            assert schema(engine) == start
        assert schema(engine) == {}
    finally:
        engine.dispose()


def test_models_match_the_newest_migration(database_url):
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()


@pytest.fixture
def newest(fresh_database_url) -> Iterator[tuple[Engine, Flask]]:
    """A fresh database at the newest migration: its engine, to migrate it down and up
    again, and an app on it, to add rows with the app's own services."""
    url = fresh_database_url()
    engine = make_engine(url)
    app = create_app(app_config(url))
    migrate.upgrade(engine)
    yield engine, app
    app.extensions["facilitator.db"].engine.dispose()
    engine.dispose()


def test_the_check_in_tally_keeps_past_reports_as_they_were(newest):
    """Before 0013_checkin_tally a check-in added to the people as well as to `checkins`,
    and reports showed the people as stored. After it, those numbers are the
    facilitator's count, so every past report reads the same: even where the facilitator
    had taken check-ins off again, and at a hybrid meeting."""
    engine, app = newest
    with app.app_context():
        session = get_session()
        group = own_group(session, "past")
        plain = tuesday_meeting(session, group, title="Plain")
        hybrid = tuesday_meeting(session, group, title="Hybrid",
                                 attendance=Attendance.HYBRID,
                                 online_url="https://meet.example/x")
        session.commit()
        ids = {"plain": plain.id, "hybrid": hybrid.id}
    app.extensions["facilitator.db"].engine.dispose()
    migrate.downgrade(engine, "0012_pending_invitations")
    # (meeting, date, people, newcomers, in person, online, check-ins among them)
    past = [("plain", date(2026, 10, 6), 12, 3, 0, 0, 4),
            ("plain", date(2026, 10, 13), 0, 0, 0, 0, 3),  # the facilitator took 3 off
            ("plain", date(2026, 10, 20), 6, 1, 0, 0, 0),
            ("hybrid", date(2026, 10, 6), 9, 2, 5, 4, 9)]
    with engine.begin() as connection:
        for name, day, *numbers in past:
            connection.execute(text(
                "INSERT INTO headcounts (meeting_id, occurrence_date, people, newcomers, "
                "in_person, online, checkins, updated_at) VALUES (:meeting, :day, :people, "
                ":newcomers, :in_person, :online, :checkins, :at)"),
                {"meeting": ids[name], "day": day, "at": datetime(2026, 10, 21, tzinfo=UTC),
                 **dict(zip(("people", "newcomers", "in_person", "online", "checkins"),
                            numbers, strict=True))})
    migrate.upgrade(engine)

    with app.app_context():
        session = get_session()
        group = organizations.find_group(session, "past-group")
        report = attendance.group_report(session, group, date(2026, 11, 20), None)
        shown = {(line.meeting, line.key): (line.numbers.people, line.numbers.newcomers,
                                            line.numbers.in_person, line.numbers.online)
                 for line in report.occurrences if line.numbers.meetings}
        assert shown == {
            ("Plain", "2026-10-06"): (12, 3, None, None),
            ("Plain", "2026-10-13"): (0, 0, None, None),
            ("Plain", "2026-10-20"): (6, 1, None, None),
            ("Hybrid", "2026-10-06"): (9, 2, 5, 4),
        }
        assert report.total.people == 27 and report.total.newcomers == 6
        # Past check-ins were part of the people counted, so only the date where the
        # facilitator counted fewer than checked in is marked.
        assert [(line.meeting, line.key) for line in report.occurrences
                if line.numbers.more_checkins] == [("Plain", "2026-10-13")]
        # The org's report reads the same from the monthly totals the upgrade filled
        # (0025_monthly_totals): three counted Tuesdays of the plain meeting, the
        # 13th marked, and the hybrid meeting's one.
        org_report = attendance.org_report(session, group.organization,
                                           date(2026, 11, 20), 1)
        october = next(line.numbers for line in org_report.months if line.key == "2026-10")
        assert (october.meetings, october.people, october.newcomers,
                october.more_checkins) == (4, 27, 6, 1)
        assert [line.key for line in org_report.more_checkins] == ["2026-10-13"]
        # The check-ins keep their number; nothing said which were newcomers or online.
        rows = session.execute(select(Headcount.checkins, Headcount.checkin_newcomers,
                                      Headcount.checkin_in_person,
                                      Headcount.checkin_online)
                               .order_by(Headcount.meeting_id, Headcount.occurrence_date)
                               ).all()
        assert [tuple(row) for row in rows] == [(4, 0, 0, 0), (3, 0, 0, 0), (0, 0, 0, 0),
                                                (9, 0, 0, 0)]
        # A date only members checked in to, after the upgrade: reports show them…
        session.add(Headcount(meeting_id=ids["plain"], occurrence_date=date(2026, 10, 27),
                              checkins=7, checkin_newcomers=2))
        session.commit()
    app.extensions["facilitator.db"].engine.dispose()
    # …and so does the schema before it, where they become the people again.
    migrate.downgrade(engine, "0012_pending_invitations")
    with engine.connect() as connection:
        people = dict(connection.execute(text(
            "SELECT occurrence_date, people FROM headcounts WHERE meeting_id = :meeting "
            "ORDER BY occurrence_date"), {"meeting": ids["plain"]}).all())
    assert list(people.values()) == [12, 0, 6, 7]


def test_documents_keep_their_versions_signatures_and_counts_across_languages(newest):
    """0026_document_languages: every document is in its org's default language after
    the upgrade, with its versions, signatures (still append-only) and acknowledgements;
    the downgrade gives the same rows back, and refuses while a second language exists
    rather than lose a signed text."""
    engine, app = newest
    with app.app_context():
        session = get_session()
        group = own_group(session, "words")
        group.organization.default_language = "es"
        meeting = tuesday_meeting(session, group)
        ana = User(email="ana@example.org", display_name="Ana P.")
        session.add(ana)
        session.commit()
        ids = {"org": group.organization_id, "group": group.id, "meeting": meeting.id,
               "user": ana.id}
    app.extensions["facilitator.db"].engine.dispose()
    migrate.downgrade(engine, "0025_monthly_totals")
    at = datetime(2026, 10, 21, tzinfo=UTC)
    with engine.begin() as connection:
        run = connection.execute
        for doc_id, group_id, kind in ((1, ids["group"], "statement"), (2, None, "agreement")):
            run(text("INSERT INTO documents (id, organization_id, group_id, kind, "
                     "current_version, created_at, updated_at) VALUES (:id, :org, :group, "
                     ":kind, 1, :at, :at)"),
                {"id": doc_id, "org": ids["org"], "group": group_id, "kind": kind, "at": at})
            run(text("INSERT INTO document_versions (id, document_id, number, body, note, "
                     "author_name, created_at) VALUES (:id, :id, 1, 'Lo que se dice aquí', "
                     "'', 'Ana P.', :at)"), {"id": doc_id, "at": at})
        run(text("INSERT INTO signatures (version_id, user_id, typed_name, signed_at) "
                 "VALUES (2, :user, 'Ana P.', :at)"), {"user": ids["user"], "at": at})
        run(text("INSERT INTO statement_readings (meeting_id, occurrence_date, read_at, "
                 "read_version, acknowledgements) VALUES (:m, :d, :at, 1, 7)"),
            {"m": ids["meeting"], "d": date(2026, 10, 20), "at": at})

    def rows() -> dict[str, object]:
        with engine.connect() as connection:
            run = connection.execute
            return {
                "versions": run(text("SELECT id, document_id, number FROM document_versions "
                                     "ORDER BY id")).all(),
                "signatures": run(text("SELECT version_id, typed_name FROM signatures")).all(),
            }

    kept = rows()
    migrate.upgrade(engine)
    assert rows() == kept
    with engine.connect() as connection:
        run = connection.execute
        assert run(text("SELECT id, language FROM documents ORDER BY id")).all() == [
            (1, "es"), (2, "es")]
        assert run(text("SELECT language, acknowledgements FROM "
                        "statement_acknowledgements")).all() == [("es", 7)]
        assert run(text("SELECT read_version, read_language FROM statement_readings")
                   ).all() == [(1, "es")]
    with engine.begin() as connection:  # still append-only
        with pytest.raises(DBAPIError), connection.begin_nested():
            connection.execute(text("DELETE FROM signatures"))
        connection.execute(text(
            "INSERT INTO statement_acknowledgements (meeting_id, occurrence_date, "
            "language, acknowledgements) VALUES (:m, :d, 'en', 2)"),
            {"m": ids["meeting"], "d": date(2026, 10, 20)})
    migrate.downgrade(engine, "0025_monthly_totals")
    assert rows() == kept
    with engine.connect() as connection:
        assert connection.execute(text("SELECT acknowledgements FROM statement_readings")
                                  ).all() == [(9,)]
    migrate.upgrade(engine, "0026_document_languages")
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO documents (id, organization_id, group_id, kind, language, "
            "current_version, created_at, updated_at) VALUES (3, :org, NULL, 'agreement', "
            "'en', 0, :at, :at)"), {"org": ids["org"], "at": at})
    with pytest.raises(RuntimeError, match="second language"):
        migrate.downgrade(engine, "0025_monthly_totals")
    assert migrate_revision(engine) == "0026_document_languages"
    assert rows() == kept


def migrate_revision(engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def test_import_runs_keep_their_english_lines_and_give_back_english(newest):
    """0027_import_run_messages: what a run held before (English text) reads as it was;
    downgrading writes each stored message back as its English."""
    engine, app = newest
    with app.app_context():
        org_id = own_group(get_session(), "imports").organization_id
        get_session().commit()
    app.extensions["facilitator.db"].engine.dispose()
    migrate.downgrade(engine, "0026_document_languages")
    at = datetime(2026, 10, 21, tzinfo=UTC)
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO import_runs (id, organization_id, file_name, program, program_map, "
            "status, progress, summary, error, created_at, updated_at) VALUES (1, :org, "
            "'feed.json', 'aa', '{}', 'failed', 'Checked 3 of 17 meetings…', "
            "'[\"Groups: 8 created, 0 unchanged.\"]', 'The import failed (disk full).', "
            ":at, :at)"), {"org": org_id, "at": at})
    migrate.upgrade(engine)
    with app.app_context():
        session = get_session()
        run = session.get_one(ImportRun, 1)
        assert (run.progress, run.summary, run.error) == (
            "Checked 3 of 17 meetings…", ["Groups: 8 created, 0 unchanged."],
            "The import failed (disk full).")
        run.progress = Message(N_("Checked %(done)s of %(count)s meetings…"),
                               {"done": 3, "count": 17}).stored()
        run.summary = [Message(N_("Skipped %(meeting)s: %(reason)s"), {
            "meeting": Message(N_("item %(index)s"), {"index": 9}),
            "reason": Message(N_("It has no name."))}).stored()]
        run.error = ""
        session.commit()
    app.extensions["facilitator.db"].engine.dispose()
    migrate.downgrade(engine, "0026_document_languages")
    with engine.connect() as connection:
        progress, summary, error = connection.execute(text(
            "SELECT progress, summary, error FROM import_runs")).one()
    assert (progress, error) == ("Checked 3 of 17 meetings…", "")
    assert summary in ('["Skipped item 9: It has no name."]',
                       ["Skipped item 9: It has no name."])  # text, or PostgreSQL's JSON


def test_audit_entries_keep_their_english_and_stay_append_only_both_ways(newest):
    """0028_audit_messages adds each entry's summary as a message beside its English.
    Entries made before it keep their English alone; in either direction the log still
    refuses to be changed or shortened."""
    engine, app = newest
    with app.app_context():
        organizations.create_organization(get_session(), None, slug="kept", name="Kept",
                                          timezone="America/Chicago")
        get_session().commit()
    app.extensions["facilitator.db"].engine.dispose()

    def refused(connection, statement: str) -> bool:
        try:
            with connection.begin_nested():
                connection.execute(text(statement))
        except DBAPIError:
            return True
        return False

    migrate.downgrade(engine, "0027_import_run_messages")
    with engine.begin() as connection:
        assert connection.execute(text("SELECT summary FROM audit_entries")).scalars().all() \
            == ["Organization Kept"]
        assert refused(connection, "UPDATE audit_entries SET summary = 'nothing happened'")
        assert refused(connection, "DELETE FROM audit_entries")
    migrate.upgrade(engine)
    with engine.begin() as connection:
        assert connection.execute(text("SELECT summary, message FROM audit_entries")).all() \
            == [("Organization Kept", None)]
        assert refused(connection, "UPDATE audit_entries SET message = NULL")
        assert refused(connection, "DELETE FROM audit_entries")
