"""Benchmark of the public directory: `.venv/bin/python -m bench.bench_directory`.

Two organizations in one SQLite database, made by the real Meeting Guide import of
generated feeds (bench.generate): a small one of 50 meetings, the baseline, and a
large one of 5,000 meetings in 1,000 groups. For each, the directory page /o/<org>/
is requested through the app (the Flask test client: server time, no network), and
this measures, beside the small org's figure:

- the SQL statements of a request (they must not grow with the meetings);
- the page a member's phone gets: its size gzipped and its number of HTML elements
  (Lighthouse's "DOM size", which flags more than 1,400);
- the server time, p95 of 30 requests, as members meet it: the org's week already
  computed (it is computed once per change to the org's meetings and once a day);
- the same over a spread of filter combinations (the worst one is reported);
- the first request after a change to one meeting, which computes the week again;
- the statements and time of a group's page /g/<group>/;
- the starting-soon page /o/<org>/soon at 6:45 pm in the org's zone, the busiest
  window of the generated week (every meeting's dates around now computed per
  request), and the directory at that moment, with its first block of them.
"""

from __future__ import annotations

import gzip
import json
import math
import re
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from datetime import time as clock_time
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import Flask
from sqlalchemy import select

from bench.bench_import import app_for
from bench.bench_import import counting
from bench.bench_import import run_import
from bench.generate import generate
from bench.report import Figure
from bench.report import at_most
from bench.report import standalone
from facilitator import clock
from facilitator.models import Group
from facilitator.models import Organization


def load(app: Flask, folder: Path, org: str, meetings: int, groups: int) -> None:
    path = folder / f"{org}.json"
    path.write_text(json.dumps(generate(meetings=meetings, groups=groups, seed=7)))
    run_import(app, path, org)


class Elements(HTMLParser):
    """Counts a page's HTML elements, as a browser's DOM holds them."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self.count += 1


def elements(page: bytes) -> int:
    counter = Elements()
    counter.feed(page.decode())
    return counter.count


@dataclass(frozen=True)
class Page:
    statements: int
    #: Server time of each request, in seconds, after the first.
    times: list[float]
    gzipped: int
    elements: int

    @property
    def p95(self) -> float:
        return sorted(self.times)[math.ceil(0.95 * len(self.times)) - 1]


def page(app: Flask, url: str, runs: int) -> Page:
    """The page at `url`: the first request (counted), then `runs` timed ones."""
    client = app.test_client()
    with counting(app) as counts:
        response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        client.get(url)
        times.append(time.perf_counter() - start)
    return Page(counts["statements"], times, len(gzip.compress(response.data)),
                elements(response.data))


def first_after_a_change(app: Flask, org: str) -> float:
    """The time of the first request after one of the org's meetings changed."""
    with app.app_context():
        from facilitator.db import get_session
        from facilitator.services.organizations import mark_changed

        session = get_session()
        found = session.scalars(select(Organization).where(Organization.slug == org)).one()
        mark_changed(found)
        session.commit()
    client = app.test_client()
    start = time.perf_counter()
    client.get(f"/o/{org}/")
    return time.perf_counter() - start


FILTERS = (
    [f"day={d}" for d in range(7)]
    + [f"attendance={a}" for a in ("in_person", "online", "hybrid")]
    + ["program=aa", "type=O", "type=W", "type=LGBTQ", "language=es", "type=C&day=5",
       "attendance=online&day=0", "type=O&attendance=in_person&day=3", "type=ASL",
       "program=aa&type=BE&attendance=online"]
)


def a_group(app: Flask, org: str) -> str:
    with app.app_context():
        from facilitator.db import get_session

        session = get_session()
        return session.scalars(
            select(Group.slug).join(Organization).where(Organization.slug == org)
            .order_by(Group.id).limit(1)
        ).one()


@contextmanager
def busy_evening(app: Flask, org: str) -> Iterator[datetime]:
    """The app's clock stopped at 6:45 pm tomorrow in the org's zone: most generated
    meetings start at 6:30 to 8:00 pm."""
    with app.app_context():
        from facilitator.db import get_session

        zone = get_session().scalars(
            select(Organization.timezone).where(Organization.slug == org)).one()
    tomorrow = clock.today_in(zone) + timedelta(days=1)
    moment = datetime.combine(tomorrow, clock_time(18, 45), ZoneInfo(zone))
    now = clock.now
    setattr(clock, "now", lambda: moment)  # noqa: B010 (the one way to stop the clock)
    try:
        yield moment
    finally:
        setattr(clock, "now", now)  # noqa: B010


