"""A leader's private feed of training expiry dates: one all-day event per training,
on the last day it counts, with an alarm ahead of it so the reminder lands in the
leader's own calendar.

Pure: takes plain values and returns bytes. The calendar's own properties come from
ical.calendar_component, so this feed and the meeting feeds read alike to apps.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta

from icalendar import Alarm
from icalendar import Event

from facilitator.domain.ical import FeedCalendar
from facilitator.domain.ical import calendar_component
from facilitator.domain.ical import ical_text

#: How long before the date calendar apps that honour alarms remind the leader.
REMIND_BEFORE = timedelta(days=30)
_EPOCH = datetime(2020, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class DateEvent:
    #: Stable for the life of what it reminds of (a leader's training type).
    uid: str
    summary: str
    day: date
    #: When what it shows last changed: aware. Also DTSTAMP and SEQUENCE.
    last_modified: datetime
    description: str = ""
    url: str = ""


def build_date_feed(calendar: FeedCalendar, events: Iterable[DateEvent]) -> bytes:
    """The feed of all-day events, as bytes (UTF-8, CRLF, folded). No clock, no chance:
    the same values give the same bytes."""
    events = sorted(events, key=lambda e: e.uid)
    modified = [e.last_modified.astimezone(UTC) for e in events]
    feed = calendar_component(calendar, max(modified, default=None))
    for event, last_modified in zip(events, modified, strict=True):
        vevent = Event()
        vevent.add("UID", event.uid)
        vevent.add("DTSTAMP", last_modified)
        vevent.add("LAST-MODIFIED", last_modified)
        # A later change gives a larger number, which is all SEQUENCE asks; minutes
        # since 2020 fit the 32 bits some apps keep it in for thousands of years.
        vevent.add("SEQUENCE", int((last_modified - _EPOCH).total_seconds() // 60))
        vevent.add("SUMMARY", ical_text(event.summary))
        vevent.add("DTSTART", event.day)
        vevent.add("DTEND", event.day + timedelta(days=1))
        vevent.add("TRANSP", "TRANSPARENT")
        if event.description:
            vevent.add("DESCRIPTION", ical_text(event.description))
        if event.url:
            vevent.add("URL", event.url)
        alarm = Alarm()
        alarm.add("ACTION", "DISPLAY")
        alarm.add("DESCRIPTION", ical_text(event.summary))
        alarm.add("TRIGGER", -REMIND_BEFORE)
        vevent.add_component(alarm)
        feed.add_component(vevent)
    return feed.to_ical()
