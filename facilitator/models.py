"""Typed SQLAlchemy models: organizations, groups, accounts, roles, meetings, training
and the audit log."""

from __future__ import annotations

import datetime as dt
import uuid
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import JSON
from sqlalchemy import Boolean
from sqlalchemy import CheckConstraint
from sqlalchemy import Date
from sqlalchemy import Enum
from sqlalchemy import Float
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import Time
from sqlalchemy import UniqueConstraint
from sqlalchemy import false
from sqlalchemy import text
from sqlalchemy import true
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from facilitator.db import Base
from facilitator.db import utc_this_hour
from facilitator.db import utcnow
from facilitator.domain import compliance
from facilitator.domain.choices import LANGUAGES
from facilitator.domain.choices import Audience
from facilitator.domain.choices import ChangeKind
from facilitator.domain.choices import Choice
from facilitator.domain.choices import Decision
from facilitator.domain.choices import DocumentKind
from facilitator.domain.choices import ImportStatus
from facilitator.domain.choices import Program
from facilitator.domain.choices import Role
from facilitator.domain.choices import Visibility
from facilitator.domain.confirmation import DEFAULT_OUT_OF_DATE_AFTER_DAYS
from facilitator.domain.confirmation import DEFAULT_REMIND_AFTER_DAYS
from facilitator.domain.confirmation import Confirmation
from facilitator.domain.confirmation import Rule
from facilitator.domain.confirmation import confirmation
from facilitator.domain.meeting import EXCEPTION_FIELDS
from facilitator.domain.meeting import LIMITS
from facilitator.domain.meeting import VALUE_FIELDS
from facilitator.domain.meeting import Attendance
from facilitator.domain.meeting import CancelReason
from facilitator.domain.meeting import MeetingSeries
from facilitator.domain.meeting import SeriesException
from facilitator.domain.meeting_guide_read import FEED_SLUG_MAX_LENGTH
from facilitator.domain.meeting_types import type_names
from facilitator.domain.recurrence import Recurrence
from facilitator.domain.recurrence import Schedule

#: What a group's confirmed_at holds when a row was written without one (the epoch).
NEVER_CONFIRMED = "1970-01-01 00:00:00"


def _choice(enum_cls: type[Choice]) -> Enum:
    return Enum(
        enum_cls,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [m.value for m in members],
        name=enum_cls.__name__.lower(),
    )


class Organization(Base):
    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    #: IANA zone; a new meeting starts in it.
    timezone: Mapped[str] = mapped_column(String(64))
    #: How members or referrers reach the org, as printed on the directory.
    contact: Mapped[str] = mapped_column(String(300), default="")
    #: Counts below this leave the group only as "<N".
    small_count_threshold: Mapped[int] = mapped_column(default=5)
    #: A training that expires within this many days shows as "expiring".
    expiry_warning_days: Mapped[int] = mapped_column(default=60)
    #: Whether training records nobody has verified yet count towards compliance
    #: (domain.compliance.standing); either way they are marked "not verified".
    unverified_training_counts: Mapped[bool] = mapped_column(Boolean, default=True,
                                                             server_default=true())
    #: Where the org's online meetings are from, roughly ("Chicago, IL, USA"): the Meeting
    #: Guide app lists meetings near people, online ones too, so an online meeting without
    #: an address is exported with this as its approximate address.
    online_location: Mapped[str] = mapped_column(String(200), default="", server_default="")
    #: Days after a group's last confirmation that it is marked for admins and its
    #: leaders are reminded (domain.confirmation.Rule).
    listing_reminder_days: Mapped[int] = mapped_column(
        default=DEFAULT_REMIND_AFTER_DAYS, server_default=str(DEFAULT_REMIND_AFTER_DAYS))
    #: Days after that when its public pages say the details may be out of date.
    listing_out_of_date_days: Mapped[int] = mapped_column(
        default=DEFAULT_OUT_OF_DATE_AFTER_DAYS, server_default=str(DEFAULT_OUT_OF_DATE_AFTER_DAYS))
    #: The language of its pages for a visitor who has chosen none and whose browser asks
    #: for none the app speaks (a code of facilitator.i18n.LANGUAGES).
    default_language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")
    #: Grows with every change to what the org's feeds and directory show; with
    #: data_changed_at it makes ETag and Last-Modified without reading the meetings.
    data_version: Mapped[int] = mapped_column(default=0)
    data_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Grows with every change to its training records, training types, memberships and
    #: members' names, by triggers (migration 0029): the standings a worker keeps of its
    #: leaders (services.training.StandingsCache) are kept per version.
    training_version: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    groups: Mapped[list[Group]] = relationship(
        back_populates="organization", order_by="Group.name"
    )
    memberships: Mapped[list[Membership]] = relationship(back_populates="organization")

    @property
    def confirmation_rule(self) -> Rule:
        return Rule(self.listing_reminder_days, self.listing_out_of_date_days)


