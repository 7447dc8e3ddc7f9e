"""Counting failures (sign-ins, token look-ups) per account and address, and members'
check-ins per occurrence and minute, in the database, so the limits hold across gunicorn
workers and servers.

A counter is a row per keyed hash (crypto.keyed_hash): no email or address is ever
stored. Counts only go up through one atomic INSERT … ON CONFLICT DO UPDATE, so
simultaneous failures are all counted. A window starts at its first failure and lasts
its limit's `window`; a key at its limit is refused until its window ends. Rows whose
window has ended are deleted whenever a failure is recorded, or a check-in starts a
window (`take` checks and counts in one statement).

Sign-ins are held to three counters (see `sign_in_hold`): the account from one address
(5 per 15 minutes), the address for any account (20), and the account from every
address (100 per hour). The last one only slows guessing down and never refuses the
account outright: otherwise anyone who knows a leader's email could keep them out.

Like other services these flush and never commit; unlike them they record nothing in
the audit log: a failed sign-in changes no one's data, and an entry would keep what
the counters take care not to keep.
"""

from __future__ import annotations

import enum
import functools
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from typing import cast

from sqlalchemy import ColumnElement
from sqlalchemy import Integer
from sqlalchemy import Table
from sqlalchemy import and_
from sqlalchemy import bindparam
from sqlalchemy import case
from sqlalchemy import delete
from sqlalchemy import literal
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert

from facilitator import crypto
from facilitator.models import ThrottleCounter

WINDOW = timedelta(minutes=15)
_TABLE = cast(Table, ThrottleCounter.__table__)


@dataclass(frozen=True)
class Limit:
    """At most `failures` per `window` for keys of one kind ("address", …)."""

    kind: str
    failures: int
    window: timedelta = WINDOW

    def key(self, secret: str, *values: str) -> str:
        # The hash's own separator joins the values; the address always comes last and
        # never holds one, so no email can be chosen to share another pair's key.
        return crypto.keyed_hash(secret, f"throttle:{self.kind}", "\x1f".join(values))


#: One account from one address: the owner's own typos, or one attacker's guesses.
PAIR = Limit("account-address", 5)
#: One address, whatever account it tries: bounds one machine guessing many emails.
ADDRESS = Limit("address", 20)
#: One account from every address together: bounds guessing from many machines.
ACCOUNT = Limit("account", 100, timedelta(hours=1))
#: Wrong capability links (check-in, feeds, invitations) from one address.
TOKEN_ADDRESS = Limit("token-address", 30)
#: Join pages that give a meeting's link and passcode, opened from one address: a
#: member opens a few, a shared network (a treatment centre's) some dozens; someone
#: collecting links for a whole directory is held to this many per window.
JOIN_ADDRESS = Limit("join-address", 40)
#: Change requests sent through one group's representative link: a secretary sends a
#: few; more within the hour are refused, and only counted (REP_LINK_REFUSED).
REP_LINK = Limit("rep-link", 20, timedelta(hours=1))
#: Requests refused from one representative link within its hour: a count, no content.
REP_LINK_REFUSED = Limit("rep-link-refused", 1_000_000, timedelta(hours=1))
#: Once ACCOUNT is reached, each address may fail this often per window for the account.
SLOWED_PAIR_FAILURES = 1
#: How long a row can be of use: ended windows of every kind are gone after this.
KEPT = max(limit.window for limit in (PAIR, ADDRESS, ACCOUNT, TOKEN_ADDRESS, JOIN_ADDRESS,
                                      REP_LINK, REP_LINK_REFUSED))


class SignInHold(enum.Enum):
    """Why a sign-in attempt is not tried."""

    #: This address has used up its tries, for this account or for all of them.
    HELD = "held"
    #: The account is being guessed from many addresses; this one has had its try.
    SLOWED = "slowed"


def failures(session: Session, checks: list[tuple[Limit, str]], *, now: datetime) -> list[int]:
    """The failures in each (limit, key)'s current window, in the order given."""
    rows = session.execute(
        select(ThrottleCounter.key_hash, ThrottleCounter.failures,
               ThrottleCounter.window_started_at)
        .where(ThrottleCounter.key_hash.in_([key for _, key in checks]))
    ).all()
    found = {key: (count, started) for key, count, started in rows}
    counts = []
    for limit, key in checks:
        count, started = found.get(key, (0, now))
        counts.append(count if started > now - limit.window else 0)
    return counts


def blocked(session: Session, checks: list[tuple[Limit, str]], *, now: datetime) -> bool:
    """Whether any of these (limit, key) pairs has used up its window."""
    counts = failures(session, checks, now=now)
    return any(count >= limit.failures for (limit, _), count in zip(checks, counts, strict=True))


