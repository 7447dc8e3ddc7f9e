"""Benchmark of the signed-in pages and reports: `.venv/bin/python -m bench.bench_pages`.

Two organizations in one SQLite database, each made by the real Meeting Guide import of
a generated feed (bench.generate) and then given, straight through the models, what a
few years of use leave behind: leaders (facilitators of the groups, with training
records), an admin and an auditor, a signed leader agreement, and three years of weekly
headcounts for every meeting. The large org has 5,000 meetings in 1,000 groups and
2,000 leaders; the small one, the baseline, 50 meetings in 10 groups and 20 leaders.

For each page, signed in as the person who opens it, through the app (the Flask test
client) made in a new process once the data is written, as a server starts, after one
warm-up request: the SQL statements of a request (beside the small
org's: they must not grow with the org) and the 95th percentile of the server time of
20 requests (beside the small org's, with the goal the page must meet). Before each
request of a report, a headcount of the org changes (as check-ins do all day), so the
report is read afresh and only the chart can share the page's reading; the admin's
dashboard and the matrix are measured as they are (their leaders' standings kept) and
again with a training record changed before each request (worked out afresh):

- the auditor's attendance report of the org, with its chart (≤ 1 s for both);
- the auditor's attendance report of one group, small-count rule and all (≤ 300 ms);
- a facilitator's dashboard, an admin's dashboard and a group's page (≤ 300 ms);
- the auditor's training matrix (≤ 300 ms).
"""

from __future__ import annotations

import gc
import json
import math
import random
import re
import tempfile
import time
from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import insert
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import Session

from bench.bench_import import app_for
from bench.bench_import import counting
from bench.bench_import import run_import
from bench.generate import generate
from bench.report import Figure
from bench.report import at_most
from bench.report import in_new_process
from bench.report import standalone
from facilitator import clock
from facilitator import create_app
from facilitator import crypto
from facilitator.domain.choices import DocumentKind
from facilitator.domain.choices import Role
from facilitator.domain.meeting import Attendance
from facilitator.models import Group
from facilitator.models import GroupFacilitator
from facilitator.models import Headcount
from facilitator.models import Meeting
from facilitator.models import Membership
from facilitator.models import Organization
from facilitator.models import Signature
from facilitator.models import TrainingRecord
from facilitator.models import TrainingType
from facilitator.models import User
from facilitator.serve import freeze_startup
from facilitator.services import documents

PASSWORD = "bench pages password"  # noqa: S105 (throwaway accounts of a benchmark)
#: Requests timed per page, after one warm-up.
RUNS = 20
YEARS = 3
ORG_REPORT_GOAL_MS = 1000
PAGE_GOAL_MS = 300


@dataclass(frozen=True)
class Org:
    """What the pages of one benchmark org are opened with."""

    slug: str
    group: str
    admin: str
    auditor: str
    #: A facilitator who leads two groups, as the dashboard's figure opens it.
    facilitator: str


def build(app: Flask, folder: Path, slug: str, meetings: int, groups: int, leaders: int,
          seed: int = 7) -> Org:
    """Import a generated feed as the org `slug`, then give it leaders, training, a leader
    agreement and three years of weekly headcounts."""
    path = folder / f"{slug}.json"
    path.write_text(json.dumps(generate(meetings=meetings, groups=groups, seed=seed)))
    run_import(app, path, slug)
    session: Session = app.extensions["facilitator.db"].sessionmaker()
    try:
        org = session.scalars(select(Organization).where(Organization.slug == slug)).one()
        found = _people(session, org, leaders, random.Random(seed))  # noqa: S311
        _headcounts(session, org, random.Random(seed))  # noqa: S311
        session.commit()
        return found
    finally:
        session.close()


