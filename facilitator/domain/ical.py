"""The iCalendar feed members subscribe to: every meeting series of a group or an
organization, with each cancelled and changed date, as RFC 5545 and RFC 7986 have it.

Pure: no Flask, no database. It takes plain values (FeedCalendar, FeedEvent,
FeedException) and returns the feed as bytes, built with the icalendar library.

Decisions, and why:

- Nothing comes from the clock or from chance. DTSTAMP is the event's last_modified,
  the calendar's UID is derived from its page URL, events are written in UID order and
  their dates in date order: the same data always gives the same bytes, so the HTTP
  layer can derive ETags and cache keys from the data alone.
- Times are the meeting's local wall time with TZID set to its IANA zone name exactly
  as stored (icalendar would pick one of the equivalent names itself). The one
  exception is icalendar's rule that "UTC" is written "...Z"; apps that follow
  Google's X-WR-TIMEZONE convention read such times (and TZID=Etc/UTC) in the feed's
  zone, so a meeting in UTC in a feed whose zone has daylight saving moves by an hour
  there. The forms offer no UTC zone.
- DTSTART is the first date of the series that is not cancelled, so that no client
  has to apply an EXDATE to DTSTART itself (some have not), and a one-date meeting
  that is cancelled is simply left out, like any cancelled date.
- A cancelled date is an EXDATE, one per line, at the occurrence's nominal start, not
  a STATUS:CANCELLED override: every client removes an EXDATE, whereas cancelled
  overrides are shown inconsistently (some apps show them as if they took place).
- A changed date is an override VEVENT: same UID and SEQUENCE, RECURRENCE-ID at the
  original start, its own DTSTART/DTEND, LOCATION, CONFERENCE and DESCRIPTION (the
  facilitator's note first). A changed one-date meeting is just written as changed.
- Exceptions on dates that are not dates of the series (left over after the series
  was edited) are ignored: an override for a date the rule does not produce would
  show up as an extra meeting in some apps.
- UNTIL is the last second of last_date in the meeting's zone, in UTC: RFC 5545 wants
  UTC when DTSTART has a TZID, and the whole of the last date is included whatever
  the start time.
- DTEND is written when its wall-clock distance from DTSTART is the duration; when a
  daylight-saving change falls inside the first meeting, DURATION (exact) is written
  instead, so that no reader has to resolve an ambiguous or skipped local time.
- Text from facilitators goes through feed_text() (every line break, a lone CR
  included, becomes LF; other control characters are dropped) and is escaped as
  icalendar's TEXT type does, except that a literal backslash followed by "N" stays
  as typed (icalendar 7.3 turns it into a line break). A link that is not a plain
  http(s) URL is left out of URL and CONFERENCE (it still appears, as text, in
  DESCRIPTION).
- Each VTIMEZONE is icalendar's own, built from the zone data once per zone and
  cached; it covers 2000-2040 (and any earlier or later year a meeting needs). Three
  corrections: the onset of a change that puts clocks forward is given in the local
  time before it, as RFC 5545 says (icalendar writes the time after it, so apps that
  read the VTIMEZONE put the hour after the change an hour early); RDATEs are
  written one per line, because some readers (vobject, through dateutil) keep only
  the first value of a list; and summer time is DAYLIGHT also where tzdata calls it
  standard time (Europe/Dublin).
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Iterable
from collections.abc import MutableMapping
from dataclasses import dataclass
from dataclasses import replace
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from functools import cache
from zoneinfo import ZoneInfo

from icalendar import Calendar
from icalendar import Component
from icalendar import Conference
from icalendar import Event
from icalendar import Timezone
from icalendar import TimezoneDaylight
from icalendar import TimezoneStandard
from icalendar import vDatetime
from icalendar import vDDDLists
from icalendar import vDuration
from icalendar import vGeo
from icalendar import vRecur
from icalendar import vText

from facilitator.domain.recurrence import Frequency
from facilitator.domain.recurrence import Schedule
from facilitator.domain.recurrence import occurrence_on

PRODID = "-//facilitator//Meeting feed//EN"
#: How often calendar apps are asked to fetch the feed again.
DEFAULT_REFRESH_INTERVAL = timedelta(hours=4)
#: The label of the online link in CONFERENCE.
CONFERENCE_LABEL = "Join online"
#: The years each VTIMEZONE covers at least (from the start of the first to the start of
#: the second). Apps that read the VTIMEZONE rather than their own zone data need it to
#: cover every date they expand, and some judge a zone by the years 2000-2020 (vobject
#: takes one with no change in those years for UTC).
VTIMEZONE_YEARS = (2000, 2040)

#: Every kind of line break Python's str.splitlines() knows; all become LF.
_LINE_BREAKS = re.compile(r"\r\n|[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]")
#: Control characters RFC 5545 does not allow in TEXT (C0 but TAB and line breaks,
#: DEL, C1 but NEL), and lone surrogates, which cannot be written as UTF-8.
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1b\x1f\x7f-\x84\x86-\x9f]")
_SURROGATES = re.compile(r"[\ud800-\udfff]")
#: A link we publish as a URI: http(s), no white space, no control characters.
_WEB_LINK = re.compile(r"https?://[^\s\x00-\x1f\x7f-\x9f\u2028\u2029]+", re.IGNORECASE)


@dataclass(frozen=True)
class FeedCalendar:
    """The feed as a whole: what calendar apps show as the calendar's name."""

    name: str
    #: The public page the feed belongs to (the group's or the organization's).
    url: str
    description: str = ""
    #: IANA zone of the group or organization, published as X-WR-TIMEZONE.
    zone: str = "UTC"
    refresh_interval: timedelta = DEFAULT_REFRESH_INTERVAL


