"""The VEVENTs of one meeting series, written as RFC 5545 content lines.

Pure: no Flask, no database. ical.build_feed() puts these events in a calendar with
its VTIMEZONEs; see its module for the decisions about what the feed says. This
module decides how each event is written:

- Directly as text, not through icalendar's component objects. An event has a dozen
  properties of five kinds (TEXT, DATE-TIME, DURATION, RECUR, URI), and RFC 5545's
  rules for writing them are few: escape TEXT, fold lines longer than 75 octets,
  end every line with CRLF. Building and serializing icalendar's objects for 5,000
  meetings takes about twice as long as serializing them once more (bench_feeds).
  The lines are the ones icalendar 7.3 writes, in its order, with our corrections
  (see _text_value and _geo_value); the tests read every feed back with icalendar
  and with vobject.
- Same event, same bytes: a feed can keep the text of its unchanged events and write
  only the changed ones, kept under event_key(), a digest of all the event shows.
- From the meeting series as stored: what applies to how it is attended (the place,
  its coordinates and directions in person; online, the join page and the phone up to
  the meeting ID) is decided here, as the Meeting Guide writer decides it for its items.
- Never a passcode: the link as typed (with its `pwd=`), the dial string after the
  meeting ID and the online notes are only on the join page (domain/join_page.py), which
  CONFERENCE and the description lead to, a private group's behind its feed's token.
"""

from __future__ import annotations

import hashlib
import math
import pickle
import re
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import replace
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from urllib.parse import quote
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from facilitator.domain.join_page import OPENING_HOURS
from facilitator.domain.join_page import public_phone
from facilitator.domain.join_page import request_note
from facilitator.domain.links import web_link
from facilitator.domain.meeting import MeetingSeries
from facilitator.domain.meeting import SeriesException
from facilitator.domain.meeting_types import type_name
from facilitator.domain.recurrence import Frequency
from facilitator.domain.recurrence import Schedule
from facilitator.domain.recurrence import occurrence_on

#: The label of the online link in CONFERENCE.
CONFERENCE_LABEL = "Join online"
#: A changed date's note when it has a link of its own, which only the join page gives.
DIFFERENT_LINK = "A different online link on this date: the join page gives it."
#: Longest content line, in octets, before it is folded (RFC 5545 3.1 says 75 with
#: the line break excluded; icalendar keeps one octet below that, and so do we).
FOLD_AT = 74

#: Every kind of line break Python's str.splitlines() knows; all become LF.
_LINE_BREAKS = re.compile(r"\r\n|[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]")
#: Control characters RFC 5545 does not allow in TEXT (C0 but TAB and line breaks,
#: DEL, C1 but NEL), and lone surrogates, which cannot be written as UTF-8.
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1b\x1f\x7f-\x84\x86-\x9f]")
_SURROGATES = re.compile(r"[\ud800-\udfff]")
#: What TEXT escapes (RFC 5545 3.3.11); the text has been through feed_text().
_TEXT_SPECIALS = str.maketrans({"\\": "\\\\", ";": "\\;", ",": "\\,", "\n": "\\n"})
#: Characters a URI holds as they are (RFC 3986 2.2 and 2.3, and the "%" of an escape;
#: quote() adds letters and digits); every other one is percent-encoded.
_URI_CHARACTERS = "-._~:/?#[]@!$&'()*+,;=%"
#: A "%" that does not begin an escape ("100%"): written %25.
_LONE_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
#: A URI already: nothing to encode.
_URI = re.compile(r"(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*")


@dataclass(frozen=True)
class FeedWords:
    """What a feed says in its own words, in one language (the meeting's own text is
    never translated). The view makes them from the catalog for `?lang=`; English here.
    Part of every FeedEvent, so an event written in one language is kept apart."""

    #: The code of the language, for the meeting types' names (meeting_types.type_name).
    lang: str = "en"
    conference_label: str = CONFERENCE_LABEL
    different_link: str = DIFFERENT_LINK
    #: With {url} and {hours} (joining.OPENING_HOURS, in this language).
    join_online: str = "Join online: {url} (the link and passcode, {hours})"
    hours: str = OPENING_HOURS
    phone: str = "Phone: {phone}"
    passcode_on_request: str = "Passcode on request: {contact}"
    group_page: str = "Group page: {url}"


