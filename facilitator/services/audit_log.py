"""The audit log: who changed what, when, with the values before and after."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import date
from datetime import datetime
from datetime import time
from typing import Any

from sqlalchemy import Select
from sqlalchemy import select
from sqlalchemy.orm import Session

from facilitator.models import AuditEntry
from facilitator.models import Organization
from facilitator.models import User

#: The name written for changes made from the command line.
COMMAND_LINE = "command line"


def snapshot(obj: object, fields: Iterable[str]) -> dict[str, Any]:
    """Return the named attributes of obj as JSON-safe values."""
    return {name: _plain(getattr(obj, name)) for name in fields}


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def changed(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Keep only the fields whose value differs."""
    keys = [k for k in after if before.get(k) != after[k]]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def record(
    session: Session,
    actor: User | None,
    action: str,
    entity: object,
    *,
    organization: Organization | None,
    summary: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry to the log. The entity must already have its id (flush first)."""
    entry = AuditEntry(
        organization_id=organization.id if organization else None,
        actor_id=actor.id if actor else None,
        actor_name=actor.display_name if actor else COMMAND_LINE,
        action=action,
        entity_type=type(entity).__name__.lower(),
        entity_id=getattr(entity, "id", None),
        summary=summary[:300],
        before=before,
        after=after,
    )
    session.add(entry)
    session.flush()
    return entry


def entries_for(
    organization: Organization, *, entity_type: str | None = None, actor_id: int | None = None
) -> Select[AuditEntry]:
    """Return the org's entries, newest first, for the view to paginate."""
    query = select(AuditEntry).where(AuditEntry.organization_id == organization.id)
    if entity_type:
        query = query.where(AuditEntry.entity_type == entity_type)
    if actor_id:
        query = query.where(AuditEntry.actor_id == actor_id)
    return query.order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
