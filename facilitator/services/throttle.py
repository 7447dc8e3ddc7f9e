"""Counting failures (sign-ins, token look-ups) per account and per address, in the
database, so the limits hold across gunicorn workers and servers.

A counter is a row per keyed hash (crypto.keyed_hash): no email or address is ever
stored. Counts only go up through one atomic INSERT … ON CONFLICT DO UPDATE, so
simultaneous failures are all counted. A window starts at its first failure and lasts
WINDOW; a key at its limit is refused until its window ends. Rows of ended windows are
deleted whenever a failure is recorded.

Like other services these flush and never commit; unlike them they record nothing in
the audit log: a failed sign-in changes no one's data, and an entry would keep what
the counters take care not to keep.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta

from sqlalchemy import bindparam
from sqlalchemy import case
from sqlalchemy import delete
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from facilitator import crypto
from facilitator.models import ThrottleCounter

WINDOW = timedelta(minutes=15)
_TABLE = ThrottleCounter.__table__


@dataclass(frozen=True)
class Limit:
    """At most `failures` per WINDOW for keys of one kind ("account", "address", …)."""

    kind: str
    failures: int

    def key(self, secret: str, value: str) -> str:
        return crypto.keyed_hash(secret, f"throttle:{self.kind}", value)


ACCOUNT = Limit("account", 5)
ADDRESS = Limit("address", 20)
#: Wrong capability links (check-in, feeds, invitations) from one address.
TOKEN_ADDRESS = Limit("token-address", 30)


def blocked(session: Session, checks: list[tuple[Limit, str]], *, now: datetime) -> bool:
    """Whether any of these (limit, key) pairs has used up its window."""
    rows = session.execute(
        select(ThrottleCounter.key_hash, ThrottleCounter.failures)
        .where(ThrottleCounter.key_hash.in_([key for _, key in checks]),
               ThrottleCounter.window_started_at > now - WINDOW)
    ).all()
    counts = dict(rows)
    return any(counts.get(key, 0) >= limit.failures for limit, key in checks)


def record_failure(session: Session, keys: list[str], *, now: datetime) -> None:
    """Count one failure against each key, starting a new window where the last ended."""
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" \
        else sqlite_insert
    started = _TABLE.c.window_started_at
    ended = started <= bindparam("cutoff", now - WINDOW, type_=started.type)
    restart = bindparam("restart", now, type_=started.type)
    for key in sorted(keys):  # one order everywhere: two requests never wait on each other
        statement = insert(_TABLE).values(key_hash=key, failures=1, window_started_at=now)
        session.execute(statement.on_conflict_do_update(
            index_elements=["key_hash"],
            set_={"failures": case((ended, 1), else_=_TABLE.c.failures + 1),
                  "window_started_at": case((ended, restart), else_=started)},
        ))
    prune(session, now=now)


def forget(session: Session, key: str) -> None:
    """Drop a key's count (an account's, after it signs in)."""
    session.execute(delete(ThrottleCounter).where(ThrottleCounter.key_hash == key))


def prune(session: Session, *, now: datetime) -> None:
    """Delete the counters whose window has ended: they must not outlive it."""
    session.execute(delete(ThrottleCounter)
                    .where(ThrottleCounter.window_started_at <= now - WINDOW))