ENGLISH = FeedWords()


@dataclass(frozen=True)
class FeedEvent:
    """One meeting series, as the feed shows it: the series, and what the feed adds."""

    series: MeetingSeries
    #: What the calendar shows: see event_summary().
    summary: str
    #: The group's public page.
    url: str = ""
    #: The meeting's join page (public, or a private group's behind its token), where
    #: the link and passcode are; "" for none.
    join_url: str = ""
    words: FeedWords = ENGLISH

    @property
    def schedule(self) -> Schedule:
        return self.series.schedule


@dataclass(frozen=True)
class EventText:
    """A meeting series written out: its VEVENTs' lines, and the year it starts (for
    the VTIMEZONE). Empty when every date is cancelled."""

    body: bytes
    first_year: int = 0


def event_key(event: FeedEvent) -> bytes:
    """What an event's written text is kept under: the SHA-256 of its pickle, a complete
    description of it (the event is made again from it), so two events with one key are
    equal and give the same text. The key is 32 bytes where the event holds its whole
    series, a few KB: a worker keeps the texts of thousands of events."""
    return hashlib.sha256(pickle.dumps(event, protocol=5)).digest()


def event_summary(title: str, group: str) -> str:
    """The SUMMARY of a meeting: "Step Study — Tuesday Women's AA"; the title alone when
    the group has no other name."""
    title, group = title.strip(), group.strip()
    if not group or group.casefold() == title.casefold():
        return title
    if not title:
        return group
    return f"{title} — {group}"


def feed_text(text: str) -> str:
    """Text as the feed carries it, and as a calendar app reads it back.

    Every line break (CRLF, a lone CR, and the rarer ones: VT, FF, NEL, U+2028…)
    becomes LF, since TEXT has only one; other control characters, which RFC 5545
    does not allow, are dropped; lone surrogates become U+FFFD.
    """
    text = _LINE_BREAKS.sub("\n", text)
    text = _CONTROLS.sub("", text)
    return _SURROGATES.sub("\ufffd", text)


def event_text(event: FeedEvent) -> EventText:
    """Write one meeting series: the series, then one VEVENT per changed date; nothing
    when the series has no date that is not cancelled."""
    schedule = event.schedule
    exceptions = _exceptions_on_dates(event)
    cancelled = sorted(d for d, e in exceptions.items() if e.cancelled)
    candidates = schedule.next_dates(schedule.first_date, len(cancelled) + 1)
    first = next((d for d in candidates if d not in exceptions or
                  not exceptions[d].cancelled), None)
    if first is None:
        return EventText(b"")
    if schedule.recurrence.frequency is Frequency.ONCE:
        return EventText(_vevent(event, first, exceptions.get(first)), first.year)
    recurrence = [f"RRULE:{_rrule_value(schedule)}"]
    recurrence += [f"EXDATE;TZID={schedule.timezone}:{_local_value(_nominal_start(schedule, d))}"
                   if schedule.timezone != "UTC" else
                   f"EXDATE:{_local_value(_nominal_start(schedule, d))}Z"
                   for d in cancelled if d > first]
    overrides = [_vevent(event, day, exception) for day, exception in sorted(exceptions.items())
                 if not exception.cancelled]
    return EventText(b"".join([_vevent(event, first, None, recurrence), *overrides]),
                     first.year)


def utc(moment: datetime) -> datetime:
    """An aware datetime in UTC; a naive one is refused, since it names no instant."""
    if moment.tzinfo is None:
        raise ValueError("last_modified must be an aware datetime (UTC).")
    return moment.astimezone(UTC)


