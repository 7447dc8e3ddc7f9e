"""Accounts, roles and invitations of leaders, admins and auditors."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.orm import Session
from sqlalchemy.orm import selectinload

from facilitator import crypto
from facilitator.domain.choices import Role
from facilitator.domain.languages import N_
from facilitator.domain.languages import Message
from facilitator.domain.languages import known
from facilitator.domain.passwords import password_problem
from facilitator.models import Group
from facilitator.models import Membership
from facilitator.models import Organization
from facilitator.models import User
from facilitator.services import ServiceError
from facilitator.services import audit_log

INVITATION_LIFETIME = timedelta(days=14)
_USER_FIELDS = ("email", "display_name")
#: What the audit log says when a person is given a role in an org, and when it ends.
_ROLE_GIVEN = {Role.ADMIN: N_("%(name)s made admin"),
               Role.FACILITATOR: N_("%(name)s made facilitator"),
               Role.AUDITOR: N_("%(name)s made auditor")}
_ROLE_ENDED = {Role.ADMIN: N_("%(name)s no longer admin"),
               Role.FACILITATOR: N_("%(name)s no longer facilitator"),
               Role.AUDITOR: N_("%(name)s no longer auditor")}


def normalize_email(email: str) -> str:
    return email.strip().lower()


def find_user(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalize_email(email)))


def authenticate(session: Session, email: str, password: str) -> User | None:
    """Return the account for these credentials, or None, taking the same time either way."""
    user = find_user(session, email) if len(email) <= 254 else None
    if crypto.verify_password(user.password_hash if user else None, password):
        return user
    return None


def _check_new_password(password: str) -> None:
    if problem := password_problem(password):
        raise ServiceError(problem, field="password")


def create_user(
    session: Session,
    actor: User | None,
    *,
    email: str,
    display_name: str,
    password: str | None = None,
    organization: Organization | None = None,
) -> User:
    """Create an account; without a password it waits for its invitation to be accepted.

    The organization, when given, is the one whose admin created it: its audit log shows it.
    """
    email = normalize_email(email)
    if find_user(session, email) is not None:
        raise ServiceError(N_("An account with this email already exists."), field="email")
    if password is not None:
        _check_new_password(password)
    user = User(
        email=email,
        display_name=display_name.strip(),
        password_hash=crypto.hash_password(password) if password is not None else None,
    )
    session.add(user)
    session.flush()
    audit_log.record(
        session, actor, "create", user, organization=organization,
        summary=Message(N_("Account %(name)s"), {"name": user.display_name}),
        after=audit_log.snapshot(user, _USER_FIELDS),
    )
    return user


def invite(
    session: Session,
    actor: User | None,
    user: User,
    *,
    now: datetime,
    organization: Organization | None = None,
) -> str:
    """Start (or restart) the user's invitation and return the token for the link."""
    token = crypto.new_token()
    user.invite_token_hash = crypto.token_hash(token)
    user.invite_expires_at = now + INVITATION_LIFETIME
    session.flush()
    audit_log.record(
        session, actor, "update", user, organization=organization,
        summary=Message(N_("Invitation link made for %(name)s"), {"name": user.display_name}),
    )
    return token


def claimable(user: User, organization: Organization) -> bool:
    """Whether the org's admin may invite the account as a new one (a link that sets its
    password): nobody has set its password, and it holds no role in another organization.
    Any other account is its owner's, to join the org or not (services/invitations.py)."""
    return user.password_hash is None and all(
        m.organization_id == organization.id for m in user.memberships
    )


def rename_invited(
    session: Session, actor: User, user: User, display_name: str, *, organization: Organization
) -> None:
    """Name an account nobody has taken up as its new inviter typed. The entry keeps only
    the new name: the old one may have been another organization's choice."""
    if user.password_hash is not None:
        raise ServiceError(N_("Only an account nobody has taken up can be renamed here."))
    display_name = display_name.strip()
    if display_name == user.display_name:
        return
    user.display_name = display_name
    session.flush()
    audit_log.record(
        session, actor, "update", user, organization=organization,
        summary=Message(N_("Account %(name)s"), {"name": display_name}),
        after={"display_name": display_name},
    )


def cancel_invitation(
    session: Session, actor: User, user: User, *, organization: Organization
) -> None:
    """Make the account's invitation link stop working."""
    if user.invite_token_hash is None:
        return
    user.invite_token_hash = None
    user.invite_expires_at = None
    session.flush()
    audit_log.record(
        session, actor, "update", user, organization=organization,
        summary=Message(N_("Invitation of %(name)s withdrawn"), {"name": user.display_name}),
    )


def find_invited(session: Session, token: str, *, now: datetime) -> User | None:
    """Return the user whose unexpired invitation this token is, or None."""
    return link_holder(session, User.invite_token_hash, User.invite_expires_at, token, now=now)


def link_holder(session: Session, token_hash: InstrumentedAttribute[str | None],
                expires_at: InstrumentedAttribute[datetime | None], token: str, *,
                now: datetime) -> User | None:
    """The account whose unexpired one-time link (of the kind these columns keep) this
    token is, or None. Junk is refused without a query."""
    if not crypto.looks_like_token(token):
        return None
    user = session.scalar(select(User).where(token_hash == crypto.token_hash(token)))
    if user is None:
        return None
    expiry = getattr(user, expires_at.key)
    return user if expiry is not None and expiry >= now else None


