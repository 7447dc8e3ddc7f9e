"""Organizations, their groups and who facilitates each group."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import Session
from sqlalchemy.orm import object_session
from sqlalchemy.orm import selectinload

from facilitator import crypto
from facilitator.db import transaction_memo
from facilitator.db import utcnow
from facilitator.domain.choices import LANGUAGES
from facilitator.domain.choices import Audience
from facilitator.domain.choices import Program
from facilitator.domain.choices import Role
from facilitator.domain.choices import Visibility
from facilitator.domain.confirmation import MAX_DAYS
from facilitator.domain.languages import N_
from facilitator.domain.languages import Message
from facilitator.domain.languages import known
from facilitator.domain.slugs import is_valid_slug
from facilitator.domain.slugs import with_secret_suffix
from facilitator.domain.timezones import is_valid_timezone
from facilitator.formatting import full_stop
from facilitator.models import Group
from facilitator.models import Organization
from facilitator.models import User
from facilitator.services import ServiceError
from facilitator.services import audit_log

ORGANIZATION_FIELDS = ("slug", "name", "timezone", "contact", "small_count_threshold",
                       "expiry_warning_days", "unverified_training_counts", "online_location",
                       "listing_reminder_days", "listing_out_of_date_days",
                       "default_language")
#: What a group's own pages, feeds and one-pagers show of its organization.
SHOWN_FOR_GROUPS = ("name", "timezone", "contact", "online_location",
                    "listing_reminder_days", "listing_out_of_date_days", "default_language")
GROUP_FIELDS = ("slug", "name", "program", "audience", "languages", "visibility", "description")


#: In `session.info`: the ids of the orgs whose printed handouts may show something new
#: once the transaction commits (facilitator/rendered.py renders them again then).
CHANGED_ORGS = "changed_organizations"

GROUP_SLUG_TAKEN = N_("Another group already uses this short name.")


def note_printed_change(session: Session, org: Organization) -> None:
    """Say that the org's public PDFs may need rendering again after this commit."""
    if org.id is not None:
        session.info.setdefault(CHANGED_ORGS, set()).add(org.id)


def mark_changed(org: Organization, group: Group | None = None) -> None:
    """Record that what the org's (and the group's) feeds and pages show has changed.

    The versions grow in SQL (version = version + 1), so two workers never lose a bump;
    they make ETags and Last-Modified without reading the meetings. Once per
    transaction is enough: a 5,000-meeting import bumps each row once, not 5,000 times.
    """
    session = object_session(org)
    if session is not None:
        note_printed_change(session, org)
    done = transaction_memo(session) if session is not None else set()
    now = utcnow()
    for row in (org, group):
        if row is not None and row not in done:
            row.data_version = type(row).data_version + 1
            row.data_changed_at = now
            done.add(row)


def _check_slug(slug: str) -> None:
    if not is_valid_slug(slug):
        raise ServiceError(N_("The short name may only use lowercase letters a–z, digits and "
                              "single hyphens, at most 64 characters."), field="slug")


def _check_timezone(name: str) -> None:
    if not is_valid_timezone(name):
        raise ServiceError(
            N_("“%(zone)s” is not a time zone we know; choose one like America/Chicago."),
            field="timezone", zone=name,
        )


def find_organization(session: Session, slug: str) -> Organization | None:
    return session.scalar(select(Organization).where(Organization.slug == slug))


def create_organization(
    session: Session,
    actor: User | None,
    *,
    slug: str,
    name: str,
    timezone: str,
    contact: str = "",
) -> Organization:
    _check_slug(slug)
    _check_timezone(timezone)
    if find_organization(session, slug) is not None:
        raise ServiceError(N_("Another organization already uses this short name."),
                           field="slug")
    org = Organization(slug=slug, name=name.strip(), timezone=timezone, contact=contact.strip())
    session.add(org)
    session.flush()
    audit_log.record(
        session, actor, "create", org, organization=org,
        summary=Message(N_("Organization %(name)s"), {"name": org.name}),
        after=audit_log.snapshot(org, ORGANIZATION_FIELDS),
    )
    return org


