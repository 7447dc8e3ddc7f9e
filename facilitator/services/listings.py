"""Whether a group's listing is current: its leaders confirm it, admins see which are not.

A listing is confirmed by
- a leader's one tap that nothing changed (`confirm_listing`), on the group's page or
  the dashboard; the representative link calls the same function;
- a save of one of its meeting series on the manage pages (a new meeting, an edit, even
  one that changes nothing, an end or a delete): whoever saved had the listing before
  their eyes. A single date cancelled or changed does not count: it says nothing about
  the other dates;
- the `updated` of the Meeting Guide feed it was imported from (services/meeting_import).

The app sends no email: admins get the list of groups due (`needing_confirmation`) to
copy, and each leader's dashboard shows their own (`due_for`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm import selectinload
from sqlalchemy.sql.base import ExecutableOption

from facilitator import clock
from facilitator.db import utcnow
from facilitator.domain.confirmation import Confirmation
from facilitator.domain.languages import N_
from facilitator.domain.languages import Message
from facilitator.models import Group
from facilitator.models import Organization
from facilitator.models import User
from facilitator.services import audit_log
from facilitator.services.organizations import mark_changed

#: How a confirmation came about, as the audit log says it.
BY_LEADER = N_("Listing of %(group)s confirmed: nothing changed")
BY_MEETING_SAVED = N_("Listing of %(group)s confirmed: a meeting saved")


def confirm_listing(session: Session, actor: User | None, group: Group, *, by: str) -> None:
    """Record that the group's listing is current as of now; `by` (BY_LEADER,
    BY_MEETING_SAVED) says how, in the audit entry.
    The public pages and feeds show the new date, so they change."""
    _confirm(session, actor, None, group, by)


def confirm_by_representative(session: Session, group: Group) -> None:
    """The group's representative link says nothing changed: confirm the listing, with
    the link named in the audit entry as who did."""
    _confirm(session, None, audit_log.REPRESENTATIVE_LINK, group, BY_LEADER)


def _confirm(session: Session, actor: User | None, actor_name: str | None, group: Group,
             by: str) -> None:
    before = audit_log.snapshot(group, ("confirmed_at",))
    group.confirmed_at = utcnow()
    mark_changed(group.organization, group)
    session.flush()
    audit_log.record(session, actor, "confirm", group, organization=group.organization,
                     summary=Message(by, {"group": group.name}), before=before,
                     after=audit_log.snapshot(group, ("confirmed_at",)), actor_name=actor_name)


@dataclass(frozen=True)
class DueGroup:
    """A group whose listing is due for confirmation, with whom to ask."""

    group: Group
    confirmation: Confirmation
    #: (name, email) of each facilitator: the admins' list is to copy into a message.
    facilitators: list[tuple[str, str]]


def needing_confirmation(session: Session, org: Organization) -> list[DueGroup]:
    """The org's groups due for confirmation or out of date, longest unconfirmed first,
    today in the org's zone."""
    return [DueGroup(group, confirmation,
                     [(f.display_name, f.email) for f in group.facilitators])
            for group, confirmation in _due(session, org, selectinload(Group.facilitators))]


def count_needing_confirmation(session: Session, org: Organization) -> int:
    """How many of the org's groups needing_confirmation lists."""
    return sum(1 for _ in _due(session, org))


def _due(session: Session, org: Organization,
         *options: ExecutableOption) -> Iterator[tuple[Group, Confirmation]]:
    today = clock.today_in(org.timezone)
    groups = session.scalars(select(Group).where(Group.organization_id == org.id)
                             .options(*options).order_by(Group.confirmed_at, Group.name))
    for group in groups:
        confirmation = group.confirmation(today)
        if not confirmation.due:
            break  # ordered by the confirmation: the rest are later still
        yield group, confirmation


def due_for(user: User) -> list[tuple[Group, Confirmation]]:
    """The groups the leader runs whose listing is due for confirmation, each today in
    its org's zone."""
    due = []
    for group in user.led_groups:
        confirmation = group.confirmation(clock.today_in(group.organization.timezone))
        if confirmation.due:
            due.append((group, confirmation))
    return sorted(due, key=lambda found: (found[1].confirmed_on, found[0].name))
