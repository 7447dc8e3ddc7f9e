"""Benchmark of the public directory: `.venv/bin/python -m bench.bench_directory`.

Two organizations in one SQLite database, made by the real Meeting Guide import of
generated feeds (bench.generate): a small one of 50 meetings, the baseline, and a
large one of 5,000 meetings in 1,000 groups. For each, the directory page /o/<org>/
is requested through the app, and this measures, beside the small org's figure:

- the number of SQL statements the page runs (it must not grow with the meetings);
- the time to render the page (best of several runs);
- the same for a group's page /g/<group>/.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from flask import Flask
from sqlalchemy import select

from bench.bench_import import app_for
from bench.bench_import import counting
from bench.bench_import import run_import
from bench.generate import generate
from bench.report import Figure
from bench.report import at_most
from bench.report import standalone
from facilitator.models import Group
from facilitator.models import Organization


def load(app: Flask, folder: Path, org: str, meetings: int, groups: int) -> None:
    path = folder / f"{org}.json"
    path.write_text(json.dumps(generate(meetings=meetings, groups=groups, seed=7)))
    run_import(app, path, org)


def page(app: Flask, url: str, runs: int) -> tuple[int, float, int]:
    """Statements of one request, best time of `runs`, and the page's size."""
    client = app.test_client()
    with counting(app) as counts:
        response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        client.get(url)
        best = min(best, time.perf_counter() - start)
    return counts["statements"], best, len(response.data)


def a_group(app: Flask, org: str) -> str:
    with app.app_context():
        from facilitator.db import get_session

        session = get_session()
        return session.scalars(
            select(Group.slug).join(Organization).where(Organization.slug == org)
            .order_by(Group.id).limit(1)
        ).one()


def figures(meetings: int = 5000, groups: int = 1000, runs: int = 5) -> Iterator[Figure]:
    with tempfile.TemporaryDirectory() as folder:
        app = app_for(f"sqlite:///{folder}/bench.sqlite3")
        load(app, Path(folder), "small", 50, 10)
        load(app, Path(folder), "large", meetings, groups)
        small = page(app, "/o/small/", runs)
        large = page(app, "/o/large/", runs)
        yield Figure("directory: SQL statements per request", large[0], "statements",
                     small[0], "50 meetings", at_most(1))
        yield Figure("directory: time to render", large[1] * 1000, "ms", small[1] * 1000,
                     "50 meetings", note=f"{large[2] / 1e6:.1f} MB of HTML")
        small_group = page(app, f"/g/{a_group(app, 'small')}/", runs)
        large_group = page(app, f"/g/{a_group(app, 'large')}/", runs)
        yield Figure("group page: SQL statements per request", large_group[0], "statements",
                     small_group[0], "in the 50-meeting org", at_most(1))
        yield Figure("group page: time to render", large_group[1] * 1000, "ms",
                     small_group[1] * 1000, "in the 50-meeting org")
        app.extensions["facilitator.db"].engine.dispose()


if __name__ == "__main__":
    standalone(figures, __doc__)