class User(Base):
    """A leader's, admin's or auditor's account. Members never have one."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stored lowercased, so look-ups need no case folding.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    #: argon2id; None until an invited person sets a password.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    #: Bumped on password change and "sign out everywhere"; sessions carrying an
    #: older number stop working.
    session_version: Mapped[int] = mapped_column(default=1)
    #: SHA-256 of the one-time invitation token; the token itself is only in the link.
    invite_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    invite_expires_at: Mapped[datetime | None] = mapped_column()
    #: SHA-256 of the one-time token of a password reset link an admin (or the command
    #: line) made; only the newest link works. A unique index, not a constraint, so its
    #: migration needs no copy of this table on SQLite.
    reset_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)
    reset_expires_at: Mapped[datetime | None] = mapped_column()
    #: SHA-256 of the token of the person's private training-reminder feed.
    training_feed_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    #: The language the person reads the app in (facilitator.i18n.LANGUAGES); None until
    #: they choose one with the language switcher.
    language: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )
    led_groups: Mapped[list[Group]] = relationship(
        secondary="group_facilitators", back_populates="facilitators", order_by="Group.name"
    )

    def roles_in(self, org: Organization) -> set[Role]:
        return {m.role for m in self.memberships if m.organization_id == org.id}


class PendingInvitation(Base):
    """An admin's invitation of an account that already exists into their organization.

    Nothing of it applies until the person, signed in to that account, accepts: till
    then the account holds no role and leads no group there, and the org's pages show
    the invitation only under the name the admin typed, never the account's own.
    """

    __tablename__ = "pending_invitations"
    __table_args__ = (UniqueConstraint("organization_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE")
    )
    #: The invited account. Only its id and email (which the admin typed) are shown.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: The name the admin typed, shown on the org's pages instead of the account's own.
    display_name: Mapped[str] = mapped_column(String(120))
    #: Role values to grant on acceptance.
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: Ids of the org's groups to lead on acceptance; a group deleted since is skipped.
    group_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: SHA-256 of the invitation token; the token itself is only in the link.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organization: Mapped[Organization] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    invited_by: Mapped[User | None] = relationship(foreign_keys=[invited_by_id])

    @property
    def roles_offered(self) -> set[Role]:
        return {Role(value) for value in self.roles}

    @property
    def groups_offered(self) -> list[Group]:
        """The groups to lead that still exist, in the org's order."""
        wanted = set(self.group_ids)
        return [group for group in self.organization.groups if group.id in wanted]


