"""Reading Meeting Guide feeds: code4recovery's JSON format, as the 12 Step Meeting List
plugin and many intergroup sites publish it.

Reading a feed is liberal in what real sites send (a day as "1", a postal code as a
number, "19:30:00", "7:30 PM") and strict about what cannot be a weekly meeting (no name, a day
that is not 0–6, a time like 25:00, an unknown time zone). Each listed meeting becomes
a FeedMeeting of plain values, or a SkippedMeeting whose message says why, written for
the person running the import.

Rules the app applies to every meeting however it is entered (a web link must be
http(s), latitude within ±90, an in-person meeting needs a place…) are not repeated
here: services.meetings.check() applies them to imported meetings too.

The field names, day numbering and the slug scheme live here so that the export
(meeting_guide_write, the same format written) follows the same rules.

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
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from facilitator.domain.languages import N_
from facilitator.domain.languages import Label
from facilitator.domain.languages import Message
from facilitator.domain.languages import Refusal
from facilitator.domain.meeting import Attendance
from facilitator.domain.meeting import MeetingValues
from facilitator.domain.meeting import sub_region_text
from facilitator.domain.meeting_types import ATTENDANCE_CODES
from facilitator.domain.meeting_types import split_known
from facilitator.domain.recurrence import Recurrence
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
#: A feed's slug is kept as given (Meeting.feed_slug) up to this length; longer ones are
#: no identity anyone keys on, and the meeting is skipped.
FEED_SLUG_MAX_LENGTH = 300
#: The type code of a wheelchair-accessible place.
WHEELCHAIR_CODE = "X"

#: "HH:MM", 24-hour, hour with or without its leading zero; seconds, which some feeds
#: add, are accepted and dropped. ASCII digits only.
_TIME = re.compile(r"([01]?[0-9]|2[0-3]):([0-5][0-9])(?::[0-5][0-9])?")
#: "7:30 PM", as sites that write times for reading send them: any case, with or without
#: a space or dots ("7:30pm", "7:30 p.m."), seconds accepted and dropped.
_TIME_12H = re.compile(r"(0?[1-9]|1[0-2]):([0-5][0-9])(?::[0-5][0-9])?\s*([ap])\.?\s*m\.?",
                       re.IGNORECASE | re.ASCII)
#: How feeds write `updated`: the spec's way, and the month-first 12-hour way some send.
_UPDATED_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%m/%d/%Y %I:%M:%S %p",
                    "%m/%d/%Y %I:%M %p")
#: An imported meeting longer than this, or ending after midnight, is named in the import's
#: summary and on the org's page: "12:15 to 01:15" is more often a slip than 13 hours.
DOUBTFUL_MINUTES = 4 * 60
#: Without an end time (or with one equal to the start) a meeting lasts an hour, as the
#: Meeting Guide spec says.
DEFAULT_DURATION_MINUTES = 60

#: attendance_option values for a meeting that takes place; values match meeting.Attendance.
IN_PERSON, ONLINE, HYBRID = "in_person", "online", "hybrid"
ATTENDANCE_OPTIONS = (IN_PERSON, ONLINE, HYBRID)
#: attendance_option of a meeting that is not taking place (the 12 Step Meeting List
#: plugin's word for "temporarily closed, with no online option").
INACTIVE = "inactive"
#: Codes outside the schema (meeting_types.ATTENDANCE_CODES) that some sites send.
ONLINE_CODE, HYBRID_CODE = "ONL", "HYB"
#: Type codes with a meaning beyond the label.
TEMPORARILY_CLOSED_CODE = "TC"
#: How type codes outside the schema are kept, as the last line of the notes.
OTHER_TYPES_PREFIX = "Other types: "
#: Type codes that name a fellowship, by choices.Program value. The schema's list names
#: none (a feed is one fellowship's), so sites that list several in one feed add codes of
#: their own; these are the ones in use. Others are told with a program map.
PROGRAM_CODES = {
    "AA": "aa", "NA": "na", "CA": "ca", "AL-ANON": "al-anon", "ALANON": "al-anon",
    "AFG": "al-anon", "SMART": "smart", "CR": "celebrate", "RR": "refuge", "RD": "dharma",
    "SOS": "sos",
}

class InvalidFeed(Refusal):
    """The file cannot be read as a feed at all; the message says why."""


class SkippedMeeting(Refusal):
    """One listed meeting cannot be imported; the message (`said`) says why."""


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
    sub_region: str = ""
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
    #: The program its type codes name (PROGRAM_CODES), a choices.Program value.
    program: str | None = None
    #: Every type code it listed, as given: a program map may name any of them.
    codes: tuple[str, ...] = ()
    #: When the feed says the listing was last updated (UTC); None when it does not say,
    #: or says it in no way parse_updated reads.
    updated: datetime | None = None

    def source_slug(self, weekday: int) -> str:
        """The slug the series for this weekday is imported under: the feed's slug for a
        meeting on one day, else the slug and the day ("step-study--mon")."""
        if len(self.weekdays) == 1:
            return fit_slug(self.slug)
        return fit_slug(self.slug, DAY_SEPARATOR + DAY_SUFFIXES[meeting_guide_day(weekday)])

    @property
    def unnamed_group(self) -> tuple[str, str, str] | None:
        """For a meeting the feed names no group for, what one group's meetings share:
        its name and its place (the place name and the address, either may be empty),
        without case or extra spaces; None when it names a group or has no place."""
        if self.group:
            return None
        return unnamed_group_key(self.name, self.location_name, self.address)

    def possible_source_slugs(self) -> list[str]:
        """Every slug a series of this feed meeting may have been imported under, whatever
        days the feed listed then."""
        return [fit_slug(self.slug)] + [fit_slug(self.slug, DAY_SEPARATOR + s)
                                        for s in DAY_SUFFIXES]


    @property
    def label(self) -> Message:
        return item_label(self.index, self.name, self.slug)

    @property
    def doubtful_end(self) -> Message | None:
        """Why its end time looks like a slip, or None."""
        return doubtful_end(self.start_time, self.duration_minutes)

    def values(self, weekday: int, *, first_date: date, last_date: date | None,
               timezone: str) -> FeedValues:
        """The values of the weekly series on `weekday`, as the import saves them."""
        return FeedValues(
            source_slug=self.source_slug(weekday),
            feed_slug=self.slug,
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
            sub_region=self.sub_region,
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
    others, so that a re-import finds it again, and the feed's slug as given (the same for
    each day of a meeting listed on several), which the export writes back."""

    source_slug: str | None = None
    feed_slug: str | None = None


