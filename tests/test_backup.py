"""`backup PATH` and `restore PATH [--force]` on both databases, with writers at work."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections import defaultdict
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from facilitator import create_app
from facilitator import migrate
from facilitator.db import make_engine
from facilitator.models import AuditEntry
from facilitator.models import Organization
from facilitator.services import organizations
from tests.conftest import app_config

WRITERS = 3


@pytest.fixture
def cli(fresh_database_url):
    """Run a command against a database of its own (a new, migrated one by default)."""
    apps = []

    def run(*args: str, url: str | None = None):
        if url is None:
            url = fresh_database_url()
            migrate_to_newest(url)
        app = create_app(app_config(url))
        apps.append(app)
        return app.test_cli_runner().invoke(args=list(args)), url

    yield run
    for app in apps:
        app.extensions["facilitator.db"].engine.dispose()


def migrate_to_newest(url: str) -> None:
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()


class Writer(threading.Thread):
    """Creates organizations w<n>-1, w<n>-2, … one transaction each, until stopped.

    On SQLite a transaction that read before another writer committed cannot start
    writing ("database is locked"); like any client of SQLite it rolls back and tries
    again."""

    def __init__(self, url: str, n: int, stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self.engine, self.n, self.stop = make_engine(url), n, stop
        self.committed = 0
        self.error: Exception | None = None

    def run(self) -> None:
        try:
            with Session(self.engine) as session:
                while not self.stop.is_set():
                    row = self.committed + 1
                    try:
                        organizations.create_organization(
                            session, None, slug=f"w{self.n}-{row}",
                            name=f"Writer {self.n} row {row}", timezone="UTC")
                        session.commit()
                    except OperationalError as error:
                        if "database is locked" not in str(error):
                            raise
                        session.rollback()
                        continue
                    self.committed = row
        except Exception as error:  # reported by the test
            self.error = error
        finally:
            self.engine.dispose()


def wait_for(condition, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the writers made no progress"
        time.sleep(0.01)


def contents(url: str) -> tuple[dict[str, str], int]:
    """Each organization's name by slug, and the number of audit entries."""
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            orgs = session.execute(select(Organization.slug, Organization.name)).all()
            entries = session.scalar(select(func.count()).select_from(AuditEntry))
    finally:
        engine.dispose()
    return dict(orgs), entries


def rows_per_writer(names: dict[str, str]) -> dict[int, list[int]]:
    """The writers' rows, in order: slug w<n>-<row> → {n: [row, …]}."""
    rows: dict[int, list[int]] = defaultdict(list)
    for slug in names:
        writer, row = slug[1:].split("-")
        rows[int(writer)].append(int(row))
    return {w: sorted(r) for w, r in rows.items()}


def test_a_backup_taken_while_writers_work_restores_every_row(cli, tmp_path, backend):
    _, url = cli("db", "upgrade")
    stop = threading.Event()
    writers = [Writer(url, n, stop) for n in range(WRITERS)]
    for writer in writers:
        writer.start()
    try:
        wait_for(lambda: all(w.committed >= 5 for w in writers))
        result, _ = cli("backup", str(tmp_path / "during.backup"), url=url)
        assert result.exit_code == 0, result.output
        assert "Backup written to" in result.output
        after_backup = [w.committed for w in writers]
        wait_for(lambda: all(w.committed > n for w, n in zip(writers, after_backup, strict=True)))
    finally:
        stop.set()
        for writer in writers:
            writer.join(timeout=30)
    assert not [w.error for w in writers if w.error]

    result, restored_url = cli("restore", str(tmp_path / "during.backup"))
    assert result.exit_code == 0, result.output
    names, audit_entries = contents(restored_url)
    rows = rows_per_writer(names)
    # One moment's state: each writer's rows from its first to some last one, no gaps,
    # every name intact, and the audit entry of each, written in the same transaction.
    assert sorted(rows) == list(range(WRITERS))
    for numbers in rows.values():
        assert numbers == list(range(1, len(numbers) + 1))
        assert len(numbers) >= 5
    assert all(names[f"w{w}-{n}"] == f"Writer {w} row {n}" for w, ns in rows.items() for n in ns)
    assert audit_entries == len(names)
    # The writers went on after the backup, and the backup holds none of that.
    assert len(contents(url)[0]) > len(names)
    if backend == "sqlite":
        for database in (tmp_path / "during.backup", Path(restored_url.removeprefix("sqlite:///"))):
            with sqlite3.connect(database) as connection:
                assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    # The restored database is at the newest migration: the app runs on it as it is.
    engine = make_engine(restored_url)
    with engine.connect() as connection:
        version = connection.scalar(text("SELECT version_num FROM alembic_version"))
    engine.dispose()
    assert version == migrate.head_revision()


def test_restore_refuses_a_database_with_data_unless_forced(cli, tmp_path):
    _, url = cli("create-org", "kept", "--name", "Kept", "--timezone", "UTC")
    assert cli("backup", str(tmp_path / "one.backup"), url=url)[0].exit_code == 0
    cli("create-org", "later", "--name", "Later", "--timezone", "UTC", url=url)

    refused, _ = cli("restore", str(tmp_path / "one.backup"), url=url)
    assert refused.exit_code != 0
    assert "already holds data (in audit_entries, organizations)" in refused.output
    assert "--force" in refused.output
    assert "Traceback" not in refused.output
    assert set(contents(url)[0]) == {"kept", "later"}  # nothing changed

    forced, _ = cli("restore", "--force", str(tmp_path / "one.backup"), url=url)
    assert forced.exit_code == 0, forced.output
    assert set(contents(url)[0]) == {"kept"}  # as it was at the backup


def test_mistaken_paths_get_a_plain_message(cli, tmp_path):
    (tmp_path / "taken").write_text("an earlier backup")
    (tmp_path / "notes.txt").write_text("not a backup at all")
    cases = {
        ("backup", str(tmp_path / "no-such-folder" / "x.backup")): "does not exist",
        ("backup", str(tmp_path / "taken")): "already exists; a backup never overwrites",
        ("restore", str(tmp_path / "missing.backup")): "There is no backup file",
        ("restore", str(tmp_path / "notes.txt")): "is not a",
    }
    for args, message in cases.items():
        result, _ = cli(*args)
        assert result.exit_code != 0, args
        assert message in result.output, (args, result.output)
        assert result.exception is None or isinstance(result.exception, SystemExit)
    assert (tmp_path / "taken").read_text() == "an earlier backup"
