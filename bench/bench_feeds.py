"""Benchmark of the calendar feed: `.venv/bin/python -m bench.bench_feeds`.

An org of 5,000 weekly meetings in 1,000 groups (the real Meeting Guide import of a
generated feed), 5% of them with a cancelled or changed date, on SQLite. Each figure
is measured beside its baseline, measured in the same run:

- building the org feed (query, mapping and writing) beside icalendar serializing an
  equivalent calendar already in memory (the same feed parsed back); limit 1.5×;
- a repeated request with the ETag: answered 304 without building the feed, timed
  beside a full build;
- a repeated full request, served from the cache keyed by the data's version, beside
  the same bytes served by Flask's static file route in the same app, both through a
  real HTTP server on 127.0.0.1 with every body read; limit 0.8× the rate.
"""

from __future__ import annotations

import http.client
import json
import logging
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import icalendar
from flask import Flask
from flask import url_for
from werkzeug.serving import make_server

from bench.bench_import import app_for
from bench.bench_import import best_of as best
from bench.bench_import import run_import
from bench.generate import generate
from bench.report import Figure
from bench.report import at_least
from bench.report import at_most
from bench.report import standalone
from facilitator.db import get_session
from facilitator.domain.meeting import DateChange
from facilitator.models import CancelReason
from facilitator.models import Meeting
from facilitator.services import feeds
from facilitator.services import meetings as meeting_services
from facilitator.services.organizations import find_organization

BUILD_LIMIT = 1.5
CACHE_RATE_LIMIT = 0.8


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


def figures(meetings: int = 5000, groups: int = 1000, requests: int = 30) -> Iterator[Figure]:
    with tempfile.TemporaryDirectory() as folder:
        app = app_for(f"sqlite:///{folder}/bench.sqlite3")
        app.config["SERVER_NAME"] = "meetings.example.org"
        path = Path(folder) / "feed.json"
        path.write_text(json.dumps(generate(meetings=meetings, groups=groups, seed=3)))
        run_import(app, path, "big")
        changed = with_exceptions(app, 0.05)

        with app.app_context():
            session = get_session()
            org = find_organization(session, "big")
            org_url = url_for("public.directory", org_slug="big")

            def group_url(slug: str) -> str:
                return url_for("public.group", group_slug=slug)

            def build() -> bytes:
                session.expire_all()
                return feeds.org_feed(session, org, org_url, group_url)

            body = build()
            in_memory = icalendar.Calendar.from_ical(body)
            ours = best(3, build)
            library = best(3, in_memory.to_ical)
            texts = feeds.EventTexts()
            feeds.org_feed(session, org, org_url, group_url, texts)  # every event written once
            one = session.query(Meeting).order_by(Meeting.id).first()
            third = one.schedule.next_dates(one.first_date, 3)[-1]
            meeting_services.change_date(session, None, one, third,
                                         DateChange(note="Moved upstairs"))
            session.commit()

            def rebuild() -> bytes:
                session.expire_all()
                return feeds.org_feed(session, org, org_url, group_url, texts)

            after_change = best(3, rebuild)
        events = len(in_memory.walk("VEVENT"))
        size = (f"{events:,} VEVENTs, {changed} with a cancelled or changed date, "
                f"{len(body) / 1e6:.1f} MB")
        yield Figure("org feed: build cold (query + map + write)", ours, "s", library,
                     "icalendar's to_ical() of it in memory", at_most(BUILD_LIMIT), size)
        yield Figure("org feed: build after one meeting changed", after_change, "s", library,
                     "icalendar's to_ical() of it in memory", at_most(BUILD_LIMIT))

        client = app.test_client()
        url = "/o/big/meetings.ics"
        first = client.get(url)
        etag = first.headers["ETag"]
        conditional = best(5, lambda: client.get(url, headers={"If-None-Match": etag}))
        status = client.get(url, headers={"If-None-Match": etag}).status_code
        if status != 304:
            raise RuntimeError(f"a request with the feed's ETag answered {status}, not 304")
        yield Figure("org feed: request with its ETag (304)", conditional * 1000, "ms",
                     ours * 1000, "a cold build", note="nothing built")

        static_copy = Path(app.static_folder) / "bench-feed.ics"
        static_copy.write_bytes(first.data)
        try:
            cached, static = served_rates(app, url, "/static/bench-feed.ics", requests)
        finally:
            static_copy.unlink()
        yield Figure("org feed: repeated full request (cache), Werkzeug", cached, "req/s",
                     static, "same bytes from the static route", at_least(CACHE_RATE_LIMIT))
        app.extensions["facilitator.db"].engine.dispose()


def served_rates(app: Flask, feed: str, static: str, requests: int) -> tuple[float, float]:
    """Both URLs through a real HTTP server on 127.0.0.1, every body read in full, taking
    turns so both see the same load; best of three rounds each."""
    app.config["SERVER_NAME"] = None
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    port = server.server_port

    def fetch(path: str) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request("GET", path)
        response = connection.getresponse()
        if response.status != 200 or not response.read():
            raise SystemExit(f"{path} answered {response.status}")
        connection.close()

    best_feed = best_static = float("inf")
    try:
        for _ in range(3):
            best_feed = min(best_feed, best(1, lambda: [fetch(feed) for _ in range(requests)]))
            best_static = min(best_static,
                              best(1, lambda: [fetch(static) for _ in range(requests)]))
    finally:
        server.shutdown()
        server.server_close()
    return requests / best_feed, requests / best_static


if __name__ == "__main__":
    standalone(figures, __doc__)
