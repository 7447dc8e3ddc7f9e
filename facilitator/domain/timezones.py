"""IANA time zones: meetings follow local time, so the zone name must be a real one."""

from __future__ import annotations

import zoneinfo
from functools import cache


@cache
def all_timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def is_valid_timezone(name: str) -> bool:
    return name in all_timezones()


def timezone_choices() -> list[str]:
    """Zones offered in forms: the Area/Location names people recognise, sorted."""
    return sorted(z for z in all_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV")))
