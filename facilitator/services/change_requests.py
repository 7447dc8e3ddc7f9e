"""Change requests: what a group's representative sends through the group's link, and
what admins decide about each change.

The representative link is a capability: its token is `crypto.new_token()` and only its
SHA-256 is kept (`Group.rep_token_hash`), rotated like the private feed's. A request
keeps each proposed change as one item (a field of a meeting or of one date, a cancelled
date, a new meeting) with the text the sender saw (domain/field_texts.py). An admin
approves (as proposed, or edited) or rejects each item; an approved one is applied
through services/meetings.py, which checks it as the manage pages' changes are checked
and writes their audit entries, and one more entry names the request. Once every item
is decided the request is closed and the sender's contact is deleted.

Nothing a representative sends reaches the audit log but counts: a request received is
"Change request N for <group>: K changes", a flood refused is one entry with a number.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm import selectinload

from facilitator import crypto
from facilitator.domain.choices import ChangeKind
from facilitator.domain.choices import Decision
from facilitator.domain.field_texts import DATE_FIELDS
from facilitator.domain.field_texts import changed_fields
from facilitator.domain.field_texts import from_text
from facilitator.domain.field_texts import to_text
from facilitator.domain.field_texts import values_text
from facilitator.domain.languages import N_
from facilitator.domain.languages import Label
from facilitator.domain.languages import Message
from facilitator.domain.meeting import VALUE_FIELDS
from facilitator.domain.meeting import CancelReason
from facilitator.domain.meeting import DateChange
from facilitator.domain.meeting import MeetingValues
from facilitator.models import AuditEntry
from facilitator.models import ChangeRequest
from facilitator.models import ChangeRequestItem
from facilitator.models import Group
from facilitator.models import Meeting
from facilitator.models import MeetingException
from facilitator.models import Organization
from facilitator.models import User
from facilitator.services import ServiceError
from facilitator.services import audit_log
from facilitator.services import meetings
from facilitator.services.organizations import rotate_group_token

#: What a date's fields read as while the date is cancelled.
CANCELLED = "(cancelled)"
#: How many of its requests a representative link's page lists.
LINK_REQUESTS = 20
NOTHING_CHANGED = N_("Nothing is different from the meeting as it is listed.")
CONFLICT = N_("This changed since the sender opened the form, so approving it as sent could "
              "undo someone else's change. Edit it, then approve it, or reject it.")
MEETING_GONE = N_("This meeting no longer exists; reject the change.")


def rotate_rep_token(session: Session, actor: User | None, group: Group) -> str:
    """A new representative link for the group (the old one stops working); the token."""
    return rotate_group_token(session, actor, group, "rep_token_hash")


def group_for_link(session: Session, token: str) -> Group | None:
    """The group whose representative link this token is, or None."""
    if not crypto.looks_like_token(token):
        return None
    return session.scalar(select(Group).where(Group.rep_token_hash == crypto.token_hash(token)))


def request_for_link(session: Session, token: str) -> ChangeRequest | None:
    """The request whose status link this token is, or None."""
    if not crypto.looks_like_token(token):
        return None
    return session.scalar(select(ChangeRequest)
                          .where(ChangeRequest.token_hash == crypto.token_hash(token))
                          .options(selectinload(ChangeRequest.items)))


def current_values(meeting: Meeting) -> MeetingValues:
    return MeetingValues(**{name: getattr(meeting, name) for name in VALUE_FIELDS})


def date_state(meeting: Meeting, day: date) -> str:
    """"", "changed" or "cancelled": what a date is now."""
    exception = meeting.exceptions_by_date.get(day)
    if exception is None:
        return ""
    return "cancelled" if exception.cancelled else "changed"


def date_texts(meeting: Meeting, day: date) -> dict[str, str]:
    """A date's own fields as text ("" keeps the series' value), and its state."""
    exception = meeting.exceptions_by_date.get(day)
    texts = {name: CANCELLED if exception is not None and exception.cancelled
             else to_text(getattr(exception, name, None)) for name in DATE_FIELDS}
    return texts | {"state": date_state(meeting, day)}


def read_seen(text: str | None) -> dict[str, str] | None:
    """The texts a form was opened with (a hidden field), or None if they are not that."""
    try:
        seen = json.loads(text or "")
    except ValueError:
        return None
    if not isinstance(seen, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                             for k, v in seen.items()):
        return None
    return seen


def propose_meeting_change(session: Session, group: Group, meeting: Meeting,
                           seen: dict[str, str] | None, values: MeetingValues,
                           contact: str) -> tuple[ChangeRequest, str]:
    """A request to change fields of a meeting: those that differ from what the sender
    saw. Refused as the manage page refuses the values."""
    meetings.check(values)
    if values.last_date is not None and values.last_date != meeting.last_date:
        meetings.check_end(meeting, values.last_date)
    seen = seen if seen is not None else values_text(current_values(meeting))
    proposed = values_text(values)
    items = [ChangeRequestItem(kind=ChangeKind.FIELD, meeting_id=meeting.id,
                               meeting_title=meeting.title, field=name,
                               seen=seen.get(name, ""), proposed=proposed[name])
             for name in changed_fields(seen, proposed)]
    return _received(session, group, contact, items)


def propose_new_meeting(session: Session, group: Group, values: MeetingValues,
                        contact: str) -> tuple[ChangeRequest, str]:
    meetings.check(values)
    item = ChangeRequestItem(kind=ChangeKind.ADD, meeting_title=values.title.strip(),
                             proposed=json.dumps(values_text(values)))
    return _received(session, group, contact, [item])


def propose_date_change(session: Session, group: Group, meeting: Meeting, day: date,
                        seen: dict[str, str] | None, change: DateChange,
                        contact: str) -> tuple[ChangeRequest, str]:
    """A request to change one date: each of its fields that differs from what the
    sender saw. Refused as the date's manage page refuses it."""
    meetings.check_date_change(meeting, day, change)
    seen = seen if seen is not None else date_texts(meeting, day)
    proposed = {name: to_text(getattr(change, name)) for name in DATE_FIELDS}
    if proposed["moved_to"] == day.isoformat():
        proposed["moved_to"] = ""
    items = [ChangeRequestItem(kind=ChangeKind.DATE, meeting_id=meeting.id,
                               meeting_title=meeting.title, day=day, field=name,
                               seen=seen.get(name, ""), proposed=proposed[name])
             for name in changed_fields(seen, proposed)]
    return _received(session, group, contact, items)


