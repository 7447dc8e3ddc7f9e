"""Training compliance: is a leader current, expiring, expired or missing a requirement?

Pure: no Flask, no database. It takes plain values, "today" included, and returns values.

Decisions, and why:

- A completion counts up to and including its expiry date: a card that "expires
  15 March" is still good on 15 March. So "expiring today" is expiring, and "expired
  yesterday" is expired.
- The expiry is the completion date plus the type's validity in calendar months, as
  certificates print it; a day that does not exist in the target month becomes that
  month's last day (31 January + 1 month = 28 or 29 February; 29 February 2024 +
  12 months = 28 February 2025), as dateutil's relativedelta does. A date printed on
  the certificate overrides it. A type without validity never expires.
- "Expiring" means the expiry falls within the org's window (default 60 days), both
  ends included: today + 60 is expiring, today + 61 is current.
- Of several completions of one requirement, the one that lasts longest decides.
- Continuing education (e.g. 20 hours every 24 months): each completion's hours count
  while the completion has not expired (so a cycle is the type's validity, sliding).
  The leader is current while the hours that count reach the requirement; the due
  date is the day the hours would fall short, i.e. the expiry of the completion whose
  hours complete the requirement when the most lasting ones are counted first. Some
  hours but too few is "expired", with the hours shown, since the leader is not
  compliant; no completion ever is "missing".
- Verification: an admin or auditor marks a record verified once they saw its evidence.
  The org chooses whether records nobody verified yet count. When they count, a
  standing that only they make (the verified records alone would stand lower, or until
  an earlier day) says "not verified" beside its status. When they do not count, the
  standing is the verified records' alone, and says "a record awaits verification"
  when the unverified ones would better it. Either way the words tell the truth.
"""

from __future__ import annotations

import calendar
import enum
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from datetime import date
from datetime import timedelta

from facilitator.domain.languages import N_

DEFAULT_EXPIRING_DAYS = 60
#: Limits a person could mean; beyond them the input is a typo.
MAX_VALIDITY_MONTHS = 240
MAX_REQUIRED_HOURS = 1000
MAX_RECORD_HOURS = 500


class Status(enum.StrEnum):
    """How a leader stands against one requirement. The label is said in words, so the
    status never depends on colour alone."""

    label: str
    rank: int

    def __new__(cls, value: str, label: str, rank: int) -> Status:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        member.rank = rank
        return member

    # Rank: the worse, the lower; a leader's overall standing is their worst.
    MISSING = "missing", N_("Missing"), 0
    EXPIRED = "expired", N_("Expired"), 1
    EXPIRING = "expiring", N_("Expiring soon"), 2
    CURRENT = "current", N_("Current"), 3


@dataclass(frozen=True)
class Requirement:
    """A training type as the rules see it."""

    id: int
    name: str
    #: None: never expires (and, for hours, they count forever).
    validity_months: int | None
    #: Continuing education: hours needed while they count; None for a course.
    required_hours: int | None = None
    #: Role values whose holders must have it; empty: recorded but optional.
    roles: frozenset[str] = frozenset()

    def applies_to(self, roles: Iterable[str]) -> bool:
        return bool(self.roles & set(roles))


@dataclass(frozen=True)
class Completion:
    """One training record as the rules see it."""

    completed_on: date
    expires_on_override: date | None = None
    hours: float | None = None
    #: An admin or auditor saw its evidence.
    verified: bool = True


class Unverified(enum.StrEnum):
    """What records nobody verified yet do to a standing (see the module's docstring)."""

    #: The org counts them, and the standing rests on them.
    COUNTED = "counted"
    #: The org does not count them, and they would better the standing.
    WAITING = "waiting"


@dataclass(frozen=True)
class Standing:
    status: Status
    #: The last day the requirement is met; None when missing or when it never expires.
    due: date | None = None
    #: Continuing education: the hours that count today.
    hours: float | None = None
    required_hours: int | None = None
    #: None when verified records alone make this standing.
    unverified: Unverified | None = None

    @property
    def met(self) -> bool:
        return self.status in (Status.CURRENT, Status.EXPIRING)

    @property
    def verification(self) -> str:
        """What verification leaves open, in words; empty when nothing."""
        if self.unverified is Unverified.COUNTED:
            return N_("not verified")
        if self.unverified is Unverified.WAITING:
            return N_("a record awaits verification")
        return ""

    @property
    def label(self) -> str:
        """The status in words, with what verification leaves open."""
        return ", ".join(filter(None, (self.status.label, self.verification)))

    def days_left(self, today: date) -> int | None:
        return None if self.due is None else (self.due - today).days


def add_months(day: date, months: int) -> date:
    """The same day `months` calendar months later, or that month's last day (as
    dateutil's relativedelta adds months, in a tenth of its time: the matrix of an org
    of thousands of leaders adds months thousands of times)."""
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    return day.replace(year=year, month=month + 1,
                       day=min(day.day, calendar.monthrange(year, month + 1)[1]))


def expiry(completed_on: date, validity_months: int | None,
           override: date | None = None) -> date | None:
    """The last day a completion counts; None: it never expires."""
    if override is not None:
        return override
    if validity_months is None:
        return None
    return add_months(completed_on, validity_months)


