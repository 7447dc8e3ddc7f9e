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

import contextlib
import json
import os
import shutil
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
    # os.listdir, not Path.glob: glob's check that each stat file exists raises
    # ProcessLookupError for a process that ends meanwhile (a render child often does).
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            fields = Path(f"/proc/{name}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended while we looked
        if int(fields[1]) == pid:
            found.append(int(name))
    return sorted(found)


def descendants(pid: int) -> list[int]:
    """The process's children, their children, and so on."""
    found = []
    for child in children(pid):
        found += [child, *descendants(child)]
    return found


def _status_mib(pid: int, field: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} for process {pid}")


def peak_rss_mib(pid: int) -> float:
    """The process's peak resident memory so far (VmHWM), in MiB."""
    return _status_mib(pid, "VmHWM")


def rss_mib(pid: int) -> float:
    """The process's resident memory now (VmRSS), in MiB."""
    return _status_mib(pid, "VmRSS")


def pss_mib(pid: int) -> float:
    """The process's proportional share of memory now (Pss: each page it shares with
    other processes divided among them), in MiB."""
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no Pss for process {pid}")


def tree_mib(pid: int) -> float:
    """What a process and the processes it started hold now: its resident memory and
    its descendants' proportional share (a render child shares most of its pages with
    the render server it was forked from: they count once between them)."""
    total = rss_mib(pid)
    for child in descendants(pid):
        with contextlib.suppress(OSError, RuntimeError):  # it ended while we looked
            total += pss_mib(child)
    return total


@contextmanager
def gunicorn(database_url: str, *, workers: int = 2, port: int | None = None,
             secret_key: str = "bench-secret-key-not-for-production",  # noqa: S107
             env: dict[str, str] | None = None, bench_routes: bool = False,
             start_seconds: float = 30) -> Iterator[RunningServer]:
    """Serve the app with `workers` gunicorn workers on 127.0.0.1:`port` (a free one by
    default) until the block ends; with `bench_routes`, bench/served.py's routes too."""
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
            [sys.executable, "-m", "bench.served" if bench_routes else "facilitator.serve"],
            cwd=ROOT, env=environ,
            stdout=log, stderr=subprocess.STDOUT,
        )
        server = RunningServer(process, f"http://127.0.0.1:{port}", log)
        try:
            _wait_until_up(server, workers, start_seconds)
            yield server
        finally:
            stop(process)


@contextmanager
def job_worker(database_url: str, *, threads: int = 1,
               env: dict[str, str] | None = None) -> Iterator[subprocess.Popen[bytes]]:
    """`make worker` (`flask --app facilitator worker`) on the database until the block
    ends, then stopped as systemd stops it (SIGINT: the jobs in hand are finished)."""
    environ = os.environ | {
        "FACILITATOR_DATABASE_URL": database_url,
        "FACILITATOR_SECRET_KEY": "bench-secret-key-not-for-production",
        "FACILITATOR_BASE_URL": "http://127.0.0.1:8000",
    } | (env or {})
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(  # noqa: S603 (our own interpreter and app)
            [sys.executable, "-m", "flask", "--app", "facilitator", "worker",
             "--threads", str(threads)], cwd=ROOT, env=environ,
            stdout=log, stderr=subprocess.STDOUT)
        try:
            yield process
        finally:
            stop(process, signal.SIGINT, timeout=120)
            if process.returncode not in (0, -signal.SIGINT):
                log.seek(0)
                raise RuntimeError(f"the job worker exited with {process.returncode}:\n"
                                   f"{log.read().decode(errors='replace')[-3000:]}")


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


def stop(process: subprocess.Popen[bytes], sig: signal.Signals = signal.SIGTERM, *,
         timeout: float = 10) -> None:
    """Send `sig`; if the process has not ended within `timeout` seconds, kill it."""
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout=timeout)
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


@dataclass(frozen=True)
class Load:
    """What wrk measured: requests answered per second, and latency percentiles in ms."""

    rate: float
    p50: float
    p99: float
    requests: int
    errors: int


