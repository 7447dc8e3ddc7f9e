"""Meeting Guide feeds: code4recovery's JSON format, as the 12 Step Meeting List plugin
and many intergroup sites publish it.

Reading a feed is liberal in what real sites send (a day as "1", a postal code as a
number, "19:30:00") and strict about what cannot be a weekly meeting (no name, a day
that is not 0–6, a time like 25:00, an unknown time zone). Each listed meeting becomes
a FeedMeeting of plain values, or a SkippedMeeting whose message says why, written for
the person running the import.

Rules the app applies to every meeting however it is entered (a web link must be
http(s), latitude within ±90, an in-person meeting needs a place…) are not repeated
here: services.meetings.check() applies them to imported meetings too.

The field names, day numbering, time format and the slug scheme live here so that the
export (the same format, written) can follow the same rules.

Writing a feed is strict: every item keeps to code4recovery's schema (slug, day, time,
types, conference_phone and updated patterns), whatever was typed into the app. A
meeting becomes one item on the weekday(s) it meets; what a weekday and a time cannot
say (every other week, the n-th weekday of the month, one date only, a first or last
date) opens its notes in words. Only what applies to how it is attended is written: no
place for an online meeting, no link for an in-person one, as in the iCalendar feeds.

Pure: no Flask, no database. "Now" comes in as a parameter.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import unicodedata
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import replace
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from facilitator.domain.links import web_link
from facilitator.domain.meeting import Attendance
from facilitator.domain.meeting import MeetingSeries
from facilitator.domain.meeting import MeetingValues
from facilitator.domain.meeting_types import ATTENDANCE_CODES
from facilitator.domain.meeting_types import split_known
from facilitator.domain.recurrence import DAY_NAMES
from facilitator.domain.recurrence import Frequency
from facilitator.domain.recurrence import Recurrence
from facilitator.domain.recurrence import Schedule
from facilitator.domain.recurrence import meeting_guide_day
from facilitator.domain.recurrence import minutes_between
from facilitator.domain.recurrence import python_weekday
from facilitator.domain.timezones import is_valid_timezone

#: A feed larger than this is refused before it is read; 5,000 meetings are about 3 MB.
MAX_FEED_BYTES = 50 * 1024 * 1024

#: Meeting Guide numbers days 0 = Sunday … 6 = Saturday; these name them in source slugs.
DAY_SUFFIXES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
#: Between a feed slug and the day, for a feed meeting listed on several days. Slugs
#: that WordPress makes never contain a double hyphen.
DAY_SEPARATOR = "--"
#: Meeting.source_slug and Meeting Guide slugs are at most this long.
SLUG_MAX_LENGTH = 64

#: "HH:MM", 24-hour, hour with or without its leading zero; seconds, which some feeds
#: add, are accepted and dropped. ASCII digits only.
_TIME = re.compile(r"([01]?[0-9]|2[0-3]):([0-5][0-9])(?::[0-5][0-9])?")
#: How `time` and `end_time` are written.
TIME_FORMAT = "%H:%M"
#: Without an end time (or with one equal to the start) a meeting lasts an hour, as the
#: Meeting Guide spec says.
DEFAULT_DURATION_MINUTES = 60

#: attendance_option values for a meeting that takes place; values match models.Attendance.
IN_PERSON, ONLINE, HYBRID = "in_person", "online", "hybrid"
ATTENDANCE_OPTIONS = (IN_PERSON, ONLINE, HYBRID)
#: attendance_option of a meeting that is not taking place (the 12 Step Meeting List
#: plugin's word for "temporarily closed, with no online option").
INACTIVE = "inactive"
#: Codes outside the schema (meeting_types.ATTENDANCE_CODES) that some sites send.
ONLINE_CODE, HYBRID_CODE = "ONL", "HYB"
#: Type codes with a meaning beyond the label.
TEMPORARILY_CLOSED_CODE = "TC"
WHEELCHAIR_CODE = "X"
#: How type codes outside the schema are kept, as the last line of the notes.
OTHER_TYPES_PREFIX = "Other types: "


class InvalidFeed(ValueError):
    """The file cannot be read as a feed at all; the message says why."""


class SkippedMeeting(ValueError):
    """One listed meeting cannot be imported; the message says why."""


@dataclass(frozen=True)
class FeedMeeting:
    """One meeting of a feed, as plain values ready to become meeting series.

    `weekdays` are Python's (Monday = 0); a meeting listed on several days becomes one
    weekly series per day. `timezone` is None when the feed gives none.
    """

    index: int
    slug: str
    name: str
    weekdays: tuple[int, ...]
    start_time: time
    duration_minutes: int
    timezone: str | None
    attendance: str
    location_name: str = ""
    address: str = ""
    region: str = ""
    location_notes: str = ""
    latitude: float | None = None
    longitude: float | None = None
    online_url: str = ""
    online_phone: str = ""
    online_notes: str = ""
    types: tuple[str, ...] = ()
    wheelchair_accessible: bool = False
    notes: str = ""
    group: str = ""
    group_notes: str = ""
    entity: str = ""

    def source_slug(self, weekday: int) -> str:
        """The slug the series for this weekday is imported under: the feed's slug for a
        meeting on one day, else the slug and the day ("step-study--mon")."""
        if len(self.weekdays) == 1:
            return fit_slug(self.slug)
        return fit_slug(self.slug, DAY_SEPARATOR + DAY_SUFFIXES[meeting_guide_day(weekday)])

    def possible_source_slugs(self) -> list[str]:
        """Every slug a series of this feed meeting may have been imported under, whatever
        days the feed listed then."""
        return [fit_slug(self.slug)] + [fit_slug(self.slug, DAY_SEPARATOR + s)
                                        for s in DAY_SUFFIXES]

    @property
    def label(self) -> str:
        return item_label(self.index, self.name, self.slug)

    def values(self, weekday: int, *, first_date: date, last_date: date | None,
               timezone: str) -> FeedValues:
        """The values of the weekly series on `weekday`, as the import saves them."""
        return FeedValues(
            source_slug=self.source_slug(weekday),
            title=self.name,
            recurrence=Recurrence.weekly(weekday),
            first_date=first_date,
            last_date=last_date,
            start_time=self.start_time,
            duration_minutes=self.duration_minutes,
            timezone=timezone,
            attendance=Attendance(self.attendance),
            location_name=self.location_name,
            address=self.address,
            region=self.region,
            location_notes=self.location_notes,
            wheelchair_accessible=self.wheelchair_accessible,
            latitude=self.latitude,
            longitude=self.longitude,
            online_url=self.online_url,
            online_phone=self.online_phone,
            online_notes=self.online_notes,
            types=self.types,
            notes=self.notes,
        )


@dataclass(frozen=True, kw_only=True)
class FeedValues(MeetingValues):
    """A meeting's values plus the slug it is imported under, a Meeting column like the
    others, so that a re-import finds it again."""

    source_slug: str | None = None


@dataclass(frozen=True)
class Skip:
    """A listed meeting (or one day of it) left out of the import, and why."""

    index: int
    label: str
    reason: str

    def __str__(self) -> str:
        return f"{self.label}: {self.reason}"


def fit_slug(slug: str, suffix: str = "") -> str:
    """slug + suffix, shortened to SLUG_MAX_LENGTH with a hash of the full slug when too
    long, so two long slugs that share a beginning stay apart."""
    if len(slug) + len(suffix) <= SLUG_MAX_LENGTH:
        return slug + suffix
    digest = hashlib.sha256(slug.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return slug[: SLUG_MAX_LENGTH - len(suffix) - 9] + "-" + digest + suffix


# -- the file ------------------------------------------------------------------------


def load_feed(data: bytes) -> list[Any]:
    """The listed meetings of a feed file: a JSON list, or an object with a "meetings"
    list. Raises InvalidFeed when the file is not such a feed."""
    if len(data) > MAX_FEED_BYTES:
        raise InvalidFeed(f"The file is larger than {MAX_FEED_BYTES // (1024 * 1024)} MB; "
                          "no meeting feed is that large.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidFeed(f"The file is not UTF-8 text (byte {error.start}).") from None
    try:
        feed = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as error:
        raise InvalidFeed(f"The file is not valid JSON: {error.msg} at line {error.lineno}, "
                          f"column {error.colno}.") from None
    except (ValueError, RecursionError) as error:
        raise InvalidFeed(f"The file is not valid JSON: {error}") from None
    if isinstance(feed, dict) and isinstance(feed.get("meetings"), list):
        feed = feed["meetings"]
    if not isinstance(feed, list):
        raise InvalidFeed("The file is JSON but not a Meeting Guide feed: expected a list "
                          "of meetings (or an object with a \"meetings\" list).")
    if not feed:
        raise InvalidFeed("The feed lists no meetings.")
    return feed


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number JSON allows")


def parse_feed(items: Sequence[Any]) -> tuple[list[FeedMeeting], list[Skip]]:
    """Read every listed meeting: the usable ones, and the others with the reason.

    A slug listed twice keeps its first meeting; the later ones are skipped, since a
    re-import could not tell them apart.
    """
    meetings: list[FeedMeeting] = []
    skips: list[Skip] = []
    first_with: dict[str, str] = {}
    for index, raw in enumerate(items, start=1):
        try:
            meeting = parse_meeting(raw, index)
        except SkippedMeeting as error:
            skips.append(Skip(index, describe_item(raw, index), str(error)))
            continue
        slugs = {meeting.source_slug(d) for d in meeting.weekdays}
        if taken := [first_with[s] for s in sorted(slugs) if s in first_with]:
            skips.append(Skip(index, meeting.label, f"Its slug is already used by {taken[0]}."))
            continue
        first_with.update(dict.fromkeys(slugs, f"item {index}"))
        meetings.append(meeting)
    return meetings, skips


# -- one meeting ---------------------------------------------------------------------


def parse_meeting(raw: Any, index: int) -> FeedMeeting:
    """Read one listed meeting; raises SkippedMeeting with the reason it cannot be used."""
    if not isinstance(raw, dict):
        raise SkippedMeeting(f"It is {_kind(raw)}, not a meeting (a JSON object).")
    name = _text(raw, "name", line=True)
    if not name:
        raise SkippedMeeting("It has no name.")
    slug = _text(raw, "slug", digits=True)
    if not slug:
        raise SkippedMeeting("It has no slug, so a later import could not find it again.")
    weekdays = _weekdays(raw.get("day"))
    start = _time(raw, "time", "start time")
    if start is None:
        raise SkippedMeeting("It has no start time.")
    end = _time(raw, "end_time", "end time")
    zone = _text(raw, "timezone") or None
    if zone is not None and not is_valid_timezone(zone):
        raise SkippedMeeting(f"“{printable(zone)}” is not a time zone we know.")

    codes = _codes(raw.get("types"))
    known, unknown = split_known(c for c in codes if c not in ATTENDANCE_CODES)
    location = _text(raw, "location", line=True)
    address = _text(raw, "formatted_address", line=True) or build_address(
        _text(raw, "address", line=True), _text(raw, "city", line=True),
        _text(raw, "state", line=True), _text(raw, "postal_code", digits=True, line=True),
        _text(raw, "country", line=True))
    online_url = _text(raw, "conference_url")
    online_phone = _text(raw, "conference_phone", digits=True)
    approximate = _text(raw, "approximate").lower() == "yes"
    attendance = decide_attendance(
        _text(raw, "attendance_option").lower(), codes,
        has_place=bool(location or address) and not approximate,
        has_online=bool(online_url or online_phone),
    )
    return FeedMeeting(
        index=index,
        slug=slug,
        name=name,
        weekdays=weekdays,
        start_time=start,
        duration_minutes=duration_minutes(start, end),
        timezone=zone,
        attendance=attendance,
        location_name=location,
        address=address,
        region=_region(raw),
        location_notes=_text(raw, "location_notes"),
        latitude=_coordinate(raw, "latitude"),
        longitude=_coordinate(raw, "longitude"),
        online_url=online_url,
        online_phone=online_phone,
        online_notes=_join_lines(_text(raw, "conference_url_notes"),
                                 _text(raw, "conference_phone_notes")),
        types=tuple(known),
        wheelchair_accessible=WHEELCHAIR_CODE in known,
        notes=notes_with_other_types(_text(raw, "notes"), unknown),
        group=_text(raw, "group", line=True),
        group_notes=_text(raw, "group_notes"),
        entity=_text(raw, "entity", line=True),
    )


def parse_time(value: str) -> time | None:
    """"19:30" (or "7:30", or "19:30:00") as a time; None if it is no time of day."""
    match = _TIME.fullmatch(value)
    return time(int(match[1]), int(match[2])) if match else None


def duration_minutes(start: time, end: time | None) -> int:
    """Minutes from start to end; an end before the start is after midnight."""
    if end is None:
        return DEFAULT_DURATION_MINUTES
    return minutes_between(start, end) or DEFAULT_DURATION_MINUTES


def decide_attendance(option: str, codes: Iterable[str], *, has_place: bool,
                      has_online: bool) -> str:
    """In person, online or hybrid: the feed's attendance_option when it gives one; else
    the HYB and ONL codes; else online when there is a link or phone and no place,
    hybrid when both, in person otherwise. A meeting marked inactive, or temporarily
    closed with no online option, is not taking place and raises SkippedMeeting."""
    codes = set(codes)
    if option:
        if option == INACTIVE:
            raise SkippedMeeting("The feed marks it inactive (not meeting for now).")
        if option not in ATTENDANCE_OPTIONS:
            raise SkippedMeeting(f"Its attendance_option “{printable(option)}” is not one of "
                                 f"{', '.join(ATTENDANCE_OPTIONS)} or {INACTIVE}.")
        return option
    if HYBRID_CODE in codes:
        return HYBRID
    online = has_online or ONLINE_CODE in codes
    in_person = has_place and TEMPORARILY_CLOSED_CODE not in codes
    if online:
        return HYBRID if in_person else ONLINE
    if TEMPORARILY_CLOSED_CODE in codes:
        raise SkippedMeeting("Its location is temporarily closed and it has no online "
                             "option.")
    return IN_PERSON


def build_address(street: str, city: str, state: str, postal_code: str, country: str) -> str:
    """"123 Main St, Anytown, CA 98765, US", leaving out the parts not given."""
    region = " ".join(p for p in (state, postal_code) if p)
    return ", ".join(p for p in (street, city, region, country) if p)


def notes_with_other_types(notes: str, other_types: Sequence[str]) -> str:
    """The notes, with type codes outside the schema kept as their last line."""
    if not other_types:
        return notes
    return _join_lines(notes, OTHER_TYPES_PREFIX + ", ".join(other_types), blank=True)


def first_date_on_or_after(weekday: int, day: date) -> date:
    """The first date falling on weekday (Monday = 0) from day on."""
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def local_date(now: datetime, zone: str) -> date:
    """The date it is at the instant `now` in the zone."""
    return now.astimezone(ZoneInfo(zone)).date()


# -- labels for people -----------------------------------------------------------------


def item_label(index: int, name: object, slug: object) -> str:
    """"item 12 “Tuesday Step Study” (slug tuesday-step-study)", for summary lines."""
    parts = [f"item {index}"]
    if isinstance(name, str) and name.strip():
        parts.append(f"“{printable(name.strip(), 60)}”")
    if isinstance(slug, str | int) and not isinstance(slug, bool) and str(slug).strip():
        parts.append(f"(slug {printable(str(slug).strip(), 70)})")
    return " ".join(parts)


def describe_item(raw: Any, index: int) -> str:
    if isinstance(raw, dict):
        return item_label(index, raw.get("name"), raw.get("slug"))
    return item_label(index, None, None)


def printable(text: str, limit: int = 80) -> str:
    """Text safe to print on a terminal: control characters (escape sequences, bidi
    overrides) shown as "?", and cut to limit characters."""
    safe = "".join(c if c.isprintable() else " " if unicodedata.category(c) == "Zs" else "?"
                   for c in text)
    return safe if len(safe) <= limit else safe[: limit - 1] + "…"


# -- fields ----------------------------------------------------------------------------


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return "empty"


def _shown(value: Any) -> str:
    """A value from the feed as a person reads it in a message."""
    if isinstance(value, str):
        return f"“{printable(value, 30)}”"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return printable(repr(value), 20)
    return _kind(value)


def _text(raw: dict[str, Any], key: str, *, digits: bool = False, line: bool = False) -> str:
    """A text field, stripped; "" when absent or null. With digits, a whole number is
    taken as its digits (postal codes and phones in feeds written with PHP's
    JSON_NUMERIC_CHECK). With line, runs of white space (line breaks, tabs) become one
    space: names and addresses are one line wherever they are shown."""
    value = raw.get(key)
    if value is None:
        return ""
    if digits and isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise SkippedMeeting(f"“{key}” should be text, not {_kind(value)}.")
    if "\x00" in value:
        raise SkippedMeeting(f"“{key}” contains a character that cannot be stored (NUL).")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise SkippedMeeting(f"“{key}” contains text that is not valid Unicode.") from None
    return " ".join(value.split()) if line else value.strip()


def _region(raw: dict[str, Any]) -> str:
    """The meeting's `region`; else the first (most general) of its `regions`. A
    `sub_region`, or the further `regions`, are not kept: the directory filters by one
    region, and the most general one groups meetings the way the feed's site does."""
    if region := _text(raw, "region", line=True):
        return region
    regions = raw.get("regions")
    if regions is None or regions == []:
        return ""
    if not isinstance(regions, list):
        raise SkippedMeeting(f"“regions” should be a list of text, not {_kind(regions)}.")
    return _text({"regions": regions[0]}, "regions", line=True)


