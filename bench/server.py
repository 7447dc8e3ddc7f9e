"""Start the app under gunicorn, as `make serve` does, for benchmarks and tests.

    with throwaway_postgres() as postgres:
        url = postgres.create_database("bench")
        load_generated(url, "big", meetings=5000)
        with gunicorn(url, workers=4) as server:
            urllib.request.urlopen(server.url + "/healthz")
            server.worker_pids(), peak_rss_mib(pid)

The server runs `python -m facilitator.serve` in a subprocess with the FACILITATOR_*
environment set from the arguments, waits until /healthz answers, and stops it (SIGTERM,
then SIGKILL) when the block ends.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from tests.postgres import PostgresServer
from tests.postgres import PostgresUnavailable

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class RunningServer:
    process: subprocess.Popen[bytes]
    url: str
    log: IO[bytes]

    def output(self) -> str:
        """What gunicorn has written so far."""
        # pread: the offset is shared with gunicorn, which goes on writing at it.
        fd = self.log.fileno()
        return os.pread(fd, os.fstat(fd).st_size, 0).decode(errors="replace")

    def worker_pids(self) -> list[int]:
        """The gunicorn workers: the master's child processes."""
        return children(self.process.pid)


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended while we looked
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return sorted(found)


def peak_rss_mib(pid: int) -> float:
    """The process's peak resident memory so far (VmHWM), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmHWM for process {pid}")


@contextmanager
def gunicorn(database_url: str, *, workers: int = 2, port: int | None = None,
             secret_key: str = "bench-secret-key-not-for-production",  # noqa: S107
             env: dict[str, str] | None = None,
             start_seconds: float = 30) -> Iterator[RunningServer]:
    """Serve the app with `workers` gunicorn workers on 127.0.0.1:`port` (a free one by
    default) until the block ends."""
    port = port or free_port()
    environ = os.environ | {
        "FACILITATOR_DATABASE_URL": database_url,
        "FACILITATOR_SECRET_KEY": secret_key,
        "FACILITATOR_WORKERS": str(workers),
        "FACILITATOR_BIND": f"127.0.0.1:{port}",
        # The address clients use here; make serve answers 400 to any other Host.
        "FACILITATOR_BASE_URL": f"http://127.0.0.1:{port}",
    } | (env or {})
    # A file, not a pipe: nobody reads gunicorn's output while it runs, and a full pipe
    # would stall it.
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(  # noqa: S603 (our own interpreter and module)
            [sys.executable, "-m", "facilitator.serve"], cwd=ROOT, env=environ,
            stdout=log, stderr=subprocess.STDOUT,
        )
        server = RunningServer(process, f"http://127.0.0.1:{port}", log)
        try:
            _wait_until_up(server, workers, start_seconds)
            yield server
        finally:
            stop(process)


def _wait_until_up(server: RunningServer, workers: int, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.process.returncode}:\n"
                               f"{server.output()}")
        try:
            with urllib.request.urlopen(server.url + "/healthz", timeout=2) as response:  # noqa: S310
                if response.status == 200 and len(server.worker_pids()) >= workers:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"gunicorn did not answer on {server.url} within {seconds:.0f} s")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def throwaway_postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL server of its own (tests/postgres.py) until the block ends; a
    RuntimeError saying what to install when none can start."""
    try:
        server = PostgresServer().start()
    except PostgresUnavailable as error:
        raise RuntimeError(f"PostgreSQL could not start: {error} (make bench installs "
                           "Debian's postgresql package when run as root)") from None
    try:
        yield server
    finally:
        server.stop()


def load_generated(database_url: str, org: str, *, meetings: int = 5000, groups: int = 1000,
                   seed: int = 1) -> None:
    """Migrate the empty database and import a generated Meeting Guide feed of `meetings`
    meetings into the new public org `org`, with the real import command."""
    # Here, not at the top: bench_import takes throwaway_postgres from this module.
    from bench.bench_import import app_for
    from bench.bench_import import run_import
    from bench.generate import generate

    app = app_for(database_url)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "feed.json"
        path.write_text(json.dumps(generate(meetings, groups, seed)))
        run_import(app, path, org)
    app.extensions["facilitator.db"].engine.dispose()
