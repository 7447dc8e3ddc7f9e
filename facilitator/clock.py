"""The one place the app asks what day it is.

Meetings follow local time, so "today" is always today somewhere: in a meeting's or an
organization's zone, never the server's. Tests replace `now` (or `today_in`) to fix it.
"""

from __future__ import annotations

from datetime import UTC
from datetime import date
from datetime import datetime
from zoneinfo import ZoneInfo


def today_in(zone: str) -> date:
    """Today's date on the wall clocks of the IANA zone `zone`."""
    return now().astimezone(ZoneInfo(zone)).date()


def now() -> datetime:
    """This instant, timezone-aware, in UTC."""
    return datetime.now(UTC)
