"""Benchmark of the app as production runs it: `.venv/bin/python -m bench.bench_serve`.

gunicorn (`make serve`, through bench/server.py) on a throwaway PostgreSQL holding an
org of 5,000 meetings in 1,000 groups (the real import of a generated feed).

- Memory: the server as deployed, one gunicorn worker (so that every request fills the
  same caches) and one job worker (`flask worker`, one thread), sharing RENDERED_DIR.
  The web worker serves the org feed and the directory page, renders the PDFs leaders
  and auditors print (the attendance and training reports, then groups' one-pagers,
  guidelines and check-in cards until its PDF cache is full or LEADER_SECONDS pass),
  sends the public PDFs from storage (the 4 directories, groups' handouts), then builds
  many versions of the org feed, each after every meeting changed, until its caches are
  full (the built feeds' byte budget and the written events' limit) or a bound on the
  time is reached. Meanwhile the job worker renders what a change enqueues: the 4
  directory PDFs of 5,000 meetings, then groups' one-pagers and guidelines; at the end
  the groups' renders left are dropped and it renders the Letter directory again (the
  data moved on). Each process counts with its render children (`tree_mib`: its
  resident memory and its children's proportional share, so the pages a render child
  shares with the render server count once). Peak: the largest of the process's own
  peak (VmHWM) and of the tree sampled every 50 ms; steady: the tree 2 s after the last
  request and job. Room the web worker's caches still had at the end (the feeds' and
  PDFs' bytes, the written events, the directory's weeks: other orgs' meetings, at what
  the org's cost) is added to both of its figures, so they hold for full caches. Beside
  a web worker that served /healthz only. Goal: at most 300 MiB per worker, each.
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
import http.cookiejar
import json
import random
import re
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from urllib.parse import urlsplit

from flask import Flask
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import text

from bench import bench_pages
from bench.bench_import import app_for
from bench.report import Figure
from bench.report import at_least
from bench.report import at_most
from bench.report import standalone
from bench.server import Load
from bench.server import RunningServer
from bench.server import gunicorn
from bench.server import job_worker
from bench.server import load_generated
from bench.server import nginx_static
from bench.server import peak_rss_mib
from bench.server import rss_mib
from bench.server import throwaway_postgres
from bench.server import tree_mib
from bench.server import wrk
from facilitator import jobs
from facilitator import rendered
from facilitator.db import get_session
from facilitator.models import Group
from facilitator.models import Meeting
from facilitator.models import Organization
from facilitator.models import RenderedFile

WORKERS = 2
MEMORY_LIMIT_MIB = 300
CACHE_RATE_LIMIT = 0.8
ORG = "big"
FEED = f"/o/{ORG}/meetings.ics"
DIRECTORY = f"/o/{ORG}/"
#: Job worker threads, as docs/deploy.md runs them (each renders one PDF at a time).
JOB_THREADS = 1
#: The longest spent printing leaders' PDFs (the web worker renders those).
LEADER_SECONDS = 90
#: Groups whose public one-pager and guidelines are asked for (sent from storage).
PUBLIC_HANDOUTS = 100
#: The longest the job worker may take to render the 4 directories (under a minute
#: each on a loaded 2-core machine).
DIRECTORY_SECONDS = 600
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


@dataclass
class Sampler:
    """The most a process and its children held together (`tree_mib`), sampled every
    50 ms while the block runs."""

    pid: int
    peak: float = 0.0
    #: What the benchmark is doing now (set by it), and what it was doing at the peak.
    phase: str = ""
    peak_phase: str = ""
    _stop: threading.Event = field(default_factory=threading.Event)
    _error: Exception | None = None

    def __enter__(self) -> Sampler:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                now = tree_mib(self.pid)
                if now > self.peak:
                    self.peak, self.peak_phase = now, self.phase
                self._stop.wait(0.05)
        except Exception as error:  # noqa: BLE001 (raised in the benchmark's thread)
            self._error = error

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        if self._error is not None:
            # A sampler that stopped early would report a peak lower than the real one.
            raise RuntimeError(f"sampling process {self.pid} failed") from self._error


def caches(server: RunningServer) -> dict[str, dict[str, Any]]:
    with urllib.request.urlopen(server.url + "/bench/caches") as response:  # noqa: S310
        return json.load(response)["caches"]


def weeks(server: RunningServer) -> dict[str, int]:
    """The directory's week cache: meetings kept and its capacity."""
    with urllib.request.urlopen(server.url + "/bench/caches") as response:  # noqa: S310
        return json.load(response)["weeks"]


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


