"""How times, dates and sentences read on pages, handouts and messages: one place, so every
page agrees. Pure: services word their messages with it too.

Each function takes the language (`lang`, a code of domain/languages.py); without one it
is the request's (English outside a request). English keeps the app's own wording ("7:00
pm", "Thu 3 Dec"); every other language is worded by Babel from the CLDR data, in that
locale's habits ("martes 8 de diciembre, 19:00")."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from datetime import datetime
from datetime import time
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from babel.dates import format_date
from babel.dates import format_skeleton
from babel.dates import format_time
from babel.dates import get_day_names
from babel.dates import get_timezone_name
from babel.numbers import format_decimal
from babel.support import NullTranslations
from babel.support import Translations

from facilitator.domain import listing
from facilitator.domain.languages import DEFAULT
from facilitator.domain.languages import N_
from facilitator.domain.languages import Label
from facilitator.domain.languages import Message
from facilitator.domain.links import contact_parts
from facilitator.domain.links import map_search
from facilitator.domain.links import phone_href
from facilitator.domain.meeting_types import type_name as _type_name
from facilitator.domain.recurrence import Frequency
from facilitator.domain.recurrence import Recurrence

if TYPE_CHECKING:  # only to register the filters: services use these words too
    from flask import Flask

#: The gettext catalogs (facilitator/translations/<code>/LC_MESSAGES/messages.mo).
TRANSLATIONS = Path(__file__).resolve().parent / "translations"

#: Endings that already close a sentence: "by Jordan P." needs no second full stop.
SENTENCE_ENDS = (".", "!", "?", ".”", "!”", "?”", '."', ".)", "…")


#: Long dates where CLDR's skeleton puts a comma the language does not write after the
#: weekday ("martes 8 de diciembre"): (without the year, with it).
LONG_DATES = {"es": ("EEEE d 'de' MMMM", "EEEE d 'de' MMMM 'de' y")}


def language() -> str:
    """The language of the request being answered, or the one a job forced
    (flask_babel.force_locale, a handout rendered ahead); English outside an app (CLI,
    tests). Flask-Babel is imported only here, so importing this module imports no Flask."""
    from flask import has_app_context

    if not has_app_context():
        return DEFAULT
    from flask_babel import get_locale

    locale = get_locale()
    return DEFAULT if locale is None else str(locale)


def clock(value: time | datetime | None, lang: str | None = None) -> str:
    """7:00 pm, 12:30 pm, 9:05 am; 19:00 in Spanish (each locale's 12/24-hour habit)."""
    if value is None:
        return ""
    lang = lang or language()
    if lang != DEFAULT:
        return format_time(value, "short", locale=lang)
    hour = value.hour % 12 or 12
    return f"{hour}:{value.minute:02d} {'am' if value.hour < 12 else 'pm'}"


def short_date(value: date, year: bool = False, lang: str | None = None) -> str:
    """Thu 3 Dec, or Thu 3 Dec 2026: the day of the month never has a leading zero.
    "mar, 8 dic" in Spanish."""
    lang = lang or language()
    if lang != DEFAULT:
        return format_skeleton("yMMMEd" if year else "MMMEd", value, locale=lang)
    return f"{value:%a} {value.day} {value:%b}" + (f" {value.year}" if year else "")


def long_date(value: date, year: bool = True, lang: str | None = None) -> str:
    """Thursday 3 December 2026, or Thursday 3 December; "martes 8 de diciembre"."""
    lang = lang or language()
    if lang != DEFAULT:
        own = LONG_DATES.get(lang)
        if own is not None:
            return format_date(value, own[1] if year else own[0], locale=lang)
        return format_skeleton("yMMMMEEEEd" if year else "MMMMEEEEd", value, locale=lang)
    return f"{value:%A} {value.day} {value:%B}" + (f" {value.year}" if year else "")


def date_time(value: datetime, year: bool = False, lang: str | None = None) -> str:
    """Tuesday 8 December, 7:00 pm; "martes 8 de diciembre, 19:00"."""
    return f"{long_date(value.date(), year, lang)}, {clock(value, lang)}"


def day_name(english: str, lang: str | None = None) -> str:
    """A weekday named in the directory's English (domain.listing.WEEK) in the page's
    language: "Tuesday" -> "martes". Anything else is returned as it is."""
    lang = lang or language()
    if lang == DEFAULT or english not in listing.WEEK:
        return english
    # Babel numbers weekdays from Monday (0); WEEK goes from Sunday.
    return get_day_names("wide", locale=lang)[(listing.WEEK.index(english) - 1) % 7]


def zone_name(zone: str, lang: str | None = None) -> str:
    """ "Central Time" (listing.zone_name) in English; "hora central" in Spanish: the
    zone's generic name in the locale, or its city where the locale names none."""
    lang = lang or language()
    if lang == DEFAULT or zone in ("UTC", "Etc/UTC"):
        return listing.zone_name(zone)
    from zoneinfo import ZoneInfo

    return get_timezone_name(ZoneInfo(zone), "long", locale=lang, zone_variant="generic")


def type_name(code: str, lang: str | None = None) -> str:
    """A Meeting Guide type code's name in the page's language ("C" -> "Cerrada")."""
    return _type_name(code, lang or language())


def language_name(code: str, english: str = "", lang: str | None = None) -> str:
    """A language a meeting is held in, named in the page's language: `english` (its
    name as stored choices give it) on an English page, "Español" on a Spanish one."""
    lang = lang or language()
    if lang == DEFAULT:
        return english or code
    from babel import Locale

    name = Locale.parse(lang).languages.get(code)
    return name[:1].upper() + name[1:] if name else english or code


@cache
def _catalog(lang: str) -> NullTranslations:
    """The compiled catalog of `lang`, for words made outside a template (recurrence)."""
    return Translations.load(str(TRANSLATIONS), [lang])


def _translated(text: str, lang: str) -> str:
    return text if lang == DEFAULT else _catalog(lang).gettext(text)


def worded(text: str, values: Mapping[str, object] | None = None,
           lang: str | None = None) -> str:
    """A sentence marked with N_ (a service's refusal, a domain rule's message) in `lang`
    (by default the page's), its placeholders filled after translation: a date as a long
    date and a number as that language writes them ("1,000"; "1000" or "10.000")."""
    lang = lang or language()
    said = _translated(text, lang)
    if not values:
        return said
    # A number may come back as words ("10,000"): every placeholder takes text.
    said = re.sub(r"%\((\w+)\)d", r"%(\1)s", said)
    return said % {name: _value(value, lang) for name, value in values.items()}


def worded_in(marked: tuple[str, str], lang: str | None = None) -> str:
    """English marked with NC_ (a context and the text) in `lang`, by default the
    page's."""
    context, text = marked
    lang = lang or language()
    return text if lang == DEFAULT else str(_catalog(lang).pgettext(context, text))


def _value(value: object, lang: str) -> object:
    if isinstance(value, Message):
        return worded(value.text, value.values, lang)
    if isinstance(value, Label):
        return _translated(value, lang)
    if isinstance(value, date) and not isinstance(value, datetime):
        return long_date(value, lang=lang)
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 1000:
        return number(value, lang)
    return value


def number(value: int, lang: str | None = None) -> str:
    """A whole number as the language writes it: "1,000"; "1000" and "10.000" in Spanish."""
    lang = lang or language()
    return f"{value:,}" if lang == DEFAULT else format_decimal(value, locale=lang)


def message_words(message: Message | str, lang: str | None = None) -> str:
    """A domain Message (or plain marked text) in `lang`, by default the page's."""
    if isinstance(message, Message):
        return worded(message.text, message.values, lang)
    return worded(message, None, lang)


#: Words of recurrence_words, marked for the catalog (see domain/recurrence.py).
_ORDINALS = {1: N_("first"), 2: N_("second"), 3: N_("third"), 4: N_("fourth"),
             5: N_("fifth"), -1: N_("last")}


def recurrence_words(recurrence: Recurrence, lang: str | None = None) -> str:
    """ "Every Tuesday and Thursday", "Last Friday of the month" (Recurrence.describe) in
    the page's language: "Cada martes y jueves", "Último viernes del mes"."""
    lang = lang or language()
    if lang == DEFAULT:
        return recurrence.describe()
    if recurrence.frequency is Frequency.ONCE:
        return _translated(N_("One date only"), lang)
    names = get_day_names("wide", locale=lang)
    days = [str(names[d]) for d in recurrence.weekdays]
    joined = days[0] if len(days) == 1 else (
        ", ".join(days[:-1]) + _translated(N_(" and "), lang) + days[-1])
    if recurrence.frequency is Frequency.WEEKLY:
        if recurrence.interval == 1:
            return _translated(N_("Every %(days)s"), lang) % {"days": joined}
        if recurrence.interval == 2:
            return _translated(N_("Every other %(days)s"), lang) % {"days": joined}
        every = _translated(N_("Every %(count)d weeks on %(days)s"), lang)
        return every % {"count": recurrence.interval, "days": joined}
    ordinals = [_translated(_ORDINALS[o], lang) for o in recurrence.ordinals]
    said = ordinals[0] if len(ordinals) == 1 else (
        ", ".join(ordinals[:-1]) + _translated(N_(" and "), lang) + ordinals[-1])
    monthly = _translated(N_("%(ordinals)s %(days)s of the month"), lang)
    text = monthly % {"ordinals": said, "days": joined}
    return text[:1].upper() + text[1:]


def zone_label(zone: str, lang: str | None = None) -> str:
    """ "Central Time (America/Chicago)"; "hora central (America/Chicago)"."""
    return f"{zone_name(zone, lang)} ({zone})"


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


def month_words(month: str, lang: str | None = None) -> str:
    """A report's month key, "2026-11", as "Nov 2026"; "nov 2026" in Spanish."""
    year, number = month.split("-")
    first = date(int(year), int(number), 1)
    lang = lang or language()
    if lang == DEFAULT:
        return f"{first:%b %Y}"
    return format_skeleton("yMMM", first, locale=lang)


def day_words(day: str, lang: str | None = None) -> str:
    """A report's date key, "2026-11-03", as short_date writes it with the year."""
    return short_date(date.fromisoformat(day), year=True, lang=lang)


def webcal(url: str) -> str:
    """The feed's URL with the webcal scheme, which calendar apps open as a subscription."""
    for scheme in ("https://", "http://"):
        if url.startswith(scheme):
            return "webcal://" + url.removeprefix(scheme)
    return url


def register(app: Flask) -> None:
    for function in (clock, short_date, long_date, date_time, day_name, zone_name,
                     zone_label, type_name, language_name, recurrence_words, full_stop,
                     minutes, webcal, month_words, day_words, number):
        app.add_template_filter(function)
    # The links a page makes of a place, a phone number and an org's contact text.
    for link in (map_search, phone_href, contact_parts):
        app.add_template_filter(link)
