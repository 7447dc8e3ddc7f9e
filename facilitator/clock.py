"""The one place the app asks what day it is.

Meetings follow local time, so "today" is always today somewhere: in a meeting's or an
organization's zone, never the server's. Tests replace `now` (or `today_in`) to fix it.
"""

from __future__ import annotations

from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
from time import monotonic as _monotonic
from zoneinfo import ZoneInfo


def today_in(zone: str) -> date:
    """Today's date on the wall clocks of the IANA zone `zone`."""
    return now().astimezone(ZoneInfo(zone)).date()


def start_of_today_in(zone: str) -> datetime:
    """Midnight today in `zone`: "now" for what is printed, which should not change
    between the morning and the evening of one day."""
    return datetime.combine(today_in(zone), time.min, ZoneInfo(zone))


def now() -> datetime:
    """This instant, timezone-aware, in UTC."""
    return datetime.now(UTC)


def this_hour() -> datetime:
    """The start of this hour, in UTC: for stamps on what a member's tap changes. To the
    microsecond, a stamp beside a door camera or another log could say which person it
    was; to the hour it says no more than that the meeting took place."""
    return now().astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def monotonic() -> float:
    """Seconds since some fixed moment, never going back: for how long work has taken
    (a long import saying how far it got), not for what time it is."""
    return _monotonic()
