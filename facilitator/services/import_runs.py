"""Meeting Guide imports from the web: an admin uploads a feed, a job checks it (a dry
run: what the import would create, update, leave and skip, nothing saved), and when the
admin says so a job imports it, all or nothing, as `flask import-meeting-guide` does.

An ImportRun holds the uploaded feed only until the run is finished (imported, failed or
not wanted); a checked feed nobody imports is dropped after FEED_KEPT, and an org keeps
its RUNS_KEPT newest runs. The feed lists meetings, as a public directory does; nothing
of members is in it or in the summary.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from datetime import timedelta
from typing import Any

from sqlalchemy import delete
from sqlalchemy import select
from sqlalchemy.orm import Session

from facilitator import clock
from facilitator.db import Database
from facilitator.db import write_transaction
from facilitator.domain import meeting_guide_read
from facilitator.domain.choices import ImportStatus
from facilitator.domain.choices import Program
from facilitator.domain.languages import N_
from facilitator.domain.languages import Label
from facilitator.domain.languages import Message
from facilitator.domain.timezones import is_valid_timezone
from facilitator.models import ImportRun
from facilitator.models import Organization
from facilitator.models import User
from facilitator.services import ServiceError
from facilitator.services import meeting_import

log = logging.getLogger(__name__)

#: How long a checked feed waits for its admin to import it before it is dropped.
FEED_KEPT = timedelta(days=1)
#: Runs an organization keeps, newest first; older ones go with their summaries.
RUNS_KEPT = 20
#: A run due for a job that nobody moved for this long lost its job: a worker says how
#: far it got every second or so (meeting_import.PROGRESS_EVERY).
LOST_AFTER = timedelta(minutes=5)
#: The largest feed taken from the web: a 5,000-meeting feed is under 3 MB. (The command
#: line takes up to meeting_guide_read.MAX_FEED_BYTES.)
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
TOO_LARGE = Message(N_("The file is larger than %(size)s MB; no meeting feed is that large."),
                    {"size": MAX_UPLOAD_BYTES // 2**20})
#: The longest file name kept (it is only shown back to the admin).
FILE_NAME_LENGTH = 200


def find_in(session: Session, org: Organization, run_id: int) -> ImportRun | None:
    """The org's import run with this id, if there is one."""
    return session.scalar(select(ImportRun).where(ImportRun.id == run_id,
                                                  ImportRun.organization_id == org.id))


def recent(session: Session, org: Organization) -> list[ImportRun]:
    """The org's runs, newest first."""
    return list(session.scalars(select(ImportRun).where(ImportRun.organization_id == org.id)
                                .order_by(ImportRun.id.desc()).limit(RUNS_KEPT)))