def _join_lines(*parts: str, blank: bool = False) -> str:
    return ("\n\n" if blank else "\n").join(p for p in parts if p)


def _day(value: Any) -> int:
    """One Meeting Guide day: 0–6, also written as "1" or 1.0."""
    number: Any = value
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        number = int(value.strip())
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    if isinstance(number, bool) or not isinstance(number, int):
        raise SkippedMeeting(f"Its day is {_shown(value)}, not a day number (0 = Sunday … "
                             "6 = Saturday).")
    if not 0 <= number <= 6:
        raise SkippedMeeting(f"Day {printable(str(number), 20)} is not a day of the week "
                             "(0 = Sunday … 6 = Saturday).")
    return number


def _weekdays(value: Any) -> tuple[int, ...]:
    """Python weekdays from a Meeting Guide day or list of days."""
    if value is None or value == "":
        raise SkippedMeeting("It has no day of the week (meetings by appointment are not "
                             "imported).")
    days = value if isinstance(value, list) else [value]
    if not days:
        raise SkippedMeeting("Its list of days is empty.")
    return tuple(sorted({python_weekday(_day(d)) for d in days}))


def _time(raw: dict[str, Any], key: str, what: str) -> time | None:
    value = raw.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise SkippedMeeting(f"Its {what} is {_kind(value)}, not a time like “19:30”.")
    parsed = parse_time(value.strip())
    if parsed is None:
        raise SkippedMeeting(f"Its {what} “{printable(value)}” is not a time of day "
                             "(HH:MM, 24-hour).")
    return parsed


