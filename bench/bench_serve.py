"""Benchmark of the app as production runs it: `.venv/bin/python -m bench.bench_serve`.

gunicorn (`make serve`, through bench/server.py) on a throwaway PostgreSQL holding an
org of 5,000 meetings in 1,000 groups (the real import of a generated feed).

- Memory: one server with one worker (so that every request fills the same caches)
  serves the org feed, the directory, the directory PDF and group handouts, then many
  versions of the org feed, each after every meeting changed, until its caches are full
  (the built feeds' byte budget and the written events' limit) or a bound on the time is
  reached. The PDF renders run in child processes (a forkserver and its children): they
  count with the worker. Peak: the largest of the worker's own peak (VmHWM) and of the
  worker and its children's resident memory together, sampled every 50 ms; steady:
  the same once the requests have ended. Room a cache still had at the end is added to
  both, so the figures hold for full caches. Beside a worker that served /healthz only.
  Goal: at most 300 MiB per worker.
- Throughput with two workers, the load from wrk (C, Debian's package): the org feed
  in full from the worker's cache beside a route of the bench's own server
  (bench/served.py, not in the app) returning the same bytes held in memory, goal at
  least 0.8× its rate; and beside nginx sending the same bytes from a file (sendfile),
  the fastest a server on this machine can hand them out. The feed asked with its ETag
  (304, what calendar apps and nginx's revalidation send) beside /healthz.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench.report import Figure
from bench.report import at_least
from bench.report import at_most
from bench.report import standalone
from bench.server import Load
from bench.server import RunningServer
from bench.server import descendants
from bench.server import gunicorn
from bench.server import load_generated
from bench.server import nginx_static
from bench.server import peak_rss_mib
from bench.server import rss_mib
from bench.server import throwaway_postgres
from bench.server import wrk

WORKERS = 2
MEMORY_LIMIT_MIB = 300
CACHE_RATE_LIMIT = 0.8
ORG = "big"
FEED = f"/o/{ORG}/meetings.ics"
DIRECTORY = f"/o/{ORG}/"
#: Group handouts rendered into the PDF cache, and the longest spent on them.
HANDOUTS = 200
HANDOUT_SECONDS = 90
#: The most feed versions built, and the longest spent on them.
VERSIONS = 40
VERSION_SECONDS = 240
WRK_SECONDS = 5
MiB = 1024 * 1024


def fetch(server: RunningServer, path: str, headers: dict[str, str] | None = None,
          expect: int = 200) -> bytes:
    """One request on a new connection; its body. RuntimeError for another status."""
    address = urlsplit(server.url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=180)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        body = response.read()
        if response.status != expect:
            raise RuntimeError(f"{path} answered {response.status}, not {expect}")
        return body
    finally:
        connection.close()


def on_every_worker(server: RunningServer, path: str) -> None:
    """Ask for `path` from as many clients at once as there are workers, a few times
    over, so that every worker builds and serves it."""
    errors: list[Exception] = []

    def ask() -> None:
        try:
            for _ in range(3):
                fetch(server, path)
        except Exception as error:  # noqa: BLE001 (raised again below, in this thread)
            errors.append(error)

    clients = [threading.Thread(target=ask) for _ in range(WORKERS)]
    for client in clients:
        client.start()
    for client in clients:
        client.join()
    if errors:
        raise errors[0]


def worst_peak(server: RunningServer) -> float:
    return max(peak_rss_mib(pid) for pid in server.worker_pids())


def with_children_mib(pid: int) -> float:
    """A worker's resident memory and its render children's, now."""
    total = rss_mib(pid)
    for child in descendants(pid):
        with contextlib.suppress(OSError, RuntimeError):  # it ended while we looked
            total += rss_mib(child)
    return total


@dataclass
class Sampler:
    """The most the worker and its children held together, sampled every 50 ms while
    the block runs."""

    pid: int
    peak: float = 0.0
    _stop: threading.Event = field(default_factory=threading.Event)

    def __enter__(self) -> Sampler:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, with_children_mib(self.pid))
            self._stop.wait(0.05)

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def caches(server: RunningServer) -> dict[str, dict[str, Any]]:
    with urllib.request.urlopen(server.url + "/bench/caches") as response:  # noqa: S310
        return json.load(response)["caches"]


def change_every_meeting(database_url: str, version: int,
                         titles: dict[int, str]) -> None:
    """Every meeting of the org renamed, the org's data version moved on: the next feed
    is a new version, every event of it written anew."""
    from sqlalchemy import bindparam
    from sqlalchemy import update

    from facilitator.db import make_engine
    from facilitator.models import Meeting
    from facilitator.models import Organization

    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                update(Meeting).where(Meeting.id == bindparam("meeting_id"))
                .values(title=bindparam("new_title")).execution_options(synchronize_session=False),
                [{"meeting_id": n, "new_title": f"{title[:80]} ({version})"}
                 for n, title in titles.items()])
            connection.execute(update(Organization).where(Organization.slug == ORG).values(
                data_version=Organization.data_version + 1,
                data_changed_at=datetime.now(UTC)))
    finally:
        engine.dispose()


def org_titles(database_url: str) -> tuple[dict[int, str], list[str]]:
    """The org's meetings' titles by id, and its public groups' slugs."""
    from sqlalchemy import select

    from facilitator.db import make_engine
    from facilitator.models import Group
    from facilitator.models import Meeting
    from facilitator.models import Organization

    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            org = connection.scalar(select(Organization.id).where(Organization.slug == ORG))
            titles = {row.id: row.title for row in connection.execute(
                select(Meeting.id, Meeting.title).join(Group)
                .where(Group.organization_id == org))}
            slugs = list(connection.scalars(select(Group.slug).where(
                Group.organization_id == org).order_by(Group.slug)))
    finally:
        engine.dispose()
    return titles, slugs