def sign_in_hold(session: Session, *, pair: str, address: str, account: str,
                 now: datetime) -> SignInHold | None:
    """Whether a sign-in may be tried, given the keys of its pair, address and account.

    The account's own level never refuses by itself: it lowers what each address may
    try for it to one per window. The owner, from their own address, still has their
    try, and someone guessing from many addresses gets one guess per address per
    window instead of five.
    """
    pair_count, address_count, account_count = failures(
        session, [(PAIR, pair), (ADDRESS, address), (ACCOUNT, account)], now=now)
    if pair_count >= PAIR.failures or address_count >= ADDRESS.failures:
        return SignInHold.HELD
    if account_count >= ACCOUNT.failures and pair_count >= SLOWED_PAIR_FAILURES:
        return SignInHold.SLOWED
    return None


def record(session: Session, checks: list[tuple[Limit, str]], *, now: datetime) -> None:
    """Count one failure against each key, starting a new window where the last ended."""
    statement = _count(session.get_bind().dialect.name, within_limit=False)
    # One order everywhere: two requests never wait on each other.
    for limit, key in sorted(checks, key=lambda check: check[1]):
        session.execute(statement, take_parameters(limit, key, now))
    prune(session, now=now)


def take(session: Session, limit: Limit, key: str, *, now: datetime) -> bool:
    """Count one use (a member's check-in) against `key` if its window has room left,
    in one statement, so simultaneous uses never count past the limit; False, counting
    nothing, when the window is used up. Ended windows are pruned when a key starts a
    new one: once per window, not on every use."""
    count = session.execute(_count(session.get_bind().dialect.name, within_limit=True),
                            take_parameters(limit, key, now)).scalar()
    if count == 1:
        prune(session, now=now)
    return count is not None


def take_statement(dialect: str, *, only_if: ColumnElement[bool]) -> Insert:
    """The statement `take` runs, returning the key's new count, that also counts
    nothing (no row) when `only_if`, read by the same statement, does not hold: for a
    caller that makes it part of a statement of its own (a check-in counts its minute
    and itself in one); its parameters are `take_parameters`. Such a caller prunes as
    `take` does, when the count is 1."""
    return _counting(dialect, within_limit=True, only_if=only_if)


def take_parameters(limit: Limit, key: str, now: datetime) -> dict[str, object]:
    return {"key": key, "now": now, "cutoff": now - limit.window, "limit": limit.failures}


@functools.cache
def _count(dialect: str, *, within_limit: bool) -> Insert:
    """The INSERT … ON CONFLICT DO UPDATE that adds one to a key's window, or starts a
    new window where the last ended; with `within_limit`, only while the window has room
    (else it changes no row and returns none), returning the new count. Built once: a
    check-in runs it many times a second at a busy meeting."""
    return _counting(dialect, within_limit=within_limit)


def _counting(dialect: str, *, within_limit: bool,
              only_if: ColumnElement[bool] | None = None) -> Insert:
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    started = _TABLE.c.window_started_at
    now = bindparam("now", type_=started.type)
    ended = started <= bindparam("cutoff", type_=started.type)
    key = bindparam("key", type_=_TABLE.c.key_hash.type)
    statement = insert(_TABLE).values(key_hash=key, failures=1, window_started_at=now) \
        if only_if is None else insert(_TABLE).from_select(
            ["key_hash", "failures", "window_started_at"],
            select(key, literal(1, Integer), now).where(only_if))
    room = [or_(ended, _TABLE.c.failures < bindparam("limit"))] if within_limit else []
    conditions = [*room, *([] if only_if is None else [only_if])]
    statement = statement.on_conflict_do_update(
        index_elements=["key_hash"],
        set_={"failures": case((ended, 1), else_=_TABLE.c.failures + 1),
              "window_started_at": case((ended, now), else_=started)},
        where=and_(*conditions) if conditions else None,
    )
    return statement.returning(_TABLE.c.failures) if within_limit else statement


def forget(session: Session, key: str) -> None:
    """Drop a key's count (an account's from one address, after it signs in there)."""
    session.execute(delete(ThrottleCounter).where(ThrottleCounter.key_hash == key))


def prune(session: Session, *, now: datetime) -> None:
    """Delete the counters whose window has ended, whatever their kind: no row outlives
    the longest window (a hash does not tell its kind, so the longest is the bound)."""
    session.execute(_PRUNE, {"cutoff": now - KEPT})


#: Built once, on the table: the ORM's DELETE would first look for the deleted rows
#: among the session's objects, and a check-in prunes at each new minute of a meeting.
_PRUNE = delete(_TABLE).where(_TABLE.c.window_started_at
                              <= bindparam("cutoff", type_=_TABLE.c.window_started_at.type))