def week_room_mib(kept: dict[str, int], week_mib: float) -> float:
    """What the directory's week cache could still take: the meetings it may still keep
    (other orgs'), at what those it holds cost each."""
    return max(0, kept["capacity"] - kept["meetings"]) * week_mib / max(1, kept["meetings"])


class SignedIn:
    """A browser signed in to the server as `email`: its session cookie kept."""

    def __init__(self, server: RunningServer, email: str, password: str) -> None:
        self.url = server.url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        with self.opener.open(self.url + "/login") as response:
            form = response.read().decode()
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form)
        if token is None:
            raise RuntimeError("The sign-in page has no CSRF token.")
        body = urlencode({"email": email, "password": password, "csrf_token": token[1]})
        with self.opener.open(self.url + "/login", body.encode()) as response:
            if "/login" in response.url:
                raise RuntimeError(f"{email} could not sign in")

    def printed(self, path: str) -> bool:
        """Ask for a PDF: whether it came (200) rather than a 503 (every render slot
        taken, or past its time limit on a loaded machine)."""
        try:
            with self.opener.open(self.url + path, timeout=180) as response:
                response.read()
        except urllib.error.HTTPError as error:
            if error.code != 503:
                raise
            return False
        return True


def public_pdf(server: RunningServer, path: str) -> bool:
    """Ask for a public PDF: whether it was there (200) rather than still to render (503)."""
    try:
        fetch(server, path)
    except RuntimeError as error:
        if "answered 503" not in str(error):
            raise
        return False
    return True


@dataclass(frozen=True)
class Org:
    """What the memory benchmark asks for: its org's public groups (with a meeting's id
    each), the keys of its directory PDFs rendered ahead, and an admin who may print
    every leader's handout and the auditors' reports."""

    id: int
    groups: list[tuple[str, int]]
    directories: list[str]
    admin: str


def with_an_admin(url: str) -> Org:
    """Give the org an admin, an auditor and 200 leaders with training records (as
    bench_pages does), and say what the benchmark asks for."""
    app = app_for(url)
    with app.app_context():
        session = get_session()
        org = session.scalars(select(Organization).where(Organization.slug == ORG)).one()
        people = bench_pages._people(session, org, 200, random.Random(7))  # noqa: S311
        session.commit()
        groups = list(session.execute(
            select(Group.slug, func.min(Meeting.id)).join(Meeting)
            .where(Group.organization_id == org.id).group_by(Group.slug)
            .order_by(Group.slug)).tuples())
        directories = [handout.key for handout in rendered.ahead_handouts(org, [])]
        found = Org(org.id, groups, directories, people.admin)
    app.extensions["facilitator.db"].engine.dispose()
    return found


@contextlib.contextmanager
def jobs_app(url: str) -> Iterator[Flask]:
    """An app on the benchmark's database, to enqueue jobs and read what was rendered."""
    app = app_for(url)
    try:
        with app.app_context():
            yield app
    finally:
        jobs.close(app)
        app.extensions["facilitator.db"].engine.dispose()


def directories_made(org: Org, keys: list[str]) -> tuple[int, int]:
    """Of the directory PDFs of `keys`, how many show the org's data as it is now, and
    how many failed on it (after their retries: a render past its time limit on a
    loaded machine)."""
    session = get_session()
    try:
        stamp = rendered.org_stamp(session.get_one(Organization, org.id))
        rows = session.scalars(select(RenderedFile).where(RenderedFile.key.in_(keys))).all()
        return (sum(row.stamp == stamp and row.content_hash is not None for row in rows),
                sum(row.failed_stamp == stamp for row in rows))
    finally:
        session.rollback()


