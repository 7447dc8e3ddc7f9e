"""Backups of the whole database, and restoring one: what `flask --app facilitator backup
PATH` and `restore PATH [--force]` do.

- SQLite: `VACUUM INTO` writes a compact copy from one read transaction, so it is
  consistent while the app goes on writing (WAL lets readers and the writer pass).
  Restoring copies it back with SQLite's online backup API.
- PostgreSQL: `pg_dump` in its custom format (one snapshot, consistent too), by the
  client tools of the server's major version. Restoring replaces the `public` schema
  with the dump in one transaction: all of it or, when anything fails, nothing.

A backup never overwrites a file, and a restore refuses to replace a database that
holds data unless forced. Every refusal is a BackupError with a message for the operator.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy import column
from sqlalchemy import exists
from sqlalchemy import inspect
from sqlalchemy import select
from sqlalchemy import table
from sqlalchemy.engine import URL

#: Where Debian and Ubuntu keep each PostgreSQL version's client tools.
POSTGRES_LIBS = Path("/usr/lib/postgresql")
#: Tables that say nothing about whether a database holds anyone's data: migrations, the
#: job queue's (facilitator/jobs.py) and which PDFs were rendered (made again by the
#: workers; the files themselves are never backed up).
BOOKKEEPING = {"alembic_version", "rendered_files", "job_task", "job_schedule", "job_kv",
               "job_counter"}
#: Tables whose rows a PostgreSQL backup leaves out (their schema is kept): what the
#: workers rebuild, and jobs that belong to the running site.
NOT_BACKED_UP = ("rendered_files", "job_*")


class BackupError(Exception):
    """A backup or restore that cannot be done, with what to do about it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def backup(engine: Engine, path: Path) -> None:
    """Write a consistent copy of the whole database to `path`, a new file."""
    if path.exists():
        raise BackupError(f"{path} already exists; a backup never overwrites a file. "
                          "Choose a new name.")
    if not path.parent.is_dir():
        raise BackupError(f"The folder {path.parent} does not exist.")
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        if engine.dialect.name == "sqlite":
            _sqlite_backup(_sqlite_file(engine.url), partial)
        else:
            _run(_pg_tool(engine, "pg_dump"), "--format=custom", f"--file={partial}",
                 *(f"--exclude-table-data={name}" for name in NOT_BACKED_UP),
                 *_pg_connection(engine.url), what="pg_dump", password=engine.url.password)
        partial.rename(path)
    finally:
        partial.unlink(missing_ok=True)


def restore(engine: Engine, path: Path, *, force: bool = False) -> None:
    """Replace the database's contents with the backup at `path`. Without `force`, only
    a database with no data (new, or migrated but empty) is replaced."""
    if not path.is_file():
        raise BackupError(f"There is no backup file {path}.")
    sqlite = engine.dialect.name == "sqlite"
    if sqlite:
        _check_sqlite_backup(path)
    else:
        _check_pg_backup(engine, path)
    if not force and (holding := tables_with_data(engine)):
        raise BackupError(
            f"The database already holds data (in {', '.join(holding)}). Restoring would "
            "replace all of it with the backup. Make a backup of it first; then, if that is "
            "what you want, run restore again with --force."
        )
    engine.dispose()  # no pooled connection may outlive what it was connected to
    if sqlite:
        _sqlite_restore(path, _sqlite_file(engine.url))
    else:
        _pg_restore(engine, path)


def tables_with_data(engine: Engine) -> list[str]:
    """The tables (other than migration bookkeeping) that have at least one row."""
    names = sorted(set(inspect(engine).get_table_names()) - BOOKKEEPING)
    with engine.connect() as connection:
        return [name for name in names
                if connection.scalar(select(exists().select_from(table(name, column("x")))))]


# SQLite