def _status_by_due(due: date | None, today: date, expiring_days: int) -> Status:
    if due is None:
        return Status.CURRENT
    if due < today:
        return Status.EXPIRED
    if due <= today + timedelta(days=expiring_days):
        return Status.EXPIRING
    return Status.CURRENT


def _lasting(expires: date | None) -> tuple[int, date]:
    # Sorts "never expires" after every date.
    return (1, date.min) if expires is None else (0, expires)


def standing(requirement: Requirement, completions: Iterable[Completion], today: date,
             expiring_days: int = DEFAULT_EXPIRING_DAYS, *,
             unverified_count: bool = True) -> Standing:
    """How a leader with these completions stands against the requirement today, with
    or without the unverified ones (`unverified_count`, the org's choice).

    Completions dated after today are ignored (the service refuses them anyway)."""
    done = [c for c in completions if c.completed_on <= today]
    every = _standing(requirement, done, today, expiring_days)
    checked = [c for c in done if c.verified]
    # Most leaders' records are all verified or none: one standing serves both then.
    verified = every if len(checked) == len(done) else _standing(
        requirement, checked, today, expiring_days)
    chosen = every if unverified_count else verified
    # Hours alone change nothing a leader may do, and a lapsed training is not met
    # either way: only a current or expiring standing the verified records lack is news.
    if not every.met or (every.status, every.due) == (verified.status, verified.due):
        return chosen
    return replace(chosen, unverified=Unverified.COUNTED if unverified_count
                   else Unverified.WAITING)


def _standing(requirement: Requirement, done: list[Completion], today: date,
              expiring_days: int) -> Standing:
    if not done:
        return Standing(Status.MISSING, required_hours=requirement.required_hours)
    expiries = [expiry(c.completed_on, requirement.validity_months, c.expires_on_override)
                for c in done]
    if requirement.required_hours is None:
        due = max(expiries, key=_lasting)
        return Standing(_status_by_due(due, today, expiring_days), due)
    return _hours_standing(requirement, list(zip(done, expiries, strict=True)), today,
                           expiring_days)


def _hours_standing(requirement: Requirement, done: list[tuple[Completion, date | None]],
                    today: date, expiring_days: int) -> Standing:
    required = requirement.required_hours or 0
    counting = sorted(((c, e) for c, e in done if e is None or e >= today),
                      key=lambda pair: _lasting(pair[1]), reverse=True)
    hours = sum(c.hours or 0 for c, _ in counting)
    total = 0.0
    for completion, expires in counting:
        total += completion.hours or 0
        if total >= required:
            return Standing(_status_by_due(expires, today, expiring_days), expires,
                            hours, required)
    return Standing(Status.EXPIRED, None, hours, required)


@dataclass(frozen=True)
class Leader:
    id: int
    name: str
    roles: frozenset[str]


@dataclass(frozen=True)
class Row:
    """One leader's line of the compliance matrix."""

    leader: Leader
    #: By requirement id: the standing, or None where the requirement does not apply.
    cells: dict[int, Standing | None] = field(default_factory=dict)
    #: Leader agreement (documents): True signed the current version, False not signed,
    #: None no agreement exists. Only meaningful when the matrix has signatures.
    signed: bool | str | None = None

    @property
    def statuses(self) -> set[Status]:
        return {cell.status for cell in self.cells.values() if cell is not None}

    @property
    def worst(self) -> Status | None:
        return min(self.statuses, key=lambda s: s.rank, default=None)


def compliance_rows(
    leaders: Sequence[Leader],
    requirements: Sequence[Requirement],
    completions: Mapping[tuple[int, int], Sequence[Completion]],
    today: date,
    expiring_days: int = DEFAULT_EXPIRING_DAYS,
    signatures: Mapping[int, bool | str | None] | None = None,
    *,
    unverified_count: bool = True,
) -> list[Row]:
    """The matrix: a row per leader, a cell per requirement that applies to them.

    `completions` is keyed by (leader id, requirement id). `signatures` maps a leader's
    id to their leader-agreement status (see Row.signed); leaders it leaves out count
    as not signed when it is given.
    """
    rows = []
    for leader in leaders:
        cells: dict[int, Standing | None] = {}
        for requirement in requirements:
            if requirement.applies_to(leader.roles):
                cells[requirement.id] = standing(
                    requirement, completions.get((leader.id, requirement.id), ()), today,
                    expiring_days, unverified_count=unverified_count)
            else:
                cells[requirement.id] = None
        signed = signatures.get(leader.id, False) if signatures else None
        rows.append(Row(leader, cells, signed))
    return rows


def filter_rows(rows: Iterable[Row], status: Status | None = None,
                requirement_id: int | None = None) -> list[Row]:
    """Rows with a cell of that status (in that requirement, when one is given)."""
    kept = []
    for row in rows:
        chosen = [row.cells.get(requirement_id)] if requirement_id else row.cells.values()
        cells = [c for c in chosen if c is not None]
        if requirement_id and not cells:
            continue
        if status is not None and not any(c.status is status for c in cells):
            continue
        kept.append(row)
    return kept