def wait_for_directories(org: Org, keys: list[str]) -> int:
    """Wait until the job worker made or failed each directory of `keys`; how many
    failed."""
    deadline = time.monotonic() + DIRECTORY_SECONDS
    while sum(made := directories_made(org, keys)) < len(keys):
        if time.monotonic() > deadline:
            raise RuntimeError(f"the job worker made {made[0]} of {len(keys)} directories "
                               f"in {DIRECTORY_SECONDS} s")
        time.sleep(1)
    return made[1]


def leaders_pdfs(server: RunningServer, org: Org,
                 cache_full: Callable[[], bool]) -> tuple[int, int]:
    """A signed-in admin prints the auditors' reports, then groups' one-pagers,
    guidelines and check-in cards (rendered by the web worker, as leaders' are) until
    the worker's PDF cache is full or LEADER_SECONDS have passed; how many came, and
    how many were refused (503)."""
    browser = SignedIn(server, org.admin, bench_pages.PASSWORD)
    deadline = time.monotonic() + LEADER_SECONDS
    paths = [f"/audit/{ORG}/attendance.pdf", f"/audit/{ORG}/training.pdf"]
    answers = [browser.printed(path) for path in paths]
    for slug, meeting in org.groups:
        if time.monotonic() > deadline or cache_full():
            break
        answers += [browser.printed(path) for path in (
            f"/manage/g/{slug}/handout.pdf", f"/manage/g/{slug}/guidelines.pdf",
            f"/manage/g/{slug}/meetings/{meeting}/checkin-card.pdf")]
    return sum(answers), len(answers) - sum(answers)


