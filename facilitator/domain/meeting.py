"""A meeting series as one value: what a facilitator (or an import) says about it, and,
once stored, its identity and its exceptions.

`MeetingValues` is what a service accepts: the form and the Meeting Guide reader make
it. `MeetingSeries` is the same values as stored, with the UID, SEQUENCE, when it last
changed and the exceptions for single dates: the model makes it
(`models.Meeting.series()`), and every output takes it (the iCalendar and Meeting
Guide writers, the directory, the group page and the handouts). Where an output needs
more (a group's name, a feed item's URL), it holds a series rather than copying its
fields.

Adding a field to meetings: a column in models.py and its migration, a field here
(named like the column), a field in forms.MeetingForm (named like it too), and the
outputs that show it. The model, the services and the form move it by name.

Pure: no Flask, no database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from dataclasses import field
from dataclasses import fields
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from functools import cached_property

from facilitator.domain.choices import Choice
from facilitator.domain.meeting_types import type_names
from facilitator.domain.recurrence import Recurrence
from facilitator.domain.recurrence import Schedule

#: A room's capacity unless the facilitator says otherwise: most meeting rooms hold fewer.
DEFAULT_ROOM_CAPACITY = 150
#: The longest text each text field takes, in characters: its column's length (the
#: columns of models.Meeting take theirs from here), or a sane bound for free text.
LIMITS: dict[str, int] = {
    "title": 200, "timezone": 64, "location_name": 200, "address": 300, "region": 100,
    "sub_region": 300,
    "online_url": 500, "online_phone": 100, "passcode_contact": 300,
    "location_notes": 2000, "online_notes": 2000, "notes": 5000,
}


class Attendance(Choice):
    IN_PERSON = "in_person", "In person"
    ONLINE = "online", "Online"
    HYBRID = "hybrid", "Hybrid (in person and online)"

    @property
    def in_person(self) -> bool:
        return self is not Attendance.ONLINE

    @property
    def online(self) -> bool:
        return self is not Attendance.IN_PERSON


class CancelReason(Choice):
    HOLIDAY = "holiday", "Holiday"
    VENUE_CLOSED = "venue_closed", "Venue closed"
    OTHER = "other", "Other reason"


@dataclass(frozen=True, kw_only=True)
class MeetingValues:
    """Everything a facilitator (or an import) says about a meeting series.

    The fields are named like the Meeting columns, in the order the audit log lists
    them; `recurrence` is stored as the `rrule` column.
    """

    title: str
    recurrence: Recurrence
    first_date: date
    last_date: date | None = None
    #: Local wall-clock time in `timezone`.
    start_time: time
    duration_minutes: int = 60
    timezone: str = "UTC"
    attendance: Attendance = Attendance.IN_PERSON
    location_name: str = ""
    address: str = ""
    #: A neighbourhood, town or "Online": the words members look for in the directory.
    region: str = ""
    #: Finer regions within `region`, most general first, joined by SUB_REGION_SEPARATOR
    #: ("Wicker Park", or "East Germantown > Chestnut Hill"): Meeting Guide's `sub_region`,
    #: or the levels of its `regions` after the first.
    sub_region: str = ""
    location_notes: str = ""
    wheelchair_accessible: bool = False
    latitude: float | None = None
    longitude: float | None = None
    #: The link as typed, passcode and all: public outputs give public_link(online_url)
    #: or the join page, which shows it whole only around each date.
    online_url: str = ""
    #: The dial string as typed; public outputs give public_dial_string(online_phone).
    online_phone: str = ""
    #: Shown only on the join page, with the link: it may hold the passcode.
    online_notes: str = ""
    #: The passcode is not on the join page: members ask `passcode_contact` for it.
    passcode_by_request: bool = False
    #: Whom to ask for the passcode (an email, a phone, a name), shown publicly.
    passcode_contact: str = ""
    #: Meeting Guide type codes (meeting_types.TYPES).
    types: tuple[str, ...] = ()
    notes: str = ""
    #: How many the room holds; members' check-ins to one date stop there.
    room_capacity: int = DEFAULT_ROOM_CAPACITY

    def __post_init__(self) -> None:
        # A list given for the types (as a form gives them) is kept as a tuple, so the
        # value can be a key (ical_events: an event's written text by its event).
        object.__setattr__(self, "types", tuple(self.types))

    @cached_property
    def schedule(self) -> Schedule:
        """The timing; raises InvalidRecurrence when the values make no series."""
        return Schedule(self.recurrence, self.first_date, self.start_time,
                        timedelta(minutes=self.duration_minutes), self.timezone,
                        self.last_date)

    @property
    def type_names(self) -> list[str]:
        return type_names(self.types)

    @property
    def place(self) -> str:
        """The place as one text: "St. Mark's Hall, 12 Main St"."""
        return joined(self.location_name, self.address)

    @property
    def regions(self) -> list[str]:
        """The region and its finer levels, most general first: ["Chicago", "Wicker Park"]."""
        return region_levels(self.region, self.sub_region)

    @property
    def position(self) -> tuple[float, float] | None:
        """(latitude, longitude) of the place, where people meet in person and both are
        known: a map's pin, a feed's GEO, the directory's distance from a visitor."""
        if self.attendance.in_person and self.latitude is not None \
                and self.longitude is not None:
            return self.latitude, self.longitude
        return None


