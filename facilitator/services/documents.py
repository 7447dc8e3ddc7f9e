"""Documents: a group's guidelines and confidentiality statement, the org's leader
agreement, their numbered versions, leaders' signatures, and the statement at meetings.

Each may have one text per page language, a `Document` each, with its own versions;
which one a page shows is domain.document_languages' rule, and which signatures of the
agreement are current is domain.signatures' rule.

A save names the version it was based on and goes through only if that is still the
current one (an atomic compare-and-set on documents.current_version), so of two leaders
editing at once the second is told instead of silently overwriting the first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from datetime import datetime
from typing import Any
from typing import cast
from zoneinfo import ZoneInfo

from markupsafe import Markup
from sqlalchemy import CursorResult
from sqlalchemy import Select
from sqlalchemy import Table
from sqlalchemy import bindparam
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm import contains_eager

from facilitator import clock
from facilitator.domain import text
from facilitator.domain.choices import DocumentKind
from facilitator.domain.choices import Role
from facilitator.domain.document_languages import NAMES
from facilitator.domain.document_languages import SHOWN_IN
from facilitator.domain.document_languages import main_language
from facilitator.domain.document_languages import shown_language
from facilitator.domain.document_languages import writable
from facilitator.domain.languages import N_
from facilitator.domain.languages import Label
from facilitator.domain.languages import Message
from facilitator.domain.signatures import AgreementText
from facilitator.domain.signatures import SignatureStatus
from facilitator.domain.signatures import SignedVersion
from facilitator.domain.signatures import in_force
from facilitator.domain.signatures import same_name
from facilitator.domain.signatures import signature_status
from facilitator.models import Document
from facilitator.models import DocumentVersion
from facilitator.models import Group
from facilitator.models import Meeting
from facilitator.models import Membership
from facilitator.models import Organization
from facilitator.models import Signature
from facilitator.models import StatementAcknowledgement
from facilitator.models import StatementReading
from facilitator.models import User
from facilitator.services import ServiceError
from facilitator.services import audit_log
from facilitator.services import organizations
from facilitator.services.headcounts import CheckinMeeting

NOTE_LIMIT = 300


class StaleVersion(ServiceError):
    """The text was based on a version that is no longer the current one."""

    def __init__(self, current: DocumentVersion) -> None:
        super().__init__(
            N_("Someone else saved version %(number)s (%(author)s) while you were editing, "
               "so yours was not saved. Your text is still below; compare it with theirs, "
               "then save again."),
            field="body", number=current.number, author=current.author_name)
        self.current = current


def texts_of(session: Session, org: Organization, kind: DocumentKind,
             group: Group | None = None) -> dict[str, Document]:
    """The org's agreement (group None) or the group's guidelines or statement, by
    language, in the order they were first written."""
    if kind.for_group != (group is not None):
        raise ValueError(f"{kind.value} belongs to {'a group' if kind.for_group else 'an org'}")
    query = select(Document).where(Document.organization_id == org.id, Document.kind == kind)
    query = query.where(Document.group_id == group.id if group else Document.group_id.is_(None))
    return {d.language: d for d in session.scalars(query.order_by(Document.id))}


def main_text(texts: dict[str, Document], org: Organization) -> Document | None:
    """The main text among a document's languages (domain.document_languages)."""
    language = main_language(list(texts), org.default_language)
    return texts[language] if language else None


def find_document(
    session: Session, org: Organization, kind: DocumentKind, group: Group | None = None,
    language: str | None = None,
) -> Document | None:
    """The org's agreement (group None) or the group's guidelines or statement, in
    `language`; without one, the main text."""
    texts = texts_of(session, org, kind, group)
    return texts.get(language) if language else main_text(texts, org)


def _document(session: Session, org: Organization, kind: DocumentKind,
              group: Group | None, language: str) -> Document:
    """Find the document or create it; a lost race to create it finds the winner's."""
    document = find_document(session, org, kind, group, language)
    if document is not None:
        return document
    try:
        with session.begin_nested():
            document = Document(organization=org, group=group, kind=kind, language=language)
            session.add(document)
    except IntegrityError:
        winner = find_document(session, org, kind, group, language)
        assert winner is not None  # the insert lost to it
        return winner
    return document