def propose_cancellation(session: Session, group: Group, meeting: Meeting, day: date,
                         seen_state: str | None, reason: CancelReason | None, note: str,
                         contact: str) -> tuple[ChangeRequest, str]:
    if not meeting.schedule.falls_on(day):
        raise ServiceError(N_("That is not a date of this meeting."))
    state = date_state(meeting, day) if seen_state is None else seen_state
    if state == "cancelled":
        raise ServiceError(N_("This date is already cancelled."))
    item = ChangeRequestItem(kind=ChangeKind.CANCEL, meeting_id=meeting.id,
                             meeting_title=meeting.title, day=day, field="cancelled",
                             seen=state, proposed=note.strip(), cancel_reason=reason)
    return _received(session, group, contact, [item])


def _received(session: Session, group: Group, contact: str,
              items: list[ChangeRequestItem]) -> tuple[ChangeRequest, str]:
    if not items:
        raise ServiceError(NOTHING_CHANGED)
    assert group.rep_token_hash is not None
    token = crypto.new_token()
    request = ChangeRequest(group=group, token_hash=crypto.token_hash(token),
                            link_hash=group.rep_token_hash,
                            contact=contact.strip() or None, items=items)
    session.add(request)
    session.flush()
    _count_entry(session, group, request.id, Message(
        N_("Change request %(number)s for %(group)s: 1 change proposed") if len(items) == 1
        else N_("Change request %(number)s for %(group)s: %(count)s changes proposed"),
        {"number": request.id, "group": group.name, "count": len(items)}))
    return request, token


def refused_flood(session: Session, group: Group, limit: int) -> None:
    """Say in the audit log, once per hour of a flood, that the link's requests are
    being refused: the number, nothing they held."""
    _count_entry(session, group, group.id, Message(
        N_("Representative link of %(group)s: more than %(limit)s change requests within an "
           "hour; the rest of the hour's are refused"), {"group": group.name, "limit": limit}))


def _count_entry(session: Session, group: Group, entity_id: int, summary: Message) -> None:
    session.add(AuditEntry(**audit_log.entry_columns(
        None, "create", ChangeRequest, entity_id, organization_id=group.organization_id,
        summary=summary, actor_name=audit_log.REPRESENTATIVE_LINK)))
    session.flush()