@dataclass(frozen=True)
class FeedException:
    """One date of a series, cancelled or changed; "" and None keep the series' value.

    It has what recurrence.DateException asks for, so occurrence_on() applies it.
    """

    date: date
    cancelled: bool = False
    start_time: time | None = None
    duration_minutes: int | None = None
    #: The place for this date, as one text (name and address).
    location: str = ""
    online_url: str = ""
    #: Why it is cancelled, or what is different; shown first in the description.
    note: str = ""


@dataclass(frozen=True)
class FeedEvent:
    """One meeting series, as the feed shows it."""

    #: Stable for the life of the meeting.
    uid: str
    #: Grows with every change to the series or one of its dates.
    sequence: int
    #: What the calendar shows: see event_summary().
    summary: str
    schedule: Schedule
    #: When the series or one of its exceptions last changed: aware, in UTC. Also the
    #: DTSTAMP, so that the feed depends on the data only.
    last_modified: datetime
    #: The place as one text (name and address); "" for an online meeting.
    location: str = ""
    #: (latitude, longitude) of the place, where known.
    geo: tuple[float, float] | None = None
    #: The group's public page.
    url: str = ""
    online_url: str = ""
    online_phone: str = ""
    #: The names of the meeting's types, as people read them (meeting_types.type_names).
    type_names: tuple[str, ...] = ()
    #: Free text for members: notes on the meeting, the place, the online link.
    notes: str = ""
    exceptions: tuple[FeedException, ...] = ()


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


def feed_last_modified(events: Iterable[FeedEvent]) -> datetime | None:
    """The latest change in the feed (its LAST-MODIFIED), from the data alone."""
    return max((_utc(e.last_modified) for e in events), default=None)