def _codes(value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(c, str) for c in value):
        raise SkippedMeeting("“types” should be a list of type codes like [\"O\", \"D\"].")
    codes = [c.strip() for c in value if c.strip()]
    for code in codes:
        if len(code) > 20 or not code.isprintable():
            raise SkippedMeeting(f"“{printable(code, 20)}” is not a type code.")
    return codes


def _coordinate(raw: dict[str, Any], key: str) -> float | None:
    """A latitude or longitude: a number, or a number written as text (as some feeds
    do). Its range is checked with every meeting's (services.meetings.check)."""
    value = raw.get(key)
    if value is None or value == "":
        return None
    number: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            number = None
    if number is None or not math.isfinite(number):
        raise SkippedMeeting(f"Its {key} is {_shown(value)}, not a number.")
    return number


# -- writing a feed --------------------------------------------------------------------

#: conference_phone as the schema has it: digits, a "+" first if any, and "," (a pause),
#: "*" or "#" (key presses), each followed by digits. ASCII digits only.
PHONE_PATTERN = re.compile(r"[+]?[0-9]{1,15}(?:[,*#][0-9]+)*")
PAUSE = ","
#: How people write phone numbers for reading ("+1 (555) 555-0111"); no dialer needs it.
_PHONE_FORMATTING = re.compile(r"[\s().\-]")
_PHONE_SEPARATORS = re.compile(r"[,*#]{2,}")
#: A source slug is written as it is when it has only URL-safe characters (RFC 3986's
#: unreserved ones): apps key meetings and bookmarks on the slug.
_URL_SAFE_SLUG = re.compile(r"[A-Za-z0-9._~-]+")
#: How `updated` is written, in UTC.
UPDATED_FORMAT = "%Y-%m-%d %H:%M:%S"
#: A last date further away than this is not mentioned: the feed is rebuilt daily and says
#: so in time, and finding the last date of a longer series takes longer.
LAST_DATE_NOTICE_DAYS = 400
MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August",
               "September", "October", "November", "December")