def link_requests(session: Session, group: Group) -> list[ChangeRequest]:
    """The requests sent through the group's current representative link, newest first:
    the last LINK_REQUESTS of them."""
    if group.rep_token_hash is None:
        return []
    return list(session.scalars(
        select(ChangeRequest).where(ChangeRequest.link_hash == group.rep_token_hash)
        .options(selectinload(ChangeRequest.items))
        .order_by(ChangeRequest.created_at.desc(), ChangeRequest.id.desc())
        .limit(LINK_REQUESTS)))


def open_requests(session: Session, org: Organization) -> list[ChangeRequest]:
    """The org's requests with changes still to decide, oldest first."""
    return list(session.scalars(
        select(ChangeRequest).join(ChangeRequest.group)
        .where(Group.organization_id == org.id, ChangeRequest.closed_at.is_(None))
        .options(selectinload(ChangeRequest.items))
        .order_by(ChangeRequest.created_at, ChangeRequest.id)))


def find_in(session: Session, org: Organization, request_id: int) -> ChangeRequest | None:
    request = session.get(ChangeRequest, request_id)
    if request is None or request.group.organization_id != org.id:
        return None
    return request


def current_text(item: ChangeRequestItem) -> str | None:
    """What the item's field is now, as text; None when its meeting is gone."""
    if item.kind is ChangeKind.ADD:
        return ""
    meeting = item.meeting
    if meeting is None:
        return None
    if item.kind is ChangeKind.FIELD:
        return to_text(getattr(current_values(meeting), item.field))
    assert item.day is not None
    if item.kind is ChangeKind.CANCEL:
        return date_state(meeting, item.day)
    return date_texts(meeting, item.day)[item.field]


def conflict(item: ChangeRequestItem) -> bool:
    """Whether the item's field changed since the sender opened the form."""
    now = current_text(item)
    return now is not None and item.kind is not ChangeKind.ADD and now != item.seen


def decide(session: Session, actor: User, item: ChangeRequestItem, *, action: str,
           value: str | None, reason: str, now: datetime) -> None:
    """Approve ("approve": as proposed), apply an admin's edit ("edit": `value`) or
    reject ("reject", with a reason for the sender) one proposed change."""
    _check_pending(item)
    if action == "reject":
        if not reason.strip():
            raise ServiceError(N_("Say why it is not applied: the sender reads it."),
                               field="reason")
        item.decision = Decision.REJECTED
    elif action in ("approve", "edit"):
        if action == "approve" and conflict(item):
            raise ServiceError(CONFLICT)
        applied = item.proposed if action == "approve" else (value or "")
        _apply(session, actor, item, applied)
        item.decision, item.applied = Decision.APPROVED, applied
    else:
        raise ServiceError(N_("Choose approve, apply or reject."))
    _decided(session, actor, item, reason, now)


def approve_edited(session: Session, actor: User, item: ChangeRequestItem,
                   values: MeetingValues, *, reason: str, now: datetime,
                   drop_orphans: bool = False) -> list[MeetingException]:
    """Approve a meeting's change (or a new meeting) as an admin edited it in the manage
    meeting form: `values` are saved as that form saves them, and the item keeps its
    field's value as applied. Returns the dates removed, as update_meeting does."""
    _check_pending(item)
    dropped: list[MeetingException] = []
    if item.kind is ChangeKind.ADD:
        item.meeting = meetings.create_meeting(session, actor, item.request.group, values)
        item.applied = json.dumps(values_text(values))
    elif item.kind is ChangeKind.FIELD:
        if item.meeting is None:
            raise ServiceError(MEETING_GONE)
        dropped = meetings.update_meeting(session, actor, item.meeting, values,
                                          drop_orphans=drop_orphans)
        item.applied = values_text(values)[item.field]
    else:
        raise ServiceError(N_("A date's change is edited on the request's page."))
    item.decision = Decision.APPROVED
    _decided(session, actor, item, reason, now)
    return dropped


def _check_pending(item: ChangeRequestItem) -> None:
    if item.decision is not Decision.PENDING:
        raise ServiceError(N_("This change was already decided."))


