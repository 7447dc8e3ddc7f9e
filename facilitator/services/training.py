"""Training types, leaders' training records, their evidence files, the compliance
matrix and each leader's private reminder feed.

Who may do what: admins define the types; a leader (facilitator or admin of the org)
enters, changes and deletes only their own records; admins and auditors read every
record of their org and mark records verified, never their own. Deleting only sets
deleted_at: the record, its evidence and its audit entries stay for the audit.
"""

from __future__ import annotations

import os
import secrets
import threading
from collections import OrderedDict
from collections import defaultdict
from dataclasses import dataclass
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm import selectinload

from facilitator import clock
from facilitator.db import wrote_uncommitted
from facilitator.domain import evidence
from facilitator.domain.choices import DocumentKind
from facilitator.domain.choices import Role
from facilitator.domain.compliance import MAX_RECORD_HOURS
from facilitator.domain.compliance import MAX_REQUIRED_HOURS
from facilitator.domain.compliance import MAX_VALIDITY_MONTHS
from facilitator.domain.compliance import Completion
from facilitator.domain.compliance import Leader
from facilitator.domain.compliance import Requirement
from facilitator.domain.compliance import Row
from facilitator.domain.compliance import Standing
from facilitator.domain.compliance import Status
from facilitator.domain.compliance import add_months
from facilitator.domain.compliance import compliance_rows
from facilitator.domain.compliance import filter_rows
from facilitator.domain.compliance import standing
from facilitator.domain.languages import N_
from facilitator.domain.languages import Message
from facilitator.models import AuditEntry
from facilitator.models import Group
from facilitator.models import GroupFacilitator
from facilitator.models import Membership
from facilitator.models import Organization
from facilitator.models import TrainingRecord
from facilitator.models import TrainingType
from facilitator.models import User
from facilitator.services import ServiceError
from facilitator.services import audit_log
from facilitator.services import documents

TYPE_FIELDS = ("name", "description", "validity_months", "required_roles", "required_hours")
RECORD_FIELDS = ("training_type_id", "provider", "completed_on", "expires_on_override",
                 "certificate_number", "hours", "notes")
#: Roles a requirement can name. Co-facilitators are facilitators here: the app gives
#: every leader of a group the same role (docs/architecture.md, Training).
LEADER_ROLES = (Role.FACILITATOR, Role.ADMIN)
LIMITS = {"name": 200, "description": 5000, "provider": 200, "certificate_number": 100,
          "notes": 2000}


# ---- training types (admins) -----------------------------------------------------------

def types_of(session: Session, org: Organization) -> list[TrainingType]:
    """The org's training types in use, by name."""
    query = select(TrainingType).where(TrainingType.organization_id == org.id,
                                       TrainingType.deleted_at.is_(None))
    return list(session.scalars(query.order_by(TrainingType.name, TrainingType.id)))


def find_type(session: Session, org: Organization, type_id: int) -> TrainingType | None:
    """A type of this org in use; None for anything else (another org's, deleted)."""
    found = session.get(TrainingType, type_id)
    if found is None or found.organization_id != org.id or found.deleted_at is not None:
        return None
    return found


def _check_type_values(session: Session, org: Organization, values: dict[str, Any],
                       current: TrainingType | None = None) -> dict[str, Any]:
    values = dict(values)
    values["name"] = (values.get("name") or "").strip()
    values["description"] = (values.get("description") or "").strip()
    if not values["name"]:
        raise ServiceError(N_("A training type needs a name."), field="name")
    if len(values["name"]) > LIMITS["name"]:
        raise ServiceError(N_("The name is too long (200 characters at most)."), field="name")
    taken = [t for t in types_of(session, org)
             if t.name.casefold() == values["name"].casefold() and t is not current]
    if taken:
        raise ServiceError(N_("Another training type already has this name."), field="name")
    months = values.get("validity_months")
    if months is not None and not 1 <= months <= MAX_VALIDITY_MONTHS:
        raise ServiceError(N_("Validity is between 1 and %(most)s months; leave it empty "
                              "if the training never expires."),
                           field="validity_months", most=MAX_VALIDITY_MONTHS)
    hours = values.get("required_hours")
    if hours is not None and not 1 <= hours <= MAX_REQUIRED_HOURS:
        raise ServiceError(N_("Hours are between 1 and %(most)s; leave them empty for a "
                              "course rather than continuing education."),
                           field="required_hours", most=MAX_REQUIRED_HOURS)
    roles = list(values.get("required_roles") or [])
    allowed = {r.value for r in LEADER_ROLES}
    if any(r not in allowed for r in roles):
        raise ServiceError(N_("Requirements can apply to facilitators and admins only."),
                           field="required_roles")
    values["required_roles"] = sorted(set(roles))
    return values


