"""Facilitators' pages: the dashboard and their groups."""

from __future__ import annotations

from flask import Blueprint
from flask import flash
from flask import g
from flask import redirect
from flask import render_template
from flask import url_for
from werkzeug import Response

from facilitator.db import get_session
from facilitator.forms import GroupForm
from facilitator.models import Role
from facilitator.security import get_group_for
from facilitator.services import ServiceError
from facilitator.services import organizations
from facilitator.views import commit
from facilitator.views import show_error
from facilitator.views.auth import login_required

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
        Role=Role,
    )


@bp.route("/g/<group_slug>/", methods=["GET", "POST"])
def group(group_slug: str) -> str | Response:
    session = get_session()
    group = get_group_for(session, g.user, group_slug)
    form = GroupForm(obj=group)
    if form.validate_on_submit():
        try:
            organizations.update_group(
                session, g.user, group,
                name=form.name.data, slug=form.slug.data, program=form.program.data,
                audience=form.audience.data, languages=form.languages.data,
                visibility=form.visibility.data, description=form.description.data,
            )
        except ServiceError as error:
            session.rollback()
            show_error(form, error)
        else:
            if commit(form):
                flash("The group is saved.", "info")
                return redirect(url_for("manage.group", group_slug=group.slug))
    return render_template("manage/group.html", group=group, form=form)