def content_line(line: str) -> bytes:
    """One content line ("NAME;PARAM=x:value"), folded and ending in CRLF.

    A fold goes between two characters, never inside one, and not right after a
    backslash or caret, so that no reader sees a TEXT escape (or an RFC 6868 one) cut
    in two: readers should unfold first, but not all do.
    """
    data = line.encode()
    if len(data) <= FOLD_AT:
        return data + b"\r\n"
    parts = []
    start = 0
    while len(data) - start > FOLD_AT:
        end = start + FOLD_AT
        while data[end] & 0xC0 == 0x80:  # a UTF-8 continuation byte: inside a character
            end -= 1
        escaped = len(data[start:end].rstrip(b"\\^"))
        if escaped:  # else the segment is all backslashes: any cut is as good (RFC 5545)
            end = start + escaped
        parts.append(data[start:end])
        start = end
    parts.append(data[start:])
    return b"\r\n ".join(parts) + b"\r\n"


def text_value(text: str) -> str:
    """TEXT as RFC 5545 escapes it. icalendar 7.3 turns a literal backslash-N into a
    line break; here it stays as typed."""
    return feed_text(text).translate(_TEXT_SPECIALS)


def uri_value(url: str) -> str | None:
    """A published link (web_link) as a URI value for URL and CONFERENCE: RFC 3986
    allows ASCII only, so a non-ASCII host is written in IDNA (xn--…) and any other
    character a URI cannot hold is percent-encoded as UTF-8. An existing %XX stays as
    it is, so nothing is encoded twice. None when the link may not be published."""
    link = web_link(url)
    if link is None or _URI.fullmatch(link):
        return link
    netloc = urlsplit(link).netloc
    at = link.index(netloc, link.index("//"))
    return link[:at] + _ascii_netloc(netloc) + _percent_encoded(link[at + len(netloc):])


def _ascii_netloc(netloc: str) -> str:
    if netloc.isascii():
        return _percent_encoded(netloc)
    userinfo, at, host_port = netloc.rpartition("@")
    host, colon, port = host_port.partition(":")  # not an IPv6 literal: those are ASCII
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError:  # no IDNA form (an emoji, a label too long): RFC 3986's own
        host = _percent_encoded(host)
    return _percent_encoded(userinfo) + at + host + colon + _percent_encoded(port)


def _percent_encoded(text: str) -> str:
    text = _LONE_PERCENT.sub("%25", text)
    return quote(text, safe=_URI_CHARACTERS, encoding="utf-8", errors="strict")


def _vevent(event: FeedEvent, day: date, exception: SeriesException | None,
            recurrence: Sequence[str] = ()) -> bytes:
    """The VEVENT of the occurrence on `day`, with its change applied if it has one;
    `recurrence` is the series' RRULE and EXDATE lines."""
    series, schedule = event.series, event.schedule
    change = exception if exception is not None and not exception.cancelled else None
    changed = change is not None
    note = change.note if change else ""
    location, geo = _place(series), series.position
    online = series.attendance.online
    if change and feed_text(change.place).strip():
        location, geo = change.place, None
    if change and online and feed_text(change.online_url).strip():
        note = "\n".join(n for n in (note, event.words.different_link) if n.strip())
    zone = schedule.timezone
    if recurrence:
        times = [f"DTSTART{_timed(_nominal_start(schedule, day), zone)}",
                 _series_end(schedule, day)]
    else:
        occurrence = occurrence_on(schedule, day, change)
        times = [f"DTSTART{_exact(occurrence.starts_at, zone)}",
                 f"DTEND{_exact(occurrence.ends_at, zone)}"]
    stamp = _utc_value(series.last_modified)
    summary = text_value(event.summary)
    description = text_value(_description(event, note))
    place = text_value(location)
    conference = uri_value(event.join_url) if online else None
    url = uri_value(event.url)
    lines = [
        "BEGIN:VEVENT",
        f"SUMMARY:{summary}" if summary else "",
        *times,
        f"DTSTAMP:{stamp}",
        f"UID:{text_value(series.uid)}",
        f"RECURRENCE-ID{_timed(_nominal_start(schedule, day), zone)}" if changed and
        schedule.recurrence.frequency is not Frequency.ONCE else "",
        f"SEQUENCE:{series.sequence}",
        *recurrence,
        f"CONFERENCE;FEATURE=VIDEO;LABEL={param_value(event.words.conference_label)}"
        f";VALUE=URI:{conference}"
        if conference else "",
        f"DESCRIPTION:{description}" if description else "",
        f"GEO:{geo[0]:.6f};{geo[1]:.6f}" if geo is not None and _valid_geo(geo) else "",
        f"LAST-MODIFIED:{stamp}",
        f"LOCATION:{place}" if place else "",
        f"URL:{url}" if url else "",
        "END:VEVENT",
    ]
    return b"".join(content_line(line) for line in lines if line)