@dataclass(frozen=True)
class Skip:
    """A listed meeting (or one day of it) left out of the import, and why."""

    index: int
    #: Which meeting (item_label), and why: for a person, in English until worded.
    label: Message
    reason: Message

    def __str__(self) -> str:
        return f"{self.label}: {self.reason}"


def fit_slug(slug: str, suffix: str = "") -> str:
    """slug + suffix, shortened to SLUG_MAX_LENGTH with a hash of the full slug when too
    long, so two long slugs that share a beginning stay apart."""
    if len(slug) + len(suffix) <= SLUG_MAX_LENGTH:
        return slug + suffix
    digest = hashlib.sha256(slug.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return slug[: SLUG_MAX_LENGTH - len(suffix) - 9] + "-" + digest + suffix


def join_lines(*parts: str, blank: bool = False) -> str:
    """The parts that are not empty, one per line (with a blank line between, if asked)."""
    return ("\n\n" if blank else "\n").join(p for p in parts if p)


# -- the file ------------------------------------------------------------------------


def load_feed(data: bytes) -> list[Any]:
    """The listed meetings of a feed file: a JSON list, or an object with a "meetings"
    list. Raises InvalidFeed when the file is not such a feed."""
    if len(data) > MAX_FEED_BYTES:
        raise InvalidFeed(Message(N_("The file is larger than %(size)s MB; no meeting "
                                     "feed is that large."),
                                  {"size": MAX_FEED_BYTES // (1024 * 1024)}))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidFeed(Message(N_("The file is not UTF-8 text (byte %(byte)s)."),
                                  {"byte": error.start})) from None
    try:
        feed = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as error:
        raise InvalidFeed(Message(N_("The file is not valid JSON: %(error)s at line "
                                     "%(line)s, column %(column)s."),
                                  {"error": error.msg, "line": error.lineno,
                                   "column": error.colno})) from None
    except (ValueError, RecursionError) as error:
        raise InvalidFeed(Message(N_("The file is not valid JSON: %(error)s"),
                                  {"error": str(error)})) from None
    if isinstance(feed, dict) and isinstance(feed.get("meetings"), list):
        feed = feed["meetings"]
    if not isinstance(feed, list):
        raise InvalidFeed(N_("The file is JSON but not a Meeting Guide feed: expected a "
                             "list of meetings (or an object with a \"meetings\" list)."))
    if not feed:
        raise InvalidFeed(N_("The feed lists no meetings."))
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
    first_with: dict[str, int] = {}
    for index, raw in enumerate(items, start=1):
        try:
            meeting = parse_meeting(raw, index)
        except SkippedMeeting as error:
            skips.append(Skip(index, describe_item(raw, index), error.said))
            continue
        slugs = {meeting.source_slug(d) for d in meeting.weekdays}
        if taken := [first_with[s] for s in sorted(slugs) if s in first_with]:
            skips.append(Skip(index, meeting.label, Message(
                N_("Its slug is already used by item %(index)s."), {"index": taken[0]})))
            continue
        first_with.update(dict.fromkeys(slugs, index))
        meetings.append(meeting)
    return meetings, skips


# -- one meeting ---------------------------------------------------------------------


def parse_meeting(raw: Any, index: int) -> FeedMeeting:
    """Read one listed meeting; raises SkippedMeeting with the reason it cannot be used."""
    if not isinstance(raw, dict):
        raise SkippedMeeting(Message(N_("It is %(kind)s, not a meeting (a JSON object)."),
                                     {"kind": _kind(raw)}))
    name = _text(raw, "name", line=True)
    if not name:
        raise SkippedMeeting(N_("It has no name."))
    slug = _text(raw, "slug", digits=True)
    if not slug:
        raise SkippedMeeting(N_("It has no slug, so a later import could not find it again."))
    if len(slug) > FEED_SLUG_MAX_LENGTH:
        raise SkippedMeeting(Message(N_("Its slug is longer than %(most)s characters; no "
                                        "meeting list keys on one that long."),
                                     {"most": FEED_SLUG_MAX_LENGTH}))
    weekdays = _weekdays(raw.get("day"))
    start = _time(raw, "time", Label(N_("start time")))
    if start is None:
        raise SkippedMeeting(N_("It has no start time."))
    end = _time(raw, "end_time", Label(N_("end time")))
    zone = _text(raw, "timezone") or None
    if zone is not None and not is_valid_timezone(zone):
        raise SkippedMeeting(Message(N_("“%(zone)s” is not a time zone we know."),
                                     {"zone": printable(zone)}))

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
    region, sub_region = _regions(raw)
    latitude, longitude = _position(raw)
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
        region=region,
        sub_region=sub_region,
        location_notes=_text(raw, "location_notes"),
        latitude=latitude,
        longitude=longitude,
        online_url=online_url,
        online_phone=online_phone,
        online_notes=join_lines(_text(raw, "conference_url_notes"),
                                 _text(raw, "conference_phone_notes")),
        types=tuple(known),
        wheelchair_accessible=WHEELCHAIR_CODE in known,
        notes=notes_with_other_types(_text(raw, "notes"), unknown),
        group=_text(raw, "group", line=True),
        group_notes=_text(raw, "group_notes"),
        entity=_text(raw, "entity", line=True),
        program=program_from_codes(codes),
        codes=tuple(codes),
        # Only a hint: one that cannot be read is left out, never a reason to skip.
        updated=parse_updated(updated) if isinstance(updated := raw.get("updated"), str)
        else None,
    )


def parse_time(value: str) -> time | None:
    """"19:30" (or "7:30", "19:30:00", "7:30 PM", "7:30pm", "12:15 a.m.") as a time; None
    if it is no time of day. "12:00 PM" is noon and "12:00 AM" midnight."""
    if match := _TIME.fullmatch(value):
        return time(int(match[1]), int(match[2]))
    if match := _TIME_12H.fullmatch(value):
        hour = int(match[1]) % 12 + (12 if match[3].lower() == "p" else 0)
        return time(hour, int(match[2]))
    return None


def parse_updated(value: str) -> datetime | None:
    """A feed's `updated` as a UTC instant: "2017-07-29 14:06:25" as the spec writes it
    (seconds optional, a "T" or a "Z" accepted), or "8/25/2022 11:17:07 AM" as some sites
    send it (month first, taken as UTC too); None for anything else, or a date before
    2000, which no real listing has."""
    text = " ".join(value.replace("T", " ").removesuffix("Z").split())
    for pattern in _UPDATED_FORMATS:
        try:
            instant = datetime.strptime(text, pattern)
        except ValueError:
            continue
        return instant.replace(tzinfo=UTC) if instant.year >= 2000 else None
    return None


def doubtful_end(start: time, minutes: int) -> Message | None:
    """Why a meeting's length looks like a slip in its end time ("12:15 to 01:15 is
    13 hours long"; "23:30 to 00:30 ends after midnight"), or None."""
    end = (datetime.combine(date(2000, 1, 1), start) + timedelta(minutes=minutes)).time()
    span = {"start": f"{start:%H:%M}", "end": f"{end:%H:%M}"}
    if minutes > DOUBTFUL_MINUTES:
        hours, rest = divmod(minutes, 60)
        if rest:
            return Message(N_("%(start)s to %(end)s is %(hours)s hours %(minutes)s minutes "
                              "long"), {**span, "hours": hours, "minutes": rest})
        return Message(N_("%(start)s to %(end)s is %(hours)s hours long"),
                       {**span, "hours": hours})
    if start.hour * 60 + start.minute + minutes > 24 * 60:
        return Message(N_("%(start)s to %(end)s ends after midnight"), span)
    return None


def program_from_codes(codes: Iterable[str]) -> str | None:
    """The program the type codes name (PROGRAM_CODES), or None when they name none or
    several."""
    named = {PROGRAM_CODES[c.upper()] for c in codes if c.upper() in PROGRAM_CODES}
    return named.pop() if len(named) == 1 else None


class InvalidProgramMap(Refusal):
    """The program map cannot be read; the message says where."""


def parse_program_map(text: str, programs: Iterable[str]) -> dict[str, str]:
    """A program map: "what = program" on each line, what being a type code or a group
    name as the feed writes it (case does not matter), program a choices.Program value.
    Blank lines and lines starting with "#" are skipped."""
    known = {p.casefold(): p for p in programs}
    mapping: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        what, equals, program = line.rpartition("=")
        if not equals or not what.strip():
            raise InvalidProgramMap(Message(N_("Line %(line)s should read “type code or group "
                                               "name = program”, like “RD = dharma”."),
                                            {"line": number}))
        if program.strip().casefold() not in known:
            raise InvalidProgramMap(Message(N_("Line %(line)s: “%(program)s” is not a program; "
                                               "use one of %(programs)s."),
                                            {"line": number,
                                             "program": printable(program.strip(), 40),
                                             "programs": ", ".join(known.values())}))
        mapping[" ".join(what.split()).casefold()] = known[program.strip().casefold()]
    return mapping


def program_of(meeting: FeedMeeting, program_map: dict[str, str]) -> str | None:
    """The program of a feed meeting: the map's for its group, else the map's for one of
    its type codes, else the one its codes name; None when none says."""
    if meeting.group and (program := program_map.get(" ".join(meeting.group.split())
                                                     .casefold())):
        return program
    for code in meeting.codes:
        if program := program_map.get(code.casefold()):
            return program
    return meeting.program


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
            raise SkippedMeeting(N_("The feed marks it inactive (not meeting for now)."))
        if option not in ATTENDANCE_OPTIONS:
            raise SkippedMeeting(Message(
                N_("Its attendance_option “%(option)s” is not one of %(options)s or "
                   "%(inactive)s."),
                {"option": printable(option), "options": ", ".join(ATTENDANCE_OPTIONS),
                 "inactive": INACTIVE}))
        return option
    if HYBRID_CODE in codes:
        return HYBRID
    online = has_online or ONLINE_CODE in codes
    in_person = has_place and TEMPORARILY_CLOSED_CODE not in codes
    if online:
        return HYBRID if in_person else ONLINE
    if TEMPORARILY_CLOSED_CODE in codes:
        raise SkippedMeeting(N_("Its location is temporarily closed and it has no online "
                                "option."))
    return IN_PERSON


def build_address(street: str, city: str, state: str, postal_code: str, country: str) -> str:
    """"123 Main St, Anytown, CA 98765, US", leaving out the parts not given."""
    region = " ".join(p for p in (state, postal_code) if p)
    return ", ".join(p for p in (street, city, region, country) if p)


def notes_with_other_types(notes: str, other_types: Sequence[str]) -> str:
    """The notes, with type codes outside the schema kept as their last line."""
    if not other_types:
        return notes
    return join_lines(notes, OTHER_TYPES_PREFIX + ", ".join(other_types), blank=True)


def first_date_on_or_after(weekday: int, day: date) -> date:
    """The first date falling on weekday (Monday = 0) from day on."""
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def local_date(now: datetime, zone: str) -> date:
    """The date it is at the instant `now` in the zone."""
    return now.astimezone(ZoneInfo(zone)).date()


# -- labels for people -----------------------------------------------------------------


def item_label(index: int, name: object, slug: object) -> Message:
    """"item 12 “Tuesday Step Study” (slug tuesday-step-study)", for summary lines."""
    values: dict[str, object] = {"index": index}
    if isinstance(name, str) and name.strip():
        values["name"] = printable(name.strip(), 60)
    if isinstance(slug, str | int) and not isinstance(slug, bool) and str(slug).strip():
        values["slug"] = printable(str(slug).strip(), 70)
    if "name" in values:
        return Message(N_("item %(index)s “%(name)s” (slug %(slug)s)") if "slug" in values
                       else N_("item %(index)s “%(name)s”"), values)
    return Message(N_("item %(index)s (slug %(slug)s)") if "slug" in values
                   else N_("item %(index)s"), values)


def describe_item(raw: Any, index: int) -> Message:
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


def _kind(value: Any) -> Label:
    if isinstance(value, bool):
        return Label(N_("true/false"))
    if isinstance(value, int | float):
        return Label(N_("a number"))
    if isinstance(value, str):
        return Label(N_("text"))
    if isinstance(value, list):
        return Label(N_("a list"))
    if isinstance(value, dict):
        return Label(N_("an object"))
    return Label(N_("empty"))


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
        raise SkippedMeeting(Message(N_("“%(key)s” should be text, not %(kind)s."),
                                     {"key": key, "kind": _kind(value)}))
    if "\x00" in value:
        raise SkippedMeeting(Message(N_("“%(key)s” contains a character that cannot be "
                                        "stored (NUL)."), {"key": key}))
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise SkippedMeeting(Message(N_("“%(key)s” contains text that is not valid Unicode."),
                                     {"key": key})) from None
    return " ".join(value.split()) if line else value.strip()


def unnamed_group_key(name: str, location_name: str, address: str
                      ) -> tuple[str, str, str] | None:
    """What the meetings of one group without a name in the feed share: the meeting's
    name and its place, without case or extra spaces; None without a place (online
    meetings of one name may well be different groups)."""
    if not (location_name.strip() or address.strip()):
        return None
    def folded(text: str) -> str:
        return " ".join(text.split()).casefold()

    return folded(name), folded(location_name), folded(address)


def _regions(raw: dict[str, Any]) -> tuple[str, str]:
    """The meeting's region and its finer levels (as MeetingValues.sub_region has them):
    its `regions` list, most general first, when there is one that agrees with its
    `region`; else its `region` and `sub_region`."""
    region = _text(raw, "region", line=True)
    value = raw.get("regions")
    if value is not None and not isinstance(value, list):
        raise SkippedMeeting(Message(N_("“regions” should be a list of text, not %(kind)s."),
                                     {"kind": _kind(value)}))
    levels = [_text({"regions": level}, "regions", line=True) for level in value or []]
    levels = [level for level in levels if level]
    if levels and (not region or levels[0].casefold() == region.casefold()):
        return region or levels[0], sub_region_text(levels[1:])
    return region, _text(raw, "sub_region", line=True)


def _day(value: Any) -> int:
    """One Meeting Guide day: 0–6, also written as "1" or 1.0."""
    number: Any = value
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        number = int(value.strip())
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    if isinstance(number, bool) or not isinstance(number, int):
        raise SkippedMeeting(Message(N_("Its day is %(value)s, not a day number (0 = Sunday "
                                        "… 6 = Saturday)."), {"value": _shown(value)}))
    if not 0 <= number <= 6:
        raise SkippedMeeting(Message(N_("Day %(number)s is not a day of the week (0 = Sunday "
                                        "… 6 = Saturday)."),
                                     {"number": printable(str(number), 20)}))
    return number


def _weekdays(value: Any) -> tuple[int, ...]:
    """Python weekdays from a Meeting Guide day or list of days."""
    if value is None or value == "":
        raise SkippedMeeting(N_("It has no day of the week (meetings by appointment are not "
                                "imported)."))
    days = value if isinstance(value, list) else [value]
    if not days:
        raise SkippedMeeting(N_("Its list of days is empty."))
    return tuple(sorted({python_weekday(_day(d)) for d in days}))


def _time(raw: dict[str, Any], key: str, what: Label) -> time | None:
    value = raw.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise SkippedMeeting(Message(N_("Its %(what)s is %(kind)s, not a time like “19:30”."),
                                     {"what": what, "kind": _kind(value)}))
    parsed = parse_time(value.strip())
    if parsed is None:
        raise SkippedMeeting(Message(N_("Its %(what)s “%(value)s” is not a time of day "
                                        "(like 19:30 or 7:30 PM)."),
                                     {"what": what, "value": printable(value)}))
    return parsed


def _codes(value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(c, str) for c in value):
        raise SkippedMeeting(N_("“types” should be a list of type codes like [\"O\", \"D\"]."))
    codes = [c.strip() for c in value if c.strip()]
    for code in codes:
        if len(code) > 20 or not code.isprintable():
            raise SkippedMeeting(Message(N_("“%(code)s” is not a type code."),
                                         {"code": printable(code, 20)}))
    return codes


def _position(raw: dict[str, Any]) -> tuple[float | None, float | None]:
    """The latitude and longitude, or neither: one of them alone places nothing (the
    meeting is kept, without a map position)."""
    latitude, longitude = _coordinate(raw, "latitude"), _coordinate(raw, "longitude")
    if latitude is None or longitude is None:
        return None, None
    return latitude, longitude


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
        raise SkippedMeeting(Message(N_("Its %(key)s is %(value)s, not a number."),
                                     {"key": key, "value": _shown(value)}))
    return number