@dataclass(frozen=True)
class PublishedMeeting:
    """One meeting series as the export writes it: the series, and its group's and
    organization's words, read from the database by the service."""

    series: MeetingSeries
    group_slug: str
    group_name: str
    #: The group's public page, the item's `url`.
    group_url: str
    group_notes: str = ""
    #: The organization's name: the service entity of the listing.
    entity: str = ""


def feed_items(meetings: Iterable[PublishedMeeting], today: date) -> list[dict[str, Any]]:
    """The feed: one item per meeting that still has a date from `today` on, each slug
    used once, in week order (day from Sunday, time, slug), so that the same data always
    gives the same JSON whatever order it comes in.

    Ended series and past one-date meetings are left out: the format cannot say that a
    meeting has ended, and an app would list it as if it still met. When two meetings
    would have the same slug, the older one (lower id) keeps it and the other gets "-2"…
    after it.
    """
    listed = sorted((m for m in meetings if has_dates_from(m.series.schedule, today)),
                    key=lambda m: m.series.id)
    items = [feed_item(meeting, today) for meeting in listed]
    taken = {item["slug"] for item in items}
    seen: set[str] = set()
    for item in items:
        if item["slug"] in seen:
            n, slug = 2, item["slug"]
            while (candidate := fit_slug(slug, f"-{n}")) in taken:
                n += 1
            item["slug"] = candidate
            taken.add(candidate)
        seen.add(item["slug"])
    return sorted(items, key=_week_order)


