"""Benchmark of the Meeting Guide import: `.venv/bin/python -m bench.bench_import`.

Every figure is beside a baseline measured in the same run:

- importing a generated 5,000-meeting feed (bench.generate) with the real command,
  beside merely reading and validating the same file (the pure parse), and the
  target of under a minute;
- importing the same feed again, when nothing changes, beside the first import;
- saving one meeting through services.meetings.update_meeting (loaded, changed,
  committed) in the database holding the import, beside the same in a database with
  one meeting, taking turns; the ratio is to stay at or below 1.5.

On SQLite in a temporary directory, and on PostgreSQL too when tests/postgres.py can
start a throwaway server (Debian package `postgresql`).
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import fields
from datetime import date
from datetime import time as clock_time
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
from facilitator.domain import meeting_guide_read
from facilitator.domain.meeting import MeetingValues
from facilitator.domain.recurrence import Recurrence
from facilitator.models import Group
from facilitator.models import Meeting
from facilitator.services import meetings
from facilitator.services import organizations

TARGET_SECONDS = 60
SAVE_RATIO_LIMIT = 1.5


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
        yield from bench_backend(
            "sqlite", lambda: f"sqlite:///{directory}/bench{next(databases)}.sqlite3",
            path, parse_seconds, runs)
        if postgres:
            with throwaway_postgres() as server:
                yield from bench_backend(
                    "postgresql", lambda: server.create_database(f"bench{next(databases)}"),
                    path, parse_seconds, runs)


if __name__ == "__main__":
    standalone(figures, __doc__)
