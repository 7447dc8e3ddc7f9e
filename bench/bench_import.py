"""Benchmark of the Meeting Guide import: `.venv/bin/python -m bench.bench_import`.

Every figure is printed on its own line beside a baseline measured in the same run:

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

import argparse
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
from facilitator import create_app
from facilitator import migrate
from facilitator.db import make_engine
from facilitator.domain import meeting_guide
from facilitator.domain.recurrence import Recurrence
from facilitator.models import Group
from facilitator.models import Meeting
from facilitator.services import meetings
from facilitator.services import organizations
from facilitator.services.meetings import MeetingValues

TARGET_SECONDS = 60
SAVE_RATIO_LIMIT = 1.5
WIDTH = 52


def line(what: str, figure: str, baseline: str) -> None:
    print(f"{what:<{WIDTH}} {figure:>12}   {baseline}")


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
                  runs: int) -> None:
    app = app_for(urls())
    seconds, counts, summary = run_import(app, path, "bench")
    created = next(s for s in summary if s.startswith("Meetings"))
    line(f"{name}: import into a new org", f"{seconds:.1f} s",
         f"target < {TARGET_SECONDS} s; pure parse {parse_seconds:.2f} s "
         f"({seconds / parse_seconds:.0f}×)")
    line(f"{name}:   SQL statements / session flushes",
         f"{counts['statements']:,} / {counts['flushes']:,}", created)
    again, again_counts, again_summary = run_import(app, path, "bench")
    line(f"{name}: import the same feed again (no change)", f"{again:.1f} s",
         f"first import {seconds:.1f} s; {again_counts['statements']:,} statements, "
         f"{again_counts['flushes']} flushes")

    empty = app_for(urls())
    baseline, full = save_one((empty, one_meeting_database(empty)),
                              (app, some_imported_meeting(app, "bench")), runs)
    ratio = full / baseline
    verdict = "ok" if ratio <= SAVE_RATIO_LIMIT else "TOO SLOW"
    line(f"{name}: save one meeting, database of the import", f"{full * 1000:.2f} ms",
         f"one-meeting database {baseline * 1000:.2f} ms: {ratio:.2f}× "
         f"(limit {SAVE_RATIO_LIMIT}×, {verdict}); median of {runs}")
    for database in (app, empty):
        database.extensions["facilitator.db"].engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--meetings", type=int, default=5000)
    parser.add_argument("--groups", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=200,
                        help="saves timed per database (default 200)")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="facilitator-bench-") as tmp:
        directory = Path(tmp)
        path = directory / "feed.json"
        path.write_text(json.dumps(generate(args.meetings, args.groups, args.seed), indent=1))
        data = path.read_bytes()
        feed_meetings, skips = meeting_guide.parse_feed(meeting_guide.load_feed(data))
        series = sum(len(m.weekdays) for m in feed_meetings)
        print(f"Feed: {len(feed_meetings):,} meetings ({series:,} weekly series) in "
              f"{args.groups:,} groups, {len(data) / 2**20:.1f} MB, seed {args.seed}; "
              f"{len(skips)} skipped by the parse.")
        parse_seconds = best_of(3, lambda: meeting_guide.parse_feed(
            meeting_guide.load_feed(path.read_bytes())))
        line("pure parse: read + JSON + validate (best of 3)", f"{parse_seconds:.2f} s",
             "baseline for the imports")

        databases = iter(range(1, 100))
        bench_backend("sqlite", lambda: f"sqlite:///{directory}/bench{next(databases)}.sqlite3",
                      path, parse_seconds, args.runs)
        if not args.no_postgres:
            bench_postgres(path, parse_seconds, args.runs)


def bench_postgres(path: Path, parse_seconds: float, runs: int) -> None:
    try:
        from tests.postgres import PostgresServer
        from tests.postgres import PostgresUnavailable
    except ImportError as error:
        print(f"postgresql: not measured ({error}).")
        return
    try:
        server = PostgresServer().start()
    except PostgresUnavailable as error:
        print(f"postgresql: not measured ({error}).")
        return
    try:
        databases = iter(range(1, 100))
        bench_backend("postgresql", lambda: server.create_database(f"bench{next(databases)}"),
                      path, parse_seconds, runs)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
