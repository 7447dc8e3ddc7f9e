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


#: Zones most of our organizations are in, offered before the whole list.
COMMON_TIMEZONES = (
    "America/New_York", "America/Chicago", "America/Denver", "America/Phoenix",
    "America/Los_Angeles", "America/Anchorage", "Pacific/Honolulu", "America/Puerto_Rico",
    "America/Halifax", "America/St_Johns", "America/Toronto", "America/Winnipeg",
    "America/Edmonton", "America/Vancouver", "America/Mexico_City", "Europe/London",
    "Europe/Dublin", "Europe/Paris", "Europe/Berlin", "Australia/Sydney",
    "Pacific/Auckland",
)


def timezone_groups(first: str, current: str = "") -> list[tuple[str, list[str]]]:
    """The zones a form offers, in groups: the organization's own zone (and the one
    already chosen, if it differs), the common ones, then every zone. A zone outside the
    usual list (like "UTC") is still offered when it is the one chosen, so saving a form
    unchanged never changes its zone."""
    own = [zone for zone in dict.fromkeys((first, current)) if is_valid_timezone(zone)]
    common = [zone for zone in COMMON_TIMEZONES if zone not in own]
    # Each zone once: a list read aloud should not name a zone twice.
    others = [zone for zone in timezone_choices() if zone not in own and zone not in common]
    return [("Your organization's zone" if own == [first] else "This zone and your "
             "organization's", own),
            ("Common zones", common), ("Every other zone", others)]


def other_zone(asked: str | None, own: str) -> str | None:
    """`asked` when it is a zone we know and not `own`; None otherwise (a printed list's
    zone choice: anything else is ignored, like the other filters)."""
    asked = (asked or "").strip()
    return asked if asked != own and is_valid_timezone(asked) else None
