"""Import a Meeting Guide feed into an organization, so groups can move over from the
12 Step Meeting List plugin and similar sites.

One public group per group the feed names (where it names none, one per meeting name
and place: meeting_guide_read.unnamed_group_key), one weekly meeting series per day a
feed meeting is listed on. Each group's listing is confirmed as of the latest `updated`
the feed gives its meetings (services/listings.py). Each series keeps the slug it
came from (Meeting.source_slug), so importing the feed again updates it in place, through
services.meetings like any other change: audit entry and SEQUENCE included, nothing at all
when nothing changed.

The feed is the source for what it describes. The import keeps what a feed cannot say:
the first date (while the day is the same), a last date set here, the group a series is
in, and every meeting not imported from this feed. Meetings imported earlier that this
feed no longer lists are left as they are and named in the summary.

On SQLite a writer holds the whole database, so the import works in two steps that a
check-in can fall between: `stage` reads, checks and decides everything and writes the
new rows into TEMPORARY tables of its own connection (no lock, however long it takes);
`write` then copies them into place in one short transaction (INSERT … SELECT and
UPDATE … FROM, run by the database), after checking that the organization has not
changed since it was read. Readers see all of an import or none of it.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from dataclasses import fields
from datetime import datetime
from types import SimpleNamespace
from typing import Any
from typing import cast

from sqlalchemy import Column
from sqlalchemy import Connection
from sqlalchemy import Integer
from sqlalchemy import MetaData
from sqlalchemy import String
from sqlalchemy import Table
from sqlalchemy import bindparam
from sqlalchemy import func
from sqlalchemy import insert
from sqlalchemy import literal
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import Session
from sqlalchemy.orm import contains_eager
from sqlalchemy.orm import selectinload

from facilitator import clock
from facilitator.db import read_transaction
from facilitator.db import utcnow
from facilitator.db import write_transaction
from facilitator.domain import meeting_guide_read
from facilitator.domain.choices import Program
from facilitator.domain.choices import Visibility
from facilitator.domain.languages import N_
from facilitator.domain.languages import Label
from facilitator.domain.languages import Message
from facilitator.domain.meeting import MeetingValues
from facilitator.domain.meeting_guide_read import FeedMeeting
from facilitator.domain.meeting_guide_read import FeedValues
from facilitator.domain.meeting_guide_read import Skip
from facilitator.domain.meeting_guide_read import printable
from facilitator.domain.recurrence import Recurrence
from facilitator.domain.slugs import free_slug
from facilitator.domain.slugs import slugify
from facilitator.domain.timezones import is_valid_timezone
from facilitator.formatting import message_words
from facilitator.models import AuditEntry
from facilitator.models import Group
from facilitator.models import Meeting
from facilitator.models import Organization
from facilitator.models import User
from facilitator.services import ServiceError
from facilitator.services import audit_log
from facilitator.services import meetings
from facilitator.services import organizations
from facilitator.services.organizations import GROUP_FIELDS

#: The feed's name for a meeting column, in messages about a value that does not fit.
FEED_NAMES = {"title": "name", "location_name": "location", "address": "address",
              "region": "region", "sub_region": "sub_region (or regions)",
              "online_url": "conference_url", "online_phone": "conference_phone",
              "timezone": "timezone"}
#: Meeting Guide is AA's format; a feed of another fellowship says so with --program.
DEFAULT_PROGRAM = Program.AA
#: The time zone of a new organization when neither the command nor the feed gives one.
FALLBACK_TIMEZONE = "UTC"
#: Seconds between two progress lines, at least: often enough that a long import is
#: seen to move, and none at all for a feed read in a second.
PROGRESS_EVERY = 1.0
#: Times an import is staged before it gives up, when someone keeps changing the org.
IMPORT_TRIES = 3
#: The first line of a dry run's summary.
DRY_RUN_HEADING = N_("Dry run: nothing was saved. Importing this feed would do this:")
#: recurrence.DAY_NAMES, marked: a skipped day of a meeting is named in the reader's language.
_WEEKDAYS = (N_("Monday"), N_("Tuesday"), N_("Wednesday"), N_("Thursday"), N_("Friday"),
             N_("Saturday"), N_("Sunday"))
#: Rows written to the staging tables at once, between two looks at the progress.
STAGING_BATCH = 500


@dataclass
class NotInFeed:
    """A meeting imported earlier that this feed did not match."""

    title: str
    source_slug: str
    group: str

    def said(self) -> Message:
        return Message(N_("“%(title)s” (slug %(slug)s) of %(group)s"),
                       {"title": printable(self.title, 60), "slug": printable(self.source_slug),
                        "group": printable(self.group, 60)})

    def __str__(self) -> str:
        return str(self.said())


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
    #: Whether this is what the import would do (a dry run): nothing was saved.
    dry_run: bool = False

    def lines(self) -> list[str]:
        """The summary for the person who ran the import on the command line: English."""
        return [message_words(line, "en") for line in self.messages()]

    def messages(self) -> list[Message]:
        """The summary for the person who ran the import, a Message a line: a page words
        them in its reader's language (import_runs stores them so)."""
        org = (Message(N_("Organization %(org)s: created, time zone %(zone)s."),
                       {"org": self.organization, "zone": self.timezone})
               if self.organization_created else
               Message(N_("Organization %(org)s: already there."), {"org": self.organization}))
        lines = [Message(DRY_RUN_HEADING)] if self.dry_run else []
        lines += [
            org,
            Message(N_("Groups: %(created)s created, %(unchanged)s unchanged."),
                    {"created": self.groups_created, "unchanged": self.groups_unchanged}),
            Message(N_("Meetings (one per weekday): %(created)s created, %(updated)s updated, "
                       "%(unchanged)s unchanged, %(skipped)s skipped."),
                    {"created": self.created, "updated": self.updated,
                     "unchanged": self.unchanged, "skipped": len(self.skipped)}),
        ]
        lines += [Message(N_("Skipped %(meeting)s: %(reason)s"),
                          {"meeting": skip.label, "reason": skip.reason})
                  for skip in sorted(self.skipped, key=lambda s: s.index)]
        if self.doubtful_ends:
            lines.append(Message(N_("%(count)s meeting(s) to check: longer than %(hours)s hours "
                                    "or ending after midnight (the org's page lists them "
                                    "too):"),
                                 {"count": len(self.doubtful_ends),
                                  "hours": meeting_guide_read.DOUBTFUL_MINUTES // 60}))
            lines += [Message(N_("  Check %(meeting)s: %(reason)s."),
                              {"meeting": doubt.label, "reason": doubt.reason})
                      for doubt in self.doubtful_ends]
        if self.groups_without_program and self.groups_with_program:
            lines.append(Message(N_("%(count)s group(s) of this feed of several programs had "
                                    "none in the feed and were filed under %(program)s; pass "
                                    "--program-map FILE to say which."),
                                 {"count": self.groups_without_program,
                                  "program": Label(self.default_program)}))
        if self.not_in_feed:
            lines.append(Message(N_("%(count)s meeting(s) imported earlier are not in this feed "
                                    "(or were skipped) and were left as they are:"),
                                 {"count": len(self.not_in_feed)}))
            lines += [Message(N_("  %(meeting)s"), {"meeting": meeting.said()})
                      for meeting in self.not_in_feed]
        return lines


class Stale(ServiceError):
    """The organization changed between `stage` and `write`: what the import decided may
    no longer hold, so it is staged again."""

    def __init__(self) -> None:
        super().__init__(N_("The organization changed while the feed was being read "
                            "(someone was editing it); try again in a moment."))


#: Where the import says how far it got: one line for the person who runs it.
Report = Callable[[Message], None]


class _Progress:
    """Passes a line to `report` when PROGRESS_EVERY seconds (clock.monotonic) have gone
    by since the last one, however often it is told (the line is only built then), or
    when a step begins (`begin`)."""

    def __init__(self, report: Report | None) -> None:
        self.report = report
        self.last = clock.monotonic()

    def __call__(self, text: str, **values: object) -> None:
        if self.report is not None and clock.monotonic() - self.last >= PROGRESS_EVERY:
            self.begin(text, **values)

    def begin(self, text: str, **values: object) -> None:
        if self.report is not None:
            self.report(Message(text, values))
            self.last = clock.monotonic()


@dataclass
class StagedImport:
    """An import read, checked and staged on the session's connection, not yet saved."""

    summary: ImportSummary
    #: The name a new organization gets; None when it is there already.
    new_org_name: str | None
    org_id: int | None
    #: The organization's data_version when it was read: every change to its groups and
    #: meetings grows it, and any may change what the import decided.
    org_version: int
    #: Groups already there that get a new or changed meeting: their feeds change.
    changed_group_ids: set[int]
    #: Whether readers see anything new: a new group or meeting, or a changed one.
    changes: bool
    #: How many rows are staged: a meeting given a new source slug and nothing else
    #: changes, and readers see nothing new.
    rows: int
    #: Groups already there whose listing the feed's `updated` confirms later than they
    #: were: the new time, by group id.
    confirmations: dict[int, datetime] = field(default_factory=dict)


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
    progress: Report | None = None,
) -> ImportSummary:
    """Import the listed meetings (as meeting_guide_read.load_feed returns them) into the
    organization, creating it if needed: `stage`, then `write`, in the session's
    transaction. Flushes, never commits: the caller commits once, or rolls back. The
    command runs the two steps in transactions of their own."""
    staged = stage(session, actor, items, org_slug=org_slug, now=now, timezone=timezone,
                   program=program, program_map=program_map, progress=progress)
    return write(session, actor, staged)


def run(
    session: Session,
    actor: User | None,
    items: Sequence[Any],
    *,
    org_slug: str,
    timezone: str | None = None,
    program: str = DEFAULT_PROGRAM,
    program_map: dict[str, str] | None = None,
    progress: Report | None = None,
    dry_run: bool = False,
) -> ImportSummary:
    """Import the feed as the command line and the web's import job do: `stage` it without
    holding the database (SQLite has one writer at a time, and check-ins must not wait),
    then `write` it in one short write transaction, staging it again if the organization
    changed in between (IMPORT_TRIES times at most, then Stale). Commits: `session` is
    the import's own (db.Database.one_connection_session). A dry run only stages, and
    answers what the import would do, having saved nothing."""
    step = _Progress(progress)
    for attempt in range(1, IMPORT_TRIES + 1):
        with read_transaction(session):
            staged = stage(session, actor, items, org_slug=org_slug, now=clock.now(),
                           timezone=timezone, program=program, program_map=program_map,
                           progress=progress)
            if dry_run:
                _drop_staging(session.connection())
                staged.summary.dry_run = True
                return staged.summary
        try:
            with write_transaction(session):
                return write(session, actor, staged)
        except Stale:
            if attempt == IMPORT_TRIES:
                raise
            step.begin(N_("The organization changed meanwhile; reading it again…"))
    raise AssertionError("unreachable")


def failure_message(error: Exception) -> Message:
    """What to tell the person whose import failed on something unforeseen: the
    database is as before, and the error's first line, without a traceback."""
    detail = (str(error).strip().splitlines() or [""])[0][:300]
    return Message(N_("The import failed and nothing was saved (%(error)s: %(detail)s)."),
                   {"error": type(error).__name__, "detail": detail})


def stage(
    session: Session,
    actor: User | None,
    items: Sequence[Any],
    *,
    org_slug: str,
    now: datetime,
    timezone: str | None = None,
    program: str = DEFAULT_PROGRAM,
    program_map: dict[str, str] | None = None,
    progress: Report | None = None,
) -> StagedImport:
    """Read the feed and the organization, decide everything the import does, and write
    the rows it adds or changes to staging tables on the session's connection, which no
    other connection sees. `progress` is told how far it got, at most every
    PROGRESS_EVERY seconds.

    `timezone` is the zone of meetings the feed gives none for (default: the org's) and
    of a new org (default: the feed's first zone, else UTC). `now` decides the first
    date of new series: their next date from today, in their zone. A group the import
    creates gets the program `program_map` gives it (meeting_guide_read.program_of), else
    the one its type codes name, else `program`.
    """
    if timezone is not None and not is_valid_timezone(timezone):
        raise ServiceError(N_("“%(zone)s” is not a time zone we know; choose one like "
                              "America/Chicago."), field="timezone", zone=timezone)
    try:
        program = Program(program)
    except ValueError:
        raise ServiceError(N_("Unknown program: %(program)s"), field="program",
                           program=program) from None
    step = _Progress(progress)
    feed_meetings, skips = meeting_guide_read.parse_feed(items)
    step.begin(N_("The feed lists %(count)s meetings; checking them…"),
               count=len(feed_meetings))
    org = organizations.find_organization(session, org_slug)
    zone = org.timezone if org is not None else timezone or next(
        (m.timezone for m in feed_meetings if m.timezone), FALLBACK_TIMEZONE)
    summary = ImportSummary(org_slug, org is None, zone, skipped=skips,
                            default_program=program.label)
    summary.doubtful_ends = [Skip(m.index, m.label, reason) for m in feed_meetings
                             if (reason := m.doubtful_end) is not None]
    importer = _Importer(session, actor, org, program, timezone or zone, now, summary,
                         program_map or {})
    for done, feed_meeting in enumerate(feed_meetings, start=1):
        importer.add(feed_meeting)
        step(N_("Checked %(done)s of %(count)s meetings…"), done=done,
             count=len(feed_meetings))
    importer.finish()
    _stage_rows(session.connection(), importer, step)
    return StagedImport(
        summary, _org_name(org_slug, feed_meetings) if org is None else None,
        org.id if org is not None else None, org.data_version if org is not None else 0,
        importer.changed_group_ids,
        changes=bool(importer.new_groups or importer.new_meetings or importer.entries),
        rows=len(importer.new_meetings) + len(importer.changed_meetings),
        confirmations=importer.confirmations,
    )


def write(session: Session, actor: User | None, staged: StagedImport) -> ImportSummary:
    """Save a staged import: create the organization if needed and copy the staged rows
    into place, a few statements however large the feed. Flushes, never commits.
    Raises Stale, changing nothing, when the organization changed since it was staged."""
    connection = session.connection()
    org = _organization_for(session, actor, staged)
    if staged.changes:
        organizations.mark_changed(org)
        session.flush()
    if staged.rows or staged.confirmations:
        _copy_staged(connection, org.id, staged.changed_group_ids, staged.confirmations)
    _drop_staging(connection)
    # The rows changed under the session's objects: what it reads next comes afresh.
    session.expire_all()
    return staged.summary


def _organization_for(session: Session, actor: User | None,
                      staged: StagedImport) -> Organization:
    slug = staged.summary.organization
    if staged.new_org_name is not None:
        if organizations.find_organization(session, slug) is not None:
            raise Stale()
        return organizations.create_organization(session, actor, slug=slug,
                                                 name=staged.new_org_name,
                                                 timezone=staged.summary.timezone)
    # FOR UPDATE: on PostgreSQL a change to the org waits for the import from here on
    # (each bumps the org's version); SQLite's write lock already keeps everyone out.
    version = session.scalar(select(Organization.data_version)
                             .where(Organization.id == staged.org_id).with_for_update())
    if version != staged.org_version:
        raise Stale()
    return session.get_one(Organization, staged.org_id)


def _org_name(slug: str, feed_meetings: list[FeedMeeting]) -> str:
    """The feed's service entity ("District 12 Intergroup"), else the slug in words."""
    entity = next((m.entity for m in feed_meetings if m.entity), "")
    return (entity or slug.replace("-", " ").title())[:200]


def _name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


@dataclass(frozen=True)
class _GroupRef:
    """A group meetings are imported into: one already there (its id), or one this
    import creates (its slug, which the final copy finds it by)."""

    name: str
    id: int | None = None
    slug: str = ""


def _row(model: Any, **values: Any) -> dict[str, Any]:
    """A new row of the model's table: `values`, and every other column's default as an
    INSERT would give it (a meeting's uid, the time stamps), so that the row is whole
    when it is staged and is copied into place as it is."""
    row = dict(values)
    for column in model.__table__.columns:
        default = column.default
        if column.name in row or default is None:
            continue
        row[column.name] = default.arg if default.is_scalar else default.arg(None)
    return row


class _Importer:
    """The state of one import: what is in the database, looked up once, what the import
    adds and changes, as rows to stage, and the counts."""

    def __init__(self, session: Session, actor: User | None, org: Organization | None,
                 program: Program, default_timezone: str, now: datetime,
                 summary: ImportSummary, program_map: dict[str, str]) -> None:
        self.session, self.actor, self.program = session, actor, program
        self.program_map = program_map
        self.default_timezone, self.now, self.summary = default_timezone, now, summary
        self.groups_by_name: dict[str, _GroupRef] = {}
        self.used_group_ids: set[int] = set()
        self.changed_group_ids: set[int] = set()
        self.by_source: dict[str, Meeting] = {}
        self.claimed: set[int] = set()
        self.taken_group_slugs = set(session.scalars(select(Group.slug)))
        self.new_groups: list[dict[str, Any]] = []
        self.new_meetings: list[dict[str, Any]] = []
        self.changed_meetings: dict[int, dict[str, Any]] = {}
        self.entries: list[dict[str, Any]] = []
        self.stamp = utcnow()
        #: Unnamed groups (meeting_guide_read.unnamed_group_key), found by name and place.
        self.groups_by_place: dict[tuple[str, str, str], _GroupRef] = {}
        #: The latest `updated` the feed gives a meeting of each group it touches, by
        #: group id (one already there) or slug (one it creates).
        self.feed_confirmed: dict[int | str, datetime] = {}
        #: Each group already there, by id: its name and when it was last confirmed.
        self.existing: dict[int, tuple[str, datetime]] = {}
        #: Groups already there whose confirmation the feed moves on: the new time.
        self.confirmations: dict[int, datetime] = {}
        if org is not None:
            self._load(org)

    def _load(self, org: Organization) -> None:
        """The org's groups and imported meetings, in one query each (and one for the
        exceptions), rather than some per feed meeting; read afresh, as an import before
        in this session changed the rows under its objects."""
        groups = self.session.scalars(
            select(Group).where(Group.organization_id == org.id).order_by(Group.id)
            .execution_options(populate_existing=True))
        for group in groups:
            self.groups_by_name.setdefault(_name_key(group.name), _GroupRef(group.name, group.id))
            self.existing[group.id] = (group.name, group.confirmed_at)
        imported = self.session.scalars(
            select(Meeting).join(Meeting.group)
            .where(Group.organization_id == org.id, Meeting.source_slug.is_not(None))
            .options(contains_eager(Meeting.group), selectinload(Meeting.exceptions))
            .order_by(Meeting.id).execution_options(populate_existing=True))
        for meeting in imported:
            if meeting.source_slug is not None:
                self.by_source.setdefault(meeting.source_slug, meeting)
            # A group an earlier import made of meetings that named none: its name is theirs.
            key = meeting_guide_read.unnamed_group_key(meeting.title, meeting.location_name,
                                                       meeting.address)
            if key is not None and _name_key(meeting.group.name) == key[0]:
                self.groups_by_place.setdefault(key, _GroupRef(meeting.group.name,
                                                               meeting.group_id))

    def add(self, item: FeedMeeting) -> None:
        """Create, update or leave alone the series of one feed meeting."""
        matches = self._match(item)
        group = next((_GroupRef(m.group.name, m.group_id) for m in matches.values()
                      if m is not None), None)
        for weekday in item.weekdays:
            existing = matches[weekday]
            if existing is not None:
                self._update(item, weekday, existing)
            elif created := self._create(item, weekday, group):
                group = created
        if group is not None and item.updated is not None:
            key = group.id if group.id is not None else group.slug
            at = self._updated(item)
            self.feed_confirmed[key] = max(at, self.feed_confirmed.get(key, at))

    def _updated(self, item: FeedMeeting) -> datetime:
        """When the item was last updated: as the feed says, but never after the import
        (a clock ahead at the source), else the import's own time."""
        return self.stamp if item.updated is None else min(item.updated, self.stamp)

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
                self._changed_row(meeting)["source_slug"] = item.source_slug(weekday)
                matches[weekday] = meeting
        return matches

    def _changed_row(self, meeting: Meeting) -> dict[str, Any]:
        """The staged row of a meeting this import changes: its values as they are now,
        to be changed."""
        row = self.changed_meetings.get(meeting.id)
        if row is None:
            row = self.changed_meetings[meeting.id] = {
                "position": len(self.changed_meetings), "id": meeting.id,
                **{name: getattr(meeting, name) for name in _CHANGED_COLUMNS},
                "updated_at": self.stamp,
            }
        return row

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
        """Stage the new values of a meeting, refused as meetings.update_meeting refuses
        them, with the audit entry and the SEQUENCE it gives."""
        self.used_group_ids.add(meeting.group_id)
        values = self._values(item, weekday, meeting)
        columns = meetings.columns(values)
        current = self.changed_meetings.get(meeting.id) or {
            name: getattr(meeting, name) for name in columns}
        if all(current[k] == v for k, v in columns.items()):
            self.summary.unchanged += 1
            return
        try:
            _check_lengths(values)
            meetings.check(values)
            if lost := meetings.orphans_after(meeting, values):
                raise meetings.OrphanedExceptions(lost)
        except meetings.OrphanedExceptions as error:
            self._skip(item, weekday, Message(
                N_("%(count)s changed or cancelled date(s) would no longer be dates of it; "
                   "change it by hand."), {"count": len(error.exceptions)}))
            return
        except ServiceError as error:
            self._skip(item, weekday, error.said)
            return
        before, after = audit_log.changed(
            audit_log.snapshot(meeting, meetings.MEETING_FIELDS),
            audit_log.snapshot(SimpleNamespace(**columns), meetings.MEETING_FIELDS))
        row = self._changed_row(meeting)
        row.update(columns)
        if after:
            row["sequence"] = meeting.sequence + 1
            row["updated_at"] = self._updated(item)
            self.changed_group_ids.add(meeting.group_id)
            self._entry("update", Meeting, meeting.id,
                        meetings.audit_summary(row["title"], meeting.group.name),
                        before=before, after=after)
        self.summary.updated += 1

    def _create(self, item: FeedMeeting, weekday: int, group: _GroupRef | None
                ) -> _GroupRef | None:
        """Stage a new series of the item, in `group` or the one _group_for gives; the
        group, or None when the series is refused (as meetings.create_meeting would)."""
        values = self._values(item, weekday, None)
        try:
            _check_lengths(values)
            meetings.check(values)
        except ServiceError as error:
            self._skip(item, weekday, error.said)
            return None
        group = group or self._group_for(item)
        row = _row(Meeting, position=len(self.new_meetings), **meetings.columns(values),
                   group_id=group.id, group_slug=None if group.id else group.slug,
                   updated_at=self._updated(item))
        self.new_meetings.append(row)
        if group.id is not None:
            self.changed_group_ids.add(group.id)
        self._entry("create", Meeting, None, meetings.audit_summary(row["title"], group.name),
                    after=audit_log.snapshot(SimpleNamespace(**row), meetings.MEETING_FIELDS),
                    meeting_uid=row["uid"])
        self.summary.created += 1
        return group

    def _group_for(self, item: FeedMeeting) -> _GroupRef:
        """The group the feed names, found by name in the org or created; for a meeting
        without one, the group of the meetings of its name and place (one an earlier
        import made, or one made now, named after it)."""
        name = (item.group or item.name)[:200]
        place = item.unnamed_group
        if (group := self.groups_by_name.get(_name_key(name)) if item.group else
                self.groups_by_place.get(place) if place else None):
            if group.id is not None:
                self.used_group_ids.add(group.id)
            return group
        program = meeting_guide_read.program_of(item, self.program_map)
        if program is None:
            self.summary.groups_without_program += 1
        else:
            self.summary.groups_with_program += 1
        row = _row(Group, position=len(self.new_groups), slug=self._new_group_slug(name),
                   name=name.strip(), program=program or self.program,
                   visibility=Visibility.PUBLIC,
                   description=item.group_notes if item.group else "")
        self.new_groups.append(row)
        group = _GroupRef(row["name"], slug=row["slug"])
        self._entry("create", Group, None, Message(N_("Group %(name)s"), {"name": group.name}),
                    after=audit_log.snapshot(SimpleNamespace(**row), GROUP_FIELDS),
                    group_slug=group.slug)
        if item.group:
            self.groups_by_name[_name_key(name)] = group
        elif place:
            self.groups_by_place[place] = group
        return group

    def _new_group_slug(self, name: str) -> str:
        """slugify(name), or "-2", "-3"… after it when that is taken (in any org)."""
        slug = free_slug(slugify(name) or "group", self.taken_group_slugs)
        self.taken_group_slugs.add(slug)
        return slug

    def _entry(self, action: str, entity_type: type, entity_id: int | None, summary: Message, *,
               before: dict[str, Any] | None = None, after: dict[str, Any] | None = None,
               meeting_uid: str | None = None, group_slug: str | None = None) -> None:
        """Stage an audit entry; a new row's id is found by its uid or slug as it is
        copied into place."""
        self.entries.append(_row(
            AuditEntry, position=len(self.entries), meeting_uid=meeting_uid,
            group_slug=group_slug, **audit_log.entry_columns(
                self.actor, action, entity_type, entity_id, organization_id=None,
                summary=summary, before=before, after=after)))

    def _skip(self, item: FeedMeeting, weekday: int, reason: Message) -> None:
        label = item.label if len(item.weekdays) == 1 else Message(
            N_("%(meeting)s, %(day)s"), {"meeting": item.label, "day": Label(_WEEKDAYS[weekday])})
        self.summary.skipped.append(Skip(item.index, label, reason))

    def finish(self) -> None:
        self._confirm()
        self.summary.groups_created = len(self.new_groups)
        self.summary.groups_unchanged = len(self.used_group_ids)
        self.summary.not_in_feed = [
            NotInFeed(m.title, m.source_slug or "", m.group.name)
            for m in self.by_source.values() if m.id not in self.claimed
        ]

    def _confirm(self) -> None:
        """Each group's listing is confirmed as of the latest `updated` the feed gives its
        meetings: a new group's (the import's own time when the feed gives none), and an
        existing one's where that is later than it was, with an audit entry."""
        for row in self.new_groups:
            row["confirmed_at"] = self.feed_confirmed.get(row["slug"], self.stamp)
        for group_id, (name, before) in self.existing.items():
            at = self.feed_confirmed.get(group_id)
            if at is None or at <= before:
                continue
            self.confirmations[group_id] = at
            self.changed_group_ids.add(group_id)
            self._entry("confirm", Group, group_id,
                        Message(N_("Listing of %(group)s confirmed: the feed’s “updated”"),
                                {"group": name}),
                        before={"confirmed_at": before.isoformat()},
                        after={"confirmed_at": at.isoformat()})


# -- Staging: the rows of an import, on its connection only, until they are copied ------

_STAGING = MetaData()

#: The meeting columns an import changes: its values with the source slug (as
#: meetings.columns names them), the SEQUENCE and the time stamp.
_CHANGED_COLUMNS = (*("rrule" if f.name == "recurrence" else f.name for f in fields(FeedValues)),
                    "sequence", "updated_at")


def _staging_table(name: str, table: Table, *extra: Column[Any], leave_out: Iterable[str] = (),
                   only: Iterable[str] | None = None) -> Table:
    """A TEMPORARY table with `table`'s columns (all but its id and `leave_out`, or
    `only`), their types and no constraints, `extra` columns, and each row's position,
    which keeps the order the import decided on."""
    names = set(only) if only is not None else {c.name for c in table.columns} - {
        "id", *leave_out}
    return Table(name, _STAGING,
                 Column("position", Integer, primary_key=True, autoincrement=False),
                 *(Column(c.name, c.type.copy()) for c in table.columns if c.name in names),
                 *extra, prefixes=["TEMPORARY"])


_GROUPS = cast(Table, Group.__table__)
_MEETINGS = cast(Table, Meeting.__table__)
_ENTRIES = cast(Table, AuditEntry.__table__)
_NEW_GROUPS = _staging_table("import_new_groups", _GROUPS, leave_out=["organization_id"])
_NEW_MEETINGS = _staging_table("import_new_meetings", _MEETINGS, Column("group_slug", String(64)))
_CHANGED_MEETINGS = _staging_table("import_changed_meetings", _MEETINGS,
                                   Column("id", Integer), only=_CHANGED_COLUMNS)
_NEW_ENTRIES = _staging_table("import_new_entries", _ENTRIES, Column("meeting_uid", String(80)),
                              Column("group_slug", String(64)), leave_out=["organization_id"])


def _drop_staging(connection: Connection) -> None:
    for table in _STAGING.sorted_tables:
        table.drop(connection, checkfirst=True)


def _stage_rows(connection: Connection, importer: _Importer, step: _Progress) -> None:
    """Write the import's rows to fresh staging tables, a batch at a time, saying how far
    it got."""
    _drop_staging(connection)
    _STAGING.create_all(connection)
    batches = ((_NEW_GROUPS, importer.new_groups), (_NEW_MEETINGS, importer.new_meetings),
               (_CHANGED_MEETINGS, list(importer.changed_meetings.values())),
               (_NEW_ENTRIES, importer.entries))
    total = sum(len(rows) for _, rows in batches)
    done = 0
    for table, rows in batches:
        for start in range(0, len(rows), STAGING_BATCH):
            batch = rows[start:start + STAGING_BATCH]
            connection.execute(insert(table), batch)
            done += len(batch)
            step(N_("Prepared %(done)s of %(count)s rows to save…"), done=done, count=total)
    step.begin(N_("Saving…"))


def _copy_staged(connection: Connection, org_id: int, changed_group_ids: set[int],
                 confirmations: dict[int, datetime]) -> None:
    """Copy the staged rows into place, the database doing the work: new groups, new
    meetings (in a new group: found by its slug), changed meetings, the audit entries
    (of a new row: found by its uid or slug); and grow the version of every group whose
    meetings changed."""
    by_slug = select(_GROUPS.c.id).where(_GROUPS.c.slug == _NEW_MEETINGS.c.group_slug)
    _copy(connection, _GROUPS, _NEW_GROUPS, organization_id=literal(org_id))
    _copy(connection, _MEETINGS, _NEW_MEETINGS,
          group_id=func.coalesce(_NEW_MEETINGS.c.group_id, by_slug.scalar_subquery()))
    connection.execute(
        update(_MEETINGS).where(_MEETINGS.c.id == _CHANGED_MEETINGS.c.id)
        .values({name: _CHANGED_MEETINGS.c[name] for name in _CHANGED_COLUMNS}))
    entries = _NEW_ENTRIES.c
    _copy(connection, _ENTRIES, _NEW_ENTRIES, organization_id=literal(org_id),
          entity_id=func.coalesce(
              entries.entity_id,
              select(_MEETINGS.c.id).where(_MEETINGS.c.uid == entries.meeting_uid)
              .scalar_subquery(),
              select(_GROUPS.c.id).where(_GROUPS.c.slug == entries.group_slug)
              .scalar_subquery()))
    if confirmations:
        connection.execute(
            update(_GROUPS).where(_GROUPS.c.id == bindparam("group_id"))
            .values(confirmed_at=bindparam("at", type_=_GROUPS.c.confirmed_at.type)),
            [{"group_id": group_id, "at": at} for group_id, at in confirmations.items()])
    connection.execute(
        update(_GROUPS)
        .where(_GROUPS.c.id.in_(changed_group_ids)
               | _GROUPS.c.slug.in_(select(_NEW_GROUPS.c.slug)))
        .values(data_version=_GROUPS.c.data_version + 1, data_changed_at=utcnow()))


def _copy(connection: Connection, table: Table, staged: Table, **computed: Any) -> None:
    """INSERT INTO table SELECT … FROM staged, in the staged order: the columns the two
    share, and the `computed` ones."""
    names = [c.name for c in staged.columns if c.name in table.c and c.name not in computed]
    connection.execute(insert(table).from_select(
        [*names, *computed],
        select(*(staged.c[name] for name in names), *computed.values())
        .order_by(staged.c.position),
        include_defaults=False))


#: The length of each text column of a meeting that has one.
_LENGTHS = {c.name: c.type.length for c in Meeting.__table__.columns
            if isinstance(c.type, String) and c.type.length is not None}


def _check_lengths(values: MeetingValues) -> None:
    """Refuse text longer than its column: PostgreSQL would refuse the whole import."""
    for name, length in _LENGTHS.items():
        value = getattr(values, name, None)
        if isinstance(value, str) and len(value.strip()) > length:
            raise ServiceError(N_("Its %(column)s is longer than %(most)s characters."),
                               column=FEED_NAMES.get(name, name), most=length)


@dataclass(frozen=True)
class DoubtfulEnd:
    """An imported meeting whose end looks like a slip, for the org's page."""

    meeting_id: int
    title: str
    group_slug: str
    group_name: str
    reason: Message


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