def set_new_password(session: Session, user: User, password: str) -> None:
    """Give the account this password, if the rules allow it, and end every session
    of it and every link that sets a password: a link made before the person chose a
    password must not change it afterwards."""
    _check_new_password(password)
    user.password_hash = crypto.hash_password(password)
    user.invite_token_hash = None
    user.invite_expires_at = None
    user.reset_token_hash = None
    user.reset_expires_at = None
    user.session_version += 1
    session.flush()


def accept_invitation(session: Session, user: User, password: str) -> None:
    set_new_password(session, user, password)
    audit_log.record(
        session, user, "update", user, organization=None,
        summary=Message(N_("%(name)s accepted their invitation and set a password"),
                        {"name": user.display_name}),
    )


def change_password(session: Session, user: User, current: str, new: str) -> None:
    """Change the password and end every other session of the account."""
    if not crypto.verify_password(user.password_hash, current):
        raise ServiceError(N_("That is not your current password."), field="current_password")
    set_new_password(session, user, new)
    audit_log.record(
        session, user, "update", user, organization=None,
        summary=Message(N_("%(name)s changed their password"), {"name": user.display_name}),
    )


def end_sessions(session: Session, user: User) -> None:
    """End every session of the account, on every device: signing out anywhere signs out
    everywhere, so a copied cookie stops working when its owner signs out."""
    user.session_version += 1
    session.flush()


def check_roles_and_groups(roles: Collection[Role], groups: Collection[Group]) -> None:
    """Refuse groups to lead for someone who will not be a facilitator."""
    if groups and Role.FACILITATOR not in roles:
        raise ServiceError(N_("Only facilitators can be given groups to lead."), field="groups")


def grant_role(
    session: Session, actor: User | None, user: User, organization: Organization, role: Role
) -> Membership | None:
    """Give the user a role in the organization; None when they already hold it."""
    if role in user.roles_in(organization):
        return None
    membership = Membership(user=user, organization=organization, role=role)
    session.add(membership)
    session.flush()
    audit_log.record(
        session, actor, "create", membership, organization=organization,
        summary=Message(_ROLE_GIVEN[role], {"name": user.display_name}),
        after={"user": user.email, "role": role.value},
    )
    return membership


def revoke_role(
    session: Session, actor: User | None, user: User, organization: Organization, role: Role
) -> None:
    """Take a role away. Losing the facilitator role also ends their group assignments."""
    membership = next(
        (m for m in user.memberships if m.organization_id == organization.id and m.role == role),
        None,
    )
    if membership is None:
        return
    if role is Role.ADMIN and actor is user:
        raise ServiceError(N_("You cannot remove your own admin role; ask another admin."))
    if role is Role.ADMIN and _admin_count(session, organization) <= 1:
        raise ServiceError(N_("An organization needs at least one admin."))
    user.memberships.remove(membership)
    session.delete(membership)
    ended = []
    if role is Role.FACILITATOR:
        for group in [g for g in user.led_groups if g.organization_id == organization.id]:
            group.facilitators.remove(user)
            ended.append(group.slug)
    session.flush()
    audit_log.record(
        session, actor, "delete", membership, organization=organization,
        summary=Message(_ROLE_ENDED[role], {"name": user.display_name}),
        before={"user": user.email, "role": role.value, **({"groups": ended} if ended else {})},
    )


def _admin_count(session: Session, organization: Organization) -> int:
    rows = session.scalars(
        select(Membership.id).where(
            Membership.organization_id == organization.id, Membership.role == Role.ADMIN
        )
    )
    return len(rows.all())


def people_of(session: Session, organization: Organization) -> list[User]:
    """Everyone with a role in the organization, by name, with their memberships (for
    `roles_in`: two queries for an org of thousands, not one per person)."""
    return list(
        session.scalars(
            select(User)
            .join(Membership)
            .where(Membership.organization_id == organization.id)
            .distinct()
            .order_by(User.display_name, User.id)
            .options(selectinload(User.memberships))
        )
    )


@dataclass(frozen=True)
class Person:
    """One person of an org as its people list shows them."""

    id: int
    name: str
    email: str
    roles: list[Role]
    #: False while their account's invitation is not accepted (no password yet).
    active: bool


def people_list(session: Session, organization: Organization) -> list[Person]:
    """Everyone with a role in the organization, by name, read as columns: one query
    for an org of thousands."""
    people: dict[int, Person] = {}
    for id_, name, email, active, role in session.execute(
            select(User.id, User.display_name, User.email, User.password_hash.is_not(None),
                   Membership.role).join(Membership)
            .where(Membership.organization_id == organization.id)
            .order_by(User.display_name, User.id, Membership.role)):
        person = people.setdefault(id_, Person(id_, name, email, [], bool(active)))
        person.roles.append(role)
    return list(people.values())


def set_language(session: Session, user: User, code: str) -> None:
    """The language `user` reads the app in, chosen with the language switcher."""
    if known(code) is None:
        raise ServiceError(N_("That language is not available."), field="lang")
    if user.language != code:
        user.language = code
        session.flush()
