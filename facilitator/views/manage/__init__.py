"""Leaders' pages: the dashboard, their groups, their groups' meetings, their training."""

from __future__ import annotations

from flask import Blueprint
from flask import g
from flask import render_template

from facilitator.db import get_session
from facilitator.domain.choices import Role
from facilitator.services import dashboard as dashboard_service
from facilitator.services import organizations
from facilitator.services import training as training_service
from facilitator.views import login_required
from facilitator.views import standings_cache

bp = Blueprint("manage", __name__, url_prefix="/manage")


@bp.before_request
@login_required
def require_login() -> None:
    """Every page here is for signed-in leaders."""


@bp.get("/")
def dashboard() -> str:
    """What now: the leader's meetings today and tomorrow first, then what needs their
    attention, then their groups, then the orgs they administer or audit."""
    session = get_session()
    memberships = sorted(g.user.memberships, key=lambda m: (m.organization.name, m.role.value))
    orgs: dict[int, dict] = {}
    for m in memberships:
        entry = orgs.setdefault(m.organization_id, {"org": m.organization, "roles": set()})
        entry["roles"].add(m.role)
    for entry in orgs.values():
        if entry["roles"] & {Role.ADMIN, Role.AUDITOR}:
            entry["behind"] = dashboard_service.leaders_behind(session, entry["org"],
                                                               standings_cache())
    return render_template(
        "manage/dashboard.html",
        led_groups=g.user.led_groups,
        facilitates=any(m.role is Role.FACILITATOR for m in memberships),
        soon=dashboard_service.meetings_soon(g.user),
        attention=dashboard_service.attention(session, g.user),
        orgs=list(orgs.values()),
        org_groups=organizations.dashboard_groups(session, g.user),
        is_leader=bool(training_service.leader_orgs(g.user)),
        Role=Role,
    )


from facilitator.views.manage import documents  # noqa: E402,F401
from facilitator.views.manage import groups  # noqa: E402,F401  (registers routes on bp)
from facilitator.views.manage import handouts  # noqa: E402,F401
from facilitator.views.manage import headcounts  # noqa: E402,F401
from facilitator.views.manage import meetings  # noqa: E402,F401
from facilitator.views.manage import training  # noqa: E402,F401