def _people(session: Session, org: Organization, leaders: int, rng: random.Random) -> Org:
    password_hash = crypto.hash_password(PASSWORD)
    group_ids = list(session.scalars(select(Group.id).where(Group.organization_id == org.id)
                                     .order_by(Group.id)))
    users = [{"email": f"{who}@{org.slug}.example.org",
              "display_name": f"{who.title()} {org.slug}.", "password_hash": password_hash}
             for who in ("admin", "auditor")]
    users += [{"email": f"leader{n}@{org.slug}.example.org",
               "display_name": f"Leader {n} {org.slug[0].upper()}.",
               "password_hash": password_hash} for n in range(leaders)]
    session.execute(insert(User), users)
    ids = {email: id_ for email, id_ in session.execute(select(User.email, User.id).where(
        User.email.like(f"%@{org.slug}.example.org")))}
    admin, auditor = ids[users[0]["email"]], ids[users[1]["email"]]
    leader_ids = [ids[u["email"]] for u in users[2:]]
    session.execute(insert(Membership), [
        {"user_id": admin, "organization_id": org.id, "role": Role.ADMIN},
        {"user_id": auditor, "organization_id": org.id, "role": Role.AUDITOR},
        *({"user_id": i, "organization_id": org.id, "role": Role.FACILITATOR}
          for i in leader_ids)])
    # Each group has two leaders, and a leader leads two groups or so.
    pairs = {(group_ids[n % len(group_ids)], leader_ids[n % len(leader_ids)])
             for n in range(max(len(leader_ids), 2 * len(group_ids)))}
    pairs |= {(group_ids[(n + 1) % len(group_ids)], leader_ids[n % len(leader_ids)])
              for n in range(len(leader_ids))}
    session.execute(insert(GroupFacilitator),
                    [{"group_id": g, "user_id": u} for g, u in sorted(pairs)])
    today = clock.today_in(org.timezone)
    kinds = [TrainingType(organization_id=org.id, name=name, validity_months=months,
                          required_roles=roles)
             for name, months, roles in (("Facilitator basics", None, ["facilitator"]),
                                         ("Naloxone", 24, ["facilitator"]),
                                         ("Boundaries", 12, ["facilitator", "admin"]),
                                         ("Trauma-informed care", 36, []))]
    session.add_all(kinds)
    session.flush()
    records = []
    for user_id in leader_ids:
        for kind in kinds:
            if rng.random() < 0.8:
                records.append({
                    "organization_id": org.id, "user_id": user_id,
                    "training_type_id": kind.id, "provider": "Intergroup",
                    "completed_on": today - timedelta(days=rng.randrange(30, 1200)),
                    "verified_at": clock.now() if rng.random() < 0.5 else None})
    session.execute(insert(TrainingRecord), records)
    version = documents.save_version(session, None, org, DocumentKind.AGREEMENT,
                                     "I keep what I hear here.", based_on=0)
    session.execute(insert(Signature), [
        {"version_id": version.id, "user_id": user_id, "typed_name": "Leader"}
        for user_id in leader_ids if rng.random() < 0.7])
    facilitator = next(u for g, u in sorted(pairs) if g == group_ids[0])
    return Org(org.slug, session.get_one(Group, group_ids[0]).slug,
               users[0]["email"], users[1]["email"],
               next(e for e, i in ids.items() if i == facilitator))