def _sqlite_file(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("An in-memory SQLite database has nothing to back up or restore.")
    return Path(url.database)


def _sqlite_connect(path: Path, read_only: bool = False) -> sqlite3.Connection:
    uri = f"{path.resolve().as_uri()}{'?mode=ro' if read_only else ''}"
    connection = sqlite3.connect(uri, uri=True, timeout=30, isolation_level=None)
    connection.execute("PRAGMA busy_timeout=30000")
    return connection


def _sqlite_backup(database: Path, target: Path) -> None:
    if not database.is_file():
        raise BackupError(f"There is no database at {database} to back up.")
    connection = _sqlite_connect(database, read_only=True)
    try:
        connection.execute("VACUUM INTO ?", (str(target),))
    except sqlite3.Error as error:
        raise BackupError(f"SQLite could not write the backup to {target}: {error}.") from None
    finally:
        connection.close()


def _check_sqlite_backup(path: Path) -> None:
    not_ours = (f"{path} is not a SQLite backup of facilitator. (A backup made from "
                "PostgreSQL restores only into PostgreSQL.)")
    try:
        connection = _sqlite_connect(path, read_only=True)
        try:
            verdict = connection.execute("PRAGMA integrity_check").fetchone()[0]
            tables = {row[0] for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            connection.close()
    except sqlite3.DatabaseError:
        raise BackupError(not_ours) from None
    if verdict != "ok":
        raise BackupError(f"{path} is damaged (SQLite's integrity check: {verdict}); "
                          "nothing was restored.")
    if "alembic_version" not in tables:
        raise BackupError(not_ours)


def _sqlite_restore(backup_file: Path, database: Path) -> None:
    source = _sqlite_connect(backup_file, read_only=True)
    target = sqlite3.connect(database, timeout=30, isolation_level=None)
    try:
        source.backup(target)
    except sqlite3.Error as error:
        raise BackupError(f"SQLite could not restore into {database}: {error}.") from None
    finally:
        source.close()
        target.close()


# PostgreSQL


def _pg_tool(engine: Engine, name: str) -> str:
    """The client tool of the server's major version (pg_dump refuses newer servers)."""
    with engine.connect():
        version = engine.dialect.server_version_info
    if version is None or not isinstance(version[0], int):
        raise BackupError(f"PostgreSQL did not say its version: {version!r}")
    major = version[0]
    versions = sorted((int(d.name), d / "bin" / name) for d in POSTGRES_LIBS.glob("*")
                      if d.name.isdigit() and (d / "bin" / name).exists())
    for tool_major, tool in versions:
        if tool_major >= major:
            return str(tool)
    if not versions and (found := shutil.which(name)):
        return found
    raise BackupError(f"{name} for PostgreSQL {major} was not found; install "
                      f"postgresql-client-{major} (apt-get install postgresql-client-{major}).")


def _pg_connection(url: URL) -> list[str]:
    """Connection options for the client tools; the password goes by environment."""
    options = [f"--dbname={url.database}"]
    host = url.host or url.query.get("host")
    if host:
        options.append(f"--host={host}")
    if url.port:
        options.append(f"--port={url.port}")
    if url.username:
        options.append(f"--username={url.username}")
    return options


def _run(*command: str, what: str, password: str | None = None,
         stdin: bytes | None = None) -> bytes:
    env = os.environ | ({"PGPASSWORD": password} if password else {})
    result = subprocess.run(command, input=stdin, capture_output=True, env=env,  # noqa: S603
                            check=False)
    if result.returncode != 0:
        detail = result.stderr.decode(errors="replace").strip().splitlines()
        raise BackupError(f"{what} failed: {detail[0] if detail else 'no message'}")
    return result.stdout


def _check_pg_backup(engine: Engine, path: Path) -> None:
    try:
        _run(_pg_tool(engine, "pg_restore"), "--list", str(path), what="pg_restore")
    except BackupError:
        raise BackupError(f"{path} is not a PostgreSQL backup (pg_dump's custom format). "
                          "(A backup made from SQLite restores only into SQLite.)") from None


def _pg_restore(engine: Engine, path: Path) -> None:
    password = engine.url.password
    script = _run(_pg_tool(engine, "pg_restore"), "--no-owner", "--no-privileges",
                  "--file=-", str(path), what="pg_restore")
    # One transaction: the old schema goes only if the whole backup comes in.
    replace = b"DROP SCHEMA IF EXISTS public CASCADE;\nCREATE SCHEMA public;\n"
    _run(_pg_tool(engine, "psql"), "--no-psqlrc", "--quiet", "--single-transaction",
         "--set=ON_ERROR_STOP=1", *_pg_connection(engine.url),
         what="Restoring (nothing was changed)", password=password, stdin=replace + script)
