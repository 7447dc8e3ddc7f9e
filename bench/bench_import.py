"""Benchmark of the Meeting Guide import: `.venv/bin/python -m bench.bench_import`.

Every figure is beside a baseline measured in the same run:

- importing a generated 5,000-meeting feed (bench.generate) with the real command,
  beside merely reading and validating the same file (the pure parse), and the
  target of under a minute;
- importing the same feed again, when nothing changes, beside the first import;
- saving one meeting through services.meetings.update_meeting (loaded, changed,
  committed) in the database holding the import, beside the same in a database with
  one meeting, taking turns; the ratio is to stay at or below 1.5;
- on SQLite, where a writer holds the whole database: the longest a member's check-in
  (services.headcounts.check_in in its write transaction, 50 a second) waits while the
  command imports the feed into a new org in another process, beside the longest with
  no import running; the goal is 1 s, and no check-in may fail;
- the longest the person running that import waits between two progress lines (from
  the start of the process to its end), beside the whole import; the goal is 2 s.

On SQLite in a temporary directory, and on PostgreSQL too when tests/postgres.py can
start a throwaway server (Debian package `postgresql`).
"""

from __future__ import annotations

import itertools
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import fields
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time as clock_time
from datetime import timedelta
from pathlib import Path

from flask import Flask
from sqlalchemy import event
from sqlalchemy import select

from bench.generate import generate
from bench.report import Figure
from bench.report import at_most
from bench.report import standalone
from bench.server import throwaway_postgres
from facilitator import create_app
from facilitator import migrate
from facilitator.db import make_engine
from facilitator.db import write_transaction
from facilitator.domain import meeting_guide_read
from facilitator.domain.counts import MAX_COUNT
from facilitator.domain.meeting import MeetingValues
from facilitator.domain.recurrence import Recurrence
from facilitator.models import Group
from facilitator.models import Meeting
from facilitator.services import ServiceError
from facilitator.services import headcounts
from facilitator.services import meetings
from facilitator.services import organizations

TARGET_SECONDS = 60
SAVE_RATIO_LIMIT = 1.5
#: The longest a check-in may wait while an import runs, and between progress lines.
CHECKIN_WAIT_LIMIT_MS = 1000
PROGRESS_GAP_LIMIT = 2.0
#: Check-ins a second, spread over meetings going on, each far below the per-minute
#: ceiling of one occurrence.
CHECKINS_PER_SECOND = 50
MEETINGS_GOING_ON = 50