def _timed(local: datetime, zone: str) -> str:
    """";TZID=zone:local" for DTSTART and its kin; ":…Z" where the zone is named "UTC",
    which RFC 5545 writes without TZID."""
    if zone == "UTC":
        return f":{_local_value(local)}Z"
    return f";TZID={zone}:{_local_value(local)}"


def _series_end(schedule: Schedule, day: date) -> str:
    """DTEND of a series whose first date is `day`, or its DURATION.

    RFC 5545 gives every date of a series the exact length from DTSTART to DTEND, but
    clients work it out from the two local times, so DTEND is written only where that
    gives the meeting's length too: no clock change during the first date, an end
    that names one instant, and less than a day after the start (a whole day's
    difference is read as a calendar day, 23 or 25 hours long on a clock-change
    weekend). Otherwise DURATION, in hours and minutes (exact time).
    """
    zone = schedule.zone
    start = _nominal_start(schedule, day)
    duration = schedule.duration
    # RFC 5545 reads a skipped local time with the offset before the gap and a repeated
    # one as its first occurrence: fold=0, as zoneinfo does.
    end = (start.replace(tzinfo=zone).astimezone(UTC) + duration).astimezone(zone)
    end = end.replace(tzinfo=None)
    if end - start == duration < timedelta(days=1) and _unambiguous(end, zone):
        return f"DTEND{_timed(end, schedule.timezone)}"
    return f"DURATION:{_duration_value(duration)}"


def _exact(moment: datetime, zone: str) -> str:
    """";TZID=zone:local" for a date-time of one date (a one-date meeting, a changed
    date): its local time when that names one instant, else ":…Z" in UTC. No client has
    to add a length to a local time or choose between two instants (a 00:15 to 01:15
    meeting on the night the clocks go back is written 00:15 to 06:15Z in Chicago), and
    a start skipped by the clocks is written as the time it really is."""
    local = moment.astimezone(ZoneInfo(zone))
    if zone != "UTC" and _unambiguous(local.replace(tzinfo=None), ZoneInfo(zone)):
        return _timed(local.replace(tzinfo=None), zone)
    return f":{_utc_value(moment)}"


def _unambiguous(local: datetime, zone: ZoneInfo) -> bool:
    """Whether a wall time names exactly one instant in the zone: neither repeated
    (the clocks going back) nor skipped (going forward)."""
    first = local.replace(tzinfo=zone, fold=0)
    second = local.replace(tzinfo=zone, fold=1)
    exists = first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == local
    return exists and first.utcoffset() == second.utcoffset()


def _rrule_value(schedule: Schedule) -> str:
    """The series' RRULE: the stored rule with UNTIL (in UTC, as RFC 5545 wants when
    DTSTART has a TZID: the last second of last_date in the meeting's zone, so the whole
    last date counts) and, every other week and the like, the week start."""
    parts = schedule.recurrence.to_rrule().split(";")
    if schedule.last_date is not None:
        # fold=1: where the last second of the day comes twice, the later one.
        end_of_day = datetime.combine(schedule.last_date, time(23, 59, 59),
                                      tzinfo=schedule.zone).replace(fold=1)
        parts.insert(1, f"UNTIL={_utc_value(end_of_day)}")
    if schedule.recurrence.interval > 1:
        # Which weeks count depends on where a week starts; say so rather than rely on
        # every client defaulting to Monday as RFC 5545 and dateutil do.
        parts.append("WKST=MO")
    return ";".join(parts)


def _exceptions_on_dates(event: FeedEvent) -> dict[date, SeriesException]:
    """The exceptions on dates of the series. Others (left over after the series was
    edited) are ignored: an override for a date the rule does not produce would show
    up as an extra meeting in some apps."""
    exceptions: dict[date, SeriesException] = {}
    for exception in event.series.exceptions:
        if exception.date in exceptions:
            raise ValueError(f"Two exceptions on {exception.date} for {event.series.uid}.")
        if _falls_on(event.schedule, exception.date):
            exceptions[exception.date] = exception
    return exceptions