def soon_figures(app: Flask, runs: int) -> Iterator[Figure]:
    pages = {}
    for org in ("small", "large"):
        with busy_evening(app, org):
            pages[org] = (page(app, f"/o/{org}/soon", runs), page(app, f"/o/{org}/", runs),
                          listed(app, f"/o/{org}/soon?page=999"))
    (small, small_directory, small_count), (large, large_directory, large_count) = (
        pages["small"], pages["large"])
    yield Figure("starting soon: server time, p95", large.p95 * 1000, "ms",
                 small.p95 * 1000, "50 meetings", at_most(200, of="value"),
                 note=f"{runs} requests at 6:45 pm, {large_count} meetings starting soon "
                      f"({small_count} in the small org)")
    yield Figure("starting soon: SQL statements per request", large.statements, "statements",
                 small.statements, "50 meetings", at_most(1))
    yield Figure("starting soon: HTML elements", large.elements, "elements", small.elements,
                 "50 meetings", at_most(1400, of="value"),
                 note="the first page of them")
    yield Figure("directory with its starting-soon block: server time, p95",
                 large_directory.p95 * 1000, "ms", small_directory.p95 * 1000, "50 meetings",
                 at_most(200, of="value"), note=f"{runs} requests at 6:45 pm")
    yield Figure("directory with its starting-soon block: HTML elements",
                 large_directory.elements, "elements", small_directory.elements,
                 "50 meetings", at_most(1400, of="value"))


def listed(app: Flask, url: str) -> int:
    """How many meetings the starting-soon page counts (its last page says)."""
    body = app.test_client().get(url).get_data(as_text=True)
    found = re.search(r"of (\d+), the soonest first", body)
    return int(found[1]) if found else body.count('<li class="meeting">')


def figures(meetings: int = 5000, groups: int = 1000, runs: int = 30) -> Iterator[Figure]:
    with tempfile.TemporaryDirectory() as folder:
        app = app_for(f"sqlite:///{folder}/bench.sqlite3")
        load(app, Path(folder), "small", 50, 10)
        load(app, Path(folder), "large", meetings, groups)
        small = page(app, "/o/small/", runs)
        large = page(app, "/o/large/", runs)
        yield Figure("directory: SQL statements per request", large.statements, "statements",
                     small.statements, "50 meetings", at_most(1))
        yield Figure("directory: page gzipped, as a phone gets it", large.gzipped / 1024,
                     "KB", small.gzipped / 1024, "50 meetings", at_most(150, of="value"))
        yield Figure("directory: HTML elements", large.elements, "elements", small.elements,
                     "50 meetings", at_most(1400, of="value"))
        yield Figure("directory: server time, p95", large.p95 * 1000, "ms",
                     small.p95 * 1000, "50 meetings", at_most(200, of="value"),
                     note=f"{runs} requests, the week computed")
        filtered = {query: page(app, f"/o/large/?{query}", runs) for query in FILTERS}
        slowest = max(filtered, key=lambda q: filtered[q].p95)
        yield Figure("directory: server time, p95, worst of the filters",
                     filtered[slowest].p95 * 1000, "ms", small.p95 * 1000,
                     "50 meetings, no filter", at_most(200, of="value"),
                     note=f"{len(FILTERS)} filter choices; the slowest: ?{slowest}")
        biggest = max(filtered.values(), key=lambda p: (p.gzipped, p.elements))
        yield Figure("directory: largest filtered page, gzipped", biggest.gzipped / 1024,
                     "KB", small.gzipped / 1024, "50 meetings", at_most(150, of="value"),
                     note=f"at most {max(p.elements for p in filtered.values()):,} "
                          "HTML elements, at most "
                          f"{max(p.statements for p in filtered.values())} statements")
        yield Figure("directory: first request after a change (computes the week)",
                     first_after_a_change(app, "large") * 1000, "ms",
                     first_after_a_change(app, "small") * 1000, "50 meetings")
        small_group = page(app, f"/g/{a_group(app, 'small')}/", runs)
        large_group = page(app, f"/g/{a_group(app, 'large')}/", runs)
        yield Figure("group page: SQL statements per request", large_group.statements,
                     "statements", small_group.statements, "in the 50-meeting org", at_most(1))
        yield Figure("group page: server time, p95", large_group.p95 * 1000, "ms",
                     small_group.p95 * 1000, "in the 50-meeting org")
        yield from soon_figures(app, runs)
        app.extensions["facilitator.db"].engine.dispose()


if __name__ == "__main__":
    standalone(figures, __doc__)