def best_of(runs: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def app_for(url: str) -> Flask:
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    return create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"})


@contextmanager
def counting(app: Flask) -> Iterator[dict[str, int]]:
    """Count the SQL statements and session flushes of what runs inside."""
    db = app.extensions["facilitator.db"]
    counts = {"statements": 0, "flushes": 0}

    def statement(*_args: object) -> None:
        counts["statements"] += 1

    def flush(*_args: object) -> None:
        counts["flushes"] += 1

    event.listen(db.engine, "before_cursor_execute", statement)
    event.listen(db.sessionmaker, "after_flush", flush)
    try:
        yield counts
    finally:
        event.remove(db.engine, "before_cursor_execute", statement)
        event.remove(db.sessionmaker, "after_flush", flush)


def run_import(app: Flask, path: Path, org: str) -> tuple[float, dict[str, int], list[str]]:
    """The real command, file to commit; its time, counts and summary lines."""
    runner = app.test_cli_runner()
    with counting(app) as counts:
        start = time.perf_counter()
        result = runner.invoke(args=["import-meeting-guide", str(path), "--org", org])
        seconds = time.perf_counter() - start
    if result.exit_code != 0:
        raise SystemExit(f"The import failed:\n{result.output}")
    return seconds, counts, result.output.splitlines()


def values_of(meeting: Meeting, notes: str) -> MeetingValues:
    values = {f.name: getattr(meeting, f.name) for f in fields(MeetingValues)
              if f.name != "recurrence"}
    return MeetingValues(**(values | {"recurrence": meeting.recurrence, "notes": notes}))


def save_once(app: Flask, meeting_id: int, notes: str) -> float:
    """Load one meeting, change its notes through the service and commit, as a request
    would; the seconds it took."""
    start = time.perf_counter()
    session = app.extensions["facilitator.db"].sessionmaker()
    meeting = session.get(Meeting, meeting_id)
    meetings.update_meeting(session, None, meeting, values_of(meeting, notes))
    session.commit()
    session.close()
    return time.perf_counter() - start


def save_one(small: tuple[Flask, int], large: tuple[Flask, int], runs: int
             ) -> tuple[float, float]:
    """Median seconds to save one meeting in each database. The two take turns, so a
    machine busy with something else slows both alike; the first tenth warms up."""
    times: dict[int, list[float]] = {0: [], 1: []}
    warm_up = runs // 10
    for n in range(warm_up + runs):
        for which, (app, meeting_id) in enumerate((small, large)):
            seconds = save_once(app, meeting_id, f"Notes {n}")
            if n >= warm_up:
                times[which].append(seconds)
    return statistics.median(times[0]), statistics.median(times[1])


def one_meeting_database(app: Flask) -> int:
    session = app.extensions["facilitator.db"].sessionmaker()
    org = organizations.create_organization(session, None, slug="small", name="Small",
                                            timezone="America/Chicago")
    group = organizations.create_group(session, None, org, slug="small-group", name="Small",
                                       program="aa")
    meeting = meetings.create_meeting(session, None, group, MeetingValues(
        title="Tuesday Night", recurrence=Recurrence.weekly(1), first_date=date(2026, 1, 6),
        start_time=clock_time(19), timezone="America/Chicago", location_name="Hall",
    ))
    session.commit()
    meeting_id = meeting.id
    session.close()
    return meeting_id


def some_imported_meeting(app: Flask, org: str) -> int:
    session = app.extensions["facilitator.db"].sessionmaker()
    ids = session.scalars(select(Meeting.id).join(Meeting.group)
                          .where(Group.organization.has(slug=org)).order_by(Meeting.id)).all()
    session.close()
    return ids[len(ids) // 2]


def meetings_going_on(app: Flask, count: int) -> list[int]:
    """Meetings whose check-in is open now (they began ten minutes ago, in UTC), in an
    org of their own; their ids."""
    session = app.extensions["facilitator.db"].sessionmaker()
    org = organizations.create_organization(session, None, slug="hall", name="Hall",
                                            timezone="UTC")
    group = organizations.create_group(session, None, org, slug="hall-group", name="Hall",
                                       program="aa")
    began = (datetime.now(UTC) - timedelta(minutes=10)).replace(second=0, microsecond=0)
    created = [meetings.create_meeting(session, None, group, MeetingValues(
        title=f"Going on {n}", recurrence=Recurrence.weekly(began.weekday()),
        first_date=began.date(), start_time=began.time(), duration_minutes=120,
        timezone="UTC", location_name="Hall", room_capacity=MAX_COUNT,
    )) for n in range(count)]
    session.commit()
    ids = [m.id for m in created]
    session.close()
    return ids


class CheckIns:
    """Members checking in, CHECKINS_PER_SECOND, round the meetings going on; how long
    each waited and which failed."""

    def __init__(self, app: Flask, meeting_ids: list[int]) -> None:
        self.app, self.meeting_ids = app, meeting_ids
        self.done = 0

    def run(self, until: Callable[[], bool]) -> tuple[list[float], int]:
        waits: list[float] = []
        failed = 0
        while not until():
            seconds, ok = self.one(self.meeting_ids[self.done % len(self.meeting_ids)])
            self.done += 1
            waits.append(seconds)
            failed += not ok
            time.sleep(max(0.0, 1 / CHECKINS_PER_SECOND - seconds))
        return waits, failed

    def one(self, meeting_id: int) -> tuple[float, bool]:
        session = self.app.extensions["facilitator.db"].sessionmaker()
        meeting = session.get(Meeting, meeting_id)
        going_on = headcounts.open_for_check_in(meeting)
        start = time.perf_counter()
        try:
            if going_on is None:
                raise ServiceError(headcounts.CHECK_IN_CLOSED)
            with write_transaction(session):
                headcounts.check_in(session, self.app.config["SECRET_KEY"], meeting,
                                    going_on.date, first_meeting=False, counter=None)
            ok = True
        except Exception:  # noqa: BLE001 (a member's check-in failed, whatever the cause)
            ok = False
        seconds = time.perf_counter() - start
        session.close()
        return seconds, ok


def import_in_another_process(url: str, path: Path, org: str
                              ) -> tuple[subprocess.Popen[bytes], list[float]]:
    """The real command in a process of its own, as an admin runs it beside the app; the
    time it started and the times its lines came (progress, then the summary)."""
    env = os.environ | {"FACILITATOR_DATABASE_URL": url, "FACILITATOR_SECRET_KEY": "bench",
                        "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(  # noqa: S603 (our own interpreter and module)
        [sys.executable, "-m", "flask", "--app", "facilitator", "import-meeting-guide",
         str(path), "--org", org], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    lines = [time.perf_counter()]

    def read() -> None:
        assert process.stdout is not None
        for _ in process.stdout:  # progress, then the summary: what the person sees
            lines.append(time.perf_counter())

    threading.Thread(target=read, daemon=True).start()
    return process, lines


def check_ins_during_import(urls: Callable[[], str], path: Path) -> Iterator[Figure]:
    url = urls()
    app = app_for(url)
    check_ins = CheckIns(app, meetings_going_on(app, MEETINGS_GOING_ON))
    quiet_until = time.perf_counter() + 2
    quiet, quiet_failed = check_ins.run(lambda: time.perf_counter() > quiet_until)
    process, lines = import_in_another_process(url, path, "bench-busy")
    busy, failed = check_ins.run(lambda: process.poll() is not None)
    process.wait()
    time.sleep(0.1)  # the reader notes the end
    if process.returncode != 0:
        raise SystemExit(f"The import beside check-ins failed (exit {process.returncode}).")
    failed_note = f"{failed} failed (must be 0)" + (
        f"; {quiet_failed} failed with no import" if quiet_failed else "")
    yield Figure(
        "sqlite: check-in wait during an import (max)",
        max(busy) * 1000 if not failed else math.inf, "ms", max(quiet) * 1000,
        "max with no import running", at_most(CHECKIN_WAIT_LIMIT_MS, of="value"),
        f"{len(busy)} check-ins during the import, {failed_note}; median "
        f"{statistics.median(busy) * 1000:.0f} ms (no import: {len(quiet)}, median "
        f"{statistics.median(quiet) * 1000:.0f} ms)")
    # From the command's first line ("Reading feed.json…") to its summary; before it,
    # Python and the app load, which is no part of the import and is told apart.
    started, first, *rest = lines
    gaps = [later - earlier for earlier, later in itertools.pairwise([first, *rest])]
    yield Figure("sqlite: longest wait for a progress line, the import above", max(gaps), "s",
                 rest[-1] - first, "the whole import", at_most(PROGRESS_GAP_LIMIT, of="value"),
                 f"{len(rest) - 1} lines after the first; before it the process took "
                 f"{first - started:.1f} s to start (Python and the app)")
    app.extensions["facilitator.db"].engine.dispose()


def bench_backend(name: str, urls: Callable[[], str], path: Path, parse_seconds: float,
                  runs: int) -> Iterator[Figure]:
    app = app_for(urls())
    seconds, counts, summary = run_import(app, path, "bench")
    created = next(s for s in summary if s.startswith("Meetings"))
    yield Figure(f"{name}: import into a new org", seconds, "s", parse_seconds,
                 "pure parse", at_most(TARGET_SECONDS, of="value"),
                 f"{counts['statements']:,} statements, {counts['flushes']:,} flushes; {created}")
    again, again_counts, _ = run_import(app, path, "bench")
    yield Figure(f"{name}: import the same feed again (no change)", again, "s", seconds,
                 "first import", note=f"{again_counts['statements']:,} statements, "
                                      f"{again_counts['flushes']} flushes")

    empty = app_for(urls())
    baseline, full = save_one((empty, one_meeting_database(empty)),
                              (app, some_imported_meeting(app, "bench")), runs)
    yield Figure(f"{name}: save one meeting, database of the import", full * 1000, "ms",
                 baseline * 1000, "one-meeting database", at_most(SAVE_RATIO_LIMIT),
                 f"median of {runs}")
    for database in (app, empty):
        database.extensions["facilitator.db"].engine.dispose()


def figures(meetings: int = 5000, groups: int = 1000, seed: int = 1, runs: int = 200,
            postgres: bool = True) -> Iterator[Figure]:
    """The import and a save on SQLite, then on PostgreSQL when a throwaway server can
    start; `runs` saves timed per database."""
    with tempfile.TemporaryDirectory(prefix="facilitator-bench-") as tmp:
        directory = Path(tmp)
        path = directory / "feed.json"
        path.write_text(json.dumps(generate(meetings, groups, seed), indent=1))
        parse_seconds = best_of(3, lambda: meeting_guide_read.parse_feed(
            meeting_guide_read.load_feed(path.read_bytes())))
        databases = iter(range(1, 100))
        sqlite_urls = lambda: f"sqlite:///{directory}/bench{next(databases)}.sqlite3"  # noqa: E731
        yield from bench_backend("sqlite", sqlite_urls, path, parse_seconds, runs)
        yield from check_ins_during_import(sqlite_urls, path)
        if postgres:
            with throwaway_postgres() as server:
                yield from bench_backend(
                    "postgresql", lambda: server.create_database(f"bench{next(databases)}"),
                    path, parse_seconds, runs)


if __name__ == "__main__":
    standalone(figures, __doc__)
