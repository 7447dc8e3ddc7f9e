"""Benchmark of members' check-ins: `.venv/bin/python -m bench.bench_checkin`.

gunicorn (`make serve`, through bench/server.py) with two workers on a throwaway
PostgreSQL holding the generated org of 5,000 meetings and 40 more going on now, each
taking 30 check-ins, the most one meeting takes in a minute (a busy hour of a big
intergroup; as many on one meeting would be refused). Client threads on 127.0.0.1 each
send check-ins (POST /c/<token>, no cookie, a new connection each, the 303 not
followed), as phones scanning the tables' QR codes would, and then as many requests to
/healthz, which touches neither database nor template. Prints the p95 latency of each
and the check-in rate, and checks that the stored check-ins are exactly the number
answered and none failed.

Goal (issue 5): no lost counts, no errors, p95 at most 3x that of /healthz.
"""

from __future__ import annotations

import http.client
import statistics
import threading
import time
from collections.abc import Iterator
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from urllib.parse import urlsplit

from sqlalchemy import func
from sqlalchemy import select

from bench.report import Figure
from bench.report import at_most
from bench.report import standalone
from bench.server import RunningServer
from bench.server import gunicorn
from bench.server import load_generated
from bench.server import throwaway_postgres

WORKERS = 2
CLIENTS = 8
PER_CLIENT = 150
SECRET_KEY = "bench-secret-key-not-for-production"  # noqa: S105 (a throwaway server's)
#: Meetings going on now, each taking as many check-ins as one may in a minute.
MEETINGS_NOW = 40


def going_on_now(database_url: str) -> list[tuple[str, int]]:
    """MEETINGS_NOW one-date meetings that started ten minutes ago, in rooms that hold
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
            room_capacity=MAX_COUNT)) for n in range(MEETINGS_NOW)]
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


def latencies(server: RunningServer, method: str, paths: list[str], expect: int
              ) -> tuple[list[float], int, float]:
    """Each request's seconds, how many failed, and the wall time, with CLIENTS clients
    sending PER_CLIENT requests each, spread evenly over the paths."""
    address = urlsplit(server.url)
    times: list[float] = []
    failed = [0]
    lock = threading.Lock()

    def client(number: int) -> None:
        mine = []
        for k in range(PER_CLIENT):
            path = paths[(number * PER_CLIENT + k) % len(paths)]
            start = time.perf_counter()
            connection = http.client.HTTPConnection(address.hostname, address.port, timeout=60)
            try:
                connection.request(method, path, body=b"" if method == "POST" else None)
                response = connection.getresponse()
                response.read()
                ok = response.status == expect
            except OSError:
                ok = False
            finally:
                connection.close()
            mine.append(time.perf_counter() - start)
            if not ok:
                with lock:
                    failed[0] += 1
        with lock:
            times.extend(mine)

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return times, failed[0], time.perf_counter() - started


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def figures(meetings: int = 5000, groups: int = 1000) -> Iterator[Figure]:
    with throwaway_postgres() as postgres:
        url = postgres.create_database("checkin")
        load_generated(url, "big", meetings=meetings, groups=groups)
        now = going_on_now(url)
        with gunicorn(url, workers=WORKERS, secret_key=SECRET_KEY) as server:
            latencies(server, "GET", ["/healthz"], 200)  # warm both workers up
            checkins, failed, wall = latencies(
                server, "POST", [f"/c/{token}" for token, _ in now], 303)
            health, health_failed, health_wall = latencies(server, "GET", ["/healthz"], 200)
        counted = stored_checkins(url, [meeting_id for _, meeting_id in now])
    sent = CLIENTS * PER_CLIENT
    if failed or health_failed:
        raise RuntimeError(f"{failed} check-ins and {health_failed} /healthz requests failed")
    if counted != sent:
        raise RuntimeError(f"{sent} check-ins answered, {counted} counted: counts were lost")
    load = (f"{CLIENTS} clients x {PER_CLIENT} over {MEETINGS_NOW} meetings, {WORKERS} "
            f"workers; {counted} of {sent} counted")
    yield Figure("check-in p95 latency (gunicorn, PostgreSQL)", p95(checkins) * 1000, "ms",
                 p95(health) * 1000, "/healthz p95", at_most(3), load)
    yield Figure("check-ins answered per second", sent / wall, "req/s",
                 len(health) / health_wall, "/healthz", note="no errors, none lost")


if __name__ == "__main__":
    standalone(figures, __doc__)
