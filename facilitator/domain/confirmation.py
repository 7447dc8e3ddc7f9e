"""When a group's listing was last confirmed, and what that says about it now.

Pure: no Flask, no database. It takes plain values, "today" included, and returns values.

Out-of-date listings send newcomers to locked doors, so every group carries the instant
its listing was last confirmed: a facilitator saying "nothing changed", a save of its
meetings on the manage pages, or the `updated` of the feed it was imported from. Its
date is read in the organization's zone. The org sets two periods:

- `remind_after_days` (default 90): from that many days after the confirmation the
  group is marked for the org's admins and its facilitators are reminded;
- `out_of_date_after_days` (default 90): that many days after the reminder begins, the
  public pages say the details may be out of date.

Both ends are whole days: confirmed on 1 March with 90 days, the group is due on
30 May (1 March + 90 days) and not on 29 May.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import timedelta
from zoneinfo import ZoneInfo

from facilitator.domain.languages import N_

DEFAULT_REMIND_AFTER_DAYS = 90
DEFAULT_OUT_OF_DATE_AFTER_DAYS = 90
#: The longest period an org may choose: beyond two years a listing says nothing.
MAX_DAYS = 730


class State(enum.StrEnum):
    """How a listing stands. The label is said in words, never by colour alone."""

    label: str

    def __new__(cls, value: str, label: str) -> State:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

    CONFIRMED = "confirmed", N_("Confirmed")
    DUE = "due", N_("Confirmation due")
    OUT_OF_DATE = "out-of-date", N_("May be out of date")


@dataclass(frozen=True)
class Rule:
    """An organization's two periods, in days."""

    remind_after_days: int = DEFAULT_REMIND_AFTER_DAYS
    out_of_date_after_days: int = DEFAULT_OUT_OF_DATE_AFTER_DAYS

    def due_on(self, confirmed_on: date) -> date:
        """The first day the group is marked for admins and its leaders reminded."""
        return confirmed_on + timedelta(days=self.remind_after_days)

    def out_of_date_on(self, confirmed_on: date) -> date:
        """The first day the public pages say the details may be out of date."""
        return self.due_on(confirmed_on) + timedelta(days=self.out_of_date_after_days)

    def state(self, confirmed_on: date, today: date) -> State:
        if today >= self.out_of_date_on(confirmed_on):
            return State.OUT_OF_DATE
        if today >= self.due_on(confirmed_on):
            return State.DUE
        return State.CONFIRMED


@dataclass(frozen=True)
class Confirmation:
    """A listing's last confirmation as pages show it: its date in the org's zone and
    how it stands today."""

    confirmed_on: date
    state: State
    #: The day it becomes due (or became due).
    due_on: date

    @property
    def out_of_date(self) -> bool:
        return self.state is State.OUT_OF_DATE

    @property
    def due(self) -> bool:
        """Marked for admins and leaders: due or out of date."""
        return self.state is not State.CONFIRMED

    def days_overdue(self, today: date) -> int:
        return max(0, (today - self.due_on).days)


def confirmation(confirmed_at: datetime, zone: str, today: date, rule: Rule) -> Confirmation:
    """The listing confirmed at the instant `confirmed_at`, seen on `today` in `zone`."""
    confirmed_on = confirmed_at.astimezone(ZoneInfo(zone)).date()
    return Confirmation(confirmed_on, rule.state(confirmed_on, today), rule.due_on(confirmed_on))