def update_organization(
    session: Session, actor: User, org: Organization, **fields: Any
) -> None:
    """Change the organization's name, time zone, contact, approximate location of its
    online meetings, small-count threshold, training expiry warning, whether
    unverified training records count, the periods of listing confirmation, or the default
    language of its pages."""
    if "timezone" in fields:
        _check_timezone(fields["timezone"])
    if "default_language" in fields and known(fields["default_language"]) is None:
        raise ServiceError(N_("That language is not available."), "default_language")
    threshold = fields.get("small_count_threshold", org.small_count_threshold)
    if not 1 <= threshold <= 100:
        raise ServiceError(N_("The threshold must be between 1 and 100."),
                           "small_count_threshold")
    warning = fields.get("expiry_warning_days", org.expiry_warning_days)
    if not 0 <= warning <= 365:
        raise ServiceError(N_("The warning is between 0 and 365 days."), "expiry_warning_days")
    for name in ("listing_reminder_days", "listing_out_of_date_days"):
        days = fields.get(name, getattr(org, name))
        if not 1 <= days <= MAX_DAYS:
            raise ServiceError(N_("Say a number of days from 1 to %(most)s."), name, most=MAX_DAYS)
    before = audit_log.snapshot(org, ORGANIZATION_FIELDS)
    for name, value in fields.items():
        if name == "slug" or name not in ORGANIZATION_FIELDS:
            raise ServiceError(f"{name} cannot be changed here.")
        setattr(org, name, value.strip() if isinstance(value, str) else value)
    mark_changed(org)
    if any(before[name] != getattr(org, name) for name in SHOWN_FOR_GROUPS):
        # Every group's pages, feeds and PDFs show these: they change too (once, in SQL).
        session.execute(update(Group).where(Group.organization_id == org.id).values(
            data_version=Group.data_version + 1, data_changed_at=utcnow()))
    _record_update(
        session, actor, org, org, Message(N_("Organization %(name)s"), {"name": org.name}),
        before, ORGANIZATION_FIELDS
    )


def find_group(session: Session, slug: str) -> Group | None:
    return session.scalar(select(Group).where(Group.slug == slug))


def groups_with_facilitators(session: Session, ids: Collection[int]) -> list[Group]:
    """These groups by name, each with its facilitators: two queries however many."""
    return list(session.scalars(select(Group).where(Group.id.in_(ids))
                                .order_by(Group.name, Group.id)
                                .options(selectinload(Group.facilitators))))


def group_names(session: Session, org: Organization) -> list[Row[tuple[int, str, str]]]:
    """The org's groups' ids, slugs and names, by name: for a list to choose from,
    without loading a thousand groups."""
    return list(session.execute(select(Group.id, Group.slug, Group.name).where(
        Group.organization_id == org.id).order_by(Group.name, Group.id)))


def _check_group_values(fields: dict[str, Any]) -> dict[str, Any]:
    """Validate and convert group fields, so the CLI and forms obey the same rules."""
    values = dict(fields)
    try:
        if "program" in values:
            values["program"] = Program(values["program"])
        if "audience" in values:
            values["audience"] = Audience(values["audience"])
        if "visibility" in values:
            values["visibility"] = Visibility(values["visibility"])
    except ValueError as error:
        raise ServiceError(N_("Unknown choice: %(error)s"), error=str(error)) from None
    unknown = [code for code in values.get("languages", []) if code not in LANGUAGES]
    if unknown:
        raise ServiceError(N_("Unknown language: %(codes)s"), field="languages",
                           codes=", ".join(unknown))
    if "name" in values:
        values["name"] = values["name"].strip()
        if not values["name"]:
            raise ServiceError(N_("A group needs a name."), field="name")
    return values


def _private_slug(session: Session, wanted: str) -> str:
    """A slug for a private group: the wanted one with a random suffix. Slugs are unique
    across orgs, so "already used" for a plain name would tell another org's admin that
    a private group of that name exists; with the suffix no name is ever refused."""
    while find_group(session, slug := with_secret_suffix(wanted)) is not None:
        pass  # about 41 random bits: a second try is already unheard of
    return slug


def create_group(
    session: Session, actor: User | None, org: Organization, *, slug: str, **fields: Any
) -> Group:
    """A new group. A private one's slug gets a random suffix (see _private_slug)."""
    _check_slug(slug)
    values = _check_group_values(fields)
    if values.get("visibility", Visibility.PUBLIC) is not Visibility.PUBLIC:
        slug = _private_slug(session, slug)
    elif find_group(session, slug) is not None:
        raise ServiceError(GROUP_SLUG_TAKEN, field="slug")
    group = Group(organization=org, slug=slug, **values)
    session.add(group)
    mark_changed(org)
    session.flush()
    audit_log.record(
        session, actor, "create", group, organization=org,
        summary=Message(N_("Group %(name)s"), {"name": group.name}),
        after=audit_log.snapshot(group, GROUP_FIELDS),
    )
    return group


