"""Benchmark of the app as production runs it: `.venv/bin/python -m bench.bench_serve`.

gunicorn (`make serve`, through bench/server.py) with two workers on a throwaway
PostgreSQL holding an org of 5,000 meetings in 1,000 groups (the real import of a
generated feed):

- memory: the peak resident memory (VmHWM) of the workers after each has built and
  served the org feed, and, in a fresh server, the directory; beside a worker that
  served /healthz only. Goal: at most 300 MiB per worker.
- throughput, several clients at once: the org feed asked again with its ETag (304,
  what calendar apps and nginx's revalidation send) and asked in full (from the
  worker's cache), beside /healthz, which touches neither database nor template.
"""

from __future__ import annotations

import http.client
import threading
import time
import urllib.request
from collections.abc import Iterator
from urllib.parse import urlsplit

from bench.report import Figure
from bench.report import at_most
from bench.report import standalone
from bench.server import RunningServer
from bench.server import gunicorn
from bench.server import load_generated
from bench.server import peak_rss_mib
from bench.server import throwaway_postgres

WORKERS = 2
MEMORY_LIMIT_MIB = 300
ORG = "big"
PAGES = {"org feed": f"/o/{ORG}/meetings.ics", "directory": f"/o/{ORG}/"}


def fetch(server: RunningServer, path: str, headers: dict[str, str] | None = None) -> int:
    """One request on a new connection, the body read in full; its status."""
    address = urlsplit(server.url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=120)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def on_every_worker(server: RunningServer, path: str) -> None:
    """Ask for `path` from as many clients at once as there are workers, a few times
    over, so that every worker builds and serves it."""
    def ask() -> None:
        for _ in range(3):
            status = fetch(server, path)
            if status != 200:
                raise RuntimeError(f"{path} answered {status}")

    clients = [threading.Thread(target=ask) for _ in range(WORKERS)]
    for client in clients:
        client.start()
    for client in clients:
        client.join()


def worst_peak(server: RunningServer) -> float:
    return max(peak_rss_mib(pid) for pid in server.worker_pids())


def rate(server: RunningServer, path: str, *, headers: dict[str, str] | None = None,
         expect: int = 200, clients: int = 2 * WORKERS, seconds: float = 5) -> float:
    """Requests answered per second by `clients` clients asking one after another for
    `seconds`."""
    done = [0] * clients
    failures: list[str] = []
    deadline = time.monotonic() + seconds

    def client(n: int) -> None:
        while time.monotonic() < deadline:
            status = fetch(server, path, headers)
            if status != expect:
                failures.append(f"{path} answered {status}, not {expect}")
                return
            done[n] += 1

    start = time.monotonic()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise RuntimeError(failures[0])
    return sum(done) / (time.monotonic() - start)


def figures(meetings: int = 5000, groups: int = 1000) -> Iterator[Figure]:
    with throwaway_postgres() as postgres:
        url = postgres.create_database("serve")
        load_generated(url, ORG, meetings=meetings, groups=groups)
        for what, path in PAGES.items():
            # A server of its own for each page: VmHWM only grows.
            with gunicorn(url, workers=WORKERS) as server:
                idle = worst_peak(server)
                started = time.monotonic()
                on_every_worker(server, path)
                peak = worst_peak(server)
                seconds = time.monotonic() - started
            yield Figure(f"{what}: peak memory per worker (gunicorn, PostgreSQL)", peak, "MiB",
                         idle, "a worker that served /healthz only",
                         at_most(MEMORY_LIMIT_MIB, of="value"),
                         f"{WORKERS} workers, 3 requests each in {seconds:.0f} s")

        with gunicorn(url, workers=WORKERS) as server:
            on_every_worker(server, PAGES["org feed"])  # every worker has it in its cache
            with urllib.request.urlopen(server.url + PAGES["org feed"]) as response:  # noqa: S310
                etag = response.headers["ETag"]
            health = rate(server, "/healthz")
            not_modified = rate(server, PAGES["org feed"], headers={"If-None-Match": etag},
                                expect=304)
            full = rate(server, PAGES["org feed"])
        clients = f"{2 * WORKERS} clients, {WORKERS} workers"
        yield Figure("org feed with its ETag (304), gunicorn", not_modified, "req/s", health,
                     "/healthz", note=clients)
        yield Figure("org feed in full (worker's cache), gunicorn", full, "req/s", health,
                     "/healthz", note=clients)


if __name__ == "__main__":
    standalone(figures, __doc__)