def build_feed(
    calendar: FeedCalendar,
    events: Iterable[FeedEvent],
    serialized: MutableMapping[FeedEvent, EventText] | None = None,
) -> bytes:
    """The iCalendar feed of the given meeting series, as bytes (UTF-8, CRLF, folded).

    `serialized`, when given, holds events already written (see event_text): they are
    reused, and the new ones are added to it.
    """
    events = sorted(events, key=lambda e: e.uid)
    last_modified = feed_last_modified(events)
    feed = Calendar.new(
        prodid=PRODID,
        calscale="GREGORIAN",
        name=_text(calendar.name) or None,
        description=_text(calendar.description) or None,
        url=_web_link(calendar.url),
        uid=str(uuid.uuid5(uuid.NAMESPACE_URL, calendar.url)),
        last_modified=last_modified,
        refresh_interval=calendar.refresh_interval,
    )
    # RFC 7986 requires the VALUE parameter of REFRESH-INTERVAL; icalendar leaves it out.
    feed["REFRESH-INTERVAL"].params["VALUE"] = "DURATION"
    feed.add("X-PUBLISHED-TTL", vDuration(calendar.refresh_interval))
    feed.add("X-WR-TIMEZONE", _text(calendar.zone))

    years: dict[str, tuple[int, int]] = {}
    bodies = []
    for event in events:
        text = serialized.get(event) if serialized is not None else None
        if text is None:
            text = event_text(event)
            if serialized is not None:
                serialized[event] = text
        if not text.body:
            continue
        last_year = (event.schedule.last_date or event.schedule.first_date).year
        zone = event.schedule.timezone
        known = years.get(zone, (text.first_year, last_year))
        years[zone] = (min(known[0], text.first_year), max(known[1], last_year))
        bodies.append(text.body)
    if not years:
        # RFC 5545 wants at least one component: the feed's own zone, for an app to use.
        years[calendar.zone] = (VTIMEZONE_YEARS[0], VTIMEZONE_YEARS[0])
    # "UTC" is written as "...Z" by icalendar: no TZID, so no VTIMEZONE either.
    zones = sorted(zone for zone in years if not _local(datetime(2000, 1, 1), zone).is_utc())
    for zone in zones:
        first_year, last_year = years[zone]
        feed.subcomponents.append(_vtimezone(zone, first_year, last_year))
    # The calendar's own lines and zones, then each event's lines, as icalendar would
    # write them all at once: a component's text does not depend on its neighbours.
    head = feed.to_ical()
    if not head.endswith(_END):
        raise AssertionError("icalendar wrote an unexpected calendar ending")
    return head[: -len(_END)] + b"".join(bodies) + _END


_END = b"END:VCALENDAR\r\n"


@dataclass(frozen=True)
class EventText:
    """A meeting series written out: its VEVENTs' lines, and the year it starts (for
    the VTIMEZONE). Empty when every date is cancelled."""

    body: bytes
    first_year: int = 0


def event_text(event: FeedEvent) -> EventText:
    """Write one meeting series. Same event, same bytes: a feed can keep the text of its
    unchanged events and write only the changed ones (a FeedEvent is its own key)."""
    components = _event_components(event)
    if not components:
        return EventText(b"")
    return EventText(b"".join(c.to_ical() for c in components),
                     components[0]["DTSTART"].dt.year)


def _event_components(event: FeedEvent) -> list[Event]:
    """The VEVENTs of one series: the series, then one per changed date; none when the
    series has no date that is not cancelled."""
    schedule = event.schedule
    exceptions = _exceptions_on_dates(event)
    cancelled = sorted(d for d, e in exceptions.items() if e.cancelled)
    candidates = schedule.next_dates(schedule.first_date, len(cancelled) + 1)
    first = next((d for d in candidates if d not in exceptions or
                  not exceptions[d].cancelled), None)
    if first is None:
        return []
    if schedule.recurrence.frequency is Frequency.ONCE:
        return [_vevent(event, first, exceptions.get(first))]
    series = _vevent(event, first, None)
    series.add("RRULE", _rrule(schedule))
    for day in cancelled:
        if day > first:
            series.add("EXDATE", vDDDLists([_nominal_start(schedule, day)],
                                           params={"TZID": schedule.timezone}))
    overrides = []
    for day, exception in sorted(exceptions.items()):
        if not exception.cancelled:
            override = _vevent(event, day, exception)
            override.add("RECURRENCE-ID", _local(_nominal_start(schedule, day),
                                                 schedule.timezone))
            overrides.append(override)
    return [series, *overrides]