def memory(url: str) -> Iterator[Figure]:
    titles, _slugs = org_titles(url)
    org = with_an_admin(url)
    with tempfile.TemporaryDirectory() as folder, jobs_app(url):
        shared = {"FACILITATOR_RENDERED_DIR": folder}  # web and job workers, as deployed
        with gunicorn(url, workers=1, bench_routes=True, env=shared,
                      start_seconds=120) as server, \
                job_worker(url, threads=JOB_THREADS, env=shared) as job_process:
            (web,) = server.worker_pids()
            idle = peak_rss_mib(web)
            started = time.monotonic()
            with Sampler(web) as web_sampler, Sampler(job_process.pid) as job_sampler:
                def phase(name: str) -> None:
                    web_sampler.phase = job_sampler.phase = name

                phase("the first feed")
                # What a change of the org enqueues: its directories, then every group's.
                rendered.refresh.enqueue(org.id)
                get_session().commit()
                before_feed = rss_mib(web)
                feed = fetch(server, FEED)
                # What the feed's written events hold, beside its bytes: for the room left.
                events_mib = max(0.0, rss_mib(web) - before_feed - len(feed) / MiB)
                phase("the directory")
                before_directory = rss_mib(web)
                fetch(server, DIRECTORY)
                # What the org's week holds in the directory's cache: for the room left.
                week_mib = max(0.0, rss_mib(web) - before_directory)
                phase("leaders' PDFs")
                printed, refused = leaders_pdfs(server, org, lambda: full(
                    caches(server)["pdf_cache"], 200_000))
                phase("waiting for the directories")
                failed = wait_for_directories(org, org.directories)
                phase("public PDFs")
                public = sum(public_pdf(server, f"/o/{ORG}/directory.pdf?{query}")
                             for query in ("paper=letter", "paper=a4", "paper=letter&print=large",
                                           "paper=a4&print=large"))
                for slug, _meeting in org.groups[:PUBLIC_HANDOUTS]:
                    public += public_pdf(server, f"/g/{slug}/handout.pdf")
                    public += public_pdf(server, f"/g/{slug}/guidelines.pdf")
                phase("feed versions")
                versions, deadline = 0, time.monotonic() + VERSION_SECONDS
                while versions < VERSIONS and time.monotonic() < deadline \
                        and not full(caches(server)["feed_cache"], len(feed)):
                    versions += 1
                    change_every_meeting(url, versions, titles)
                    feed = fetch(server, FEED)
                phase("the feed and directory again")
                for path in (FEED, DIRECTORY):
                    fetch(server, path)  # again, from full caches
                seconds = time.monotonic() - started
                # The groups' renders left are dropped, and the Letter directory (the
                # data moved on with each version) rendered once more, after the others.
                get_session().execute(text("DELETE FROM job_task"))
                get_session().commit()
                group_renders = count_rendered(org) - len(org.directories)
                phase("the Letter directory again")
                rendered.render.enqueue(org.directories[0])
                get_session().commit()
                failed += wait_for_directories(org, org.directories[:1])
                web_peak_seen, job_peak_seen = web_sampler.peak, job_sampler.peak
                web_when, job_when = web_sampler.peak_phase, job_sampler.peak_phase
            time.sleep(2)
            web_steady, web_alone = tree_mib(web), rss_mib(web)
            job_steady, job_alone = tree_mib(job_process.pid), rss_mib(job_process.pid)
            web_peak = max(web_peak_seen, peak_rss_mib(web))
            job_peak = max(job_peak_seen, peak_rss_mib(job_process.pid))
            kept, kept_weeks = caches(server), weeks(server)
    room = (sum(room_mib(cache, events_mib) for cache in kept.values())
            + week_room_mib(kept_weeks, week_mib))
    fill = ", ".join(
        f"{name.removesuffix('_cache')} {cache['bytes'] / MiB:.0f} of "
        f"{cache['budget'] / MiB:.0f} MiB"
        + (f" and {cache['events']:,} of {cache['events_limit']:,} events"
           if "events" in cache else "")
        for name, cache in kept.items()) + (
        f", directory weeks {kept_weeks['meetings']:,} of {kept_weeks['capacity']:,} meetings "
        f"({week_mib:.0f} MiB)")
    baseline = "a web worker that served /healthz only"
    yield Figure("memory, web worker with its render children, peak", web_peak + room, "MiB",
                 idle, baseline, at_most(MEMORY_LIMIT_MIB, of="value"),
                 f"1 gunicorn worker: {versions} feed versions, the directory, {printed} "
                 f"leaders' and auditors' PDFs rendered ({refused} refused: 503), "
                 f"{public} public PDFs sent from "
                 f"storage, in {seconds:.0f} s; caches: {fill}; {room:.0f} MiB of room "
                 f"left added; the peak sampled during {web_when or '?'}")
    yield Figure("memory, web worker with its render children, steady", web_steady + room,
                 "MiB", idle, baseline, at_most(MEMORY_LIMIT_MIB, of="value"),
                 f"2 s after the last request, full caches; the worker {web_alone:.0f} MiB, "
                 f"the render server {web_steady - web_alone:.0f} MiB")
    yield Figure("memory, job worker with its render children, peak", job_peak, "MiB",
                 idle, baseline, at_most(MEMORY_LIMIT_MIB, of="value"),
                 f"flask worker --threads {JOB_THREADS}: the 4 directory PDFs of "
                 f"{len(titles):,} meetings, {group_renders} groups' one-pagers and "
                 f"guidelines, then the Letter directory again; the peak sampled during "
                 f"{job_when or '?'}"
                 + (f"; {failed} directory renders failed (time limit)" if failed else ""))
    yield Figure("memory, job worker with its render children, steady", job_steady, "MiB",
                 idle, baseline, at_most(MEMORY_LIMIT_MIB, of="value"),
                 f"2 s after its last job; the worker {job_alone:.0f} MiB, the render "
                 f"server {job_steady - job_alone:.0f} MiB")


def count_rendered(org: Org) -> int:
    session = get_session()
    try:
        return session.scalar(select(func.count()).select_from(RenderedFile).where(
            RenderedFile.organization_id == org.id,
            RenderedFile.content_hash.is_not(None))) or 0
    finally:
        session.rollback()


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