def _week_order(item: dict[str, Any]) -> tuple[int, str, str]:
    day = item["day"]
    return (day if isinstance(day, int) else day[0]), item["time"], item["slug"]


def has_dates_from(schedule: Schedule, today: date) -> bool:
    """Whether the series meets on `today` or later."""
    return bool(schedule.next_dates(today, 1))


def feed_item(meeting: PublishedMeeting, today: date) -> dict[str, Any]:
    """One meeting as a feed item. Fields with nothing to say are left out."""
    series = meeting.series
    schedule = series.schedule
    in_person, online = series.attendance.in_person, series.attendance.online
    days = sorted(meeting_guide_day(d)
                  for d in schedule.recurrence.weekdays or (schedule.first_date.weekday(),))
    # Wall-clock end, as the import reads it back (a 24-hour meeting ends at its start
    # time, which readers take as the default hour).
    end = datetime.combine(schedule.first_date, schedule.start_time) + schedule.duration
    types, _ = split_known(series.types)
    if in_person and series.wheelchair_accessible and WHEELCHAIR_CODE not in types:
        types.append(WHEELCHAIR_CODE)

    url = (web_link(series.online_url) or "") if online else ""
    phone = dial_string(series.online_phone) if online and series.online_phone else None
    url_notes = phone_notes = ""
    if online:
        # The notes go with the link when there is one, else with the phone.
        if url:
            url_notes = series.online_notes
        else:
            phone_notes = series.online_notes
        if series.online_phone and phone is None:
            phone_notes = _join_lines(phone_notes, series.online_phone)
    located = in_person and series.latitude is not None and series.longitude is not None

    item: dict[str, Any] = {
        "name": series.title,
        "slug": feed_slug(series.source_slug, meeting.group_slug, series.id),
        "day": days[0] if len(days) == 1 else days,
        "time": schedule.start_time.strftime(TIME_FORMAT),
        "end_time": end.strftime(TIME_FORMAT),
        "timezone": schedule.timezone,
        "types": types,
        "attendance_option": series.attendance.value,
        "location": series.location_name if in_person else "",
        "formatted_address": series.address if in_person else "",
        # Online meetings have regions too: where they come from, or "Online".
        "region": series.region,
        "location_notes": series.location_notes if in_person else "",
        "latitude": series.latitude if located else None,
        "longitude": series.longitude if located else None,
        "conference_url": url,
        "conference_url_notes": url_notes,
        "conference_phone": phone or "",
        "conference_phone_notes": phone_notes,
        "notes": _join_lines(schedule_notes(schedule, today), series.notes, blank=True),
        "group": meeting.group_name,
        "group_notes": meeting.group_notes,
        "entity": meeting.entity,
        "url": meeting.group_url,
        "updated": utc_text(series.updated_at),
    }
    return {key: value for key, value in item.items() if value not in ("", None, [])}


