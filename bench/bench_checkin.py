"""Benchmark of members' check-ins: `.venv/bin/python -m bench.bench_checkin`.

gunicorn (`make serve`, through bench/server.py) with two workers on a throwaway
PostgreSQL holding the generated org of 5,000 meetings and meetings going on now, each
taking at most 30 check-ins, the most one meeting takes in a minute (as many more on one
meeting would be refused).

Open-loop load from Node (bench/openloop.js, a process of its own, not Python): phones
arrive at a fixed rate, 20, 50 and 100 a second for RATE_SECONDS each, whatever the
server does, each posting a check-in (POST /c/<token>, no cookie, a new connection),
following its 303 with the cookie it set and reading the page the phone then shows.
Each visit is timed from when it was due until that page is read. The baseline is the
same load on /healthz (two GETs a visit), which touches neither database nor template,
at the same rate. None lost: the stored check-ins are exactly the visits sent, and
none failed.

Both are measured warm: before the first rate, each path gets WARM_UP_SECONDS of visits
at the lowest rate (check-ins on meetings of their own), so a worker's first check-in,
which compiles the templates and SQL and opens its database connection (a few hundred
milliseconds on a loaded machine), is not among the timed ones, as /healthz's first
request never was.

Goal (issues 5 and 20): p95 of the visit at most 3x that of /healthz at each rate.
No Debian package offers an open-loop HTTP client (vegeta and wrk2 are not packaged for
Debian 12; wrk, ab and h2load wait for each answer before the next request), hence the
small client of our own.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterator
from datetime import UTC
from datetime import datetime
from datetime import timedelta

from sqlalchemy import func
from sqlalchemy import select

from bench.report import Figure
from bench.report import at_most
from bench.report import standalone
from bench.server import gunicorn
from bench.server import load_generated
from bench.server import open_loop
from bench.server import throwaway_postgres

WORKERS = 2
#: Phones arriving per second, one rate after the other, each for RATE_SECONDS.
RATES = (20, 50, 100)
RATE_SECONDS = 10
SECRET_KEY = "bench-secret-key-not-for-production"  # noqa: S105 (a throwaway server's)
#: Check-ins one meeting takes in a minute (headcounts.CHECKINS_PER_MINUTE).
CHECKINS_PER_MEETING = 30
#: Seconds of untimed visits on each path, at the lowest rate, before the first timed one.
WARM_UP_SECONDS = 2


def going_on_now(database_url: str, count: int) -> list[tuple[str, int]]:
    """`count` one-date meetings that started ten minutes ago, in rooms that hold
    everyone the benchmark sends; their check-in tokens and ids."""
    from facilitator import create_app
    from facilitator.db import get_session
    from facilitator.domain.counts import MAX_COUNT
    from facilitator.domain.meeting import MeetingValues
    from facilitator.domain.recurrence import Recurrence
    from facilitator.services import headcounts
    from facilitator.services import meetings
    from facilitator.services import organizations

    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": SECRET_KEY})
    started = datetime.now(UTC) - timedelta(minutes=10)
    with app.app_context():
        session = get_session()
        org = organizations.create_organization(session, None, slug="checkin-bench",
                                                name="Check-in bench", timezone="UTC")
        group = organizations.create_group(session, None, org, slug="checkin-bench",
                                           name="Check-in bench", program="aa")
        now = [meetings.create_meeting(session, None, group, MeetingValues(
            title=f"Now {n}", recurrence=Recurrence.once(), first_date=started.date(),
            start_time=started.time().replace(second=0, microsecond=0),
            duration_minutes=120, timezone="UTC", location_name="Hall",
            room_capacity=MAX_COUNT)) for n in range(count)]
        session.commit()
        found = [(headcounts.checkin_token(SECRET_KEY, m), m.id) for m in now]
    app.extensions["facilitator.db"].engine.dispose()
    return found


def stored_checkins(database_url: str, meeting_ids: list[int]) -> int:
    from facilitator import create_app
    from facilitator.db import get_session
    from facilitator.models import Headcount

    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": SECRET_KEY})
    with app.app_context():
        checkins = get_session().scalar(
            select(func.sum(Headcount.checkins)).where(Headcount.meeting_id.in_(meeting_ids))
        ) or 0
    app.extensions["facilitator.db"].engine.dispose()
    return checkins


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def figures(meetings: int = 5000, groups: int = 1000) -> Iterator[Figure]:
    needed = {rate: math.ceil(rate * RATE_SECONDS / CHECKINS_PER_MEETING) for rate in RATES}
    warm_up = math.ceil(RATES[0] * WARM_UP_SECONDS / CHECKINS_PER_MEETING)
    with throwaway_postgres() as postgres:
        url = postgres.create_database("checkin")
        load_generated(url, "big", meetings=meetings, groups=groups)
        now = going_on_now(url, warm_up + sum(needed.values()))
        results = []
        with gunicorn(url, workers=WORKERS, secret_key=SECRET_KEY) as server:
            for paths, post in (([f"/c/{token}" for token, _ in now[:warm_up]], True),
                                (["/healthz"], False)):
                warm = open_loop(server.url, paths, rate=RATES[0], seconds=WARM_UP_SECONDS,
                                 post=post)
                if warm.wrong:
                    raise RuntimeError(f"warming up, {len(warm.wrong)} visits failed: "
                                       f"{warm.wrong[0]}")
            taken = warm_up
            for rate in RATES:
                mine, taken = now[taken:taken + needed[rate]], taken + needed[rate]
                visits = open_loop(server.url, [f"/c/{token}" for token, _ in mine],
                                   rate=rate, seconds=RATE_SECONDS, post=True)
                health = open_loop(server.url, ["/healthz"], rate=rate,
                                   seconds=RATE_SECONDS, post=False)
                results.append((rate, mine, visits, health))
        for rate, mine, visits, health in results:
            counted = stored_checkins(url, [meeting_id for _, meeting_id in mine])
            if visits.wrong or health.wrong:
                raise RuntimeError(f"at {rate}/s, {len(visits.wrong)} check-ins and "
                                   f"{len(health.wrong)} /healthz visits failed: "
                                   f"{(visits.wrong or health.wrong)[0]}")
            if counted != visits.sent:
                raise RuntimeError(f"at {rate}/s, {visits.sent} check-ins answered, {counted} "
                                   "counted: counts were lost")
            yield Figure(
                f"check-in at {rate}/s, open loop: POST, redirect, page (p95)",
                p95(visits.whole), "ms", p95(health.whole), "/healthz twice, same rate, p95",
                at_most(3),
                f"{visits.sent} phones over {len(mine)} meetings in {RATE_SECONDS} s, "
                f"{WORKERS} workers; POST p95 {p95(visits.first):.0f} ms, /healthz once "
                f"{p95(health.first):.0f} ms; {counted} of {visits.sent} counted, none failed")


if __name__ == "__main__":
    standalone(figures, __doc__)