def _headcounts(session: Session, org: Organization, rng: random.Random) -> None:
    """Start every meeting three years ago (keeping its weekday) and count each of its
    dates since: mostly by the facilitator, sometimes only by members' check-ins, now and
    then not at all."""
    today = clock.today_in(org.timezone)
    start = today - timedelta(weeks=52 * YEARS)
    found = session.scalars(select(Meeting).join(Group).where(Group.organization_id == org.id))
    moved, rows = [], []
    for meeting in found:
        first = meeting.first_date - timedelta(weeks=52 * YEARS)
        moved.append({"id": meeting.id, "first_date": first})
        meeting.first_date = first
        hybrid = meeting.attendance is Attendance.HYBRID
        for day in meeting.schedule.dates(start, today - timedelta(days=1)):
            draw = rng.random()
            if draw < 0.03:
                continue  # nobody counted
            people = max(0, round(rng.gauss(14, 6)))
            newcomers = min(people, rng.choice((0, 0, 1, 1, 2, 3)))
            in_person = rng.randint(0, people) if hybrid else 0
            online = people - in_person if hybrid else 0
            # Now and then more members check in than the facilitator counted.
            checkins = people + 1 if rng.random() < 0.002 else rng.randint(0, people)
            by_facilitator = draw >= 0.1
            rows.append({"meeting_id": meeting.id, "occurrence_date": day,
                         "people": people if by_facilitator else 0,
                         "newcomers": newcomers if by_facilitator else 0,
                         "in_person": in_person if by_facilitator else 0,
                         "online": online if by_facilitator else 0,
                         "counted_by_facilitator": by_facilitator,
                         "checkins": checkins if by_facilitator else people,
                         "checkin_newcomers": 0 if by_facilitator else newcomers})
    session.expunge_all()
    session.execute(update(Meeting), moved)
    for at in range(0, len(rows), 50_000):
        session.execute(insert(Headcount), rows[at:at + 50_000])


def p95(times: list[float]) -> float:
    """The 95th percentile, nearest rank: of 20 times, the 19th fastest."""
    ordered = sorted(times)
    return ordered[math.ceil(0.95 * len(ordered)) - 1]


def signed_in(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    form = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form)
    if token is None:
        raise SystemExit("The sign-in page has no CSRF token.")
    response = client.post("/login", data={"email": email, "password": PASSWORD,
                                           "csrf_token": token[1]})
    if response.status_code != 302:
        raise SystemExit(f"{email} could not sign in ({response.status_code})")
    return client


def measure(app: Flask, client: FlaskClient, *urls: str, runs: int = RUNS,
            before: Callable[[], None] | None = None) -> tuple[int, float]:
    """Statements of one request of each url together, and the p95 of `runs` times
    requesting them all, in seconds, after a warm-up. `before` runs before each time
    (untimed), to change what the pages show."""
    for url in urls:
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
    if before is not None:
        before()
    with counting(app) as counts:
        for url in urls:
            client.get(url)
    times = []
    for _ in range(runs):
        if before is not None:
            before()
        start = time.perf_counter()
        for url in urls:
            client.get(url)
        times.append(time.perf_counter() - start)
    return counts["statements"], p95(times)


@dataclass(frozen=True)
class Page:
    name: str
    #: Who opens it, from an Org.
    who: Callable[[Org], str]
    #: What is requested, from an Org.
    urls: Callable[[Org], tuple[str, ...]]
    goal_ms: float
    #: What changes before each request is timed (app, org slug), untimed: reports are
    #: kept per version of the org's counts, which change all day long, and leaders'
    #: standings per version of their training, which a figure of its own changes.
    before: Callable[[Flask, str], None] | None = None


def training_changed(app: Flask, slug: str) -> None:
    """Change the notes of a leader's training record of the org, as a leader
    correcting one does (the database's triggers move the org's training version, and
    every leader's standing is worked out again), and commit."""
    session: Session = app.extensions["facilitator.db"].sessionmaker()
    try:
        found = session.execute(
            select(TrainingRecord.id, TrainingRecord.notes).join(Organization)
            .where(Organization.slug == slug).order_by(TrainingRecord.id).limit(1)).one()
        session.execute(update(TrainingRecord).where(TrainingRecord.id == found.id)
                        .values(notes="" if found.notes else "Checked."))
        session.commit()
    finally:
        session.close()


def count_changed(app: Flask, slug: str) -> None:
    """Add one to a headcount of the org, as a facilitator's tap does (an UPDATE of the
    row; the database's triggers add it to its month and bump the org's headcount
    version, as for every change), and commit."""
    session: Session = app.extensions["facilitator.db"].sessionmaker()
    try:
        found = session.execute(
            select(Headcount.id, Headcount.meeting_id).join(Meeting).join(Group)
            .join(Organization).where(Organization.slug == slug, Headcount.people < 10_000)
            .order_by(Headcount.occurrence_date.desc()).limit(1)).one()
        session.execute(update(Headcount).where(Headcount.id == found.id)
                        .values(people=Headcount.people + 1))
        session.commit()
    finally:
        session.close()