def current(document: Document | None) -> DocumentVersion | None:
    """The document's newest version, if it has one."""
    if document is None or not document.versions:
        return None
    return document.versions[0]


def get_version(document: Document, number: int) -> DocumentVersion | None:
    return next((v for v in document.versions if v.number == number), None)


def clean_body(body: str) -> str:
    """The text as it is kept: Unix line ends, no trailing blank lines or spaces."""
    return "\n".join(line.rstrip() for line in body.replace("\r\n", "\n").split("\n")).strip("\n")


def check_body(body: str) -> None:
    if not body.strip():
        raise ServiceError(N_("Write the text first: it is empty."), field="body")
    if text.too_big(body):
        size = len(body.encode("utf-8")) // 1000
        raise ServiceError(
            N_("The text is %(size)s KB; a document can be at most %(most)s KB. Shorten "
               "it, or keep the long parts in a separate handout."),
            field="body", size=size, most=text.MAX_BYTES // 1000)


def save_version(
    session: Session,
    actor: User | None,
    org: Organization,
    kind: DocumentKind,
    body: str,
    *,
    based_on: int,
    note: str = "",
    group: Group | None = None,
    language: str | None = None,
) -> DocumentVersion:
    """Save a new version of the document's text in `language` (without one: the main
    text's, or the org's default language for the first text), based on version
    `based_on` of that text (0 for the first). Raises StaleVersion if another version
    was saved since, and ServiceError for an empty, oversized or unchanged text or a
    language the app does not speak."""
    body, note = clean_body(body), note.strip()
    check_body(body)
    if len(note) > NOTE_LIMIT:
        raise ServiceError(N_("The note is longer than %(most)s characters."), field="note",
                           most=NOTE_LIMIT)
    if language is None:
        main = find_document(session, org, kind, group)
        language = main.language if main else org.default_language
    if not writable(language):
        raise ServiceError(N_("A document can be written only in a language of the app's "
                              "pages."))
    document = _document(session, org, kind, group, language)
    latest = current(document)
    if based_on != document.current_version:
        if latest is None or based_on > latest.number:
            raise ServiceError(N_("This page is out of date: reload it and edit again."))
        raise StaleVersion(latest)
    if latest is not None and latest.body == body:
        raise ServiceError(N_("This is the same text as version %(number)s: there is "
                              "nothing new to save."), field="body", number=latest.number)
    number = based_on + 1
    # Compare-and-set in one statement: of two saves based on the same version, the
    # database lets exactly one through.
    moved = session.execute(
        update(Document)
        .where(Document.id == document.id, Document.current_version == based_on)
        .values(current_version=number, updated_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    if not cast(CursorResult[Any], moved).rowcount:
        session.refresh(document)
        session.expire(document, ["versions"])
        winner = current(document)
        assert winner is not None  # the save that moved the document made it
        raise StaleVersion(winner)
    version = DocumentVersion(number=number, body=body, note=note,
                              author_id=actor.id if actor else None,
                              author_name=actor.display_name if actor else audit_log.COMMAND_LINE)
    document.versions.insert(0, version)
    session.flush()
    session.refresh(document, ["current_version"])
    if group is not None:  # its guidelines PDF and one-pager print it
        organizations.note_printed_change(session, org)
    audit_log.record(
        session, actor, "create", version, organization=org,
        summary=Message(N_("%(document)s of %(owner)s (%(language)s): version %(number)s"), {
            "document": Label(kind.label), "owner": group.name if group else org.name,
            "language": Label(NAMES[language]), "number": number}),
        after={"document": kind.value, "language": language, "version": number, "note": note,
               "characters": len(body)},
    )
    return version


# Leader agreement and signatures


def _leaders(org: Organization) -> Select[User]:
    return (select(User).join(Membership)
            .where(Membership.organization_id == org.id, Membership.role == Role.FACILITATOR)
            .order_by(User.display_name, User.id))


def leaders_of(session: Session, org: Organization) -> list[User]:
    """The people who must sign the org's leader agreement: its facilitators."""
    return list(session.scalars(_leaders(org)))


def sign_agreement(
    session: Session, actor: User, org: Organization, version_number: int, typed_name: str,
    *, confirmed: bool, language: str | None = None,
) -> tuple[Signature, bool]:
    """Sign a version of the org's leader agreement in `language` (without one, its main
    text), the one the leader read. Returns the signature and whether it is new: signing
    the same version twice changes nothing. Only the newest version of a text in force
    (domain.signatures.in_force) may be signed."""
    if Role.FACILITATOR not in actor.roles_in(org):
        raise ServiceError(N_("Only the organization's leaders sign this agreement."))
    texts = texts_of(session, org, DocumentKind.AGREEMENT)
    document = texts.get(language) if language else main_text(texts, org)
    latest = current(document)
    if latest is None:
        raise ServiceError(N_("There is no leader agreement to sign yet."))
    main = main_text(texts, org)
    assert document is not None and main is not None  # latest is document's
    if document.language not in in_force(_agreement_texts(texts), main.language):
        raise ServiceError(
            N_("This translation is older than the main text, which changed since. Please "
               "read and sign the main text, or wait for the translation to be brought up "
               "to date."))
    if version_number != latest.number:
        raise ServiceError(
            N_("Version %(signed)s is no longer the current agreement. Please read version "
               "%(current)s below and sign that one."),
            signed=version_number, current=latest.number)
    typed_name = " ".join(typed_name.split())
    if not same_name(typed_name, actor.display_name):
        raise ServiceError(N_("Type your name as your account has it: %(name)s"),
                           field="typed_name", name=actor.display_name)
    if not confirmed:
        raise ServiceError(N_("Tick the box to confirm you have read and agree to it."),
                           field="confirm")
    existing = _signature(session, latest, actor)
    if existing is not None:
        return existing, False
    try:
        with session.begin_nested():
            signature = Signature(version=latest, user=actor, typed_name=typed_name[:120])
            session.add(signature)
    except IntegrityError:  # the same person's second click won the race
        winner = _signature(session, latest, actor)
        assert winner is not None
        return winner, False
    audit_log.record(
        session, actor, "create", signature, organization=org,
        summary=Message(N_("%(name)s signed the leader agreement, version %(number)s "
                           "(%(language)s)"), {
            "name": actor.display_name, "number": latest.number,
            "language": Label(NAMES[document.language])}),
        after={"version": latest.number, "language": document.language,
               "typed_name": signature.typed_name},
    )
    return signature, True


def _signature(session: Session, version: DocumentVersion, user: User) -> Signature | None:
    return session.scalar(select(Signature).where(Signature.version_id == version.id,
                                                  Signature.user_id == user.id))


def _agreement_texts(texts: dict[str, Document]) -> list[AgreementText]:
    return [AgreementText(language, version.number, version.created_at)
            for language, document in texts.items() if (version := current(document))]


def agreement_in_force(session: Session, org: Organization) -> set[str]:
    """The languages of the agreement a leader may sign now (domain.signatures.in_force)."""
    texts = texts_of(session, org, DocumentKind.AGREEMENT)
    main = main_text(texts, org)
    return in_force(_agreement_texts(texts), main.language if main else None)


def agreement_status(session: Session, org: Organization,
                     leader_ids: list[int] | None = None) -> dict[int, SignatureStatus]:
    """Each leader's standing with the org's leader agreement, by user id.

    Every facilitator of the org (or each of `leader_ids`) has an entry. `signed` is True
    for the newest version of a text in force (domain.signatures.in_force); `version`,
    `language` and `signed_at` tell that signature, or else the newest one they made. A
    new version of the main text makes everyone "not signed" until they sign it (or its
    translation, brought up to date). With no agreement written yet, nobody is signed.
    This is what the training pages show beside training status.
    """
    texts = texts_of(session, org, DocumentKind.AGREEMENT)
    if leader_ids is None:
        leader_ids = list(session.scalars(_leaders(org).with_only_columns(User.id)))
    return _statuses(session, org, texts, leader_ids)


def _statuses(session: Session, org: Organization, texts: dict[str, Document],
              leader_ids: list[int]) -> dict[int, SignatureStatus]:
    signed: dict[int, list[SignedVersion]] = {}
    if texts:
        rows = session.execute(
            select(Signature.user_id, Document.language, DocumentVersion.number,
                   Signature.signed_at)
            .join(DocumentVersion, Signature.version_id == DocumentVersion.id)
            .join(Document, DocumentVersion.document_id == Document.id)
            .where(Document.id.in_([d.id for d in texts.values()]))
        )
        for user_id, language, number, signed_at in rows:
            signed.setdefault(user_id, []).append(SignedVersion(language, number, signed_at))
    main = main_text(texts, org)
    return signature_status(leader_ids, signed, _agreement_texts(texts),
                            main.language if main else None)


def awaiting_signature(session: Session, user: User) -> list[Organization]:
    """The orgs whose current leader agreement this leader has not signed yet."""
    waiting = []
    for org in (m.organization for m in user.memberships if m.role is Role.FACILITATOR):
        texts = texts_of(session, org, DocumentKind.AGREEMENT)
        if _agreement_texts(texts) and not _statuses(session, org, texts, [user.id])[
                user.id].signed:
            waiting.append(org)
    return waiting


def signatures_of(session: Session, version: DocumentVersion) -> list[Signature]:
    return list(session.scalars(select(Signature).where(Signature.version_id == version.id)
                                .order_by(Signature.signed_at)))


# The statement at meetings


#: The current version of each of a group's documents, with its document. Built once:
#: every member's check-in page asks for it, and building the query with its options each
#: time cost several times what running it does.
_CURRENT_VERSIONS = (
    select(DocumentVersion).join(DocumentVersion.document)
    .options(contains_eager(DocumentVersion.document))
    .where(Document.group_id == bindparam("group"),
           DocumentVersion.number == Document.current_version)
    .order_by(Document.id)
)
#: The same for the statement alone: a use of it alone (a reading recorded) need not
#: fetch the guidelines' texts, up to 100 KB each, to throw them away.
_CURRENT_STATEMENTS = _CURRENT_VERSIONS.where(Document.kind == DocumentKind.STATEMENT)


def current_texts(session: Session, group: Group, language: str, *,
                  statement_only: bool = False) -> dict[DocumentKind, DocumentVersion]:
    """The group's current guidelines and statement (or `statement_only`) for a page in
    `language`: in it when written, else the main text
    (domain.document_languages.shown_language); one query."""
    rows = session.scalars(_CURRENT_STATEMENTS if statement_only else _CURRENT_VERSIONS,
                           {"group": group.id})
    by_kind: dict[DocumentKind, dict[str, DocumentVersion]] = {}
    for version in rows:
        by_kind.setdefault(version.document.kind, {})[version.document.language] = version
    default = group.organization.default_language
    return {kind: versions[shown_language(list(versions), language, default) or ""]
            for kind, versions in by_kind.items()}


@dataclass(frozen=True)
class PublicText:
    kind: DocumentKind
    #: The version's number.
    number: int
    #: The day it was saved, in the org's zone.
    saved_on: date
    html: Markup
    #: The language the text is written in (its element's `lang`).
    language: str
    #: The language of the page it is for.
    asked: str

    @property
    def note(self) -> str | None:
        """What the page says when the text is in another language than the page's (a
        domain.document_languages.SHOWN_IN sentence, to translate), else None."""
        return SHOWN_IN[self.language] if self.language != self.asked else None


def public_texts(session: Session, group: Group, language: str) -> list[PublicText]:
    """The group's current guidelines, then its statement, for a page in `language` (see
    current_texts), as safe HTML (headings moved under the page's own h2)."""
    texts = current_texts(session, group, language)
    return [_public_text(group, texts[kind], text.safe_html(texts[kind].body, 2), language)
            for kind in (DocumentKind.GUIDELINES, DocumentKind.STATEMENT) if kind in texts]


_D = cast(Table, Document.__table__)
_V = cast(Table, DocumentVersion.__table__)
#: The current version of the group's statement in each language it is written in (what
#: _CURRENT_STATEMENTS reads), as columns: a member's check-in page asks for it many
#: times a second, and making ORM objects of the versions and their documents cost more
#: than reading them.
_STATEMENT_TEXTS = (
    select(_D.c.language, _V.c.number, _V.c.body, _V.c.created_at)
    .select_from(_V.join(_D, _D.c.id == _V.c.document_id))
    .where(_D.c.group_id == bindparam("group"), _D.c.kind == DocumentKind.STATEMENT,
           _V.c.number == _D.c.current_version)
    .order_by(_D.c.id)  # the order they were written in: the main text's rule needs it
)


def public_statement(session: Session, group_id: int, language: str, *,
                     org_language: str, org_timezone: str) -> PublicText | None:
    """The group's current statement alone, as public_texts gives it, for a page in
    `language` (in it when written, else the main text, as current_texts chooses); the
    check-in page shows it, and has no use for the guidelines made into HTML."""
    rows = {row.language: row for row in session.execute(_STATEMENT_TEXTS,
                                                          {"group": group_id})}
    shown = shown_language(list(rows), language, org_language)
    if shown is None:
        return None
    row = rows[shown]
    return PublicText(DocumentKind.STATEMENT, row.number, _saved_on(row.created_at,
                                                                    org_timezone),
                      text.safe_html(row.body, 2), shown, language)


def _public_text(group: Group, version: DocumentVersion, html: Markup,
                 language: str) -> PublicText:
    return PublicText(version.document.kind, version.number,
                      _saved_on(version.created_at, group.organization.timezone), html,
                      version.document.language, language)


def _saved_on(created_at: datetime, zone: str) -> date:
    """The day a version was saved, in the org's zone."""
    return created_at.astimezone(ZoneInfo(zone)).date()


#: The most of the guidelines a one-pager prints, in characters of Markdown. It also
#: bounds the PDF's cost: WeasyPrint's time grows with the square of a run of inline
#: elements (8 KB of `*a*` took 11 s), so a long first line is cut too.
SHORT_GUIDELINES_CHARACTERS = 900


def short_guidelines(session: Session, group: Group, language: str,
                     characters: int = SHORT_GUIDELINES_CHARACTERS) -> PublicText | None:
    """The start of the group's current guidelines for a page in `language` (see
    current_texts), whole lines up to `characters` (at most SHORT_GUIDELINES_CHARACTERS;
    a first line longer than that cut at a space), as safe HTML for a one-pager; None
    without any."""
    version = current_texts(session, group, language).get(DocumentKind.GUIDELINES)
    if version is None:
        return None
    characters = min(characters, SHORT_GUIDELINES_CHARACTERS)
    kept: list[str] = []
    for line in version.body.splitlines():
        if sum(len(k) + 1 for k in kept) + len(line) > characters:
            if not kept:
                cut = line[:characters]
                kept.append(cut.rsplit(" ", 1)[0] if " " in cut else cut)
            kept.append("\n…")
            break
        kept.append(line)
    return _public_text(group, version, text.safe_html("\n".join(kept), 2), language)


def _check_occurrence(meeting: Meeting | CheckinMeeting, day: date,
                      today: date | None) -> None:
    today = today or clock.today_in(meeting.timezone)
    if not meeting.schedule.falls_on(day):
        raise ServiceError(N_("%(day)s is not a date of this meeting."), day=day)
    exception = meeting.exceptions_by_date.get(day)
    if exception is not None and exception.cancelled:
        raise ServiceError(N_("The meeting on %(day)s was cancelled: there is nothing to "
                              "record for it."), day=day)
    if day > today:
        raise ServiceError(N_("The meeting on %(day)s has not happened yet. Record the "
                              "statement on the day."), day=day)


def _upsert_reading(session: Session, meeting: Meeting | CheckinMeeting, day: date,
                    values: dict, on_conflict: dict,
                    table: type[StatementReading | StatementAcknowledgement] = StatementReading,
                    ) -> None:
    """Insert the occurrence's row (of `table`) or change the existing one, in one
    statement that is safe against a concurrent insert on SQLite and PostgreSQL alike."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    keys = ["meeting_id", "occurrence_date", *(["language"] if "language" in values else [])]
    statement = (
        insert(table)
        .values(meeting_id=meeting.id, occurrence_date=day, **values)
        .on_conflict_do_update(index_elements=keys, set_=on_conflict)
    )
    session.execute(statement)


def reading(session: Session, meeting: Meeting, day: date) -> StatementReading | None:
    """The statement's record for one occurrence, fresh from the database."""
    return session.get(StatementReading, (meeting.id, day), populate_existing=True)


def statement_for(session: Session, group: Group, language: str) -> DocumentVersion | None:
    """The group's current statement for a page in `language` (see current_texts)."""
    return current_texts(session, group, language,
                         statement_only=True).get(DocumentKind.STATEMENT)


def record_statement_read(
    session: Session, actor: User | None, meeting: Meeting, day: date, *, read: bool = True,
    today: date | None = None, language: str | None = None,
) -> StatementReading:
    """Record (or, with read=False, take back) that the group's confidentiality statement
    was read at the occurrence on `day`: the text a page in `language` shows (without
    one, the main text), whose version and language are kept. Refused for a cancelled or
    future occurrence."""
    _check_occurrence(meeting, day, today)
    statement = statement_for(session, meeting.group,
                              language or meeting.group.organization.default_language)
    if read and statement is None:
        raise ServiceError(N_("This group has no confidentiality statement yet: write it "
                              "first."))
    shown = statement if read else None
    values = {"read_at": clock.now() if read else None,
              "read_version": shown.number if shown else None,
              "read_language": shown.document.language if shown else None}
    _upsert_reading(session, meeting, day, values, values)
    record = session.get_one(StatementReading, (meeting.id, day), populate_existing=True)
    audit_log.record(
        session, actor, "update", record, organization=meeting.group.organization,
        summary=Message(
            N_("Meeting %(meeting)s of %(group)s: %(date)s statement read (version "
               "%(number)s, %(language)s)") if shown else
            N_("Meeting %(meeting)s of %(group)s: %(date)s statement marked as not read"), {
                "meeting": meeting.title, "group": meeting.group.name, "date": day,
                **({"number": shown.number, "language": Label(NAMES[shown.document.language])}
                   if shown else {})}),
        after={"meeting": meeting.id, "date": day.isoformat(), "read": read,
               "version": values["read_version"], "language": values["read_language"]},
    )
    return record


def acknowledge_statement(
    session: Session, meeting: Meeting | CheckinMeeting, occurrence_date: date,
    language: str, *, today: date | None = None
) -> None:
    """Add one member acknowledgement of the statement to an occurrence, counted in the
    language of the text they were shown.

    For the check-in page: one tap, one atomic `UPDATE … SET acknowledgements =
    acknowledgements + 1` (an INSERT … ON CONFLICT DO UPDATE, so the first taps of an
    occurrence cannot both insert), nothing about who, and so no audit entry: an entry
    per tap, with its time, would be a row per member. Refused with a ServiceError for a
    cancelled or future occurrence, a date the meeting does not fall on, or a language
    the app does not speak; the caller decides whether the check-in window is open. Use
    `acknowledgements()` to read the counts."""
    _check_occurrence(meeting, occurrence_date, today)
    if not writable(language):
        raise ServiceError(N_("This page is out of date: reload it and try again."))
    count = StatementAcknowledgement.__table__.c.acknowledgements
    _upsert_reading(session, meeting, occurrence_date,
                    {"language": language, "acknowledgements": 1},
                    {"acknowledgements": count + 1}, StatementAcknowledgement)


def acknowledgements(session: Session, meeting: Meeting, day: date) -> dict[str, int]:
    """The members' acknowledgements of the statement at one occurrence, by language."""
    rows = session.execute(
        select(StatementAcknowledgement.language, StatementAcknowledgement.acknowledgements)
        .where(StatementAcknowledgement.meeting_id == meeting.id,
               StatementAcknowledgement.occurrence_date == day)
        .order_by(StatementAcknowledgement.language)
        .execution_options(populate_existing=True)
    )
    return {language: count for language, count in rows}