def _vevent(event: FeedEvent, day: date, exception: FeedException | None) -> Event:
    """The VEVENT of the occurrence on `day`, with its change applied if it has one."""
    schedule = event.schedule
    changed = exception is not None and not exception.cancelled
    note = exception.note if changed else ""
    location = event.location
    online_url = event.online_url
    geo = event.geo
    if changed and feed_text(exception.location).strip():
        location, geo = exception.location, None
    if changed and feed_text(exception.online_url).strip():
        online_url = exception.online_url
    stamp = _utc(event.last_modified)
    conference = _web_link(online_url)
    vevent = Event.new(
        uid=_text(event.uid),
        stamp=stamp,
        last_modified=stamp,
        sequence=event.sequence,
        summary=_text(event.summary) or None,
        location=_text(location) or None,
        description=_text(_description(event, online_url, note)) or None,
        url=_web_link(event.url),
        conferences=[Conference(conference, feature="VIDEO", label=CONFERENCE_LABEL)]
        if conference else None,
    )
    if geo is not None and _valid_geo(geo):
        vevent.add("GEO", _Geo(geo))
    if changed:
        occurrence = occurrence_on(schedule, day, exception)
        start = occurrence.starts_at.replace(tzinfo=None)
        duration = occurrence.ends_at.astimezone(UTC) - occurrence.starts_at.astimezone(UTC)
    else:
        start = _nominal_start(schedule, day)
        duration = schedule.duration
    _add_timing(vevent, start, duration, schedule.zone, schedule.timezone)
    return vevent


def _add_timing(vevent: Event, start: datetime, duration: timedelta, zone: ZoneInfo,
                zone_name: str) -> None:
    """DTSTART, and DTEND or DURATION: the meeting lasts `duration` of elapsed time."""
    vevent.add("DTSTART", _local(start, zone_name))
    # RFC 5545 reads a skipped local time with the offset before the gap and a repeated
    # one as its first occurrence: fold=0, as zoneinfo does.
    end = (start.replace(tzinfo=zone).astimezone(UTC) + duration).astimezone(zone)
    end = end.replace(tzinfo=None)
    if end - start == duration and _unambiguous(end, zone):
        vevent.add("DTEND", _local(end, zone_name))
    else:
        vevent.add("DURATION", vDuration(duration))


def _unambiguous(local: datetime, zone: ZoneInfo) -> bool:
    """Whether a wall time names exactly one instant in the zone."""
    first = local.replace(tzinfo=zone, fold=0)
    second = local.replace(tzinfo=zone, fold=1)
    return first.utcoffset() == second.utcoffset()


def _rrule(schedule: Schedule) -> vRecur:
    rule = vRecur.from_ical(schedule.recurrence.to_rrule())
    if schedule.last_date is not None:
        # fold=1: where the last second of the day comes twice, the later one.
        end_of_day = datetime.combine(schedule.last_date, time(23, 59, 59),
                                      tzinfo=schedule.zone).replace(fold=1)
        rule["UNTIL"] = [end_of_day.astimezone(UTC)]
    if schedule.recurrence.interval > 1:
        # Which weeks count depends on where a week starts; say so rather than rely on
        # every client defaulting to Monday as RFC 5545 and dateutil do.
        rule["WKST"] = ["MO"]
    return rule


def _exceptions_on_dates(event: FeedEvent) -> dict[date, FeedException]:
    exceptions: dict[date, FeedException] = {}
    for exception in event.exceptions:
        if exception.date in exceptions:
            raise ValueError(f"Two exceptions on {exception.date} for {event.uid}.")
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


def _description(event: FeedEvent, online_url: str, note: str) -> str:
    """The note for this date, the meeting's types, link and phone, its notes, and the
    group page (which apps that ignore URL, such as Google Calendar, do not show)."""
    types = ", ".join(name for name in map(_clean, event.type_names) if name)
    online_url, phone = _clean(online_url), _clean(event.online_phone)
    details = [types,
               f"Join online: {online_url}" if online_url else "",
               f"Phone: {phone}" if phone else ""]
    url = _clean(event.url)
    blocks = [_clean(note), "\n".join(line for line in details if line), _clean(event.notes),
              f"Group page: {url}" if url else ""]
    return "\n\n".join(block for block in blocks if block)


def _clean(text: str) -> str:
    return feed_text(text).strip()


def _nominal_start(schedule: Schedule, day: date) -> datetime:
    """The start the rule produces on `day`: naive local wall time, as written."""
    return datetime.combine(day, schedule.start_time)


