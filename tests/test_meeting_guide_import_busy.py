"""A large Meeting Guide import on a database in use: members' check-ins go on while it
runs, the person who runs it sees how far it got, and a change made meanwhile is kept."""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import replace
from datetime import UTC
from datetime import date
from datetime import datetime

from sqlalchemy import select

from bench.generate import generate
from facilitator import clock
from facilitator import create_app
from facilitator import migrate
from facilitator.db import get_session
from facilitator.db import make_engine
from facilitator.db import write_transaction
from facilitator.domain import meeting_guide_read
from facilitator.models import Headcount
from facilitator.models import Meeting
from facilitator.services import headcounts
from facilitator.services import meeting_import
from facilitator.services import meetings
from tests.conftest import app_config
from tests.conftest import own_group
from tests.conftest import tuesday_meeting
from tests.test_headcounts import DURING
from tests.test_headcounts import TUESDAY
from tests.test_meeting_guide_import import FEED
from tests.test_meeting_guide_import import by_slug
from tests.test_meeting_guide_import import imported
from tests.test_meeting_guide_import import springfield
from tests.test_meeting_guide_import import write

#: Longest a member's check-in may wait while an import runs (the goal; the import here
#: is smaller than the 5,000-meeting one the benchmark times, so this is a wide margin).
LONGEST_WAIT = 1.0


def test_members_check_in_while_a_large_feed_is_imported(fresh_database_url, monkeypatch,
                                                          tmp_path):
    url = fresh_database_url()
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    app = create_app(app_config(url))
    monkeypatch.setattr(clock, "now", lambda: DURING)
    # Check-ins come as fast as the loop goes here; the per-minute ceiling has its tests.
    monkeypatch.setattr(headcounts, "CHECKINS_PER_MINUTE",
                        replace(headcounts.CHECKINS_PER_MINUTE, failures=100_000))
    with app.app_context():
        session = get_session()
        meeting = tuesday_meeting(session, own_group(session, "hall"), room_capacity=10_000)
        session.commit()
        meeting_id = meeting.id
    path = write(tmp_path, generate(meetings=1500, groups=300, seed=2))
    results = []
    importing = threading.Thread(target=lambda: results.append(app.test_cli_runner().invoke(
        args=["import-meeting-guide", str(path), "--org", "big-intergroup"])))

    sessionmaker = app.extensions["facilitator.db"].sessionmaker
    waits: list[float] = []
    failures: list[Exception] = []
    importing.start()
    while importing.is_alive():
        session = sessionmaker()
        meeting = session.get(Meeting, meeting_id)
        start = time.perf_counter()
        try:
            with write_transaction(session):
                headcounts.check_in(session, app.config["SECRET_KEY"], meeting, TUESDAY,
                                    first_meeting=False, counter=None)
        except Exception as error:  # noqa: BLE001 (any failure is what the test counts)
            failures.append(error)
        waits.append(time.perf_counter() - start)
        session.close()
        time.sleep(0.005)
    importing.join()

    assert results[0].exit_code == 0, results[0].output
    assert "Meetings (one per weekday): " in results[0].stdout
    assert failures == []
    assert len(waits) > 10 and max(waits) < LONGEST_WAIT, sorted(waits)[-5:]
    session = sessionmaker()
    row = session.scalars(select(Headcount).where(Headcount.meeting_id == meeting_id)).one()
    assert row.checkins == len(waits)  # each one counted
    session.close()
    app.extensions["facilitator.db"].engine.dispose()


def test_the_import_says_how_far_it_got_every_second_on_stderr(runner, monkeypatch):
    # A clock that moves a second each time the import looks at it.
    monkeypatch.setattr(clock, "monotonic", itertools.count(0.0, 1.0).__next__)
    result = runner.invoke(args=["import-meeting-guide", str(FEED), "--org", "springfield"])
    assert result.exit_code == 0, result.output
    listed = len(meeting_guide_read.parse_feed(springfield())[0])
    reading, checking, *lines = result.stderr.splitlines()
    assert reading == "Reading springfield.json…"
    assert checking == f"The feed lists {listed} meetings; checking them…"
    assert lines[:listed] == [f"Checked {n} of {listed} meetings…" for n in range(1, listed + 1)]
    *prepared, saving = lines[listed:]
    # Groups, meetings and audit entries, a batch each; the last says all are ready.
    total = 8 + 17 + 8 + 17
    assert prepared[-1] == f"Prepared {total} of {total} rows to save…"
    assert all(line.startswith("Prepared ") for line in prepared)
    assert saving == "Saving…"
    assert "Checked " not in result.stdout and "Prepared" not in result.stdout
    assert "Meetings (one per weekday): 17 created" in result.stdout


def test_an_import_that_takes_under_a_second_says_only_what_it_begins(runner, monkeypatch):
    monkeypatch.setattr(clock, "monotonic", itertools.repeat(5.0).__next__)
    result = runner.invoke(args=["import-meeting-guide", str(FEED), "--org", "springfield"])
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        "Reading springfield.json…",
        "The feed lists 10 meetings; checking them…", "Saving…"]  # 17 series of 10


def test_a_change_made_while_the_feed_is_read_is_kept(runner, session, monkeypatch, tmp_path):
    """The import is saved only if nothing changed in the organization since it was read;
    else it is read again, so it never saves what it decided on old values."""
    now = datetime(2026, 3, 4, 12, tzinfo=UTC)
    meeting_import.import_feed(session, None, springfield(), org_slug="springfield", now=now)
    session.commit()
    feed = springfield()
    by_slug(feed, "night-owls")["time"] = "22:30"
    real_stage = meeting_import.stage
    stages = []

    def stage_then_a_facilitator_saves(*args, **kwargs):
        staged = real_stage(*args, **kwargs)
        stages.append(staged)
        if len(stages) == 1:  # the facilitator ends the series while the import reads
            meetings.end_meeting(session, None, imported(session)["night-owls"],
                                 date(2026, 12, 25))
            session.commit()
        return staged

    monkeypatch.setattr(meeting_import, "stage", stage_then_a_facilitator_saves)
    result = runner.invoke(args=["import-meeting-guide", str(write(tmp_path, feed)),
                                 "--org", "springfield"])
    assert result.exit_code == 0, result.output
    assert len(stages) == 2
    assert "The organization changed meanwhile; reading it again…" in result.stderr
    assert "1 updated" in result.stdout
    owls = imported(session)["night-owls"]
    assert owls.start_time.hour == 22 and owls.start_time.minute == 30  # the feed's change
    assert owls.last_date == date(2026, 12, 25)  # and the facilitator's, both kept
