"""Login throttling and failed token look-ups: counted in the database, per keyed hash."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from facilitator import clock
from facilitator import crypto
from facilitator.db import make_engine
from facilitator.domain.choices import Role
from facilitator.models import ThrottleCounter
from facilitator.services import feeds
from facilitator.services import throttle
from facilitator.throttling import LINKS_THROTTLED
from facilitator.throttling import LOGIN_SLOWED
from facilitator.throttling import LOGIN_THROTTLED
from facilitator.views.auth import LOGIN_FAILED
from tests.conftest import PASSWORD
from tests.conftest import page_text

START = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.fixture
def moment(monkeypatch):
    """The clock, stopped at START; set moment[0] to move it."""
    now = [START]
    monkeypatch.setattr(clock, "now", lambda: now[0])
    return now


@pytest.fixture(autouse=True)
def quick_hashes(monkeypatch):
    """These tests count failures, not hashes: skip argon2's deliberate 0.1 s each."""
    monkeypatch.setattr(crypto, "verify_password",
                        lambda password_hash, password: bool(password_hash)
                        and password == PASSWORD)


@pytest.fixture
def leader(make_org, make_user):
    return make_user(make_org(), Role.FACILITATOR, email="leader@example.org")


WRONG = "wrong password here"


def login(client, email, password=WRONG, address="192.0.2.1"):
    return client.post("/login", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": address})


@pytest.mark.parametrize("email", ["leader@example.org", "nobody@example.org"])
def test_five_failures_hold_an_account_only_from_that_address(client, leader, moment, email):
    for _ in range(5):
        response = login(client, email)
        assert response.status_code == 200 and LOGIN_FAILED in page_text(response)
    held = login(client, email.upper(), PASSWORD)  # even the right password, any case
    assert held.status_code == 429
    assert LOGIN_THROTTLED in page_text(held)
    assert held.headers["Retry-After"] == "900"
    # Other accounts from the same address are not held, nor this one from elsewhere.
    assert login(client, "someone.else@example.org").status_code == 200
    if email == leader.email:
        assert login(client, email, PASSWORD, address="203.0.113.5").location == "/manage/"
        client.post("/logout")
    else:
        assert login(client, email, address="203.0.113.5").status_code == 200
    moment[0] = START + timedelta(minutes=15, seconds=1)
    if email == leader.email:
        assert login(client, email, PASSWORD).location == "/manage/"
    else:
        assert login(client, email).status_code == 200


def test_someone_who_knows_the_email_cannot_keep_its_owner_out(client, leader, moment):
    """Five wrong passwords every 15 minutes, from one address or from twenty: the owner,
    from their own address, signs in each time with their password."""
    for round_ in range(5):
        moment[0] = START + round_ * timedelta(minutes=15, seconds=1)
        for n in range(20):
            for _ in range(5):
                login(client, leader.email, address=f"198.51.100.{n}")
            assert login(client, leader.email, PASSWORD,
                         address=f"198.51.100.{n}").status_code == 429
        signed_in = login(client, leader.email, PASSWORD, address="192.0.2.44")
        assert signed_in.location == "/manage/", round_
        client.post("/logout")


def test_known_and_unknown_accounts_read_the_same_when_held(client, leader, moment):
    pages = []
    for email in (leader.email, "nobody@example.org"):
        for _ in range(5):
            login(client, email)
        pages.append(page_text(login(client, email)).replace(email, "EMAIL"))
    assert pages[0] == pages[1]


def test_twenty_failures_hold_an_address(client, leader, moment):
    for n in range(20):
        assert login(client, f"guess{n}@example.org", address="198.51.100.7").status_code == 200
    held = login(client, leader.email, PASSWORD, address="198.51.100.7")
    assert held.status_code == 429 and LOGIN_THROTTLED in page_text(held)
    assert login(client, leader.email, PASSWORD, address="203.0.113.5").location == "/manage/"


def guess_from_twenty_addresses(client, email):
    """100 wrong passwords for one email, five from each of twenty addresses: the most
    those addresses may try before each is held."""
    for n in range(20):
        for _ in range(5):
            assert login(client, email, address=f"198.51.100.{n}").status_code == 200


@pytest.mark.parametrize("email", ["leader@example.org", "nobody@example.org"])
def test_guessing_an_account_from_many_addresses_is_slowed_not_refused(client, leader, moment,
                                                                        email):
    guess_from_twenty_addresses(client, email)
    # A new address now gets one try for this account per 15 minutes, not five…
    assert login(client, email, address="203.0.113.1").status_code == 200
    slowed = login(client, email, PASSWORD, address="203.0.113.1")
    assert slowed.status_code == 429
    assert LOGIN_SLOWED in page_text(slowed) and LOGIN_THROTTLED not in page_text(slowed)
    assert slowed.headers["Retry-After"] == "900"
    # …and so does an address whose own window has ended, for the rest of the hour.
    moment[0] = START + timedelta(minutes=16)
    assert login(client, email, address="198.51.100.0").status_code == 200
    assert login(client, email, address="198.51.100.0").status_code == 429
    # The owner's one try, from their own address, is enough with the right password.
    if email == leader.email:
        assert login(client, email, PASSWORD, address="192.0.2.44").location == "/manage/"
        client.post("/logout")
    # Other accounts are not slowed.
    for _ in range(5):
        assert login(client, "someone.else@example.org", address="203.0.113.2") \
            .status_code == 200
    # An hour after the guessing began, each address has its five tries again.
    moment[0] = START + timedelta(hours=1, seconds=1)
    for _ in range(5):
        assert login(client, email, address="203.0.113.3").status_code == 200
    assert login(client, email, address="203.0.113.3").status_code == 429


def test_known_and_unknown_accounts_read_the_same_when_slowed(client, leader, moment):
    pages = []
    for n, email in enumerate((leader.email, "nobody@example.org")):
        guess_from_twenty_addresses(client, email)
        login(client, email, address=f"203.0.113.{n}")
        pages.append(page_text(login(client, email, address=f"203.0.113.{n}"))
                     .replace(email, "EMAIL"))
    assert LOGIN_SLOWED in pages[0]
    assert pages[0] == pages[1]


def test_signing_in_clears_the_accounts_count_from_that_address(client, leader, moment):
    for _ in range(4):
        login(client, leader.email)
    assert login(client, leader.email, PASSWORD).location == "/manage/"
    client.post("/logout")
    for _ in range(5):
        assert login(client, leader.email).status_code == 200
    assert login(client, leader.email).status_code == 429


def test_counters_keep_no_email_or_address_and_no_stale_rows(client, leader, moment, session):
    login(client, leader.email, address="192.0.2.99")
    rows = session.scalars(select(ThrottleCounter)).all()
    assert len(rows) == 3  # this email from this address, the address, the email
    for row in rows:
        assert len(row.key_hash) == 64
        assert "leader" not in row.key_hash and "192.0.2.99" not in row.key_hash
        assert row.key_hash != throttle.ACCOUNT.key("another secret", leader.email)
    moment[0] = START + timedelta(hours=1, seconds=1)
    login(client, "other@example.org", address="192.0.2.100")
    session.expire_all()
    assert len(session.scalars(select(ThrottleCounter)).all()) == 3  # the old three are gone


@pytest.mark.parametrize("limit", [throttle.PAIR, throttle.ACCOUNT])
def test_counts_add_up_and_windows_restart(session, moment, limit):
    key = limit.key("k", "x@example.org")
    for _ in range(limit.failures + 2):
        throttle.record(session, [(limit, key)], now=START)
    assert session.scalar(select(ThrottleCounter.failures)) == limit.failures + 2
    assert throttle.blocked(session, [(limit, key)], now=START + limit.window
                            - timedelta(seconds=1))
    later = START + limit.window
    assert not throttle.blocked(session, [(limit, key)], now=later)
    throttle.record(session, [(limit, key)], now=later)
    session.expire_all()
    row = session.scalar(select(ThrottleCounter))
    assert (row.failures, row.window_started_at) == (1, later)
    session.rollback()


@pytest.mark.parametrize("path", ["/c/{}", "/feeds/{}.ics", "/invite/{}"])
def test_wrong_links_are_throttled_per_address(client, moment, path):
    for n in range(throttle.TOKEN_ADDRESS.failures):
        response = client.get(path.format(f"wrong{n}"), environ_base={"REMOTE_ADDR": "192.0.2.8"})
        assert response.status_code == 404
    held = client.get(path.format("another"), environ_base={"REMOTE_ADDR": "192.0.2.8"})
    assert held.status_code == 429
    assert LINKS_THROTTLED in page_text(held)
    assert held.headers["Retry-After"] == "900"
    assert client.get(path.format("x"), environ_base={"REMOTE_ADDR": "192.0.2.9"}) \
        .status_code == 404


def at_once(database_url: str, key: str, workers: int,
            work: Callable[[Session], bool | None]) -> tuple[list[bool | None], int | None]:
    """`work` run by `workers` threads at once, each on its own connection and
    transaction, as gunicorn workers on several servers would; what each returned and
    the key's count afterwards."""
    engine = make_engine(database_url, pool_size=10, max_overflow=workers) \
        if not database_url.startswith("sqlite") else make_engine(database_url)
    start = threading.Barrier(workers)
    results: list[bool | None] = []

    def run() -> None:
        with Session(engine) as session:
            start.wait()
            results.append(work(session))
            session.commit()

    try:
        threads = [threading.Thread(target=run) for _ in range(workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        with Session(engine) as session:
            count = session.scalar(select(ThrottleCounter.failures)
                                   .where(ThrottleCounter.key_hash == key))
        return results, count
    finally:
        with Session(engine) as session:
            throttle.forget(session, key)
            session.commit()
        engine.dispose()


def test_simultaneous_failures_are_all_counted(database_url):
    """Twenty workers failing at once: the count is exactly twenty."""
    key = throttle.ADDRESS.key("concurrency", f"test-{id(database_url)}")
    _, count = at_once(database_url, key, 20, lambda session: throttle.record(
        session, [(throttle.ADDRESS, key)], now=clock.now()))
    assert count == 20


def test_take_counts_up_to_the_limit_and_nothing_past_it(session, moment):
    limit = throttle.Limit("test", 3, timedelta(minutes=1))
    key, other = limit.key("k", "occurrence"), limit.key("k", "another occurrence")
    assert [throttle.take(session, limit, key, now=START) for _ in range(5)] \
        == [True, True, True, False, False]
    assert session.scalar(select(ThrottleCounter.failures)) == 3
    assert throttle.take(session, limit, other, now=START)
    # The next minute starts a new window.
    assert throttle.take(session, limit, key, now=START + limit.window)
    assert session.scalar(select(ThrottleCounter.failures)
                          .where(ThrottleCounter.key_hash == key)) == 1
    # A window started later than any row may be kept prunes the other key's row.
    later = START + throttle.KEPT
    assert throttle.take(session, limit, key, now=later)
    session.expire_all()
    rows = session.execute(select(ThrottleCounter.key_hash, ThrottleCounter.failures)).all()
    assert rows == [(key, 1)]
    session.rollback()


def test_simultaneous_takes_stop_exactly_at_the_limit(database_url):
    """Forty at once against a limit of thirty: thirty are taken, ten refused."""
    limit = throttle.Limit("test", 30, timedelta(minutes=1))
    key = limit.key("concurrency", f"take-{id(database_url)}")
    results, count = at_once(database_url, key, 40, lambda session: throttle.take(
        session, limit, key, now=clock.now()))
    assert (results.count(True), results.count(False), count) == (30, 10, 30)


def test_a_link_that_works_is_served_even_from_a_held_address(client, make_org, make_group,
                                                               session, moment):
    group = make_group(make_org(), visibility="private")
    token = feeds.rotate_feed_token(session, None, group)
    session.commit()
    for n in range(throttle.TOKEN_ADDRESS.failures):
        client.get(f"/feeds/wrong{n}.ics", environ_base={"REMOTE_ADDR": "192.0.2.8"})
    assert client.get("/feeds/wrong-again.ics",
                      environ_base={"REMOTE_ADDR": "192.0.2.8"}).status_code == 429
    assert client.get(f"/feeds/{token}.ics",
                      environ_base={"REMOTE_ADDR": "192.0.2.8"}).status_code == 200
