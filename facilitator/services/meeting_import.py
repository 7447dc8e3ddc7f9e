"""Import a Meeting Guide feed into an organization, so groups can move over from the
12 Step Meeting List plugin and similar sites.

One public group per group the feed names (or per meeting, where it names none), one
weekly meeting series per day a feed meeting is listed on. Each series keeps the slug it
came from (Meeting.source_slug), so importing the feed again updates it in place, through
services.meetings like any other change: audit entry and SEQUENCE included, nothing at all
when nothing changed.

The feed is the source for what it describes. The import keeps what a feed cannot say:
the first date (while the day is the same), a last date set here, the group a series is
in, and every meeting not imported from this feed. Meetings imported earlier that this
feed no longer lists are left as they are and named in the summary.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from typing import Any

from sqlalchemy import String
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm import contains_eager
from sqlalchemy.orm import selectinload

from facilitator.domain import meeting_guide_read
from facilitator.domain.meeting import MeetingValues
from facilitator.domain.meeting_guide_read import FeedMeeting
from facilitator.domain.meeting_guide_read import FeedValues
from facilitator.domain.meeting_guide_read import Skip
from facilitator.domain.meeting_guide_read import printable
from facilitator.domain.recurrence import DAY_NAMES
from facilitator.domain.recurrence import Recurrence
from facilitator.domain.slugs import free_slug
from facilitator.domain.slugs import slugify
from facilitator.domain.timezones import is_valid_timezone
from facilitator.models import Group
from facilitator.models import Meeting
from facilitator.models import Organization
from facilitator.models import Program
from facilitator.models import User
from facilitator.models import Visibility
from facilitator.services import ServiceError
from facilitator.services import meetings
from facilitator.services import organizations

#: The feed's name for a meeting column, in messages about a value that does not fit.
FEED_NAMES = {"title": "name", "location_name": "location", "address": "address",
              "region": "region", "sub_region": "sub_region (or regions)",
              "online_url": "conference_url", "online_phone": "conference_phone",
              "timezone": "timezone"}
#: Meeting Guide is AA's format; a feed of another fellowship says so with --program.
DEFAULT_PROGRAM = Program.AA
#: The time zone of a new organization when neither the command nor the feed gives one.
FALLBACK_TIMEZONE = "UTC"


@dataclass
class NotInFeed:
    """A meeting imported earlier that this feed did not match."""

    title: str
    source_slug: str
    group: str

    def __str__(self) -> str:
        return (f"“{printable(self.title, 60)}” (slug {printable(self.source_slug)}) of "
                f"{printable(self.group, 60)}")


@dataclass
class ImportSummary:
    """What an import did, counted in meeting series (one per weekday)."""

    organization: str
    organization_created: bool
    timezone: str
    groups_created: int = 0
    groups_unchanged: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: list[Skip] = field(default_factory=list)
    not_in_feed: list[NotInFeed] = field(default_factory=list)
    #: Meetings imported with an end that looks like a slip (meeting_guide_read.doubtful_end).
    doubtful_ends: list[Skip] = field(default_factory=list)
    #: The program of groups the feed named none for (--program), and how many there were
    #: when others had one from the feed: a feed of several fellowships wants a program map.
    default_program: str = ""
    groups_without_program: int = 0
    groups_with_program: int = 0

    def lines(self) -> list[str]:
        """The summary for the person who ran the import."""
        org = (f"Organization {self.organization}: created, time zone {self.timezone}."
               if self.organization_created else
               f"Organization {self.organization}: already there.")
        lines = [
            org,
            f"Groups: {self.groups_created} created, {self.groups_unchanged} unchanged.",
            f"Meetings (one per weekday): {self.created} created, {self.updated} updated, "
            f"{self.unchanged} unchanged, {len(self.skipped)} skipped.",
        ]
        lines += [f"Skipped {skip}" for skip in sorted(self.skipped, key=lambda s: s.index)]
        if self.doubtful_ends:
            lines.append(f"{len(self.doubtful_ends)} meeting(s) to check: longer than "
                         f"{meeting_guide_read.DOUBTFUL_MINUTES // 60} hours or ending after "
                         "midnight (the org's page lists them too):")
            lines += [f"  Check {doubt}" for doubt in self.doubtful_ends]
        if self.groups_without_program and self.groups_with_program:
            lines.append(f"{self.groups_without_program} group(s) of this feed of several "
                         f"programs had none in the feed and were filed under "
                         f"{self.default_program}; pass --program-map FILE to say which.")
        if self.not_in_feed:
            lines.append(f"{len(self.not_in_feed)} meeting(s) imported earlier are not in "
                         "this feed (or were skipped) and were left as they are:")
            lines += [f"  {meeting}" for meeting in self.not_in_feed]
        return lines


def import_feed(
    session: Session,
    actor: User | None,
    items: Sequence[Any],
    *,
    org_slug: str,
    now: datetime,
    timezone: str | None = None,
    program: str = DEFAULT_PROGRAM,
    program_map: dict[str, str] | None = None,
) -> ImportSummary:
    """Import the listed meetings (as meeting_guide_read.load_feed returns them) into the
    organization, creating it if needed.

    `timezone` is the zone of meetings the feed gives none for (default: the org's) and
    of a new org (default: the feed's first zone, else UTC). `now` decides the first
    date of new series: their next date from today, in their zone. A group the import
    creates gets the program `program_map` gives it (meeting_guide_read.program_of), else
    the one its type codes name, else `program`. Flushes, never commits: the caller
    commits once, or rolls back.
    """
    if timezone is not None and not is_valid_timezone(timezone):
        raise ServiceError(f"“{timezone}” is not a time zone we know; choose one like "
                           "America/Chicago.", field="timezone")
    try:
        program = Program(program)
    except ValueError:
        raise ServiceError(f"Unknown program: {program}", field="program") from None
    feed_meetings, skips = meeting_guide_read.parse_feed(items)
    org = organizations.find_organization(session, org_slug)
    created = org is None
    if org is None:
        org = organizations.create_organization(
            session, actor, slug=org_slug, name=_org_name(org_slug, feed_meetings),
            timezone=timezone or next((m.timezone for m in feed_meetings if m.timezone),
                                      FALLBACK_TIMEZONE),
        )
    summary = ImportSummary(org.slug, created, org.timezone, skipped=skips,
                            default_program=program.label)
    summary.doubtful_ends = [Skip(m.index, m.label, f"{m.doubtful_end}.")
                             for m in feed_meetings if m.doubtful_end]
    importer = _Importer(session, actor, org, program, timezone or org.timezone, now, summary,
                         program_map or {})
    for feed_meeting in feed_meetings:
        importer.add(feed_meeting)
    importer.finish()
    return summary


def _org_name(slug: str, feed_meetings: list[FeedMeeting]) -> str:
    """The feed's service entity ("District 12 Intergroup"), else the slug in words."""
    entity = next((m.entity for m in feed_meetings if m.entity), "")
    return (entity or slug.replace("-", " ").title())[:200]


def _name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


class _Importer:
    """The state of one import: what is in the database, looked up once, and the counts."""

    def __init__(self, session: Session, actor: User | None, org: Organization,
                 program: Program, default_timezone: str, now: datetime,
                 summary: ImportSummary, program_map: dict[str, str]) -> None:
        self.session, self.actor, self.org, self.program = session, actor, org, program
        self.program_map = program_map
        self.default_timezone, self.now, self.summary = default_timezone, now, summary
        self.groups_by_name: dict[str, Group] = {}
        self.new_group_ids: set[int] = set()
        self.used_group_ids: set[int] = set()
        self.by_source: dict[str, Meeting] = {}
        self.claimed: set[int] = set()
        self.taken_group_slugs = set(session.scalars(select(Group.slug)))
        if not summary.organization_created:
            self._load()

    def _load(self) -> None:
        """The org's groups and imported meetings, in one query each (and one for the
        exceptions), rather than some per feed meeting."""
        groups = self.session.scalars(
            select(Group).where(Group.organization_id == self.org.id).order_by(Group.id))
        for group in groups:
            self.groups_by_name.setdefault(_name_key(group.name), group)
        imported = self.session.scalars(
            select(Meeting).join(Meeting.group)
            .where(Group.organization_id == self.org.id, Meeting.source_slug.is_not(None))
            .options(contains_eager(Meeting.group), selectinload(Meeting.exceptions))
            .order_by(Meeting.id))
        for meeting in imported:
            if meeting.source_slug is not None:
                self.by_source.setdefault(meeting.source_slug, meeting)

    def add(self, item: FeedMeeting) -> None:
        """Create, update or leave alone the series of one feed meeting."""
        matches = self._match(item)
        group = next((m.group for m in matches.values() if m is not None), None)
        for weekday in item.weekdays:
            existing = matches[weekday]
            if existing is not None:
                self._update(item, weekday, existing)
            elif created := self._create(item, weekday, group):
                group = created.group

    def _match(self, item: FeedMeeting) -> dict[int, Meeting | None]:
        """The series already imported for each weekday of the item: the one under its
        slug, else one of the same feed slug on that weekday (the feed listed other days
        then), which is given the new slug."""
        matches: dict[int, Meeting | None] = {}
        for weekday in item.weekdays:
            meeting = self.by_source.get(item.source_slug(weekday))
            if meeting is not None and meeting.id not in self.claimed:
                matches[weekday] = meeting
                self.claimed.add(meeting.id)
            else:
                matches[weekday] = None
        others = [self.by_source[s] for s in item.possible_source_slugs()
                  if s in self.by_source and self.by_source[s].id not in self.claimed]
        for weekday in (d for d in item.weekdays if matches[d] is None):
            rrule = Recurrence.weekly(weekday).to_rrule()
            meeting = next((m for m in others if m.id not in self.claimed and m.rrule == rrule),
                           None)
            if meeting is not None:
                self.claimed.add(meeting.id)
                meeting.source_slug = item.source_slug(weekday)
                matches[weekday] = meeting
        return matches

    def _values(self, item: FeedMeeting, weekday: int, existing: Meeting | None
                ) -> FeedValues:
        zone = item.timezone or self.default_timezone
        if existing is not None and existing.first_date.weekday() == weekday:
            first_date = existing.first_date
        else:
            first_date = meeting_guide_read.first_date_on_or_after(
                weekday, meeting_guide_read.local_date(self.now, zone))
        return item.values(weekday, first_date=first_date, timezone=zone,
                           last_date=existing.last_date if existing is not None else None)

    def _update(self, item: FeedMeeting, weekday: int, meeting: Meeting) -> None:
        self.used_group_ids.add(meeting.group_id)
        values = self._values(item, weekday, meeting)
        if all(getattr(meeting, k) == v for k, v in meetings.columns(values).items()):
            self.summary.unchanged += 1
            return
        try:
            _check_lengths(values)
            meetings.update_meeting(self.session, self.actor, meeting, values)
        except meetings.OrphanedExceptions as error:
            self._skip(item, weekday, f"{len(error.exceptions)} changed or cancelled date(s) "
                                      "would no longer be dates of it; change it by hand.")
            return
        except ServiceError as error:
            self._skip(item, weekday, error.message)
            return
        self.summary.updated += 1

    def _create(self, item: FeedMeeting, weekday: int, group: Group | None) -> Meeting | None:
        values = self._values(item, weekday, None)
        try:
            _check_lengths(values)
            meetings.check(values)
            group = group or self._group_for(item)
            meeting = meetings.create_meeting(self.session, self.actor, group, values)
        except ServiceError as error:
            self._skip(item, weekday, error.message)
            return None
        self.summary.created += 1
        return meeting

    def _group_for(self, item: FeedMeeting) -> Group:
        """The group the feed names, found by name in the org or created; for a meeting
        without one, a group of its own, named after it."""
        name = (item.group or item.name)[:200]
        if item.group and (group := self.groups_by_name.get(_name_key(name))):
            self.used_group_ids.add(group.id)
            return group
        program = meeting_guide_read.program_of(item, self.program_map)
        if program is None:
            self.summary.groups_without_program += 1
        else:
            self.summary.groups_with_program += 1
        group = organizations.create_group(
            self.session, self.actor, self.org, slug=self._new_group_slug(name), name=name,
            program=program or self.program, visibility=Visibility.PUBLIC,
            description=item.group_notes if item.group else "",
        )
        self.new_group_ids.add(group.id)
        if item.group:
            self.groups_by_name[_name_key(name)] = group
        return group

    def _new_group_slug(self, name: str) -> str:
        """slugify(name), or "-2", "-3"… after it when that is taken (in any org)."""
        slug = free_slug(slugify(name) or "group", self.taken_group_slugs)
        self.taken_group_slugs.add(slug)
        return slug

    def _skip(self, item: FeedMeeting, weekday: int, reason: str) -> None:
        label = item.label if len(item.weekdays) == 1 else f"{item.label}, {DAY_NAMES[weekday]}"
        self.summary.skipped.append(Skip(item.index, label, reason))

    def finish(self) -> None:
        self.session.flush()
        self.summary.groups_created = len(self.new_group_ids)
        self.summary.groups_unchanged = len(self.used_group_ids - self.new_group_ids)
        self.summary.not_in_feed = [
            NotInFeed(m.title, m.source_slug or "", m.group.name)
            for m in self.by_source.values() if m.id not in self.claimed
        ]


#: The length of each text column of a meeting that has one.
_LENGTHS = {c.name: c.type.length for c in Meeting.__table__.columns
            if isinstance(c.type, String) and c.type.length is not None}


def _check_lengths(values: MeetingValues) -> None:
    """Refuse text longer than its column: PostgreSQL would refuse the whole import."""
    for name, length in _LENGTHS.items():
        value = getattr(values, name, None)
        if isinstance(value, str) and len(value.strip()) > length:
            raise ServiceError(f"Its {FEED_NAMES.get(name, name)} is longer than {length} "
                               "characters.")


@dataclass(frozen=True)
class DoubtfulEnd:
    """An imported meeting whose end looks like a slip, for the org's page."""

    meeting_id: int
    title: str
    group_slug: str
    group_name: str
    reason: str


def doubtful_ends(session: Session, org: Organization) -> list[DoubtfulEnd]:
    """The org's imported meetings longer than meeting_guide_read.DOUBTFUL_MINUTES or ending
    after midnight, as the import's summary named them: worked out from each meeting as it
    is now, so one corrected since drops off, and nothing is stored."""
    rows = session.execute(
        select(Meeting.id, Meeting.title, Meeting.start_time, Meeting.duration_minutes,
               Group.slug, Group.name)
        .join(Meeting.group)
        .where(Group.organization_id == org.id, Meeting.source_slug.is_not(None))
        .order_by(Group.name, Meeting.title, Meeting.id))
    return [DoubtfulEnd(meeting_id, title, group_slug, group_name, reason)
            for meeting_id, title, start, minutes, group_slug, group_name in rows
            if (reason := meeting_guide_read.doubtful_end(start, minutes))]