def full(cache: dict[str, Any], largest: int) -> bool:
    """No more room in the cache for another entry as large as `largest` (and, for the
    feeds, every written event it may keep)."""
    events_full = cache.get("events", 0) >= cache.get("events_limit", 0)
    return cache["bytes"] + largest > cache["budget"] and events_full


def room_mib(cache: dict[str, Any], events_mib: float) -> float:
    """What the cache could still take: its unused bytes, and the written events it may
    still keep at what those it holds cost each."""
    room = max(0, cache["budget"] - cache["bytes"]) / MiB
    if cache.get("events"):
        room += max(0, cache["events_limit"] - cache["events"]) * events_mib / cache["events"]
    return room


def memory(url: str) -> Iterator[Figure]:
    titles, slugs = org_titles(url)
    with gunicorn(url, workers=1, bench_routes=True) as server:
        (worker,) = server.worker_pids()
        idle = peak_rss_mib(worker)
        started = time.monotonic()
        with Sampler(worker) as sampler:
            before_feed = rss_mib(worker)
            feed = fetch(server, FEED)
            # What the feed's written events hold, beside its bytes: for the room left.
            events_mib = max(0.0, rss_mib(worker) - before_feed - len(feed) / MiB)
            fetch(server, DIRECTORY)
            # Public PDFs are the job workers' (facilitator/rendered.py): the web worker
            # answers from their files, or 503 before the first render, never renders.
            directory_pdf = fetch(server, f"/o/{ORG}/directory.pdf", expect=503)
            handouts, deadline = 0, time.monotonic() + HANDOUT_SECONDS
            for slug in slugs[:HANDOUTS]:
                if time.monotonic() > deadline or full(caches(server)["pdf_cache"],
                                                       len(directory_pdf)):
                    break
                fetch(server, f"/g/{slug}/handout.pdf", expect=503)
                handouts += 1
            versions, deadline = 0, time.monotonic() + VERSION_SECONDS
            while versions < VERSIONS and time.monotonic() < deadline \
                    and not full(caches(server)["feed_cache"], len(feed)):
                versions += 1
                change_every_meeting(url, versions, titles)
                feed = fetch(server, FEED)
            for path in (FEED, DIRECTORY):
                fetch(server, path)  # again, from full caches
        seconds = time.monotonic() - started
        time.sleep(2)
        steady, alone = with_children_mib(worker), rss_mib(worker)
        peak = max(sampler.peak, peak_rss_mib(worker))
        kept = caches(server)
    room = sum(room_mib(cache, events_mib) for cache in kept.values())
    fill = ", ".join(
        f"{name.removesuffix('_cache')} {cache['bytes'] / MiB:.0f} of "
        f"{cache['budget'] / MiB:.0f} MiB"
        + (f" and {cache['events']:,} of {cache['events_limit']:,} events"
           if "events" in cache else "")
        for name, cache in kept.items())
    what = (f"1 worker with its render children; {versions} feed versions, the directory PDF "
            f"and {handouts} handouts in {seconds:.0f} s; caches: {fill}; "
            f"{room:.0f} MiB of room left added")
    yield Figure("memory per worker, peak: feeds, directory, PDFs (gunicorn)", peak + room,
                 "MiB", idle, "a worker that served /healthz only",
                 at_most(MEMORY_LIMIT_MIB, of="value"), what)
    yield Figure("memory per worker, steady with full caches", steady + room, "MiB", idle,
                 "a worker that served /healthz only", at_most(MEMORY_LIMIT_MIB, of="value"),
                 f"2 s after the last request; measured {steady:.0f} MiB, of which the "
                 f"render children {steady - alone:.0f} MiB")


