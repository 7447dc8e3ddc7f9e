"""How times, dates and sentences read on pages, handouts and messages: one place, so every
page agrees. Pure: services word their messages with it too."""

from __future__ import annotations

from datetime import date
from datetime import datetime
from datetime import time
from typing import TYPE_CHECKING

from facilitator.domain.links import contact_parts
from facilitator.domain.links import map_search
from facilitator.domain.links import phone_href

if TYPE_CHECKING:  # only to register the filters: services use these words too
    from flask import Flask

#: Endings that already close a sentence: "by Jordan P." needs no second full stop.
SENTENCE_ENDS = (".", "!", "?", ".”", "!”", "?”", '."', ".)", "…")


def clock(value: time | datetime | None) -> str:
    """7:00 pm, 12:30 pm, 9:05 am."""
    if value is None:
        return ""
    hour = value.hour % 12 or 12
    return f"{hour}:{value.minute:02d} {'am' if value.hour < 12 else 'pm'}"


def short_date(value: date, year: bool = False) -> str:
    """Thu 3 Dec, or Thu 3 Dec 2026: the day of the month never has a leading zero."""
    return f"{value:%a} {value.day} {value:%b}" + (f" {value.year}" if year else "")


def long_date(value: date, year: bool = True) -> str:
    """Thursday 3 December 2026, or Thursday 3 December."""
    return f"{value:%A} {value.day} {value:%B}" + (f" {value.year}" if year else "")


def full_stop(text: str) -> str:
    """End a sentence with one full stop: "by Sam T" gets one, "by Jordan P." keeps its own.

    Markup stays Markup, so a template can end a sentence it built with `{% set %}`.
    """
    text = text.rstrip()
    return text if not text or text.endswith(SENTENCE_ENDS) else text + "."


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
    for function in (clock, short_date, long_date, full_stop, minutes, webcal):
        app.add_template_filter(function)
    # The links a page makes of a place, a phone number and an org's contact text.
    for link in (map_search, phone_href, contact_parts):
        app.add_template_filter(link)