def read_feed(data: bytes) -> list[Any]:
    """The listed meetings of an uploaded file; ServiceError (on the file's field) when it
    is no Meeting Guide feed, saying why."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise ServiceError(N_("The file is larger than %(size)s MB; no meeting feed is that "
                              "large. Nothing was imported."), field="feed",
                           size=MAX_UPLOAD_BYTES // 2**20)
    try:
        items = meeting_guide_read.load_feed(data)
    except meeting_guide_read.InvalidFeed as error:
        raise ServiceError(N_("%(problem)s Nothing was imported."), field="feed",
                           problem=error.said) from None
    if not any(isinstance(item, dict) for item in items):
        raise ServiceError(N_("The file is JSON but lists no meetings: a Meeting Guide feed "
                              "is a list of objects, each with a name, a slug, a day and a "
                              "time. Nothing was imported."), field="feed")
    return items


def upload(session: Session, actor: User, org: Organization, *, file_name: str, data: bytes,
           timezone: str | None, program: str, program_map: str) -> ImportRun:
    """Keep an uploaded feed with the options the command line takes, to be checked by a
    job (the caller queues `perform`). Refuses a file that is no feed, an unknown zone or
    program and a program map it cannot read, keeping nothing."""
    read_feed(data)
    if timezone is not None and not is_valid_timezone(timezone):
        raise ServiceError(N_("“%(zone)s” is not a time zone we know."), field="timezone",
                           zone=timezone)
    try:
        chosen = Program(program)
    except ValueError:
        raise ServiceError(N_("Choose a program from the list."), field="program") from None
    try:
        mapping = meeting_guide_read.parse_program_map(program_map, [p.value for p in Program])
    except meeting_guide_read.InvalidProgramMap as error:
        raise ServiceError(error.said, field="program_map") from None
    forget(session, org, clock.now())
    run = ImportRun(organization_id=org.id, requested_by_id=actor.id,
                    file_name=(file_name.strip() or "feed.json")[:FILE_NAME_LENGTH],
                    feed=data.decode("utf-8-sig"), timezone=timezone, program=chosen,
                    program_map=mapping, status=ImportStatus.CHECKING, summary=[], error="")
    session.add(run)
    session.flush()
    return run


def confirm(session: Session, actor: User, run: ImportRun) -> None:
    """Import a checked feed: its job stages it again (the org may have changed since the
    dry run) and saves it."""
    if run.status is not ImportStatus.CHECKED:
        raise ServiceError(_not_waiting(run))
    run.status = ImportStatus.IMPORTING
    run.requested_by_id = actor.id
    run.progress = ""
    run.updated_at = clock.now()
    session.flush()


def discard(session: Session, run: ImportRun) -> None:
    """Leave a checked feed unimported, and drop it."""
    if run.status is not ImportStatus.CHECKED:
        raise ServiceError(_not_waiting(run))
    _finish(run, ImportStatus.DISCARDED)
    session.flush()


def _not_waiting(run: ImportRun) -> Message:
    if run.status is ImportStatus.CHECKING:
        return Message(N_("The file is still being checked; wait for its summary."))
    return Message(N_("This file is no longer waiting to be imported (%(status)s)."),
                   {"status": Label(run.status.label)})


def _finish(run: ImportRun, status: ImportStatus) -> None:
    run.status = status
    run.feed = None
    run.progress = ""
    run.updated_at = run.finished_at = clock.now()


def forget(session: Session, org: Organization, now: datetime) -> None:
    """Drop checked feeds left unimported for FEED_KEPT, and the org's runs past its
    RUNS_KEPT newest."""
    for run in session.scalars(select(ImportRun).where(
            ImportRun.status == ImportStatus.CHECKED, ImportRun.updated_at < now - FEED_KEPT)):
        _finish(run, ImportStatus.DISCARDED)
    kept = (select(ImportRun.id).where(ImportRun.organization_id == org.id)
            .order_by(ImportRun.id.desc()).limit(RUNS_KEPT - 1))
    session.execute(delete(ImportRun).where(ImportRun.organization_id == org.id,
                                            ImportRun.id.not_in(kept.scalar_subquery())),
                    execution_options={"synchronize_session": False})
    session.flush()


# -- The job ---------------------------------------------------------------------------


def perform(database: Database, run_id: int, *, final: bool = True) -> None:
    """The import job of one run: check the feed (a dry run) or import it, whichever the
    run waits for, saying how far it got on the run, and put the summary or the error
    on it. All or nothing: a failure saves nothing of the import. A refusal (the feed,
    or the org changing all the time) is final; anything else is raised for the queue
    to try again, unless this is the `final` attempt, which puts it on the run. It does
    nothing for a run no job is due for, or one another worker is on, so a job run
    twice changes nothing. Commits, in transactions of its own."""
    with database.sessionmaker() as state:
        with write_transaction(state):
            run = _claim(state, run_id, clock.now())
            if run is None:
                return
            org_slug = run.organization.slug
        options = _Options(run)

        def progress(line: Message) -> None:
            with write_transaction(state):
                run.progress = line.stored()
                run.updated_at = clock.now()

        try:
            with database.one_connection_session() as session:
                actor = (session.get(User, run.requested_by_id)
                         if run.requested_by_id is not None else None)
                summary = meeting_import.run(
                    session, actor, meeting_guide_read.load_feed(options.feed.encode()),
                    org_slug=org_slug, timezone=options.timezone, program=options.program,
                    program_map=dict(options.program_map), progress=progress,
                    dry_run=options.dry_run)
        except ServiceError as error:
            outcome: list[Message] | Message = Message(N_("%(problem)s Nothing was imported."),
                                                       {"problem": error.said})
        except Exception as error:
            log.exception("Import run %s failed", run_id)
            if not final:
                with write_transaction(state):
                    state.refresh(run)
                    run.progress = ""  # free for the next attempt to claim
                raise
            outcome = meeting_import.failure_message(error)
        else:
            outcome = summary.messages()
        with write_transaction(state):
            state.refresh(run)
            if isinstance(outcome, Message):
                run.error = outcome.stored()
                run.summary = []
                _finish(run, ImportStatus.FAILED)
            elif options.dry_run:
                run.summary = [line.stored() for line in outcome]
                run.status = ImportStatus.CHECKED
                run.progress = ""
                run.updated_at = clock.now()
            else:
                run.summary = [line.stored() for line in outcome]
                _finish(run, ImportStatus.DONE)


def lost(session: Session, now: datetime) -> list[int]:
    """Runs a job is due for that no worker has moved for LOST_AFTER: their job was
    lost (a worker killed), or never queued."""
    return list(session.scalars(select(ImportRun.id).where(
        ImportRun.status.in_([ImportStatus.CHECKING, ImportStatus.IMPORTING]),
        ImportRun.updated_at < now - LOST_AFTER)))


class _Options:
    """What the job needs of its run, read before the run's session moves on."""

    def __init__(self, run: ImportRun) -> None:
        self.feed = run.feed or ""
        self.timezone = run.timezone
        self.program = run.program.value
        self.program_map: Mapping[str, str] = run.program_map
        self.dry_run = run.status is ImportStatus.CHECKING


def _claim(session: Session, run_id: int, now: datetime) -> ImportRun | None:
    """The run, marked as this job's, when a job is due for it (being checked or
    imported, its feed kept) and no other worker is on it (one that moved within
    LOST_AFTER)."""
    run = session.get(ImportRun, run_id, with_for_update=True)
    if run is None or run.feed is None or run.status not in (ImportStatus.CHECKING,
                                                             ImportStatus.IMPORTING):
        return None
    if run.progress and run.updated_at > now - LOST_AFTER:
        return None
    run.progress = Message(N_("Reading the file…")).stored()
    run.updated_at = now
    return run