PAGES = (
    Page("org attendance report with its chart", lambda o: o.auditor,
         lambda o: (f"/audit/{o.slug}/attendance", f"/audit/{o.slug}/attendance.svg"),
         ORG_REPORT_GOAL_MS, before=count_changed),
    Page("a group's attendance report (auditor)", lambda o: o.auditor,
         lambda o: (f"/audit/{o.slug}/attendance/{o.group}",), PAGE_GOAL_MS,
         before=count_changed),
    Page("a group's attendance report (its leader)", lambda o: o.facilitator,
         lambda o: (f"/manage/g/{o.group}/attendance",), PAGE_GOAL_MS),
    Page("facilitator's dashboard", lambda o: o.facilitator, lambda o: ("/manage/",),
         PAGE_GOAL_MS),
    Page("admin's dashboard", lambda o: o.admin, lambda o: ("/manage/",), PAGE_GOAL_MS),
    Page("admin's dashboard, a training record changed before each",
         lambda o: o.admin, lambda o: ("/manage/",), PAGE_GOAL_MS, before=training_changed),
    Page("group page", lambda o: o.facilitator, lambda o: (f"/manage/g/{o.group}/",),
         PAGE_GOAL_MS),
    Page("training matrix", lambda o: o.auditor, lambda o: (f"/audit/{o.slug}/training/",),
         PAGE_GOAL_MS),
    Page("training matrix, a training record changed before each", lambda o: o.auditor,
         lambda o: (f"/audit/{o.slug}/training/",), PAGE_GOAL_MS, before=training_changed),
)


def figures(meetings: int = 5000, groups: int = 1000, leaders: int = 2000,
            runs: int = RUNS) -> Iterator[Figure]:
    with tempfile.TemporaryDirectory(prefix="facilitator-bench-") as folder:
        url = f"sqlite:///{folder}/bench.sqlite3"
        app = app_for(url)
        small = build(app, Path(folder), "small", 50, 10, 20)
        large = build(app, Path(folder), "large", meetings, groups, leaders)
        app.extensions["facilitator.db"].engine.dispose()
        # Served by a new process, as by a server started after the data was written:
        # what building it left in this one's memory is not the server's.
        yield from in_new_process(_served, url, small, large, runs, f"{leaders:,} leaders")


def _served(url: str, small: Org, large: Org, runs: int, leaders: str) -> list[Figure]:
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"})
    # As `make serve` does once the app is made (facilitator.serve.main).
    freeze_startup()
    try:
        return list(measure_pages(app, small, large, runs, leaders))
    finally:
        gc.unfreeze()
        app.extensions["facilitator.db"].engine.dispose()


def _before(page: Page, app: Flask, org: Org) -> Callable[[], None] | None:
    change = page.before
    return None if change is None else lambda: change(app, org.slug)


def measure_pages(app: Flask, small: Org, large: Org, runs: int,
                  leaders: str) -> Iterator[Figure]:
    for page in PAGES:
        small_statements, small_seconds = measure(
            app, signed_in(app, page.who(small)), *page.urls(small), runs=runs,
            before=_before(page, app, small))
        large_statements, large_seconds = measure(
            app, signed_in(app, page.who(large)), *page.urls(large), runs=runs,
            before=_before(page, app, large))
        yield Figure(f"{page.name}: SQL statements", large_statements, "statements",
                     small_statements, "small org", at_most(1))
        yield Figure(f"{page.name}: p95 of {runs}", large_seconds * 1000, "ms",
                     small_seconds * 1000, "small org", at_most(page.goal_ms, of="value"),
                     note=f"{leaders}, {YEARS} years of weekly counts")


if __name__ == "__main__":
    standalone(figures, __doc__)
