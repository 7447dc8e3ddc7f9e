"""Joining an online meeting: what its join page shows, and when.

Public outputs (pages, feeds, the Meeting Guide JSON, handouts, QR codes) never carry
a meeting's passcode: they lead to its join page, which gives the link as typed (with
its `pwd=`), the full dial string and the online notes (where facilitators write the
passcode) only from JOIN_WINDOW's opening, 15 minutes before an occurrence that is not
cancelled, until it ends; otherwise it says when it opens. A meeting marked "passcode by
request" gives, even then, only what public outputs may (links.public_link,
links.public_dial_string) and whom to ask.

Pure: no Flask, no database. "Now" comes in as a parameter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta

from facilitator.domain.counts import Window
from facilitator.domain.counts import next_occurrence
from facilitator.domain.counts import open_occurrence
from facilitator.domain.links import dial_string
from facilitator.domain.links import public_dial_string
from facilitator.domain.links import public_link
from facilitator.domain.links import web_link
from facilitator.domain.meeting import MeetingSeries
from facilitator.domain.recurrence import MAX_MOVE
from facilitator.domain.recurrence import Occurrence
from facilitator.domain.recurrence import occurrences

#: The join page gives the link from 15 minutes before the start until the end.
JOIN_WINDOW = Window(opens_before=timedelta(minutes=15), closes_after=timedelta(0))
#: How long after a meeting its join page says it has ended.
ENDED_LATELY = timedelta(hours=12)


@dataclass(frozen=True)
class Joining:
    """What one online meeting's join page shows at one moment."""

    series: MeetingSeries
    #: The occurrence whose window holds now, if any: the page shows how to join it.
    going_on: Occurrence | None
    #: Else the next one that is not cancelled: the page says when it opens.
    coming: Occurrence | None
    #: Else the last one that went ahead, when it ended within ENDED_LATELY: the page
    #: says it has ended.
    ended: Occurrence | None = None

    @property
    def opens_at(self) -> datetime | None:
        """When the join page gives the link of the coming occurrence."""
        return None if self.coming is None else self.coming.starts_at - JOIN_WINDOW.opens_before

    @property
    def link(self) -> str:
        """The link to join the occurrence going on (its date's own, if changed), whole
        or without its passcode as the meeting says; "" outside the window."""
        if self.going_on is None:
            return ""
        link = self.series.online_url
        exception = self.going_on.exception
        if self.going_on.changed and exception is not None:
            link = getattr(exception, "online_url", "") or link
        if self.series.passcode_by_request:
            return public_link(link) or ""
        return web_link(link) or ""

    @property
    def dial(self) -> str:
        """The dial string for the occurrence going on: whole, or up to the meeting ID
        for a passcode by request; "" outside the window."""
        phone = self.series.online_phone
        if self.going_on is None or not phone.strip():
            return ""
        if self.series.passcode_by_request:
            return public_dial_string(phone) or ""
        return dial_string(phone) or phone.strip()

    @property
    def notes(self) -> str:
        """The online notes (a passcode, often), only while the page gives the passcode."""
        if self.going_on is None or self.series.passcode_by_request:
            return ""
        return self.series.online_notes


def joining(series: MeetingSeries, now: datetime) -> Joining:
    """The join page of an online meeting at `now`."""
    schedule, exceptions = series.schedule, series.exceptions_by_date
    going_on = open_occurrence(schedule, exceptions, now, JOIN_WINDOW)
    if going_on is not None:
        return Joining(series, going_on, None)
    today = now.astimezone(schedule.zone).date()
    ended = [o for o in occurrences(schedule, exceptions, today - timedelta(days=2) - MAX_MOVE,
                                    today + MAX_MOVE)
             if not o.cancelled and now - ENDED_LATELY < o.ends_at <= now]
    return Joining(series, None, next_occurrence(schedule, exceptions, now, JOIN_WINDOW),
                   max(ended, key=lambda o: o.ends_at, default=None))


def public_phone(series: MeetingSeries) -> str:
    """The phone as public outputs give it: the number and the meeting ID; "" when it
    is not a number to dial (free text may hold a passcode: the join page shows it)."""
    if not series.attendance.online or not series.online_phone.strip():
        return ""
    return public_dial_string(series.online_phone) or ""


#: When the join page gives the link and passcode, as outputs say it after its address.
OPENING_HOURS = "from 15 minutes before each meeting until it ends"


def request_note(series: MeetingSeries,
                 words: str = "Passcode on request: {contact}") -> str:
    """Whom to ask for the passcode, for a meeting that gives it on request; else "".
    `words` says it in another language ({contact} is the meeting's own text)."""
    if series.passcode_by_request and series.passcode_contact.strip():
        return words.format(contact=" ".join(series.passcode_contact.split()))
    return ""


def passcode_note(series: MeetingSeries, join_url: str) -> str:
    """Where public outputs say the passcode is: whom to ask, or the join page."""
    return request_note(series) or f"Link and passcode: {join_url} ({OPENING_HOURS})"