def create_type(session: Session, actor: User | None, org: Organization,
                **fields: Any) -> TrainingType:
    values = _check_type_values(session, org, fields)
    kind = TrainingType(organization_id=org.id, **values)
    session.add(kind)
    session.flush()
    audit_log.record(session, actor, "create", kind, organization=org,
                     summary=Message(N_("Training type %(name)s"), {"name": kind.name}),
                     after=audit_log.snapshot(kind, TYPE_FIELDS))
    return kind


def update_type(session: Session, actor: User, kind: TrainingType, **fields: Any) -> None:
    org = session.get_one(Organization, kind.organization_id)
    values = _check_type_values(session, org, fields, current=kind)
    before = audit_log.snapshot(kind, TYPE_FIELDS)
    for name, value in values.items():
        setattr(kind, name, value)
    session.flush()
    old, new = audit_log.changed(before, audit_log.snapshot(kind, TYPE_FIELDS))
    if new:
        audit_log.record(session, actor, "update", kind, organization=org,
                         summary=Message(N_("Training type %(name)s"), {"name": kind.name}),
                         before=old, after=new)


def delete_type(session: Session, actor: User, kind: TrainingType) -> None:
    """Retire the type: it leaves the matrix and the forms; its records stay readable."""
    kind.deleted_at = clock.now()
    session.flush()
    audit_log.record(session, actor, "delete", kind,
                     organization=session.get(Organization, kind.organization_id),
                     summary=Message(N_("Training type %(name)s deleted"), {"name": kind.name}),
                     before=audit_log.snapshot(kind, TYPE_FIELDS))


# ---- records (leaders) -----------------------------------------------------------------

def is_leader(user: User, org: Organization) -> bool:
    return bool(user.roles_in(org) & set(LEADER_ROLES))


def leader_orgs(user: User) -> list[Organization]:
    """The orgs where the person leads (facilitator or admin), so keeps training records."""
    orgs = {m.organization_id: m.organization for m in user.memberships
            if m.role in LEADER_ROLES}
    return sorted(orgs.values(), key=lambda o: o.name)


def leader_today(user: User) -> date:
    """The day a leader's training is told from: today in their first org's zone."""
    orgs = leader_orgs(user)
    return clock.today_in(orgs[0].timezone if orgs else "UTC")


def types_for_leader(session: Session, user: User) -> list[TrainingType]:
    """Every type a leader may record, across the orgs they lead in."""
    return [t for org in leader_orgs(user) for t in types_of(session, org)]


@dataclass
class RecordValues:
    """A training record as a leader gives it; the service checks every rule."""

    training_type_id: int | None
    completed_on: date | None
    provider: str = ""
    expires_on_override: date | None = None
    certificate_number: str = ""
    hours: float | None = None
    notes: str = ""


@dataclass(frozen=True)
class Upload:
    """An evidence file as it came: the name the browser sent, and the bytes."""

    filename: str
    data: bytes