class Membership(Base):
    """One role a person holds in one organization."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "organization_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[Role] = mapped_column(_choice(Role))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(back_populates="memberships")
    organization: Mapped[Organization] = relationship(back_populates="memberships")


class GroupFacilitator(Base):
    """A facilitator assigned to lead a group."""

    __tablename__ = "group_facilitators"

    group_id: Mapped[int] = mapped_column(
        ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Group(Base):
    __tablename__ = "groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    #: Unique across all organizations: public group URLs are /g/<slug>/.
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    program: Mapped[Program] = mapped_column(_choice(Program))
    audience: Mapped[Audience] = mapped_column(_choice(Audience), default=Audience.EVERYONE)
    #: ISO 639 codes from LANGUAGES (domain/choices.py).
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    visibility: Mapped[Visibility] = mapped_column(_choice(Visibility), default=Visibility.PUBLIC)
    description: Mapped[str] = mapped_column(Text, default="")
    #: SHA-256 of the private feed token; the token itself is only in the feed's URL.
    #: Rotating it replaces the hash, so every old copy of the URL stops working at once.
    feed_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    #: SHA-256 of the representative link's token (services/change_requests.py): the
    #: group's secretary sends changes through it without an account. Rotated like the
    #: feed token.
    rep_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)
    #: As Organization.data_version, for this group's own feed and page.
    data_version: Mapped[int] = mapped_column(default=0)
    data_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: When the listing was last confirmed as current (services/listings.py): a leader's
    #: "nothing changed", a save of its meetings, the `updated` of the feed it came from.
    #: A row written without it reads as never confirmed.
    confirmed_at: Mapped[datetime] = mapped_column(default=utcnow,
                                                   server_default=NEVER_CONFIRMED)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    organization: Mapped[Organization] = relationship(back_populates="groups")
    meetings: Mapped[list[Meeting]] = relationship(
        back_populates="group", cascade="all, delete-orphan", passive_deletes=True,
        order_by="(Meeting.first_date, Meeting.start_time, Meeting.id)",
    )
    facilitators: Mapped[list[User]] = relationship(
        secondary="group_facilitators", back_populates="led_groups", order_by="User.display_name"
    )

    @property
    def language_names(self) -> list[str]:
        return [LANGUAGES.get(code, code) for code in self.languages]

    def confirmation(self, today: date) -> Confirmation:
        """The listing's last confirmation, on `today` in the org's zone."""
        org = self.organization
        return confirmation(self.confirmed_at, org.timezone, today, org.confirmation_rule)


def _new_uid() -> str:
    return f"{uuid.uuid4()}@facilitator"


class Meeting(Base):
    """A meeting series of a group: local time, zone, recurrence, place and link."""

    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"),
                                          index=True)
    #: The iCalendar UID: never changes for the life of the meeting.
    uid: Mapped[str] = mapped_column(String(80), unique=True, default=_new_uid)
    title: Mapped[str] = mapped_column(String(LIMITS["title"]))
    #: RRULE value without DTSTART ("FREQ=WEEKLY;BYDAY=TU"); "" for a one-date meeting.
    rrule: Mapped[str] = mapped_column(String(200), default="")
    first_date: Mapped[date] = mapped_column(Date)
    #: The last date the series may fall on; None while it goes on.
    last_date: Mapped[date | None] = mapped_column(Date)
    #: Local wall-clock time in `timezone`.
    start_time: Mapped[time] = mapped_column(Time)
    duration_minutes: Mapped[int] = mapped_column(default=60)
    timezone: Mapped[str] = mapped_column(String(LIMITS["timezone"]))
    attendance: Mapped[Attendance] = mapped_column(_choice(Attendance),
                                                   default=Attendance.IN_PERSON)
    location_name: Mapped[str] = mapped_column(String(LIMITS["location_name"]), default="")
    address: Mapped[str] = mapped_column(String(LIMITS["address"]), default="")
    #: Where it is, in the words members look for: a neighbourhood, town or "Online".
    #: The directory filters by it (Meeting Guide's `region`).
    region: Mapped[str] = mapped_column(String(LIMITS["region"]), default="")
    #: Finer regions within it, most general first, joined by " > " (Meeting Guide's
    #: `sub_region`, or the rest of its `regions`); the directory filters by these too.
    sub_region: Mapped[str] = mapped_column(String(LIMITS["sub_region"]), default="",
                                            server_default="")
    #: How many people the room holds: members' check-ins to one date stop there.
    room_capacity: Mapped[int] = mapped_column(default=150, server_default="150")
    location_notes: Mapped[str] = mapped_column(Text, default="")
    wheelchair_accessible: Mapped[bool] = mapped_column(Boolean, default=False)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    online_url: Mapped[str] = mapped_column(String(LIMITS["online_url"]), default="")
    online_phone: Mapped[str] = mapped_column(String(LIMITS["online_phone"]), default="")
    #: Shown only on the join page (views/join.py): it may hold the passcode.
    online_notes: Mapped[str] = mapped_column(Text, default="")
    #: The passcode is given on request (to `passcode_contact`), never on the join page.
    passcode_by_request: Mapped[bool] = mapped_column(Boolean, default=False,
                                                      server_default=false())
    passcode_contact: Mapped[str] = mapped_column(String(LIMITS["passcode_contact"]),
                                                  default="", server_default="")
    #: Meeting Guide type codes (facilitator.domain.meeting_types.TYPES).
    types: Mapped[list[str]] = mapped_column(JSON, default=list)
    notes: Mapped[str] = mapped_column(Text, default="")
    #: The Meeting Guide slug it was imported under, so a re-import updates it in place.
    source_slug: Mapped[str | None] = mapped_column(String(64), index=True)
    #: The slug exactly as the feed gave it (even longer than 64 characters or
    #: percent-encoded; shared by the series of a meeting listed on several days), which
    #: the export writes back: apps key favourites on it.
    feed_slug: Mapped[str | None] = mapped_column(String(FEED_SLUG_MAX_LENGTH))
    #: iCalendar SEQUENCE: grows with every change to the series or one of its dates.
    sequence: Mapped[int] = mapped_column(default=0)
    #: Part of what the check-in link is made from (services/checkin.py); a new number
    #: makes a new link and every old copy a 404.
    checkin_version: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    group: Mapped[Group] = relationship(back_populates="meetings")
    exceptions: Mapped[list[MeetingException]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", passive_deletes=True,
        order_by="MeetingException.date",
    )

    @property
    def recurrence(self) -> Recurrence:
        return Recurrence.from_rrule(self.rrule)

    def series(self, *, with_exceptions: bool = True) -> MeetingSeries:
        """The meeting as the value every output takes, with its exceptions (those the
        query loaded) unless an output needs none. Raises InvalidRecurrence for a row
        that makes no series."""
        exceptions = self.exceptions if with_exceptions else []
        return MeetingSeries(
            **{name: getattr(self, name) for name in VALUE_FIELDS},
            id=self.id, uid=self.uid, sequence=self.sequence, updated_at=self.updated_at,
            source_slug=self.source_slug, feed_slug=self.feed_slug,
            exceptions=tuple(e.value() for e in exceptions),
        )

    @property
    def schedule(self) -> Schedule:
        return schedule_of(self.rrule, self.first_date, self.start_time,
                           self.duration_minutes, self.timezone, self.last_date)

    @property
    def exceptions_by_date(self) -> dict[date, MeetingException]:
        return {e.date: e for e in self.exceptions}

    @property
    def type_names(self) -> list[str]:
        return type_names(self.types)


#: The columns of a meeting that make its schedule, in schedule_of's order: a report that
#: needs the schedules of thousands of meetings reads these rather than whole rows.
SCHEDULE_COLUMNS = (Meeting.rrule, Meeting.first_date, Meeting.start_time,
                    Meeting.duration_minutes, Meeting.timezone, Meeting.last_date)


#: Each rule read once: an org's thousands of meetings share a handful of rules.
_recurrence_of = lru_cache(maxsize=1024)(Recurrence.from_rrule)


def schedule_of(rrule: str, first_date: date, start_time: time, duration_minutes: int,
                timezone: str, last_date: date | None) -> Schedule:
    return Schedule(recurrence=_recurrence_of(rrule), first_date=first_date,
                    start_time=start_time, duration=timedelta(minutes=duration_minutes),
                    timezone=timezone, last_date=last_date)


class MeetingException(Base):
    """One date of a series, cancelled or changed. The series itself is untouched."""

    __tablename__ = "meeting_exceptions"
    __table_args__ = (UniqueConstraint("meeting_id", "date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    #: The date of the series this exception replaces (local to the meeting's zone).
    date: Mapped[date] = mapped_column(Date)
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[CancelReason | None] = mapped_column(_choice(CancelReason))
    #: Shown to members: why it is cancelled, or what is different.
    note: Mapped[str] = mapped_column(Text, default="")
    # A change: None or "" keeps the series' value.
    start_time: Mapped[time | None] = mapped_column(Time)
    duration_minutes: Mapped[int | None] = mapped_column()
    #: The day it is held on instead of `date`, if it moved.
    moved_to: Mapped[dt.date | None] = mapped_column(Date)
    location_name: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    online_url: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    meeting: Mapped[Meeting] = relationship(back_populates="exceptions")

    def value(self) -> SeriesException:
        return SeriesException(**{f: getattr(self, f) for f in EXCEPTION_FIELDS})


class Headcount(Base):
    """How many came to one occurrence: numbers only, never who.

    Changed only by atomic UPDATEs whose WHERE keeps these checks true
    (services/headcounts.py), so simultaneous check-ins never lose one.
    """

    __tablename__ = "headcounts"
    __table_args__ = (
        UniqueConstraint("meeting_id", "occurrence_date"),
        CheckConstraint("people >= 0 AND people <= 10000", name="people_range"),
        CheckConstraint("newcomers >= 0 AND newcomers <= people", name="newcomers_range"),
        CheckConstraint("in_person >= 0 AND online >= 0 AND in_person + online <= people",
                        name="split_range"),
        CheckConstraint("checkins >= 0", name="checkins_range"),
        CheckConstraint("checkin_newcomers >= 0 AND checkin_newcomers <= checkins",
                        name="checkin_newcomers_range"),
        CheckConstraint("checkin_in_person >= 0 AND checkin_online >= 0 "
                        "AND checkin_in_person + checkin_online <= checkins",
                        name="checkin_split_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    #: The date of the series counted (local to the meeting's zone).
    occurrence_date: Mapped[date] = mapped_column(Date)
    #: The facilitator's count: only what they counted, never the members' check-ins.
    people: Mapped[int] = mapped_column(default=0)
    #: Of the people, first meeting.
    newcomers: Mapped[int] = mapped_column(default=0)
    #: Of the people, at a hybrid meeting: in the room, and online.
    in_person: Mapped[int] = mapped_column(default=0)
    online: Mapped[int] = mapped_column(default=0)
    #: Whether the facilitator counted this occurrence (+/− or the form), even to 0.
    #: Reports use their numbers when true, else the members' check-ins below
    #: (domain.counts.reported). A row made here without it reports the check-ins.
    counted_by_facilitator: Mapped[bool] = mapped_column(Boolean, default=False,
                                                         server_default=false())
    #: The members' own tally from the check-in link, kept apart from the facilitator's
    #: count: how many checked in; of them, at their first meeting; and at a hybrid
    #: meeting, in the room and online.
    checkins: Mapped[int] = mapped_column(default=0)
    checkin_newcomers: Mapped[int] = mapped_column(default=0, server_default="0")
    checkin_in_person: Mapped[int] = mapped_column(default=0, server_default="0")
    checkin_online: Mapped[int] = mapped_column(default=0, server_default="0")
    #: To the hour only (clock.this_hour): a member's tap changes this row.
    updated_at: Mapped[datetime] = mapped_column(default=utc_this_hour, onupdate=utc_this_hour)

    meeting: Mapped[Meeting] = relationship()


class HeadcountMonth(Base):
    """One meeting's headcounts of one calendar month, summed as every report counts them
    (domain.counts.reported): what the org's attendance report adds up, a row per meeting
    and month rather than one per occurrence.

    Kept by the database itself: triggers on `headcounts` (migration 0024) add each
    row's change to its month in the same transaction, whatever made the change (a
    service's UPDATE, a flush, a bulk insert), so it never disagrees with the counts.
    """

    __tablename__ = "headcount_months"

    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True)
    #: The month's first day.
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    #: Occurrences counted at all (by the facilitator, or by a check-in).
    meetings: Mapped[int] = mapped_column(default=0)
    people: Mapped[int] = mapped_column(default=0)
    newcomers: Mapped[int] = mapped_column(default=0)
    #: Occurrences with more check-ins than the facilitator counted (taps_exceed).
    more_checkins: Mapped[int] = mapped_column(default=0)
    #: The counted dates as bits: day d of the month is bit d - 1.
    counted_days: Mapped[int] = mapped_column(default=0)
    #: The dates with more check-ins than counted, as bits the same way.
    marked_days: Mapped[int] = mapped_column(default=0)


class HeadcountVersion(Base):
    """One of an org's counters of changes to its headcounts: their sum grows with every
    change (services.attendance.headcount_version), and with the org's data_version it
    says what the attendance reports kept in a worker were made from.

    Grown by the triggers that keep HeadcountMonth, on one of SHARDS rows chosen by the
    meeting, so check-ins at different meetings of a busy org do not all wait for one
    row (as they did for a counter on the org's own row, which every page reads)."""

    __tablename__ = "headcount_versions"

    SHARDS = 16

    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True)
    #: The meeting's id modulo SHARDS.
    shard: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(default=0)
    #: Of those changes, the ones to which dates are counted or marked "More check-ins"
    #: (most are not: a tap at a meeting already counted): what the dates a report
    #: keeps, and its "not counted yet", are kept by.
    dated_version: Mapped[int] = mapped_column(default=0)