def best(loads: list[Load]) -> Load:
    return max(loads, key=lambda load: load.rate)


def throughput(url: str) -> Iterator[Figure]:
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        folder.chmod(0o755)  # nginx's worker runs as nobody when we are root
        bytes_file = folder / "feed.ics"
        with gunicorn(url, workers=WORKERS, bench_routes=True,
                      env={"FACILITATOR_BENCH_BYTES": str(bytes_file)}) as server:
            on_every_worker(server, FEED)  # every worker has it in its cache
            with urllib.request.urlopen(server.url + FEED) as response:  # noqa: S310
                etag = response.headers["ETag"]
                bytes_file.write_bytes(response.read())
            bytes_file.chmod(0o644)
            on_every_worker(server, "/bench/bytes")
            if fetch(server, "/bench/bytes") != bytes_file.read_bytes():
                raise RuntimeError("/bench/bytes is not the feed's bytes")
            health = wrk(server.url + "/healthz", seconds=WRK_SECONDS)
            not_modified = wrk(server.url + FEED, seconds=WRK_SECONDS,
                               headers={"If-None-Match": etag})
            feeds, held = [], []
            for _ in range(2):  # in turns, so that both see the same neighbours
                feeds.append(wrk(server.url + FEED, seconds=WRK_SECONDS))
                held.append(wrk(server.url + "/bench/bytes", seconds=WRK_SECONDS))
        with nginx_static(folder) as static:
            sent = best([wrk(static + "/feed.ics", seconds=WRK_SECONDS) for _ in range(2)])
        size = bytes_file.stat().st_size
    feed, same = best(feeds), best(held)
    load = f"wrk, 4 connections, {WORKERS} workers, {size / 1e6:.1f} MB each"
    yield Figure("org feed in full (worker's cache), gunicorn", feed.rate, "req/s", same.rate,
                 "same bytes held by a bench route, gunicorn", at_least(CACHE_RATE_LIMIT),
                 f"{load}; p99 {feed.p99:.0f} ms vs {same.p99:.0f} ms")
    yield Figure("org feed in full (worker's cache) vs nginx sendfile", feed.rate, "req/s",
                 sent.rate, "same bytes from a file, nginx sendfile",
                 note=f"wrk, 4 connections; nginx p99 {sent.p99:.1f} ms")
    yield Figure("org feed with its ETag (304), gunicorn", not_modified.rate, "req/s",
                 health.rate, "/healthz",
                 note=f"wrk, 4 connections, {WORKERS} workers; p99 {not_modified.p99:.0f} ms "
                      f"vs {health.p99:.0f} ms")


def figures(meetings: int = 5000, groups: int = 1000) -> Iterator[Figure]:
    with throwaway_postgres() as postgres:
        url = postgres.create_database("serve")
        load_generated(url, ORG, meetings=meetings, groups=groups)
        yield from throughput(url)
        yield from memory(url)


if __name__ == "__main__":
    standalone(figures, __doc__)
