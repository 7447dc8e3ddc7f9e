"""Leaders' pages: the dashboard, their groups, their groups' meetings, their training."""

from __future__ import annotations

from flask import Blueprint
from flask import g
from flask import render_template

from facilitator.db import get_session
from facilitator.models import Role
from facilitator.services import organizations
from facilitator.services import training as training_service
from facilitator.services.documents import awaiting_signature
from facilitator.views import login_required

bp = Blueprint("manage", __name__, url_prefix="/manage")


@bp.before_request
@login_required
def require_login() -> None:
    """Every page here is for signed-in leaders."""


@bp.get("/")
def dashboard() -> str:
    session = get_session()
    memberships = sorted(g.user.memberships, key=lambda m: (m.organization.name, m.role.value))
    orgs: dict[int, dict] = {}
    for m in memberships:
        entry = orgs.setdefault(m.organization_id, {"org": m.organization, "roles": set()})
        entry["roles"].add(m.role)
    return render_template(
        "manage/dashboard.html",
        led_groups=g.user.led_groups,
        orgs=list(orgs.values()),
        visible_groups=organizations.groups_visible_to(session, g.user),
        awaiting_signature=awaiting_signature(session, g.user),
        is_leader=bool(training_service.leader_orgs(g.user)),
        Role=Role,
    )


from facilitator.views.manage import documents  # noqa: E402,F401
from facilitator.views.manage import groups  # noqa: E402,F401  (registers routes on bp)
from facilitator.views.manage import handouts  # noqa: E402,F401
from facilitator.views.manage import headcounts  # noqa: E402,F401
from facilitator.views.manage import meetings  # noqa: E402,F401
from facilitator.views.manage import training  # noqa: E402,F401
