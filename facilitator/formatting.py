"""How times and dates read on pages and handouts: one place, so every page agrees."""

from __future__ import annotations

from datetime import date
from datetime import datetime
from datetime import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only to register the filters: services use these words too
    from flask import Flask


def clock(value: time | datetime | None) -> str:
    """7:00 pm, 12:30 pm, 9:05 am."""
    if value is None:
        return ""
    hour = value.hour % 12 or 12
    return f"{hour}:{value.minute:02d} {'am' if value.hour < 12 else 'pm'}"


def short_date(value: date) -> str:
    """Thu 3 Dec."""
    return f"{value:%a} {value.day} {value:%b}"


def long_date(value: date) -> str:
    """Thursday 3 December 2026."""
    return f"{value:%A} {value.day} {value:%B %Y}"


def minutes(value: int) -> str:
    """90 -> 1 h 30 min."""
    hours, rest = divmod(value, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest} min" if rest else f"{hours} h"


def webcal(url: str) -> str:
    """The feed's URL with the webcal scheme, which calendar apps open as a subscription."""
    for scheme in ("https://", "http://"):
        if url.startswith(scheme):
            return "webcal://" + url.removeprefix(scheme)
    return url


def register(app: Flask) -> None:
    for function in (clock, short_date, long_date, minutes, webcal):
        app.add_template_filter(function)
