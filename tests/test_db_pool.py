"""PostgreSQL connections from the pool: tested before use after a pause, not on every
request (db.PING_AFTER_IDLE_SECONDS), and reads in autocommit (Database.read_one,
db.reads_in_autocommit): what a cached feed or a check-in costs in round trips."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import psycopg
import pytest
from flask import Flask
from sqlalchemy import Engine
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import text

from facilitator import clock
from facilitator import db
from facilitator.db import Database
from facilitator.db import get_session
from facilitator.db import make_engine
from facilitator.domain.meeting import MeetingValues
from facilitator.domain.recurrence import Recurrence
from facilitator.models import Headcount
from facilitator.models import Organization
from facilitator.models import ThrottleCounter
from facilitator.services import headcounts
from facilitator.services import meetings
from facilitator.services import organizations
from facilitator.services import throttle
from tests.conftest import app_of_its_own
from tests.conftest import page_text


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


@pytest.fixture
def pooled_app(postgres_server, request: pytest.FixtureRequest) -> Iterator[Flask]:
    """The app on a database of its own, through its own pool as in production (the
    other tests' apps share one connection in a transaction, where nothing runs in
    autocommit)."""
    with app_of_its_own(postgres_server.create_database(
            f"pooled_{request.node.name[:40]}")) as app:
        yield app


def test_a_check_in_page_read_in_autocommit_still_counts_taps_and_wrong_links(pooled_app):
    """The check-in page reads in autocommit (db.reads_in_autocommit): the tap it
    leads to is counted, and a wrong link's miss is still counted against the address."""
    started = clock.now() - timedelta(minutes=10)
    with pooled_app.app_context():
        session = get_session()
        org = organizations.create_organization(session, None, slug="pool", name="Pool",
                                                timezone="UTC")
        group = organizations.create_group(session, None, org, slug="pool", name="Pool",
                                           program="aa")
        meeting = meetings.create_meeting(session, None, group, MeetingValues(
            title="Now", recurrence=Recurrence.once(), first_date=started.date(),
            start_time=started.time().replace(second=0, microsecond=0),
            duration_minutes=120, timezone="UTC", location_name="Hall"))
        session.commit()
        token = headcounts.checkin_token(pooled_app.config["SECRET_KEY"], meeting)
    client = pooled_app.test_client()
    page = client.get(f"/c/{token}")
    assert page.status_code == 200
    assert "Now" in page_text(page)
    tapped = client.post(f"/c/{token}")
    assert tapped.status_code == 303
    assert "You are checked in" in page_text(client.get(tapped.headers["Location"]))
    assert client.get(f"/c/{token[:-2]}xx").status_code == 404
    with pooled_app.app_context():
        session = get_session()
        assert session.scalar(select(func.sum(Headcount.checkins))) == 1
        miss = throttle.TOKEN_ADDRESS.key(pooled_app.config["SECRET_KEY"], "127.0.0.1")
        assert session.scalar(select(ThrottleCounter.failures).where(
            ThrottleCounter.key_hash == miss)) == 1


def test_a_write_after_reads_in_autocommit_is_all_or_nothing(pooled_app):
    """A request that began reading in autocommit and then saves (a wrong link's count,
    say) gets a transaction of its own: a write that fails half-way leaves nothing."""
    with pooled_app.app_context():
        session = get_session()
        organizations.create_organization(session, None, slug="kept", name="Kept",
                                          timezone="UTC")
        session.commit()
    with pooled_app.app_context():
        session = db.reads_in_autocommit(get_session())
        assert session.scalar(select(func.count()).select_from(Organization)) == 1
        with pytest.raises(RuntimeError), db.write_transaction(session):
            organizations.create_organization(session, None, slug="half", name="Half",
                                              timezone="UTC")
            session.flush()
            raise RuntimeError("the second half of the change fails")
        assert session.scalar(select(func.count()).select_from(Organization)) == 1
        with db.write_transaction(session):  # and the next write is saved as usual
            organizations.create_organization(session, None, slug="whole", name="Whole",
                                              timezone="UTC")
    with pooled_app.app_context():
        assert sorted(get_session().scalars(select(Organization.slug))) == ["kept", "whole"]