def _falls_on(schedule: Schedule, day: date) -> bool:
    """Schedule.falls_on(day), in constant time.

    dateutil walks a rule from its first date, which for a series that began years
    ago is thousands of steps. The pattern repeats every `interval` weeks (weekly) or
    every month (monthly), so starting the series at the last repetition on or before
    `day` gives the same answer.
    """
    if not schedule.first_date <= day <= (schedule.last_date or date.max):
        return False
    recurrence = schedule.recurrence
    anchor = schedule.first_date
    if recurrence.frequency is Frequency.WEEKLY:
        period = 7 * recurrence.interval
        anchor += timedelta(days=(day - anchor).days // period * period)
    elif recurrence.frequency is Frequency.MONTHLY:
        anchor = max(anchor, day.replace(day=1))
    return replace(schedule, first_date=anchor).falls_on(day)


def _place(series: MeetingSeries) -> str:
    """Where it meets, as one text; "" for an online meeting."""
    return series.place if series.attendance.in_person else ""


def _description(event: FeedEvent, note: str) -> str:
    """The note for this date, the meeting's types, its join page and phone (up to the
    meeting ID) and where the passcode is, its notes (with those on the place when it
    meets in person), and the group page (which apps that ignore URL, such as Google
    Calendar, do not show). Never the online notes: they may hold the passcode."""
    series, words = event.series, event.words
    in_person, online = series.attendance.in_person, series.attendance.online
    names = (type_name(code, words.lang) for code in series.types)
    types = ", ".join(name for name in map(_clean, names) if name)
    join_url = _clean(event.join_url) if online else ""
    phone = _clean(public_phone(series))
    details = [types,
               words.join_online.format(url=join_url, hours=words.hours) if join_url else "",
               words.phone.format(phone=phone) if phone else "",
               _clean(request_note(series, words.passcode_on_request)) if online else ""]
    notes = "\n\n".join(n for n in (series.notes, series.location_notes if in_person else "")
                        if n)
    url = _clean(event.url)
    blocks = [_clean(note), "\n".join(line for line in details if line), _clean(notes),
              words.group_page.format(url=url) if url else ""]
    return "\n\n".join(block for block in blocks if block)


def param_value(text: str) -> str:
    """A parameter value (RFC 5545 3.1): no DQUOTE or control character, and quoted
    when it holds ",", ";" or ":"."""
    text = _CONTROLS.sub("", feed_text(text).replace("\n", " ")).replace('"', "")
    return f'"{text}"' if any(c in text for c in ",;:") else text


def _clean(text: str) -> str:
    return feed_text(text).strip()


def _nominal_start(schedule: Schedule, day: date) -> datetime:
    """The start the rule produces on `day`: naive local wall time, as written."""
    return datetime.combine(day, schedule.start_time)


def _local_value(moment: datetime) -> str:
    return (f"{moment.year:04}{moment.month:02}{moment.day:02}"
            f"T{moment.hour:02}{moment.minute:02}{moment.second:02}")


def _utc_value(moment: datetime) -> str:
    return _local_value(utc(moment)) + "Z"


def _duration_value(duration: timedelta) -> str:
    """A positive DURATION in hours, minutes and seconds: PT24H, PT2H30M (RFC 5545
    3.3.6). Never in days, which are calendar days: P1D lasts 23 or 25 hours across a
    clock change."""
    hours, rest = divmod(int(duration.total_seconds()), 3600)
    minutes, seconds = divmod(rest, 60)
    clock = "".join(f"{n}{unit}" for n, unit in ((hours, "H"), (minutes, "M"), (seconds, "S"))
                    if n)
    return f"PT{clock or '0S'}"


def _valid_geo(geo: tuple[float, float]) -> bool:
    latitude, longitude = geo
    return (math.isfinite(latitude) and math.isfinite(longitude)
            and -90 <= latitude <= 90 and -180 <= longitude <= 180)
