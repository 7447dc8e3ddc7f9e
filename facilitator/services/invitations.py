"""Invitations of accounts that already exist: nothing applies until the person accepts.

An admin adds people by email. An email without an account gets one, and a link that
sets its password (accounts.create_user, accounts.invite). An email whose account is
already someone's gets the same answer, a link of the same shape and length, but what
the admin chose waits here, in a PendingInvitation: the account gains no role and no
group, and none of its pages change, until its owner signs in and accepts. So an admin
can neither learn from the answer whether an address has an account, nor attach anyone
to their organization without consent. Until then the org's pages show the invitation
under the name the admin typed, never the account's own.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from facilitator import crypto
from facilitator.domain.choices import Role
from facilitator.domain.languages import N_
from facilitator.domain.languages import Message
from facilitator.formatting import full_stop
from facilitator.models import Group
from facilitator.models import Organization
from facilitator.models import PendingInvitation
from facilitator.models import User
from facilitator.services import ServiceError
from facilitator.services import accounts
from facilitator.services import audit_log
from facilitator.services import organizations


def _check(organization: Organization, roles: Collection[Role],
           groups: Collection[Group]) -> None:
    if not roles:
        raise ServiceError(N_("Choose at least one role."), field="roles")
    if any(group.organization_id != organization.id for group in groups):
        raise ServiceError(N_("Choose only groups of %(org)s"), field="groups",
                           org=full_stop(organization.name))
    accounts.check_roles_and_groups(roles, groups)


def _offer(invitation: PendingInvitation, roles: Collection[Role],
           groups: Collection[Group]) -> None:
    _check(invitation.organization, roles, groups)
    invitation.roles = sorted(role.value for role in roles)
    invitation.group_ids = sorted(group.id for group in groups)


def _new_link(session: Session, actor: User, invitation: PendingInvitation, *,
              now: datetime) -> str:
    """A new token for the invitation (the old link stops working); return it."""
    token = crypto.new_token()
    invitation.token_hash = crypto.token_hash(token)
    invitation.expires_at = now + accounts.INVITATION_LIFETIME
    invitation.invited_by = actor
    action = "update" if invitation.id else "create"
    session.add(invitation)
    session.flush()
    audit_log.record(
        session, actor, action, invitation, organization=invitation.organization,
        summary=Message(N_("Invitation link made for %(name)s"),
                        {"name": invitation.display_name}),
        after={"user": invitation.user.email, "name": invitation.display_name,
               "roles": invitation.roles,
               "groups": [group.slug for group in invitation.groups_offered]},
    )
    return token


def invite(
    session: Session,
    actor: User,
    organization: Organization,
    user: User,
    *,
    display_name: str,
    roles: Collection[Role],
    groups: Collection[Group],
    now: datetime,
) -> str:
    """Invite an existing account into the organization with these roles and groups, or
    replace its invitation there, and return the token for the link."""
    invitation = session.scalar(select(PendingInvitation).where(
        PendingInvitation.organization_id == organization.id,
        PendingInvitation.user_id == user.id,
    ))
    if invitation is None:
        invitation = PendingInvitation(organization=organization, user=user)
    invitation.display_name = display_name.strip()
    _offer(invitation, roles, groups)
    return _new_link(session, actor, invitation, now=now)


def renew(session: Session, actor: User, invitation: PendingInvitation, *,
          now: datetime) -> str:
    """A fresh link for an invitation whose link was lost or expired."""
    return _new_link(session, actor, invitation, now=now)


def change(session: Session, actor: User, invitation: PendingInvitation, *,
           roles: Collection[Role], groups: Collection[Group]) -> None:
    """Offer other roles or groups; the link stays the same."""
    before = {"roles": invitation.roles, "groups": invitation.group_ids}
    _offer(invitation, roles, groups)
    session.flush()
    old, new = audit_log.changed(before, {"roles": invitation.roles,
                                          "groups": invitation.group_ids})
    if new:
        audit_log.record(
            session, actor, "update", invitation, organization=invitation.organization,
            summary=Message(N_("Invitation of %(name)s"), {"name": invitation.display_name}),
            before=old, after=new,
        )


def withdraw(session: Session, actor: User, invitation: PendingInvitation) -> None:
    """The admin takes the invitation back; its link stops working."""
    audit_log.record(
        session, actor, "delete", invitation, organization=invitation.organization,
        summary=Message(N_("Invitation of %(name)s withdrawn"), {"name": invitation.display_name}),
    )
    session.delete(invitation)
    session.flush()


def find(session: Session, token: str, *, now: datetime) -> PendingInvitation | None:
    """The unexpired invitation this token opens, or None."""
    if not crypto.looks_like_token(token):
        return None
    invitation = session.scalar(select(PendingInvitation).where(
        PendingInvitation.token_hash == crypto.token_hash(token)))
    if invitation is None or invitation.expires_at < now:
        return None
    return invitation


def of_organization(session: Session, organization: Organization) -> list[PendingInvitation]:
    """The organization's invitations that nobody has answered, by the name typed."""
    return list(session.scalars(
        select(PendingInvitation)
        .where(PendingInvitation.organization_id == organization.id)
        .order_by(PendingInvitation.display_name, PendingInvitation.id)
    ))


def find_in(session: Session, organization: Organization,
            invitation_id: int) -> PendingInvitation | None:
    """The organization's invitation with this id; None for another org's."""
    invitation = session.get(PendingInvitation, invitation_id)
    if invitation is None or invitation.organization_id != organization.id:
        return None
    return invitation


def accept(session: Session, invitation: PendingInvitation) -> None:
    """The invited person joins: the roles and groups the admin chose are given through
    the services the admin pages use, in the person's name, and the invitation goes."""
    user, org = invitation.user, invitation.organization
    for role in sorted(invitation.roles_offered):
        accounts.grant_role(session, user, user, org, role)
    for group in invitation.groups_offered:
        if user not in group.facilitators:
            organizations.set_facilitators(session, user, group, [*group.facilitators, user])
    audit_log.record(
        session, user, "delete", invitation, organization=org,
        summary=Message(N_("%(name)s accepted the invitation to %(org)s"),
                        {"name": user.display_name, "org": org.name}),
    )
    session.delete(invitation)
    session.flush()


def decline(session: Session, invitation: PendingInvitation) -> None:
    """The invited person says no; nothing of the invitation stays.

    The entry belongs to the account, not the org: the org's admins see that the
    invitation is gone, never the account's own name."""
    audit_log.record(
        session, invitation.user, "delete", invitation, organization=None,
        summary=Message(N_("Invitation to %(org)s declined"),
                        {"org": invitation.organization.name}),
    )
    session.delete(invitation)
    session.flush()
