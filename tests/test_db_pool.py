"""PostgreSQL connections from the pool: tested before use after a pause, not on every
request (db.PING_AFTER_IDLE_SECONDS), and one-statement reads in autocommit
(Database.read_one): what a cached feed or a check-in costs in round trips."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from sqlalchemy import Engine
from sqlalchemy import text

from facilitator import clock
from facilitator import db
from facilitator.db import Database
from facilitator.db import make_engine

@pytest.fixture
def engine(postgres_server, request: pytest.FixtureRequest) -> Iterator[Engine]:
    engine = make_engine(postgres_server.create_database(f"pool_{request.node.name[:40]}"))
    yield engine
    engine.dispose()


@pytest.fixture
def pings(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The pings the pool sends, counted."""
    sent: list[int] = []
    ping = engine.dialect.do_ping

    def counted(dbapi_connection: Any) -> bool:
        sent.append(1)
        return ping(dbapi_connection)

    monkeypatch.setattr(engine.dialect, "do_ping", counted)
    return sent


def _backend(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT pg_backend_pid()")).scalar_one()


def _later(monkeypatch: pytest.MonkeyPatch, seconds: float) -> None:
    now = clock.monotonic()
    monkeypatch.setattr(clock, "monotonic", lambda: now + seconds)


def test_a_connection_dropped_while_idle_is_replaced_before_a_request_uses_it(
        engine, pings, monkeypatch):
    """The server ended the pooled connection (a restart, a firewall) while nobody
    used it: the next request gets a working one, not an error."""
    first = _backend(engine)
    with psycopg.connect(engine.url.set(drivername="postgresql").render_as_string(
            hide_password=False), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [first])
    _later(monkeypatch, db.PING_AFTER_IDLE_SECONDS + 1)
    assert _backend(engine) != first
    assert pings == [1]


def test_a_connection_in_steady_use_is_handed_out_without_a_ping(engine, pings):
    """A busy worker's connection is back in the pool for milliseconds between
    requests: testing it each time was a round trip on every request."""
    backends = {_backend(engine) for _ in range(5)}
    assert len(backends) == 1
    assert pings == []


def test_a_read_on_a_hot_path_begins_no_transaction(engine):
    """read_one: the statement is its own transaction, without BEGIN and ROLLBACK
    round trips around it, and sees what was committed."""
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE versions (n integer)"))
        connection.execute(text("INSERT INTO versions VALUES (7)"))
    database = Database(engine.url.render_as_string(hide_password=False))
    try:
        with database.read_one() as connection:
            assert connection.execute(text("SELECT n FROM versions")).scalar_one() == 7
            raw = connection.connection.dbapi_connection
            assert raw is not None
            assert raw.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
        with database.engine.connect() as connection:  # the same connection, back as it was
            connection.execute(text("SELECT 1"))
            raw = connection.connection.dbapi_connection
            assert raw is not None
            assert raw.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS
    finally:
        database.engine.dispose()