def _local(moment: datetime, zone_name: str) -> vDatetime:
    """A local wall time with its zone's name as TZID, exactly as the meeting names it."""
    value = vDatetime(moment.replace(tzinfo=None))
    value.params["TZID"] = zone_name
    return value


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("last_modified must be an aware datetime (UTC).")
    return moment.astimezone(UTC)


def _valid_geo(geo: tuple[float, float]) -> bool:
    latitude, longitude = geo
    return (math.isfinite(latitude) and math.isfinite(longitude)
            and -90 <= latitude <= 90 and -180 <= longitude <= 180)


def _web_link(url: str) -> str | None:
    url = url.strip()
    return url if _WEB_LINK.fullmatch(url) else None


class _Text(vText):
    """TEXT escaped as RFC 5545 says (icalendar 7.3 turns a literal backslash-N into a
    line break); the value has been through feed_text(), so LF is its only break."""

    def to_ical(self) -> bytes:
        return (self.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
                .replace("\n", "\\n").encode(self.encoding))


class _Geo(vGeo):
    """GEO with six decimals, as RFC 5545 suggests (icalendar writes 1e-05 for 0.00001,
    which is not an RFC 5545 FLOAT)."""

    def to_ical(self) -> str:
        return f"{self.latitude:.6f};{self.longitude:.6f}"


def _text(text: str) -> _Text:
    return _Text(feed_text(text))


class _FinerTimezone(Timezone):
    """icalendar's VTIMEZONE, searching the zone data in steps of at most 8 days rather
    than 64: with 64, a change of the clocks that lasts less than that (Morocco's during
    Ramadan) can be missed altogether."""

    _from_tzinfo_skip_search = [step for step in Timezone._from_tzinfo_skip_search
                                if step <= timedelta(days=8)]


@cache
def _vtimezone(zone: str, first_year: int, last_year: int) -> Timezone:
    """The VTIMEZONE of a zone, built from the zone data by icalendar, covering at least
    VTIMEZONE_YEARS and every year from first_year to last_year. Shared between feeds:
    never changed once built."""
    first = date(min(VTIMEZONE_YEARS[0], first_year), 1, 1)
    last = date(max(VTIMEZONE_YEARS[1], last_year + 1), 1, 1)
    vtimezone = _FinerTimezone.from_tzid(zone, first_date=first, last_date=last)
    # tzdata's "negative" daylight saving (Europe/Dublin: summer time is standard time,
    # winter time daylight saving time): calendar apps expect summer time to be
    # DAYLIGHT, and dateutil turns UTC into the wrong local time at the changes.
    negative = any(isinstance(o, TimezoneDaylight) and _offsets(o)[1] < _offsets(o)[0]
                   for o in vtimezone.subcomponents)
    vtimezone.subcomponents = [_observance(o, negative) for o in vtimezone.subcomponents]
    return vtimezone


def _observance(source: Component, relabel: bool) -> Component:
    """A copy of a STANDARD or DAYLIGHT (the other one if relabel), its onsets as RFC 5545
    has them and its RDATEs one per line."""
    daylight = isinstance(source, TimezoneDaylight) != relabel
    observance = TimezoneDaylight() if daylight else TimezoneStandard()
    # RFC 5545 gives an onset in the local time before it (TZOFFSETFROM); for clocks
    # going forward icalendar 7.3 writes the local time after it, an hour late.
    offset_from, offset_to = _offsets(source)
    shift = max(offset_to - offset_from, timedelta(0))
    for name, value in source.property_items(recursive=False, sorted=False)[1:-1]:
        if name == "RDATE":
            for rdate in value.dts:
                observance.add("RDATE", rdate.dt - shift)
        else:
            observance.add(name, value.dt - shift if name == "DTSTART" else value)
    return observance


def _offsets(observance: Component) -> tuple[timedelta, timedelta]:
    return observance["TZOFFSETFROM"].td, observance["TZOFFSETTO"].td


__all__ = [
    "DEFAULT_REFRESH_INTERVAL", "FeedCalendar", "FeedEvent", "FeedException", "PRODID",
    "build_feed", "event_summary", "feed_last_modified", "feed_text",
]
