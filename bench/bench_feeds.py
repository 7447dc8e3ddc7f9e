"""Benchmark of the calendar feed: `.venv/bin/python -m bench.bench_feeds`.

An org of 5,000 weekly meetings in 1,000 groups (the real Meeting Guide import of a
generated feed), 5% of them with a cancelled or changed date, on SQLite. Each figure
is measured beside its baseline, measured in the same run:

- the first build in a fresh process (a new interpreter: nothing compiled, mapped or
  cached yet), reported on its own;
- building the org feed (query, mapping and writing), each build in a new session so
  nothing is reused from the last one, beside icalendar serializing an equivalent
  calendar already in memory (the same feed parsed back); limit 1.5×;
- the same after one meeting changed, with the events written before kept;
- a repeated request with the ETag through the app: answered 304, and the feed cache's
  build counter shows that nothing was built, timed beside a full build.

The cached feed served in full, beside the same bytes from a route and from nginx, is
measured under gunicorn in bench_serve.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path

import icalendar
from flask import Flask
from flask import url_for

from bench.bench_import import app_for
from bench.bench_import import best_of as best
from bench.bench_import import run_import
from bench.generate import generate
from bench.report import Figure
from bench.report import at_most
from bench.report import standalone
from facilitator import create_app
from facilitator.config import ROOT
from facilitator.db import get_session
from facilitator.domain.meeting import CancelReason
from facilitator.domain.meeting import DateChange
from facilitator.models import Meeting
from facilitator.services import feeds
from facilitator.services import meetings as meeting_services
from facilitator.services.organizations import find_organization

BUILD_LIMIT = 1.5


def with_exceptions(app: Flask, share: float) -> int:
    """Cancel or change one coming date of every n-th meeting."""
    with app.app_context():
        session = get_session()
        rows = session.query(Meeting).order_by(Meeting.id).all()
        step = round(1 / share)
        for n, meeting in enumerate(rows[::step]):
            day = meeting.schedule.next_dates(meeting.first_date, 2)[-1]
            if n % 2:
                meeting_services.cancel_date(session, None, meeting, day, CancelReason.HOLIDAY)
            else:
                meeting_services.change_date(session, None, meeting, day,
                                             DateChange(note="Speaker"))
        session.commit()
        return len(rows[::step])


def app_with_org(folder: str, meetings: int, groups: int) -> tuple[Flask, int]:
    app = app_for(f"sqlite:///{folder}/bench.sqlite3")
    app.config["SERVER_NAME"] = "meetings.example.org"
    path = Path(folder) / "feed.json"
    path.write_text(json.dumps(generate(meetings=meetings, groups=groups, seed=3)))
    run_import(app, path, "big")
    return app, with_exceptions(app, 0.05)


def builder(app: Flask, texts: feeds.EventTexts | None = None) -> Callable[[], bytes]:
    """A build of the big org's feed in a session of its own, opened and closed for it."""
    def build() -> bytes:
        with app.app_context():
            org_url = url_for("public.directory", org_slug="big")
            session = app.extensions["facilitator.db"].sessionmaker()
            try:
                org = find_organization(session, "big")
                return feeds.org_feed(session, org, org_url,
                                      lambda slug: url_for("public.group", group_slug=slug),
                                      texts)
            finally:
                session.close()
    return build


def first_build(database_url: str) -> float:
    """Seconds of the first org feed build in this process (run in a new interpreter)."""
    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "bench"})
    app.config["SERVER_NAME"] = "meetings.example.org"
    start = time.perf_counter()
    builder(app)()
    return time.perf_counter() - start


def in_fresh_process(database_url: str) -> float:
    code = f"from bench.bench_feeds import first_build; print(first_build({database_url!r}))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,  # noqa: S603
                          check=True, timeout=600, cwd=ROOT,
                          env=os.environ | {"PYTHONPATH": str(ROOT)})
    return float(done.stdout.strip().splitlines()[-1])


def figures(meetings: int = 5000, groups: int = 1000) -> Iterator[Figure]:
    with tempfile.TemporaryDirectory() as folder:
        app, changed = app_with_org(folder, meetings, groups)
        first = in_fresh_process(app.config["DATABASE_URL"])
        build = builder(app)
        body = build()
        in_memory = icalendar.Calendar.from_ical(body)
        ours = best(3, build)
        library = best(3, in_memory.to_ical)
        texts = feeds.EventTexts()
        builder(app, texts)()  # every event written once
        with app.app_context():
            session = get_session()
            one = session.query(Meeting).order_by(Meeting.id).first()
            third = one.schedule.next_dates(one.first_date, 3)[-1]
            meeting_services.change_date(session, None, one, third,
                                         DateChange(note="Moved upstairs"))
            session.commit()
        after_change = best(3, builder(app, texts))
        events = len(in_memory.walk("VEVENT"))
        size = (f"{events:,} VEVENTs, {changed} with a cancelled or changed date, "
                f"{len(body) / 1e6:.1f} MB")
        yield Figure("org feed: first build in a fresh process", first, "s", library,
                     "icalendar's to_ical() of it in memory",
                     note="a new interpreter; its imports not counted")
        yield Figure("org feed: build cold (query + map + write)", ours, "s", library,
                     "icalendar's to_ical() of it in memory", at_most(BUILD_LIMIT),
                     f"{size}; best of 3, a new session each")
        yield Figure("org feed: build after one meeting changed", after_change, "s", library,
                     "icalendar's to_ical() of it in memory", at_most(BUILD_LIMIT),
                     "best of 3, a new session each")

        app.config["SERVER_NAME"] = None
        client = app.test_client()
        url = "/o/big/meetings.ics"
        start = time.perf_counter()
        etag = client.get(url).headers["ETag"]
        full_request = time.perf_counter() - start
        cache = app.extensions["facilitator.feed_cache"]
        built = cache.builds
        conditional = best(5, lambda: client.get(url, headers={"If-None-Match": etag}))
        status = client.get(url, headers={"If-None-Match": etag}).status_code
        if status != 304:
            raise RuntimeError(f"a request with the feed's ETag answered {status}, not 304")
        if cache.builds != built:
            raise RuntimeError(f"requests answered 304 built the feed {cache.builds - built} "
                               "times")
        yield Figure("org feed: request with its ETag (304)", conditional * 1000, "ms",
                     full_request * 1000, "the first full request", note="nothing built "
                     "(the feed cache's build counter unchanged)")
        app.extensions["facilitator.db"].engine.dispose()


if __name__ == "__main__":
    standalone(figures, __doc__)
