"""Who may see and change what. Every look-up of an org or group goes through here.

Anything a person may not see answers 404, never 403, so guessing slugs or ids
tells nothing about what exists in another organization.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session
from werkzeug.exceptions import NotFound

from facilitator.domain.choices import Role
from facilitator.domain.choices import Visibility
from facilitator.models import Group
from facilitator.models import ImportRun
from facilitator.models import Meeting
from facilitator.models import Organization
from facilitator.models import PendingInvitation
from facilitator.models import TrainingRecord
from facilitator.models import TrainingType
from facilitator.models import User
from facilitator.services import import_runs
from facilitator.services import invitations
from facilitator.services.organizations import find_group
from facilitator.services.organizations import find_organization
from facilitator.services.training import find_type
from facilitator.services.training import is_leader


def may_manage_group(user: User, group: Group) -> bool:
    """Admins of the group's org and its assigned facilitators may change it."""
    roles = user.roles_in(group.organization)
    if Role.ADMIN in roles:
        return True
    return Role.FACILITATOR in roles and any(u.id == user.id for u in group.facilitators)


def may_read_group(user: User, group: Group) -> bool:
    """Auditors read every group of their org, read-only."""
    return may_manage_group(user, group) or Role.AUDITOR in user.roles_in(group.organization)


def public_org(session: Session, slug: str) -> Organization:
    """Return the org for its public pages and feeds; 404 when there is none."""
    org = find_organization(session, slug)
    if org is None:
        raise NotFound()
    return org


def public_group(session: Session, slug: str) -> Group:
    """Return the group for pages that only a public group has (its handouts, its
    subscribe page); 404 for a private one, whose are behind its token or its leaders'
    pages, and when there is none."""
    group = find_group(session, slug)
    if group is None or group.visibility is not Visibility.PUBLIC:
        raise NotFound()
    return group


def visible_group(session: Session, user: User | None, slug: str) -> Group:
    """Return the group for its page: a public group for anyone, a private one for those
    who may read it (may_read_group); 404 otherwise, the same as for no group at all."""
    group = find_group(session, slug)
    if group is None or group.visibility is not Visibility.PUBLIC and (
            user is None or not may_read_group(user, group)):
        raise NotFound()
    return group


def get_org_for(session: Session, user: User, slug: str, roles: Iterable[Role]) -> Organization:
    """Return the org if the user holds one of the roles in it; 404 otherwise."""
    org = find_organization(session, slug)
    if org is None or not user.roles_in(org) & set(roles):
        raise NotFound()
    return org


def get_group_for(session: Session, user: User, slug: str, *, manage: bool = True) -> Group:
    """Return the group if the user may manage it (or read it, with manage=False); 404
    otherwise."""
    group = find_group(session, slug)
    allowed = may_manage_group if manage else may_read_group
    if group is None or not allowed(user, group):
        raise NotFound()
    return group


def get_group_in(session: Session, org: Organization, slug: str) -> Group:
    """Return the group if it belongs to the org (whose admin or auditor is asking); 404
    otherwise."""
    group = find_group(session, slug)
    if group is None or group.organization_id != org.id:
        raise NotFound()
    return group


def get_person_in(session: Session, org: Organization, user_id: int) -> User:
    """Return the person if they hold a role in the org (for its admins); 404 otherwise."""
    person = session.get(User, user_id)
    if person is None or not person.roles_in(org):
        raise NotFound()
    return person


def get_invitation_in(session: Session, org: Organization,
                      invitation_id: int) -> PendingInvitation:
    """Return the org's invitation of an existing account (for its admins); 404
    otherwise."""
    invitation = invitations.find_in(session, org, invitation_id)
    if invitation is None:
        raise NotFound()
    return invitation


def get_import_run_in(session: Session, org: Organization, run_id: int) -> ImportRun:
    """Return the org's Meeting Guide import (for its admins); 404 otherwise."""
    run = import_runs.find_in(session, org, run_id)
    if run is None:
        raise NotFound()
    return run


def get_training_type_in(session: Session, org: Organization, type_id: int) -> TrainingType:
    """Return the org's training type (for its admins); 404 otherwise."""
    kind = find_type(session, org, type_id)
    if kind is None:
        raise NotFound()
    return kind


def get_leader_in(session: Session, org: Organization, user_id: int) -> User:
    """Return the person if they lead in the org, so keep training records (for its
    admins and auditors); 404 otherwise."""
    person = session.get(User, user_id)
    if person is None or not is_leader(person, org):
        raise NotFound()
    return person


def get_meeting_for(session: Session, user: User, group_slug: str, meeting_id: int) -> Meeting:
    """Return the meeting if it belongs to a group the user may manage; 404 otherwise."""
    group = get_group_for(session, user, group_slug)
    meeting = session.get(Meeting, meeting_id)
    if meeting is None or meeting.group_id != group.id:
        raise NotFound()
    return meeting


def may_read_training(user: User, record: TrainingRecord) -> bool:
    """A training record is its leader's; the org's admins and auditors read it too."""
    return record.user_id == user.id or bool(
        user.roles_in(record.organization) & {Role.ADMIN, Role.AUDITOR})


def get_training_record_for(session: Session, user: User, record_id: int, *,
                            manage: bool = True) -> TrainingRecord:
    """Return the record if it is the user's own and not deleted (manage), or one the
    user may read (manage=False: deleted ones too, for the audit); 404 otherwise."""
    record = session.get(TrainingRecord, record_id)
    if record is None:
        raise NotFound()
    if manage and (record.user_id != user.id or record.deleted_at is not None):
        raise NotFound()
    if not may_read_training(user, record):
        raise NotFound()
    return record


def get_training_record_in(session: Session, user: User, org: Organization,
                           record_id: int) -> TrainingRecord:
    """Return a record of the org the user may read (deleted ones too, for the audit);
    404 otherwise."""
    record = get_training_record_for(session, user, record_id, manage=False)
    if record.organization_id != org.id:
        raise NotFound()
    return record