#: The names of MeetingValues' fields, in order.
VALUE_FIELDS = tuple(f.name for f in fields(MeetingValues))


@dataclass(frozen=True, slots=True)
class SeriesException:
    """One date of a series, cancelled or changed; "" and None keep the series' value.

    It has what recurrence.DateException asks for, so occurrence_on() applies it.
    """

    date: date
    cancelled: bool = False
    reason: CancelReason | None = None
    #: Shown to members: why it is cancelled, or what is different.
    note: str = ""
    start_time: time | None = None
    duration_minutes: int | None = None
    #: The day it is held on instead, if it moved.
    moved_to: dt.date | None = None
    location_name: str = ""
    address: str = ""
    online_url: str = ""
    updated_at: datetime | None = None

    @property
    def place(self) -> str:
        """The place for this date only, as one text."""
        return joined(self.location_name, self.address)


#: The names of SeriesException's fields, named like the MeetingException columns.
EXCEPTION_FIELDS = tuple(f.name for f in fields(SeriesException))


@dataclass
class DateChange:
    """What is different on one date; empty values keep the series' own."""

    start_time: time | None = None
    duration_minutes: int | None = None
    #: Another day to hold it on.
    moved_to: date | None = None
    location_name: str = ""
    address: str = ""
    online_url: str = ""
    note: str = ""


@dataclass(frozen=True, kw_only=True)
class MeetingSeries(MeetingValues):
    """A stored meeting series with its exceptions: what every output takes."""

    id: int
    #: The iCalendar UID: never changes for the life of the meeting.
    uid: str
    #: iCalendar SEQUENCE: grows with every change to the series or one of its dates.
    sequence: int = 0
    #: When the series itself last changed: aware, in UTC.
    updated_at: datetime
    #: The Meeting Guide slug it was imported under, if it was.
    source_slug: str | None = None
    #: The slug as the feed gave it (shared by the series of a meeting listed on several
    #: days; of any length).
    feed_slug: str | None = None
    #: The exceptions read with it, in order of date.
    exceptions: tuple[SeriesException, ...] = field(default=())

    def __post_init__(self) -> None:
        super().__post_init__()
        # Stored values make a series: a row that does not raises InvalidRecurrence here,
        # where the outputs leave it out, not halfway through writing one.
        self.schedule  # noqa: B018

    @property
    def exceptions_by_date(self) -> dict[date, SeriesException]:
        return {e.date: e for e in self.exceptions}

    @property
    def last_modified(self) -> datetime:
        """When the series or one of its exceptions last changed."""
        return max([self.updated_at,
                    *(e.updated_at for e in self.exceptions if e.updated_at is not None)])


#: Between the levels of a sub-region, as Meeting Guide's spreadsheets write `regions`.
SUB_REGION_SEPARATOR = " > "


def region_levels(region: str, sub_region: str) -> list[str]:
    """A region and the levels of its sub-region, each one line, the empty ones left out."""
    levels = [region, *sub_region.split(SUB_REGION_SEPARATOR.strip())]
    return [" ".join(level.split()) for level in levels if level.strip()]


def sub_region_text(levels: list[str]) -> str:
    """Levels below the region as one text ("East Germantown > Chestnut Hill")."""
    return SUB_REGION_SEPARATOR.join(" ".join(level.split()) for level in levels
                                     if level.strip())


def joined(*parts: str) -> str:
    return ", ".join(p for p in parts if p)
