"""Public PDFs rendered ahead by background jobs (facilitator/jobs.py), kept as files.

- **Which.** Every public PDF: the org's directory (any filters), each public group's
  one-pager and guidelines, each in every paper (`PAPERS`) and language (?lang=es; the
  directory also en,es, both). A `Handout` names one by a key, its address in the app
  with its query made canonical ("directory/3?paper=a4"; "&lang=es" unless English).
  The unfiltered directory and the group handouts in English in every paper are
  rendered *ahead*:
  after every commit that changes what an org prints (`organizations.mark_changed`, a
  document saved) a `refresh` job enqueues a `render` of each one whose data moved, and
  `reconcile` (every minute, on every worker) does the same for every org, which also
  renders everything again once the day changes in the org's zone (the dates listed),
  and runs again any render lost with a killed worker. A filtered directory, and any
  handout in another language, is rendered the first time it is asked for, and again
  when asked after a change. A request without ?lang= asks for the page's language.
- **Stamps.** What a stored file shows is its `stamp`: the org's `data_version` for the
  directory, the group's and its documents' versions for a group's handouts, each with
  the date in the org's zone. A request compares the stored stamp with the current one
  (two small queries), so it never builds HTML.
- **Storage.** A PDF is a file named by the SHA-256 of the HTML it was rendered from, in
  RENDERED_DIR (outside the web root; nothing needs backing up, every file can be made
  again). Two renders of the same content store one file; a render whose content is
  already stored renders nothing. The file a row no longer names is deleted when no
  other row names it, and `reconcile` deletes any other file no row names.
- **Answering.** A request is answered from the newest finished render, with its render
  time as Last-Modified (the date is printed on the page), even while a newer one is
  being made. With none yet, it is a 503 page with Retry-After that says when to come
  back, and a render is enqueued.
- **Failures.** A render is tried `RETRIES` more times, then its error is kept on the row
  (`failed_stamp`), listed on the org's admin page, and not tried again until the data
  or the day changes; the previous file is still served. The render runs in a child
  process killed at `pdf.TIME_LIMIT_SECONDS`, in the worker as it was in requests.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import threading
import time
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qsl
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from flask import Response
from flask import current_app
from flask import has_app_context
from flask import request
from sqlalchemy import event
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import ServiceUnavailable

from facilitator import clock
from facilitator import handouts
from facilitator import jobs
from facilitator import memory
from facilitator import pdf
from facilitator.db import get_session
from facilitator.db import read_transaction
from facilitator.db import write_transaction
from facilitator.domain.choices import Visibility
from facilitator.domain.languages import DEFAULT
from facilitator.domain.languages import N_
from facilitator.domain.languages import Label
from facilitator.domain.languages import Message
from facilitator.domain.timezones import other_zone
from facilitator.formatting import worded
from facilitator.models import Document
from facilitator.models import Group
from facilitator.models import Organization
from facilitator.models import RenderedFile
from facilitator.services import directory
from facilitator.services.organizations import CHANGED_ORGS

#: Every paper a public PDF is rendered ahead in.
PAPERS = (pdf.Paper("letter"), pdf.Paper("letter", large=True), pdf.Paper("a4"),
          pdf.Paper("a4", large=True))
#: Tries after the first failure, seconds apart.
RETRIES = 2
RETRY_DELAY_SECONDS = 10
#: What a request told to come back waits at least (and when no render time is known).
FIRST_WAIT_SECONDS = {"directory": 30, "group": 10, "guidelines": 10}
#: How long a proxy may keep a PDF sent while a newer one is being made (seconds).
STALE_MAX_AGE = 60
#: Jobs waiting on the queue beyond which a request enqueues no render: each filter,
#: paper and language of a PDF is a render a stranger can ask for, and the queue must not
#: grow with how often they ask. The request is told to come back, as for any first render.
MAX_PENDING_FOR_REQUESTS = 200
#: A filtered directory not asked for in this long is forgotten (its file deleted).
ASKED_FOR_KEPT = timedelta(days=7)
#: A file no row names is deleted once this old (a render may be about to name it).
ORPHAN_AGE_SECONDS = 600
KINDS = ("directory", "group", "guidelines")


@dataclass(frozen=True)
class Handout:
    """One public PDF: its kind, whose it is (the org's id for the directory, else the
    group's) and its canonical query."""

    kind: str
    owner_id: int
    args: tuple[tuple[str, str], ...]

    @property
    def key(self) -> str:
        return f"{self.kind}/{self.owner_id}?{urlencode(self.args)}"

    @property
    def key_hash(self) -> str:
        return hashlib.sha256(self.key.encode()).hexdigest()

    @property
    def ahead(self) -> bool:
        """Rendered ahead: in English, a group's or the directory with no filter (only
        the paper)."""
        return {name for name, _ in self.args} <= {"paper", "print"}

    @property
    def language(self) -> str:
        return dict(self.args).get("lang", DEFAULT)

    @classmethod
    def parse(cls, key: str) -> Handout:
        path, _, query = key.partition("?")
        kind, _, owner = path.partition("/")
        if kind not in KINDS or not owner.isdigit():
            raise ValueError(f"not a handout: {key!r}")
        return cls(kind, int(owner), tuple(parse_qsl(query)))

    def paper_args(self) -> MultiDict[str, str]:
        return MultiDict(self.args)


def directory_handout(session: Session, org: Organization, args: Mapping[str, str]) -> Handout:
    """The directory PDF that `args` (a request's query) asks for, with its filters, zone
    and paper as the directory reads them (unknown values left out)."""
    filters = directory.parse_filters(session, org, args)
    zone = other_zone(args.get("zone"), org.timezone)
    paper = pdf.Paper.from_args(args, org.timezone)
    canonical = [*filters.as_args().items(), *paper.args().items(),
                 *_language_args(handouts.print_language(args, bilingual=True))]
    if zone is not None:
        canonical.insert(len(filters.as_args()), ("zone", zone))
    return Handout("directory", org.id, tuple(canonical))


def group_handout(kind: str, group: Group, args: Mapping[str, str]) -> Handout:
    """A public group's one-pager ("group") or guidelines in the paper and language
    `args` asks for."""
    paper = pdf.Paper.from_args(args, group.organization.timezone)
    return Handout(kind, group.id, (*paper.args().items(),
                                    *_language_args(handouts.print_language(args))))


def _language_args(lang: str) -> list[tuple[str, str]]:
    """English is a key's default: the keys rendered ahead name no language."""
    return [] if lang == DEFAULT else [("lang", lang)]


def ahead_handouts(org: Organization, groups: Iterable[Group]) -> list[Handout]:
    """What is rendered ahead for the org, the directory first."""
    papers = [tuple(paper.args().items()) for paper in PAPERS]
    return [*(Handout("directory", org.id, args) for args in papers),
            *(Handout(kind, group.id, args) for group in groups
              for kind in ("group", "guidelines") for args in papers)]


# -- Stamps: what data a file shows ----------------------------------------------------


def _documents_versions(session: Session, group_ids: list[int]) -> dict[int, int]:
    if not group_ids:
        return {}
    rows = session.execute(
        select(Document.group_id, func.sum(Document.current_version))
        .where(Document.group_id.in_(group_ids)).group_by(Document.group_id))
    return {group_id: int(total or 0) for group_id, total in rows if group_id is not None}


def org_stamp(org: Organization) -> str:
    return f"o{org.data_version}@{clock.today_in(org.timezone).isoformat()}"


def group_stamp(org: Organization, group: Group, documents_version: int) -> str:
    return f"g{group.data_version}.{documents_version}@{clock.today_in(org.timezone).isoformat()}"


def stamp_of(session: Session, handout: Handout, org: Organization,
             group: Group | None) -> str:
    if group is None:
        return org_stamp(org)
    return group_stamp(org, group, _documents_versions(session, [group.id]).get(group.id, 0))


# -- Files ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Store:
    """PDF files by the SHA-256 of their content, in one folder."""

    folder: Path

    def path(self, content_hash: str) -> Path:
        return self.folder / f"{content_hash}.pdf"

    def read(self, content_hash: str) -> bytes | None:
        try:
            return self.path(content_hash).read_bytes()
        except OSError:
            return None

    def has(self, content_hash: str) -> bool:
        return self.path(content_hash).is_file()

    def put(self, content_hash: str, body: bytes) -> None:
        """Written aside and renamed, so a reader never sees half a file."""
        self.folder.mkdir(parents=True, exist_ok=True)
        partial = self.folder / f".{content_hash}.{os.getpid()}.{threading.get_ident()}"
        partial.write_bytes(body)
        partial.replace(self.path(content_hash))

    def remove(self, content_hash: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path(content_hash).unlink()

    def hashes(self, older_than: float) -> list[str]:
        """The files stored before `older_than` (a time.time()), and partial ones."""
        if not self.folder.is_dir():
            return []
        return [entry.name.removesuffix(".pdf") for entry in os.scandir(self.folder)
                if entry.name.endswith(".pdf") and entry.stat().st_mtime < older_than]


def store() -> Store:
    return Store(Path(current_app.config["RENDERED_DIR"]))


def _body(row: RenderedFile | None) -> bytes | None:
    """The stored file of the row (None before its first render, or when the files were
    lost: restored from a backup elsewhere, which does not hold them)."""
    return store().read(row.content_hash) if row is not None and row.content_hash else None


def _find(session: Session, handout: Handout) -> RenderedFile | None:
    return session.scalars(select(RenderedFile)
                           .where(RenderedFile.key_hash == handout.key_hash)).first()


def _remove_unless_named(session: Session, content_hash: str) -> None:
    named = session.scalar(select(func.count()).select_from(RenderedFile)
                           .where(RenderedFile.content_hash == content_hash))
    if not named:
        store().remove(content_hash)


# -- Answering requests -----------------------------------------------------------------


def answer(handout: Handout, stamp: str, filename: str) -> Response:
    """The newest stored render of `handout` (enqueuing a new one when its stamp is not
    `stamp`), or a 503 that says when to come back."""
    session = get_session()
    row = _find(session, handout)
    body = _body(row)
    failed = row is not None and row.failed_stamp == stamp  # tried again after a change
    stale = row is not None and row.stamp != stamp
    # A stale file rendered ahead is already being made again: the change enqueued it
    # (`refresh`), or `reconcile` will. The request then writes nothing.
    ahead = handout.ahead and current_app.config["RENDER_AHEAD"]
    if not failed and (body is None or (stale and not ahead)) \
            and jobs.pending(current_app) < MAX_PENDING_FOR_REQUESTS:
        render.enqueue(handout.key)
        # Made already when jobs run at once (tests, browser tests): end this request's
        # read, whose snapshot (SQLite) predates the job's commit, to see it.
        session.commit()
        row = _find(session, handout)
        body = _body(row)
    if row is None or body is None:
        if row is not None and row.failed_stamp == stamp:
            raise ServiceUnavailable(worded(N_(
                "This PDF could not be made; the organization's admins can see why. Try "
                "again tomorrow, or after the next change.")), retry_after=3600)
        wait = max(FIRST_WAIT_SECONDS[handout.kind],
                   round(2 * (row.render_seconds or 0) if row is not None else 0))
        raise ServiceUnavailable(worded(N_(
            "This PDF is being prepared. Come back in about %(seconds)s seconds (reload this "
            "page): it will be ready then."), {"seconds": wait}), retry_after=wait)
    content_hash = row.content_hash
    assert content_hash is not None  # the file was read by it
    response = Response(body, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.set_etag(f"pdf-{content_hash[:40]}")
    response.last_modified = row.rendered_at
    # A file older than the data is kept by proxies only until the new one is likely there.
    max_age = STALE_MAX_AGE if stale else handouts.PUBLIC_MAX_AGE
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    response.make_conditional(request)
    return response


# -- Jobs -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Source:
    org: Organization
    group: Group | None
    stamp: str


def _source(session: Session, handout: Handout) -> _Source | None:
    """What the handout is made from now; None when it is no longer public."""
    if handout.kind == "directory":
        org = session.get(Organization, handout.owner_id)
        return None if org is None else _Source(org, None, org_stamp(org))
    group = session.get(Group, handout.owner_id)
    if group is None or group.visibility is not Visibility.PUBLIC:
        return None
    return _Source(group.organization, group,
                   stamp_of(session, handout, group.organization, group))


def _html(handout: Handout, source: _Source) -> list[str]:
    with handouts.in_language(handout.language):
        return _html_in_language(handout, source)


def _html_in_language(handout: Handout, source: _Source) -> list[str]:
    args = handout.paper_args()
    if source.group is None:
        return [handouts.directory_html(source.org, args)]
    paper = pdf.Paper.from_args(args, source.org.timezone)
    if handout.kind == "guidelines":
        return [handouts.documents_html(source.group, paper)]
    return handouts.group_handout_drafts(source.group, paper,
                                         handouts.public_group_codes(source.group))


def _time_limit() -> float:
    return float(current_app.config.get("PDF_TIME_LIMIT_SECONDS", pdf.TIME_LIMIT_SECONDS))


def _produce(handout: Handout, drafts: list[str]) -> bytes:
    limit = _time_limit()
    if handout.kind == "group":
        return handouts.fit_one_page(drafts, lambda html: pdf.render(html, limit))
    if handout.kind == "directory":
        return pdf.render_in_parts(drafts[0], limit)
    return pdf.render(drafts[0], limit)


@jobs.task(retries=RETRIES, retry_delay=RETRY_DELAY_SECONDS)
def render(key: str) -> None:
    """Render the handout `key` names unless its stored file shows today's data."""
    handout = Handout.parse(key)
    session = get_session()
    with read_transaction(session):
        source = _source(session, handout)
        row = _find(session, handout)
        if source is None:
            drafts = None
        elif row is not None and row.stamp == source.stamp and row.content_hash \
                and store().has(row.content_hash):
            return
        elif row is not None and row.failed_stamp == source.stamp:
            return  # it failed on this data after its retries: not again until a change
        else:
            with memory.collector_paused():
                drafts = _html(handout, source)
    if source is None or drafts is None:
        _forget(session, handout)
        return
    content_hash = hashlib.sha256("\n".join(drafts).encode()).hexdigest()
    seconds = None
    if not store().has(content_hash):
        if sum(map(len, drafts)) > pdf.LARGE_HTML:
            memory.release_memory()  # what making the directory's HTML left, before its render
        started = time.monotonic()
        try:
            body = _produce(handout, drafts)
        except Exception as error:
            if jobs.last_attempt():
                _record_failure(session, handout, source, error)
            raise
        seconds = time.monotonic() - started
        store().put(content_hash, body)
    with write_transaction(session):
        row = _find(session, handout) or _new_row(session, handout, source)
        old = row.content_hash
        row.content_hash, row.stamp, row.rendered_at = content_hash, source.stamp, clock.now()
        row.render_seconds = seconds if seconds is not None else row.render_seconds
        row.error = row.failed_stamp = row.failed_at = None
        session.flush()
        if old is not None and old != content_hash:
            _remove_unless_named(session, old)


def _new_row(session: Session, handout: Handout, source: _Source) -> RenderedFile:
    row = RenderedFile(key_hash=handout.key_hash, key=handout.key,
                       organization_id=source.org.id,
                       group_id=source.group.id if source.group is not None else None,
                       ahead=handout.ahead)
    session.add(row)
    return row


def _record_failure(session: Session, handout: Handout, source: _Source,
                    error: Exception) -> None:
    # A render's own refusal is kept as its message, to be worded in the admin's language;
    # anything else (a bug) as the English of the exception, as a log has it.
    message = json.dumps(error.said.stored()) if isinstance(error, pdf.RenderError) \
        else f"{type(error).__name__}: {error}"[:1000]
    with write_transaction(session):
        row = _find(session, handout) or _new_row(session, handout, source)
        row.error, row.failed_stamp, row.failed_at = message, source.stamp, clock.now()


def _forget(session: Session, handout: Handout) -> None:
    """The handout is no longer public: its row and file go."""
    with write_transaction(session):
        row = _find(session, handout)
        if row is None:
            return
        content_hash = row.content_hash
        session.delete(row)
        session.flush()
        if content_hash is not None:
            _remove_unless_named(session, content_hash)


def stale_handouts(session: Session, org: Organization) -> list[Handout]:
    """The org's handouts rendered ahead whose stored file is missing or shows older data
    than now (and did not already fail on this data) or is lost, the directory first."""
    groups = list(session.scalars(select(Group).where(
        Group.organization_id == org.id, Group.visibility == Visibility.PUBLIC)))
    documents_versions = _documents_versions(session, [group.id for group in groups])
    stamps = {group.id: group_stamp(org, group, documents_versions.get(group.id, 0))
              for group in groups}
    stored = {row.key_hash: row for row in session.scalars(
        select(RenderedFile).where(RenderedFile.organization_id == org.id))}
    stale, files = [], store()
    for handout in ahead_handouts(org, groups):
        stamp = org_stamp(org) if handout.kind == "directory" else stamps[handout.owner_id]
        row = stored.get(handout.key_hash)
        if row is None or (row.stamp != stamp and row.failed_stamp != stamp) \
                or row.content_hash is None or not files.has(row.content_hash):
            stale.append(handout)
    return stale


@jobs.task(retries=RETRIES, retry_delay=RETRY_DELAY_SECONDS)
def refresh(org_id: int, groups: bool = False) -> None:
    """Enqueue a render of each of the org's handouts rendered ahead that is stale: the
    directory's first, then (in a job queued after them, so that a worker starts on the
    directory at once rather than after enqueuing a thousand groups' handouts) the
    groups'."""
    session = get_session()
    with read_transaction(session):
        org = session.get(Organization, org_id)
        stale = [] if org is None else stale_handouts(session, org)
    directories = [handout for handout in stale if handout.kind == "directory"]
    others = [handout for handout in stale if handout.kind != "directory"]
    if not groups:
        for handout in directories:
            render.enqueue(handout.key)
        if others:
            refresh.enqueue(org_id, True)
        return
    for handout in others:
        render.enqueue(handout.key)


@jobs.periodic(minute="*")
def reconcile() -> None:
    """Every minute: refresh every org when nothing else waits (a new day, a change whose
    job was lost), forget
    filtered directories nobody asked for lately and handouts no longer public, and
    delete files no row names."""
    session = get_session()
    # Only once the queue has run dry: a day's renders of many groups take longer than a
    # minute, and each would be enqueued again every minute until done.
    if not jobs.pending(current_app._get_current_object()):  # type: ignore[attr-defined]
        with read_transaction(session):
            org_ids = list(session.scalars(select(Organization.id)))
        for org_id in org_ids:
            refresh(org_id)
    with write_transaction(session):
        gone = select(RenderedFile).where(
            (~RenderedFile.ahead & (RenderedFile.rendered_at < clock.now() - ASKED_FOR_KEPT))
            | RenderedFile.group_id.in_(select(Group.id).where(
                Group.visibility != Visibility.PUBLIC)))
        for row in session.scalars(gone):
            session.delete(row)
    with read_transaction(session):
        named = set(session.scalars(select(RenderedFile.content_hash)
                                    .where(RenderedFile.content_hash.is_not(None))))
    for content_hash in store().hashes(older_than=time.time() - ORPHAN_AGE_SECONDS):
        if content_hash not in named:
            store().remove(content_hash)


@event.listens_for(Session, "after_commit")
def _render_after_changes(session: Session) -> None:
    changed = session.info.pop(CHANGED_ORGS, None)
    if not changed or not has_app_context() or not current_app.config.get("RENDER_AHEAD"):
        return
    for org_id in sorted(changed):
        refresh.enqueue(org_id)


@event.listens_for(Session, "after_rollback")
def _nothing_changed(session: Session) -> None:
    session.info.pop(CHANGED_ORGS, None)


@dataclass(frozen=True)
class Failure:
    """A PDF whose last render failed after its retries, for the org's admins: which one
    (`what`, worded in the reader's language) and why."""

    what: Message
    error: Message | str
    failed_at: datetime | None


_KIND_NAMES = {"directory": N_("Meeting directory"), "group": N_("one-pager"),
               "guidelines": N_("guidelines")}


def _error(stored: str | None) -> Message | str:
    """What _record_failure kept: a render's message, or an exception's English."""
    try:
        kept = json.loads(stored or "")
    except ValueError:
        return stored or ""
    return Message.from_stored(kept) if isinstance(kept, dict) else stored or ""


def failures(session: Session, org: Organization) -> list[Failure]:
    """The org's PDFs whose last render failed after its retries, newest first."""
    rows = list(session.scalars(
        select(RenderedFile).where(RenderedFile.organization_id == org.id,
                                   RenderedFile.error.is_not(None))
        .order_by(RenderedFile.failed_at.desc()).limit(20)))
    names = {group_id: name for group_id, name in session.execute(
        select(Group.id, Group.name).where(
            Group.id.in_({row.group_id for row in rows if row.group_id is not None})))}
    listed = []
    for row in rows:
        handout = Handout.parse(row.key)
        values: dict[str, object] = {"kind": Label(_KIND_NAMES[handout.kind]),
                                     "args": urlencode(handout.args)}
        what = Message(N_("%(kind)s (%(args)s)"), values)
        if row.group_id is not None:
            what = Message(N_("%(group)s: %(kind)s (%(args)s)"),
                           values | {"group": names.get(row.group_id, "?")})
        failed_at = row.failed_at.astimezone(ZoneInfo(org.timezone)) if row.failed_at else None
        listed.append(Failure(what, _error(row.error), failed_at))
    return listed
