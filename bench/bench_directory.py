"""Benchmark of the public directory: `.venv/bin/python -m bench.bench_directory`.

Two organizations in one SQLite database, made by the real Meeting Guide import of
generated feeds (bench.generate): a small one of 50 meetings, the baseline, and a
large one of 5,000 meetings in 1,000 groups. For each, the directory page /o/<org>/
is requested through the app, and this prints, beside the small org's figure:

- the number of SQL statements the page runs (it must not grow with the meetings);
- the time to render the page (best of several runs);
- the same for a group's page /g/<group>/.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from flask import Flask
from sqlalchemy import select

from bench.bench_import import app_for
from bench.bench_import import counting
from bench.bench_import import line
from bench.bench_import import run_import
from bench.generate import generate
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--meetings", type=int, default=5000)
    parser.add_argument("--groups", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        app = app_for(f"sqlite:///{folder}/bench.sqlite3")
        load(app, Path(folder), "small", 50, 10)
        load(app, Path(folder), "large", args.meetings, args.groups)
        print(f"Directory of {args.meetings:,} meetings in {args.groups:,} groups (SQLite), "
              f"beside one of 50 meetings in 10 groups.")
        small = page(app, "/o/small/", args.runs)
        large = page(app, "/o/large/", args.runs)
        line("directory: SQL statements per request", f"{large[0]}",
             f"50 meetings: {small[0]} (must not grow: "
             f"{'ok' if large[0] <= small[0] else 'GROWS'})")
        line("directory: time to render", f"{large[1] * 1000:.0f} ms",
             f"50 meetings: {small[1] * 1000:.1f} ms ({large[1] / small[1]:.0f}×, "
             f"{large[2] / 1e6:.1f} MB vs {small[2] / 1e3:.0f} kB of HTML)")
        small_group = page(app, f"/g/{a_group(app, 'small')}/", args.runs)
        large_group = page(app, f"/g/{a_group(app, 'large')}/", args.runs)
        line("group page: SQL statements per request", f"{large_group[0]}",
             f"in the small org: {small_group[0]}")
        line("group page: time to render", f"{large_group[1] * 1000:.1f} ms",
             f"in the small org: {small_group[1] * 1000:.1f} ms")


if __name__ == "__main__":
    main()