def update_group(session: Session, actor: User, group: Group, **fields: Any) -> None:
    """Change the group's fields. A group made private, or a private group given a new
    slug, gets a random suffix on its slug (see _private_slug)."""
    values = _check_group_values(fields)
    slug = values.get("slug", group.slug)
    private = values.get("visibility", group.visibility) is not Visibility.PUBLIC
    if slug != group.slug:
        _check_slug(slug)
    if private and (slug != group.slug or group.visibility is Visibility.PUBLIC):
        values["slug"] = _private_slug(session, slug)
    elif slug != group.slug and find_group(session, slug) is not None:
        raise ServiceError(GROUP_SLUG_TAKEN, field="slug")
    before = audit_log.snapshot(group, GROUP_FIELDS)
    for name, value in values.items():
        if name not in GROUP_FIELDS:
            raise ServiceError(f"{name} cannot be changed here.")
        setattr(group, name, value)
    mark_changed(group.organization, group)
    _record_update(
        session, actor, group, group.organization,
        Message(N_("Group %(name)s"), {"name": group.name}), before, GROUP_FIELDS
    )


def delete_group(session: Session, actor: User, group: Group) -> None:
    before = audit_log.snapshot(group, GROUP_FIELDS)
    org = group.organization
    audit_log.record(
        session, actor, "delete", group, organization=org,
        summary=Message(N_("Group %(name)s deleted"), {"name": group.name}), before=before,
    )
    session.delete(group)
    mark_changed(org)
    session.flush()


def set_facilitators(session: Session, actor: User | None, group: Group, users: list[User]) -> None:
    """Make exactly these people the group's facilitators."""
    org = group.organization
    for user in users:
        if Role.FACILITATOR not in user.roles_in(org):
            raise ServiceError(
                N_("%(name)s is not a facilitator of %(org)s"), field="facilitators",
                name=user.display_name, org=full_stop(org.name)
            )
    before = sorted(u.email for u in group.facilitators)
    after = sorted(u.email for u in users)
    if before == after:
        return
    group.facilitators = sorted(users, key=lambda u: u.display_name)
    session.flush()
    audit_log.record(
        session, actor, "update", group, organization=org,
        summary=Message(N_("Facilitators of %(group)s"), {"group": group.name}),
        before={"facilitators": before}, after={"facilitators": after},
    )


def _record_update(
    session: Session,
    actor: User | None,
    entity: object,
    org: Organization,
    summary: Message,
    before: dict[str, Any],
    fields: tuple[str, ...],
) -> None:
    session.flush()
    old, new = audit_log.changed(before, audit_log.snapshot(entity, fields))
    if new:
        audit_log.record(
            session, actor, "update", entity, organization=org,
            summary=summary, before=old, after=new,
        )


#: An org of more groups than this gets their number on an admin's or auditor's
#: dashboard, with the page that lists them, rather than a list: a 1,000-group
#: intergroup's dashboard is for what needs them now, not a list as long as a book.
DASHBOARD_GROUPS = 40


@dataclass(frozen=True)
class OrgGroups:
    """An org's groups as the dashboard shows them: their number, and the groups
    themselves, by name, when there are at most DASHBOARD_GROUPS."""

    count: int
    groups: list[Group]


def dashboard_groups(session: Session, user: User) -> dict[int, OrgGroups]:
    """The groups of the orgs a person administers or audits, by org id. Two queries
    whatever the number of groups."""
    org_ids = {m.organization_id for m in user.memberships
               if m.role in (Role.ADMIN, Role.AUDITOR)}
    if not org_ids:
        return {}
    counts = dict(session.execute(
        select(Group.organization_id, func.count()).where(Group.organization_id.in_(org_ids))
        .group_by(Group.organization_id)).all())
    listed: dict[int, list[Group]] = {id_: [] for id_ in counts}
    small = [id_ for id_, count in counts.items() if count <= DASHBOARD_GROUPS]
    if small:
        for group in session.scalars(select(Group).where(Group.organization_id.in_(small))
                                     .order_by(Group.name, Group.id)):
            listed[group.organization_id].append(group)
    return {id_: OrgGroups(count, listed[id_]) for id_, count in counts.items()}


def has_any_organization(session: Session) -> bool:
    return session.scalar(select(Organization.id).limit(1)) is not None


#: What the audit log says of a group's capability link, by its column: made, replaced.
_LINK_MADE = {
    "rep_token_hash": (N_("Representative link of %(group)s made"),
                       N_("Representative link of %(group)s replaced: the old link no "
                          "longer works")),
    "feed_token_hash": (N_("Private feed link of %(group)s made"),
                        N_("Private feed link of %(group)s replaced: the old link no "
                           "longer works")),
}


def rotate_group_token(session: Session, actor: User | None, group: Group,
                       column: str) -> str:
    """Give the group a new capability token in `column` (its SHA-256 is all that is
    kept) and return it: every copy of the old link stops working at once."""
    token = crypto.new_token()
    had_one = getattr(group, column) is not None
    setattr(group, column, crypto.token_hash(token))
    session.flush()
    audit_log.record(
        session, actor, "update", group, organization=group.organization,
        summary=Message(_LINK_MADE[column][had_one], {"group": group.name}),
    )
    return token