def feed_slug(source_slug: str | None, group_slug: str, meeting_id: int) -> str:
    """The item's slug: the one the meeting was imported under, so that apps and
    bookmarks keep following it; else "<group slug>-<meeting id>", at most 64 characters.
    An imported slug that is not URL-safe is not used."""
    if source_slug and len(source_slug) <= SLUG_MAX_LENGTH and _URL_SAFE_SLUG.fullmatch(
            source_slug):
        return source_slug
    return fit_slug(f"{group_slug}-{meeting_id}")


def dial_string(phone: str) -> str | None:
    """The phone as the schema's conference_phone pattern allows it, or None when it
    cannot be written so.

    Spaces, dashes, dots and brackets go; so do separators at the end, since the pattern
    wants digits after each ("…,,123456#" ends "…,123456"). A run of separators becomes
    one: a pause for pauses only (",," -> ","), the key press for pauses around one key
    press ("#,," -> "#"). Two key presses in a row ("#,,,,*", as Zoom writes a passcode
    after the meeting id), letters or other digits than 0-9 cannot be written: None.
    """
    compact = _PHONE_FORMATTING.sub("", phone).rstrip(",*#")
    # Key presses stay; two of them in a row are then refused by the pattern.
    compact = _PHONE_SEPARATORS.sub(lambda run: run[0].replace(PAUSE, "") or PAUSE, compact)
    return compact if PHONE_PATTERN.fullmatch(compact) else None


