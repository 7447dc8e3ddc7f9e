"""Admins' and auditors' read-only view of the organization: the audit log."""

from __future__ import annotations

from flask import Blueprint
from flask import g
from flask import render_template
from flask import request

from facilitator.db import get_session
from facilitator.models import Role
from facilitator.security import get_org_for
from facilitator.services import audit_log
from facilitator.views.auth import login_required

bp = Blueprint("audit", __name__, url_prefix="/audit/<org_slug>")

PAGE_SIZE = 50
ENTITY_TYPES = {
    "organization": "Organization",
    "group": "Groups",
    "meeting": "Meetings",
    "meetingexception": "Cancelled and changed dates",
    "documentversion": "Guidelines, statements and agreements",
    "signature": "Agreement signatures",
    "statementreading": "Statement read at meetings",
    "membership": "Roles",
    "user": "Accounts",
}


@bp.url_defaults
def add_org_slug(endpoint: str, values: dict) -> None:
    if g.get("org") is not None:
        values.setdefault("org_slug", g.org.slug)


@bp.url_value_preprocessor
def pull_org_slug(_endpoint: str | None, values: dict | None) -> None:
    g.org_slug = (values or {}).pop("org_slug", None)
    g.org = None


@bp.before_request
@login_required
def load_org() -> None:
    """Admins and auditors only; anyone else gets 404."""
    g.org = get_org_for(get_session(), g.user, g.org_slug, [Role.ADMIN, Role.AUDITOR])


@bp.get("/log")
def log() -> str:
    entity_type = request.args.get("type", "")
    if entity_type not in ENTITY_TYPES:
        entity_type = ""
    page = request.args.get("page", 1, type=int) or 1
    page = max(1, min(page, 10_000))
    query = audit_log.entries_for(g.org, entity_type=entity_type or None)
    rows = get_session().scalars(query.limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)).all()
    return render_template(
        "audit/log.html",
        org=g.org,
        entries=rows[:PAGE_SIZE],
        has_next=len(rows) > PAGE_SIZE,
        page=page,
        entity_type=entity_type,
        entity_types=ENTITY_TYPES,
    )