WRK_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def parse_wrk(output: str) -> Load:
    """wrk's report (run with --latency) as a Load; ValueError when it is not one."""
    percentiles: dict[str, float] = {}
    rate = None
    requests = errors = 0
    for line in output.splitlines():
        words = line.split()
        if len(words) == 2 and words[0] in ("50%", "99%"):
            number = words[1].rstrip("usm")
            percentiles[words[0]] = float(number) * WRK_UNITS[words[1][len(number):]]
        elif line.startswith("Requests/sec:"):
            rate = float(words[1])
        elif "requests in" in line:
            requests = int(words[0])
        elif line.strip().startswith(("Non-2xx or 3xx responses:", "Socket errors:")):
            errors += sum(int(w.rstrip(",")) for w in words if w.rstrip(",").isdigit())
    if rate is None or len(percentiles) != 2:
        raise ValueError(f"not a wrk report:\n{output}")
    return Load(rate, percentiles["50%"], percentiles["99%"], requests, errors)


def wrk(url: str, *, seconds: float = 5, connections: int = 4,
        headers: dict[str, str] | None = None) -> Load:
    """`connections` clients asking for `url` one request after another for `seconds`,
    from wrk (Debian's package, C, one thread): the load comes from outside Python."""
    command = shutil.which("wrk")
    if command is None:
        raise RuntimeError("wrk is not installed (apt-get install wrk; make bench does it "
                           "as root)")
    arguments = [command, "--latency", "-t1", f"-c{connections}", f"-d{seconds:g}s",
                 "--timeout", "60s"]
    for name, value in (headers or {}).items():
        arguments += ["-H", f"{name}: {value}"]
    done = subprocess.run([*arguments, url], capture_output=True, text=True,  # noqa: S603
                          timeout=seconds + 120, check=True)
    load = parse_wrk(done.stdout)
    if load.errors:
        raise RuntimeError(f"{url}: {load.errors} errors or failed answers under wrk:\n"
                           f"{done.stdout}")
    return load


NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


@contextmanager
def nginx_static(folder: Path) -> Iterator[str]:
    """Debian's nginx serving the files of `folder` with sendfile, one worker process,
    on a free port of 127.0.0.1, until the block ends; yields its address."""
    if not Path(NGINX).exists():
        raise RuntimeError("nginx is not installed (apt-get install nginx-light)")
    port = free_port()
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        root.chmod(0o755)  # nginx's worker runs as nobody when we are root
        (root / "nginx.conf").write_text(f"""
            {"user root;" if os.geteuid() == 0 else ""}
            daemon off;
            worker_processes 1;
            pid {root}/nginx.pid;
            error_log {root}/error.log;
            events {{ worker_connections 256; }}
            http {{
                access_log off;
                sendfile on;
                tcp_nopush on;
                client_body_temp_path {root}/body;
                proxy_temp_path {root}/proxy;
                fastcgi_temp_path {root}/fastcgi;
                uwsgi_temp_path {root}/uwsgi;
                scgi_temp_path {root}/scgi;
                types {{ text/calendar ics; }}
                server {{
                    listen 127.0.0.1:{port};
                    root {folder};
                }}
            }}
        """)
        process = subprocess.Popen(  # noqa: S603 (Debian's nginx, our own configuration)
            [NGINX, "-p", str(root), "-c", str(root / "nginx.conf"), "-e",
             str(root / "error.log")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 10
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"nginx did not start: {(root / 'error.log').read_text()}")
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=1):
                        break
                except OSError:
                    if time.monotonic() > deadline:
                        raise RuntimeError("nginx did not answer within 10 s") from None
                    time.sleep(0.05)
            yield url
        finally:
            stop(process)


OPEN_LOOP = Path(__file__).resolve().parent / "openloop.js"


@dataclass(frozen=True)
class Visits:
    """What bench/openloop.js saw: per visitor, the first request's and the whole
    visit's milliseconds, timed from when the visitor was due."""

    sent: int
    first: list[float]
    whole: list[float]
    wrong: list[str]


def open_loop(base: str, paths: list[str], *, rate: float, seconds: float,
              post: bool) -> Visits:
    """Visitors arriving at `rate` a second for `seconds`, whatever the server does, from
    Node (bench/openloop.js): a check-in and the page it leads to (`post`), or two GETs."""
    node = shutil.which("node") or shutil.which("nodejs")
    if node is None:
        raise RuntimeError("Node.js is not installed (apt-get install nodejs; make bench "
                           "does it as root)")
    settings = {"base": base, "paths": paths, "rate": rate, "seconds": seconds, "post": post}
    done = subprocess.run([node, str(OPEN_LOOP), json.dumps(settings)],  # noqa: S603
                          capture_output=True, text=True, timeout=seconds + 180, check=True)
    found = json.loads(done.stdout)
    visits = found["visits"]
    return Visits(found["sent"], [v[0] for v in visits], [v[1] for v in visits],
                  [v[2] for v in visits if v[2]])
