"""The iCalendar feed members subscribe to: every meeting series of a group or an
organization, with each cancelled and changed date, as RFC 5545 and RFC 7986 have it.

Pure: no Flask, no database. It takes plain values (FeedCalendar, and a FeedEvent
per meeting series) and returns the feed as bytes: the calendar's own lines and its
VTIMEZONEs built with the icalendar library, each meeting series written by
ical_events.event_text().

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
- No reader should have to add a length to a local time, or choose between the two
  instants a local time names when the clocks go back: calendar apps add DURATION on
  the wall clock (ical.js, libical, recurring-ical-events all do), so a 00:15-01:15
  meeting on that night would last two hours. A one-date meeting and a changed date
  have DTSTART and DTEND in local time where each names exactly one instant, else in
  UTC ("...Z"); a start the clocks skip is written as the time it really is (03:30,
  not 02:30). A series' own DTSTART is local (its dates follow the zone's clock); it
  has DTEND where the end is an unambiguous local time, less than a day after the
  start, at the meeting's length from it on the clock, else DURATION in hours and
  minutes (PT24H, never P1D: a day is 23 or 25 hours across a clock change).
- Text from facilitators goes through feed_text() (every line break, a lone CR
  included, becomes LF; other control characters are dropped) and is escaped as
  icalendar's TEXT type does, except that a literal backslash followed by "N" stays
  as typed (icalendar 7.3 turns it into a line break). A link that is not a plain
  http(s) URL is left out of URL and CONFERENCE (it still appears, as text, in
  DESCRIPTION); a web link with other than ASCII characters is written there with its
  host in IDNA and the rest percent-encoded (RFC 3986), as URI values must be.
- Each VTIMEZONE is icalendar's own, built from the zone data once per zone and
  cached; it covers 2000-2040 (and any earlier or later year a meeting needs). Four
  corrections: no COMMENT (icalendar says there which years it covers; RFC 5545
  allows none in a VTIMEZONE, and libical's check flags it); the onset of a change
  that puts clocks forward is given in the local time before it, as RFC 5545 says
  (icalendar writes the time after it, so apps that read the VTIMEZONE put the hour
  after the change an hour early); RDATEs are written one per line, because some
  readers (vobject, through dateutil) keep only the first value of a list; and
  summer time is DAYLIGHT also where tzdata calls it standard time (Europe/Dublin).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from collections.abc import MutableMapping
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import timedelta
from functools import cache
from typing import Any

from icalendar import Calendar
from icalendar import Component
from icalendar import Timezone
from icalendar import TimezoneDaylight
from icalendar import TimezoneStandard
from icalendar import vDuration
from icalendar import vText

from facilitator.domain.ical_events import EventText
from facilitator.domain.ical_events import FeedEvent
from facilitator.domain.ical_events import event_key
from facilitator.domain.ical_events import event_text
from facilitator.domain.ical_events import feed_text
from facilitator.domain.ical_events import text_value
from facilitator.domain.ical_events import uri_value
from facilitator.domain.ical_events import utc

PRODID = "-//facilitator//Meeting feed//EN"
#: How often calendar apps are asked to fetch the feed again.
DEFAULT_REFRESH_INTERVAL = timedelta(hours=4)
#: The years each VTIMEZONE covers at least (from the start of the first to the start of
#: the second). Apps that read the VTIMEZONE rather than their own zone data need it to
#: cover every date they expand, and some judge a zone by the years 2000-2020 (vobject
#: takes one with no change in those years for UTC).
VTIMEZONE_YEARS = (2000, 2040)


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


def build_feed(
    calendar: FeedCalendar,
    events: Iterable[FeedEvent],
    serialized: MutableMapping[bytes, EventText] | None = None,
) -> bytes:
    """The iCalendar feed of the given meeting series, as bytes (UTF-8, CRLF, folded).

    The events are read once, in any order, and each is let go once written: a caller
    can hand them over one by one rather than hold a whole organization's at once.
    `serialized`, when given, holds events already written, by event_key(): they are
    reused, and the new ones are added to it.
    """
    last_modified: datetime | None = None
    years: dict[str, tuple[int, int]] = {}
    bodies: list[tuple[str, bytes]] = []
    for event in events:
        modified = utc(event.series.last_modified)
        last_modified = modified if last_modified is None else max(last_modified, modified)
        if serialized is None:
            text = event_text(event)
        else:
            key = event_key(event)
            text = serialized.get(key) or event_text(event)
            serialized[key] = text
        if not text.body:
            continue
        last_year = (event.schedule.last_date or event.schedule.first_date).year
        zone = event.schedule.timezone
        known = years.get(zone, (text.first_year, last_year))
        years[zone] = (min(known[0], text.first_year), max(known[1], last_year))
        bodies.append((event.series.uid, text.body))
    # In UID order (a stable sort: one UID's events as they came), whatever the input's.
    bodies.sort(key=lambda uid_body: uid_body[0])
    feed = calendar_component(calendar, last_modified)
    if not years:
        # RFC 5545 wants at least one component: the feed's own zone, for an app to use.
        years[calendar.zone] = (VTIMEZONE_YEARS[0], VTIMEZONE_YEARS[0])
    # "UTC" is written as "...Z" by icalendar: no TZID, so no VTIMEZONE either.
    zones = sorted(zone for zone in years if zone != "UTC")
    for zone in zones:
        first_year, last_year = years[zone]
        feed.subcomponents.append(_vtimezone(zone, first_year, last_year))
    # The calendar's own lines and zones, then each event's lines, as icalendar would
    # write them all at once: a component's text does not depend on its neighbours.
    head = feed.to_ical()
    if not head.endswith(_END):
        raise AssertionError("icalendar wrote an unexpected calendar ending")
    # One join, one copy of the feed's bytes.
    return b"".join([head[: -len(_END)], *(body for _, body in bodies), _END])


_END = b"END:VCALENDAR\r\n"


def calendar_component(calendar: FeedCalendar, last_modified: datetime | None) -> Calendar:
    """The VCALENDAR of a feed with its own properties and no component yet: name,
    description, page, a UID derived from the page, refresh interval, zone. Shared by
    the meeting feeds and the training reminder feed (reminder_ical)."""
    feed = Calendar.new(
        prodid=PRODID,
        calscale="GREGORIAN",
        name=_text(calendar.name) or None,
        description=_text(calendar.description) or None,
        url=uri_value(calendar.url),
        uid=str(uuid.uuid5(uuid.NAMESPACE_URL, calendar.url)),
        last_modified=last_modified,
        refresh_interval=calendar.refresh_interval,
    )
    # RFC 7986 requires the VALUE parameter of REFRESH-INTERVAL; icalendar leaves it out.
    feed["REFRESH-INTERVAL"].params["VALUE"] = "DURATION"
    feed.add("X-PUBLISHED-TTL", vDuration(calendar.refresh_interval))
    feed.add("X-WR-TIMEZONE", _text(calendar.zone))
    return feed


def ical_text(text: str) -> vText:
    """TEXT for a property, cleaned (feed_text) and escaped as the meeting feeds write it."""
    return _text(text)


class _Text(vText):
    """TEXT escaped as text_value() does it."""

    def to_ical(self) -> bytes:
        return text_value(self).encode("utf-8")


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
    vtimezone.pop("COMMENT", None)
    # tzdata's "negative" daylight saving (Europe/Dublin: summer time is standard time,
    # winter time daylight saving time): calendar apps expect summer time to be
    # DAYLIGHT, and dateutil turns UTC into the wrong local time at the changes.
    negative = any(isinstance(o, TimezoneDaylight) and _offsets(o)[1] < _offsets(o)[0]
                   for o in vtimezone.subcomponents)
    vtimezone.subcomponents = [_observance(o, negative) for o in vtimezone.subcomponents]
    return vtimezone


def _observance(source: Component, relabel: bool) -> TimezoneStandard | TimezoneDaylight:
    """A copy of a STANDARD or DAYLIGHT (the other one if relabel), its onsets as RFC 5545
    has them and its RDATEs one per line."""
    daylight = isinstance(source, TimezoneDaylight) != relabel
    observance = TimezoneDaylight() if daylight else TimezoneStandard()
    # RFC 5545 gives an onset in the local time before it (TZOFFSETFROM); for clocks
    # going forward icalendar 7.3 writes the local time after it, an hour late.
    offset_from, offset_to = _offsets(source)
    shift = max(offset_to - offset_from, timedelta(0))
    items: list[tuple[str, Any]] = source.property_items(recursive=False, sorted=False)
    for name, value in items[1:-1]:
        if name == "RDATE":
            for rdate in value.dts:
                observance.add("RDATE", rdate.dt - shift)
        else:
            observance.add(name, value.dt - shift if name == "DTSTART" else value)
    return observance


def _offsets(observance: Component) -> tuple[timedelta, timedelta]:
    return observance.decoded("TZOFFSETFROM"), observance.decoded("TZOFFSETTO")