def _check_record(session: Session, leader: User, values: RecordValues) -> TrainingType:
    kind = session.get(TrainingType, values.training_type_id or 0)
    if kind is None or kind.deleted_at is not None or not any(
            kind.organization_id == org.id for org in leader_orgs(leader)):
        raise ServiceError(N_("Choose a training from the list; that one is not offered by "
                              "your organization."), field="training_type_id")
    org = session.get_one(Organization, kind.organization_id)
    if values.completed_on is None:
        raise ServiceError(N_("Give the date you completed it."), field="completed_on")
    if values.completed_on > clock.today_in(org.timezone):
        raise ServiceError(N_("The completion date is in the future. Record a training once "
                              "you have completed it."), field="completed_on")
    if values.expires_on_override is not None and \
            values.expires_on_override < values.completed_on:
        raise ServiceError(N_("The expiry date is before the completion date."),
                           field="expires_on_override")
    if values.expires_on_override is not None and values.expires_on_override > \
            add_months(values.completed_on, MAX_VALIDITY_MONTHS):
        raise ServiceError(N_("The expiry date is more than %(years)s years after the "
                              "completion date; check the year."),
                           field="expires_on_override", years=MAX_VALIDITY_MONTHS // 12)
    hours = values.hours
    if hours is not None and not 0 <= hours <= MAX_RECORD_HOURS:
        raise ServiceError(N_("Hours are between 0 and %(most)s."), field="hours",
                           most=MAX_RECORD_HOURS)
    if kind.required_hours and not hours:
        raise ServiceError(N_("%(training)s counts hours: give the hours this training was "
                              "worth."), field="hours", training=kind.name)
    for name, limit in LIMITS.items():
        text = getattr(values, name, None)
        if isinstance(text, str) and len(text.strip()) > limit:
            raise ServiceError(N_("This is too long (%(limit)s characters at most)."),
                               field=name, limit=limit)
    return kind


def _checked_upload(upload: Upload | None) -> tuple[bytes, str] | None:
    """The upload's bytes as they are kept (an iPhone photo as JPEG) and media type."""
    if upload is None:
        return None
    try:
        evidence.check_file_name(upload.filename)
        return evidence.accept(upload.data)
    except evidence.EvidenceProblem as problem:
        raise ServiceError(problem.said, field="evidence") from None


def _apply(record: TrainingRecord, values: RecordValues) -> None:
    for name in RECORD_FIELDS:
        value = getattr(values, name)
        setattr(record, name, value.strip() if isinstance(value, str) else value)


#: What the audit log says of a training record: added or changed, with a new evidence
#: file, deleted, verified.
_RECORD = N_("Training record %(training)s of %(name)s")
_RECORD_NEW_FILE = N_("Training record %(training)s of %(name)s (new evidence file)")
_RECORD_DELETED = N_("Training record %(training)s of %(name)s deleted")
_RECORD_VERIFIED = N_("Training record %(training)s of %(name)s verified")


def _summary(text: str, kind: TrainingType, leader: User) -> Message:
    return Message(text, {"training": kind.name, "name": leader.display_name})


def add_record(session: Session, leader: User, values: RecordValues, *,
               upload: Upload | None = None, evidence_dir: Path | None = None) -> TrainingRecord:
    """Record a training the leader completed. The evidence file, if any, is written
    last: the caller commits, and calls discard_evidence if the commit fails."""
    kind = _check_record(session, leader, values)
    kept = _checked_upload(upload)
    record = TrainingRecord(organization_id=kind.organization_id, user_id=leader.id)
    _apply(record, values)
    session.add(record)
    session.flush()
    if kept is not None:
        _store(record, *kept, evidence_dir)
    audit_log.record(session, leader, "create", record, organization=record.organization,
                     summary=_summary(_RECORD, kind, leader),
                     after=audit_log.snapshot(record, (*RECORD_FIELDS, "evidence_type")))
    return record


def update_record(session: Session, leader: User, record: TrainingRecord,
                  values: RecordValues, *, upload: Upload | None = None,
                  evidence_dir: Path | None = None) -> str | None:
    """Change the leader's own record. A change takes back its verification: what was
    verified is no longer what is recorded. Returns the replaced evidence file's name,
    for the caller to remove once the change is committed."""
    _own(record, leader)
    kind = _check_record(session, leader, values)
    if kind.organization_id != record.organization_id:
        raise ServiceError(N_("A record stays with its organization; choose one of its "
                              "trainings."), field="training_type_id")
    kept = _checked_upload(upload)
    fields = (*RECORD_FIELDS, "evidence_type", "verified_at")
    before = audit_log.snapshot(record, fields)
    _apply(record, values)
    replaced = None
    if kept is not None:
        replaced = record.evidence_file
        _store(record, *kept, evidence_dir)
    if audit_log.changed(before, audit_log.snapshot(record, fields))[1] or replaced:
        record.verified_at, record.verified_by_id = None, None
    session.flush()
    old, new = audit_log.changed(before, audit_log.snapshot(record, fields))
    if new or upload is not None:
        audit_log.record(session, leader, "update", record, organization=record.organization,
                         summary=_summary(_RECORD if upload is None else _RECORD_NEW_FILE,
                                          kind, leader),
                         before=old, after=new)
    return replaced


def delete_record(session: Session, leader: User, record: TrainingRecord) -> None:
    """Soft delete: gone from the leader's list and the matrix, kept for the audit."""
    _own(record, leader)
    record.deleted_at = clock.now()
    session.flush()
    audit_log.record(session, leader, "delete", record, organization=record.organization,
                     summary=_summary(_RECORD_DELETED, record.training_type, leader),
                     before=audit_log.snapshot(record, RECORD_FIELDS))


def verify_record(session: Session, actor: User, record: TrainingRecord) -> None:
    """An admin or auditor confirms they saw the evidence: who and when are kept."""
    if not record.organization or not actor.roles_in(record.organization) & {
            Role.ADMIN, Role.AUDITOR}:
        raise ServiceError(N_("Only the organization's admins and auditors verify records."))
    if record.user_id == actor.id:
        raise ServiceError(N_("Someone else must verify your own training records."))
    if record.deleted_at is not None:
        raise ServiceError(N_("This record was deleted; there is nothing to verify."))
    if record.verified_at is not None:
        return
    record.verified_at, record.verified_by_id = clock.now(), actor.id
    session.flush()
    audit_log.record(session, actor, "update", record, organization=record.organization,
                     summary=_summary(_RECORD_VERIFIED, record.training_type, record.user),
                     after={"verified_at": record.verified_at.isoformat(),
                            "verified_by": actor.display_name})


def _own(record: TrainingRecord, leader: User) -> None:
    if record.user_id != leader.id or record.deleted_at is not None:
        raise ServiceError(N_("Only the leader whose record it is can change it."))


def records_of(session: Session, user: User, org: Organization | None = None, *,
               with_deleted: bool = False) -> list[TrainingRecord]:
    """A leader's records (in one org, or all), newest completion first."""
    query = select(TrainingRecord).where(TrainingRecord.user_id == user.id).options(
        selectinload(TrainingRecord.training_type), selectinload(TrainingRecord.verified_by))
    if org is not None:
        query = query.where(TrainingRecord.organization_id == org.id)
    if not with_deleted:
        query = query.where(TrainingRecord.deleted_at.is_(None))
    return list(session.scalars(query.order_by(TrainingRecord.completed_on.desc(),
                                               TrainingRecord.id.desc())))


# ---- evidence files ----------------------------------------------------------------------

def _store(record: TrainingRecord, data: bytes, media: str, directory: Path | None) -> None:
    """Write the file under a random name of our own, never the uploaded one, readable
    only by the app's user; the row then names it."""
    if directory is None:
        raise ValueError("evidence_dir is needed to store an evidence file")
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    name = f"{secrets.token_hex(16)}.{evidence.EXTENSIONS[media]}"
    descriptor = os.open(directory / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)
    record.evidence_file, record.evidence_type = name, media


def evidence_path(directory: Path, record: TrainingRecord) -> Path | None:
    """Where the record's file is; None when it has none (or it went missing)."""
    if not record.evidence_file:
        return None
    path = directory / record.evidence_file
    return path if path.is_file() else None


def discard_evidence(directory: Path, name: str | None) -> None:
    """Remove a file no row names (a failed commit) or no longer needs (a replaced one)."""
    if name and "/" not in name:
        (directory / name).unlink(missing_ok=True)


# ---- the compliance matrix (admins and auditors) ------------------------------------------

def signature_status(session: Session, org: Organization) -> dict[int, str]:
    """Each leader's standing with the org's leader agreement ("signed", "outdated" or
    "not signed"), by leader id. Empty while the org has no agreement written: the
    matrix then shows no signature column."""
    agreement = documents.find_document(session, org, DocumentKind.AGREEMENT)
    if documents.current(agreement) is None:
        return {}
    return {user_id: status.state
            for user_id, status in documents.agreement_status(session, org).items()}


def requirement_of(kind: TrainingType) -> Requirement:
    return Requirement(kind.id, kind.name, kind.validity_months, kind.required_hours,
                             frozenset(kind.required_roles))


def completion_of(record: TrainingRecord) -> Completion:
    return _completion(record.completed_on, record.expires_on_override, record.hours,
                       record.verified_at is not None)


def _completion(completed_on: date, expires_on_override: date | None, hours: float | None,
                verified: bool) -> Completion:
    return Completion(completed_on, expires_on_override, hours, verified=bool(verified))


@dataclass
class Matrix:
    requirements: list[TrainingType]
    rows: list[Row]
    #: The names of the groups each leader leads, by leader id.
    groups: dict[int, list[str]]
    show_signatures: bool
    today: date


def compliance(session: Session, org: Organization, today: date, *,
               group: Group | None = None, status: Status | None = None,
               requirement: TrainingType | None = None, standings_only: bool = False,
               kept: StandingsCache | None = None) -> Matrix:
    """Leaders × requirements, filtered by group (its leaders), status and requirement.
    With `standings_only`, without what only the matrix page shows (the groups each
    leader leads, the leader agreement), for a count of standings. The standings come
    from `kept` when it holds them for the org's data as it is now.

    A handful of queries whatever the number of leaders, reading columns rather than
    rows: an org of 2,000 leaders once took thousands of queries and seconds."""
    kinds = [k for k in types_of(session, org) if k.required_roles]
    rows = (kept or StandingsCache()).rows(session, org, today, kinds)
    if group is not None:
        leading = {u.id for u in group.facilitators}
        rows = [row for row in rows if row.leader.id in leading]
    groups: dict[int, list[str]] = defaultdict(list)
    for user_id, name in [] if standings_only else session.execute(
            select(GroupFacilitator.user_id, Group.name).join(Group)
            .where(Group.organization_id == org.id).order_by(Group.name, Group.id)):
        groups[user_id].append(name)
    signatures = {} if standings_only else signature_status(session, org)
    if signatures:
        rows = [replace(row, signed=signatures.get(row.leader.id, False)) for row in rows]
    leaders = [row.leader.id for row in rows]
    rows = filter_rows(rows, status, requirement.id if requirement else None)
    shown = [requirement] if requirement is not None else kinds
    return Matrix(shown, rows, {id_: groups[id_] for id_ in leaders}, bool(signatures),
                  today)


def _standings(session: Session, org: Organization, today: date,
               kinds: list[TrainingType]) -> list[Row]:
    """Every leader's row of the org's matrix, by name, without the leader agreement."""
    leaders = session.execute(
        select(User.id, User.display_name).join(Membership)
        .where(Membership.organization_id == org.id, Membership.role.in_(LEADER_ROLES))
        .distinct().order_by(User.display_name, User.id)).all()
    roles: dict[int, set[str]] = defaultdict(set)
    for user_id, role in session.execute(select(Membership.user_id, Membership.role).where(
            Membership.organization_id == org.id)):
        roles[user_id].add(role.value)
    completions: dict[tuple[int, int], list[Completion]] = defaultdict(list)
    for user_id, type_id, completed_on, override, hours, verified in session.execute(
            select(TrainingRecord.user_id, TrainingRecord.training_type_id,
                   TrainingRecord.completed_on, TrainingRecord.expires_on_override,
                   TrainingRecord.hours, TrainingRecord.verified_at.is_not(None))
            .where(TrainingRecord.organization_id == org.id,
                   TrainingRecord.deleted_at.is_(None))):
        completions[user_id, type_id].append(_completion(completed_on, override, hours,
                                                         verified))
    return compliance_rows(
        [Leader(id_, name, frozenset(roles[id_])) for id_, name in leaders],
        [requirement_of(k) for k in kinds], completions, today, org.expiry_warning_days,
        unverified_count=org.unverified_training_counts)


class StandingsCache:
    """Each org's leaders' standings (the matrix's rows, without the leader
    agreement), kept in the worker per version of what they are made of
    (Organization.training_version, which triggers grow with every change to the org's
    training records, training types, memberships and members' names), per the org's
    expiry warning and counting of unverified records, and per day. The dashboard of an
    admin of 2,000 leaders and the auditor's matrix read them once a change, not on
    every request. Standings read by a transaction holding writes not committed yet are
    not kept: they may never be. At most `capacity` orgs, the least recently used let go
    first. Safe to share between threads: what is kept is never changed."""

    def __init__(self, capacity: int = 8) -> None:
        self._kept: OrderedDict[int, tuple[tuple[object, ...], list[Row]]] = OrderedDict()
        self._capacity = capacity
        self._lock = threading.Lock()
        #: How many times an org's standings were worked out.
        self.builds = 0

    def rows(self, session: Session, org: Organization, today: date,
             kinds: list[TrainingType]) -> list[Row]:
        # Read before the standings: what they are read from is then at least as new.
        version = session.scalar(select(Organization.training_version)
                                 .where(Organization.id == org.id))
        key = (version, org.expiry_warning_days, org.unverified_training_counts, today)
        with self._lock:
            found = self._kept.get(org.id)
            if found is not None and found[0] == key:
                self._kept.move_to_end(org.id)
                return found[1]
        rows = _standings(session, org, today, kinds)
        with self._lock:
            self.builds += 1
            if not wrote_uncommitted(session):
                self._kept[org.id] = (key, rows)
                self._kept.move_to_end(org.id)
                while len(self._kept) > self._capacity:
                    self._kept.popitem(last=False)
        return rows


def standings_of(session: Session, user: User, today: date
                 ) -> list[tuple[TrainingType, Standing, bool]]:
    """A leader's standing in every type of their orgs that they hold or must hold:
    (type, standing, required), most urgent first."""
    found = []
    records = records_of(session, user)
    for org in leader_orgs(user):
        roles = {r.value for r in user.roles_in(org)}
        for kind in types_of(session, org):
            requirement = requirement_of(kind)
            mine = [completion_of(r) for r in records if r.training_type_id == kind.id]
            required = requirement.applies_to(roles)
            if mine or required:
                found.append((kind, standing(
                    requirement, mine, today, org.expiry_warning_days,
                    unverified_count=org.unverified_training_counts), required))
    return sorted(found, key=lambda f: (f[1].status.rank, f[1].due or date.max, f[0].name))


def history(session: Session, org: Organization, user: User,
            lang: str) -> list[audit_log.Line]:
    """The audit log's lines about one leader's training records, newest first, in
    words of `lang`."""
    ids = [r.id for r in records_of(session, user, org, with_deleted=True)]
    if not ids:
        return []
    query = audit_log.entries_for(org, entity_type="trainingrecord").where(
        AuditEntry.entity_id.in_(ids))
    return audit_log.lines_of(session, org, list(session.scalars(query)), lang)
