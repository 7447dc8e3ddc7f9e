"""A throwaway PostgreSQL server for the test suite (and benchmarks).

PostgreSQL refuses to run as root, so as root the server runs as the `postgres`
user, in a temporary directory that user owns, listening only on 127.0.0.1.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import psycopg

PG_BIN_DIRS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)


class PostgresUnavailable(RuntimeError):
    pass


def _find_bin() -> Path:
    for directory in PG_BIN_DIRS:
        if (directory / "pg_ctl").exists():
            return directory
    if found := shutil.which("pg_ctl"):
        return Path(found).parent
    raise PostgresUnavailable("PostgreSQL's pg_ctl was not found (apt-get install postgresql).")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    def __init__(self) -> None:
        self.bin = _find_bin()
        self.root = Path(tempfile.mkdtemp(prefix="facilitator-pg-"))
        self.port = _free_port()
        self._as_root = os.geteuid() == 0
        self.started = False

    def _run(self, *args: str) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if self._as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise PostgresUnavailable(f"{args[0]} failed: {result.stderr.strip()}")

    def start(self) -> PostgresServer:
        if self._as_root:
            shutil.chown(self.root, "postgres", "postgres")
        self.root.chmod(0o700)
        data = self.root / "data"
        self._run("initdb", "-D", str(data), "-U", "app", "-A", "trust", "-E", "UTF8",
                  "--locale=C.UTF-8", "--no-sync")
        options = (f"-k {self.root} -c listen_addresses=127.0.0.1 -p {self.port} "
                   "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
                   "-c max_connections=200")
        self._run("pg_ctl", "-D", str(data), "-l", str(self.root / "log"), "-w", "-o", options,
                  "start")
        self.started = True
        return self

    def stop(self) -> None:
        if self.started:
            self._run("pg_ctl", "-D", str(self.root / "data"), "-m", "immediate", "-w", "stop")
            self.started = False
        shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://app@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str, template: str = "template1") -> str:
        """Create a database (dropping one of the same name) as a copy of `template`, by
        default an empty one, and return its URL."""
        with psycopg.connect(f"postgresql://app@127.0.0.1:{self.port}/postgres",
                             autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        return self.url(name)