def _decided(session: Session, actor: User, item: ChangeRequestItem, reason: str,
             now: datetime) -> None:
    """Note who decided the item and why, audit it, and close the request once every
    item is decided (deleting the sender's contact)."""
    request = item.request
    what = _what(item)
    item.reason, item.decided_by_id, item.decided_at = reason.strip(), actor.id, now
    session.flush()
    audit_log.record(
        session, actor, "update", request, organization=request.group.organization,
        summary=Message(
            N_("Change request %(number)s for %(group)s: %(change)s approved")
            if item.decision is Decision.APPROVED else
            N_("Change request %(number)s for %(group)s: %(change)s rejected"),
            {"number": request.id, "group": request.group.name, "change": what}))
    if all(i.decision is not Decision.PENDING for i in request.items):
        request.closed_at, request.contact = now, None
        session.flush()


def _what(item: ChangeRequestItem) -> Message:
    """The change an item proposes, as its audit entry names it."""
    values: dict[str, object] = {"meeting": item.meeting_title, "date": item.day}
    if item.kind is ChangeKind.ADD:
        return Message(N_("new meeting %(meeting)s"), values)
    if item.kind is ChangeKind.CANCEL:
        return Message(N_("cancelling %(meeting)s on %(date)s") if item.day
                       else N_("cancelling %(meeting)s"), values)
    label = audit_log.LABELS.get(item.field)
    values["field"] = Label(label) if label else item.field.replace("_", " ")
    return Message(N_("“%(field)s” of %(meeting)s on %(date)s") if item.day
                   else N_("“%(field)s” of %(meeting)s"), values)


def _read(name: str, text: str, *, of_date: bool = False) -> Any:
    try:
        return from_text(name, text, of_date=of_date)
    except ValueError as error:
        raise ServiceError(str(error), field="value") from None


def _apply(session: Session, actor: User, item: ChangeRequestItem, text: str) -> None:
    """Make the change through the meeting services, as the manage pages do."""
    group = item.request.group
    if item.kind is ChangeKind.ADD:
        item.meeting = meetings.create_meeting(session, actor, group, _new_meeting(text))
        return
    meeting = item.meeting
    if meeting is None:
        raise ServiceError(MEETING_GONE)
    if item.kind is ChangeKind.FIELD:
        value = _read(item.field, text)
        if item.field == "last_date" and value is not None:
            meetings.end_meeting(session, actor, meeting, value)
        else:
            meetings.update_meeting(session, actor, meeting,
                                    replace(current_values(meeting), **{item.field: value}))
        return
    assert item.day is not None
    if item.kind is ChangeKind.CANCEL:
        meetings.cancel_date(session, actor, meeting, item.day, item.cancel_reason, text)
        return
    exception = meeting.exceptions_by_date.get(item.day)
    # The date's other changes stay as they are: the change form sends them all.
    kept = {name: getattr(exception, name) for name in DATE_FIELDS} \
        if exception is not None and not exception.cancelled else {}
    change = replace(DateChange(**kept),
                     **{item.field: _read(item.field, text, of_date=True)})
    meetings.change_date(session, actor, meeting, item.day, change)


def _new_meeting(text: str) -> MeetingValues:
    """A proposed new meeting's values, from its fields as JSON text."""
    try:
        fields = json.loads(text)
        return MeetingValues(**{name: _read(name, fields[name]) for name in VALUE_FIELDS})
    except (ValueError, KeyError, TypeError, ServiceError):
        raise ServiceError(N_("The new meeting's values cannot be read.")) from None


def proposed_values(item: ChangeRequestItem) -> MeetingValues:
    """The meeting as the item would make it, for an admin to edit in the meeting form:
    a new meeting as proposed, or the meeting as it is now with the proposed field (as
    it is now, if that cannot be read). Raises ServiceError when there is no meeting."""
    if item.kind is ChangeKind.ADD:
        return _new_meeting(item.proposed)
    if item.kind is not ChangeKind.FIELD or item.meeting is None:
        raise ServiceError(MEETING_GONE)
    now = current_values(item.meeting)
    try:
        return replace(now, **{item.field: from_text(item.field, item.proposed)})
    except ValueError:
        return now


def proposed_fields(item: ChangeRequestItem) -> dict[str, str]:
    """A new meeting's proposed fields as text, by name."""
    try:
        fields = json.loads(item.proposed)
    except ValueError:
        return {}
    return fields if isinstance(fields, dict) else {}