def schedule_notes(schedule: Schedule, today: date) -> str:
    """What the day and time of a feed item do not say, in sentences that open its notes:
    "" for a weekly meeting that is meeting now; "Every other Tuesday. Next on Tuesday
    13 January 2026."; "First and third Saturday of the month."; "Only on Thursday
    3 December 2026."; "Starts on …" when it starts after a date its day would suggest;
    "Last meeting on …" when it ends within LAST_DATE_NOTICE_DAYS."""
    recurrence = schedule.recurrence
    if recurrence.frequency is Frequency.ONCE:
        return f"Only on {long_date(schedule.first_date)}."
    sentences = []
    if recurrence.frequency is Frequency.MONTHLY or recurrence.interval != 1:
        sentences.append(recurrence.describe() + ".")
    coming = schedule.next_dates(today, 1)
    if coming and recurrence.interval != 1:
        # Which weeks: any date of the series tells, so it stays true once past.
        sentences.append(f"Next on {long_date(coming[0])}.")
    elif coming and _pattern_from(schedule, today) < coming[0]:
        sentences.append(f"Starts on {long_date(coming[0])}.")
    last = schedule.last_date
    if last is not None and (last - today).days <= LAST_DATE_NOTICE_DAYS and (
            dates := list(schedule.dates(today, last))):
        sentences.append(f"Last meeting on {long_date(dates[-1])}.")
    return " ".join(sentences)


def _pattern_from(schedule: Schedule, today: date) -> date:
    """The first date from today on that the recurrence alone gives, whenever the series
    started (meaningful for an interval of one week or a month)."""
    return replace(schedule, first_date=today, last_date=None).next_dates(today, 1)[0]


def long_date(day: date) -> str:
    """"Thursday 3 December 2026", in English whatever the locale."""
    return f"{DAY_NAMES[day.weekday()]} {day.day} {MONTH_NAMES[day.month - 1]} {day.year}"


def utc_text(instant: datetime) -> str:
    """"2026-01-06 18:02:11": the instant in UTC, as `updated` is written."""
    if instant.tzinfo is None:
        raise ValueError("a naive datetime has no place in a feed: give it in UTC")
    return instant.astimezone(UTC).strftime(UPDATED_FORMAT)


__all__ = [
    "ATTENDANCE_OPTIONS", "DAY_SUFFIXES", "DEFAULT_DURATION_MINUTES", "FeedMeeting",
    "FeedValues",
    "InvalidFeed", "MAX_FEED_BYTES", "PHONE_PATTERN", "PublishedMeeting", "Skip",
    "SkippedMeeting", "build_address", "decide_attendance", "dial_string", "duration_minutes",
    "feed_item", "feed_items", "feed_slug", "first_date_on_or_after", "fit_slug",
    "has_dates_from", "item_label", "load_feed", "local_date", "long_date",
    "notes_with_other_types", "parse_feed", "parse_meeting", "parse_time", "printable",
    "schedule_notes", "utc_text",
]