class TrainingType(Base):
    """A kind of training an org records: how long it stays valid, who must hold it."""

    __tablename__ = "training_types"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    #: How long a completion counts; None: it never expires. For continuing education,
    #: the length of the cycle the hours are counted in.
    validity_months: Mapped[int | None] = mapped_column()
    #: Role values (facilitator, admin) whose holders must have it; empty: optional.
    required_roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: Continuing education: hours needed within each cycle; None for a single course.
    required_hours: Mapped[int | None] = mapped_column()
    #: Soft delete: the records and the audit keep pointing at it.
    deleted_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @property
    def required_role_labels(self) -> list[str]:
        return [Role(r).label for r in self.required_roles]


class TrainingRecord(Base):
    """One training a leader completed. Deleting only marks it deleted."""

    __tablename__ = "training_records"
    __table_args__ = (Index("ix_training_records_org_user", "organization_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE")
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    training_type_id: Mapped[int] = mapped_column(ForeignKey("training_types.id"), index=True)
    provider: Mapped[str] = mapped_column(String(200), default="")
    completed_on: Mapped[date] = mapped_column(Date)
    #: The date printed on the certificate, when it differs from the type's validity;
    #: None: completed_on plus the type's validity.
    expires_on_override: Mapped[date | None] = mapped_column(Date)
    certificate_number: Mapped[str] = mapped_column(String(100), default="")
    hours: Mapped[float | None] = mapped_column(Float)
    notes: Mapped[str] = mapped_column(Text, default="")
    #: The evidence file's server-chosen name under EVIDENCE_DIR (never the uploaded one).
    evidence_file: Mapped[str | None] = mapped_column(String(80), unique=True)
    #: application/pdf, image/png or image/jpeg, as the content showed.
    evidence_type: Mapped[str | None] = mapped_column(String(40))
    verified_at: Mapped[datetime | None] = mapped_column()
    verified_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    deleted_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    organization: Mapped[Organization] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    training_type: Mapped[TrainingType] = relationship()
    verified_by: Mapped[User | None] = relationship(foreign_keys=[verified_by_id])

    @property
    def expires_on(self) -> date | None:
        """The last day it counts: the date on the certificate, else the completion plus
        the type's validity; None if it never expires."""
        return compliance.expiry(self.completed_on, self.training_type.validity_months,
                                     self.expires_on_override)


class AuditEntry(Base):
    """One change: who, what, when, before and after. Append-only (a trigger refuses
    UPDATE and DELETE)."""

    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_org_created", "organization_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # No foreign keys on purpose: entries outlive the organizations and accounts they name.
    #: None for changes outside any organization (a new account from the CLI).
    organization_id: Mapped[int | None] = mapped_column()
    #: None for changes made from the command line.
    actor_id: Mapped[int | None] = mapped_column()
    #: The actor's name at the time, so the entry reads the same after renames.
    actor_name: Mapped[str] = mapped_column(String(120))
    #: "create", "update" or "delete".
    action: Mapped[str] = mapped_column(String(16))
    entity_type: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int | None] = mapped_column()
    #: What a person reads in the log ("Group Tuesday Night Women's"), in English.
    summary: Mapped[str] = mapped_column(String(300))
    #: The summary as a message (domain.languages.Message.stored), for the log to word in
    #: its reader's language; None in entries made before messages were kept.
    message: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class Document(Base):
    """A group's guidelines or statement, or an org's leader agreement, in one language:
    its versions hold the text. The same kind in another language is another Document,
    with its own versions."""

    __tablename__ = "documents"
    __table_args__ = (
        UniqueConstraint("organization_id", "group_id", "kind", "language"),
        # NULLs differ in a unique constraint: one agreement per org and language needs
        # its own index.
        Index("uq_documents_org_agreement", "organization_id", "kind", "language",
              unique=True, sqlite_where=text("group_id IS NULL"),
              postgresql_where=text("group_id IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    #: None for the org's leader agreement.
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"),
                                                 index=True)
    kind: Mapped[DocumentKind] = mapped_column(_choice(DocumentKind))
    #: The language the text is written in: a code of domain.languages.PAGE_LANGUAGES.
    language: Mapped[str] = mapped_column(String(8))
    #: The newest version's number (0 before the first). A save names the version it was
    #: based on and only goes through if that is still this one.
    current_version: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    organization: Mapped[Organization] = relationship()
    group: Mapped[Group | None] = relationship()
    versions: Mapped[list[DocumentVersion]] = relationship(
        back_populates="document", cascade="all, delete-orphan", passive_deletes=True,
        order_by="DocumentVersion.number.desc()",
    )


class DocumentVersion(Base):
    """One saved text of a document. Never changed once written."""

    __tablename__ = "document_versions"
    __table_args__ = (UniqueConstraint("document_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    #: 1, 2, 3… within its document.
    number: Mapped[int] = mapped_column()
    #: Markdown, at most domain.text.MAX_BYTES.
    body: Mapped[str] = mapped_column(Text)
    #: What changed and why, in the author's words.
    note: Mapped[str] = mapped_column(String(300), default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: The author's name at the time, so the history reads the same after renames.
    author_name: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    document: Mapped[Document] = relationship(back_populates="versions")


class Signature(Base):
    """A leader's signature of one version of the org's leader agreement. Append-only (a
    trigger refuses UPDATE and DELETE)."""

    __tablename__ = "signatures"
    __table_args__ = (UniqueConstraint("version_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("document_versions.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: The name as the leader typed it to sign.
    typed_name: Mapped[str] = mapped_column(String(120))
    signed_at: Mapped[datetime] = mapped_column(default=utcnow)

    version: Mapped[DocumentVersion] = relationship()
    user: Mapped[User] = relationship()


class StatementReading(Base):
    """The confidentiality statement at one occurrence of a meeting: whether the
    facilitator read it, and which text. Members' acknowledgements are counted in
    StatementAcknowledgement."""

    __tablename__ = "statement_readings"

    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True
    )
    #: The occurrence's date, local to the meeting's zone.
    occurrence_date: Mapped[date] = mapped_column(Date, primary_key=True)
    #: When the facilitator recorded that it was read; None if not (yet).
    read_at: Mapped[datetime | None] = mapped_column()
    #: The statement's version number that was read.
    read_version: Mapped[int | None] = mapped_column()
    #: The language of the statement that was read (its version is that text's number).
    read_language: Mapped[str | None] = mapped_column(String(8))


class StatementAcknowledgement(Base):
    """How many members acknowledged the confidentiality statement at one occurrence,
    in one language (the language of the text they were shown): a counter, changed only
    by atomic SQL updates. Nothing about who."""

    __tablename__ = "statement_acknowledgements"

    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True
    )
    #: The occurrence's date, local to the meeting's zone.
    occurrence_date: Mapped[date] = mapped_column(Date, primary_key=True)
    language: Mapped[str] = mapped_column(String(8), primary_key=True)
    acknowledgements: Mapped[int] = mapped_column(default=0)
class ThrottleCounter(Base):
    """Failures counted against one account from one address, one address, or one
    account from every address, within a window (15 minutes, or an hour for the last).

    The key is a keyed hash (HMAC with the secret key) of the kind and the email and/or
    address, never the email or address itself, and a row lives at most as long as the
    longest window (services/throttle.py prunes the rest).
    """

    __tablename__ = "throttle_counters"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: HMAC-SHA-256 of the kind and the value, hex.
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    failures: Mapped[int] = mapped_column(default=0)
    #: When the first failure of the current window happened.
    window_started_at: Mapped[datetime] = mapped_column(index=True)


class ChangeRequest(Base):
    """What a group's representative sent through its link: proposed changes, each
    decided by an admin. Its own link (the token's SHA-256 here) shows the decisions."""

    __tablename__ = "change_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"),
                                          index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: The representative link it was sent through (Group.rep_token_hash then): that
    #: link's page lists its recent requests and their decisions; a new link shows none
    #: of the old one's.
    link_hash: Mapped[str] = mapped_column(String(64), index=True)
    #: How to reach the sender, if they gave it: shown to admins only, and emptied (None)
    #: when the request is closed.
    contact: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: When the last change was decided; None while some wait.
    closed_at: Mapped[datetime | None] = mapped_column(index=True)

    group: Mapped[Group] = relationship()
    items: Mapped[list[ChangeRequestItem]] = relationship(
        back_populates="request", cascade="all, delete-orphan", passive_deletes=True,
        order_by="ChangeRequestItem.id",
    )


class ChangeRequestItem(Base):
    """One proposed change: a field of a meeting or of one date, a cancelled date or a
    new meeting, with the value the sender saw when they opened the form."""

    __tablename__ = "change_request_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("change_requests.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ChangeKind] = mapped_column(_choice(ChangeKind))
    #: None for a new meeting, or once the meeting was deleted.
    meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("meetings.id", ondelete="SET NULL"), index=True)
    #: The meeting's title when the request was sent, for when it is gone.
    meeting_title: Mapped[str] = mapped_column(String(LIMITS["title"]), default="")
    #: The date of the series, for DATE and CANCEL.
    day: Mapped[date | None] = mapped_column(Date)
    field: Mapped[str] = mapped_column(String(40), default="")
    #: Values as text (domain/field_texts.py): what the sender saw, what they ask.
    seen: Mapped[str] = mapped_column(Text, default="")
    proposed: Mapped[str] = mapped_column(Text, default="")
    #: A cancellation's reason, if the sender gave one.
    cancel_reason: Mapped[CancelReason | None] = mapped_column(_choice(CancelReason))
    decision: Mapped[Decision] = mapped_column(_choice(Decision), default=Decision.PENDING)
    #: What was applied (the proposal, or the admin's edit of it).
    applied: Mapped[str | None] = mapped_column(Text)
    #: Why, as the sender reads it on the status page.
    reason: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column()

    request: Mapped[ChangeRequest] = relationship(back_populates="items")
    meeting: Mapped[Meeting | None] = relationship()


#: A Message as a JSON column keeps it (domain.languages.Message.stored), or English text.
StoredMessage = dict[str, Any] | str


class ImportRun(Base):
    """A Meeting Guide feed an admin uploaded, with what its jobs found and did
    (services/import_runs.py). The feed is kept only until the run is finished; the
    summary names meetings, groups and slugs as the feed has them, nothing of members."""

    __tablename__ = "import_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    #: The admin who uploaded the file, or said to import it: the import's audit entries
    #: name them.
    requested_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    file_name: Mapped[str] = mapped_column(String(200))
    #: The uploaded feed as text; None once the run is finished (ImportStatus.finished).
    feed: Mapped[str | None] = mapped_column(Text)
    #: The options the command line offers: the zone of meetings the feed gives none for
    #: (None: the org's), the program of new groups, and the program map.
    timezone: Mapped[str | None] = mapped_column(String(64))
    program: Mapped[Program] = mapped_column(_choice(Program))
    program_map: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    status: Mapped[ImportStatus] = mapped_column(_choice(ImportStatus))
    #: The last line the running job said how far it got; "" when no job is on it.
    #: Each line here is a stored `domain.languages.Message` (`Message.stored`), which a
    #: page words in its reader's language; a run from before that holds English text.
    progress: Mapped[StoredMessage] = mapped_column(JSON, default="")
    #: The summary of the last step, a line each: the dry run's, then the import's.
    summary: Mapped[list[StoredMessage]] = mapped_column(JSON, default=list)
    #: Why the run failed, for the admin ("" when it did not); nothing was saved.
    error: Mapped[StoredMessage] = mapped_column(JSON, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column()

    organization: Mapped[Organization] = relationship()
    requested_by: Mapped[User | None] = relationship()


class RenderedFile(Base):
    """A public PDF rendered ahead (facilitator/rendered.py): which handout (`key`, its
    address inside the app), what data it was made from (`stamp`) and the file that holds
    it, named by `content_hash` in RENDERED_DIR. Nothing here is needed to rebuild it."""

    __tablename__ = "rendered_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: SHA-256 of `key`, hex: what requests look the row up by.
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: "directory/<org id>?paper=a4", "group/<group id>?…", "guidelines/<group id>?…".
    key: Mapped[str] = mapped_column(Text)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"),
                                                 index=True)
    #: Kept fresh by the workers whoever asks (every paper of the unfiltered directory, of
    #: each public group's handouts); the rest are rendered when asked for.
    ahead: Mapped[bool] = mapped_column(Boolean, default=False)
    #: The versions and date the stored file shows; None before the first render.
    stamp: Mapped[str | None] = mapped_column(String(100))
    #: SHA-256 of the HTML the file was rendered from, hex: its file name and ETag.
    content_hash: Mapped[str | None] = mapped_column(String(64))
    rendered_at: Mapped[datetime | None] = mapped_column()
    #: How long the last render took, for telling people when to come back.
    render_seconds: Mapped[float | None] = mapped_column(Float)
    #: The last render's failure, after its retries, for admins; None once one succeeds.
    error: Mapped[str | None] = mapped_column(Text)
    #: The stamp whose render failed: not tried again until the data or the day changes.
    failed_stamp: Mapped[str | None] = mapped_column(String(100))
    failed_at: Mapped[datetime | None] = mapped_column()
