"""Pages for members, who never log in: the start page, an organization's meeting
directory and a group's page."""

from __future__ import annotations

from flask import Blueprint
from flask import abort
from flask import g
from flask import make_response
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from sqlalchemy import select
from werkzeug import Response

from facilitator import clock
from facilitator.db import get_session
from facilitator.models import Organization
from facilitator.models import Visibility
from facilitator.security import may_read_group
from facilitator.services import directory as directory_service
from facilitator.services.organizations import find_group
from facilitator.services.organizations import find_organization

bp = Blueprint("public", __name__)


@bp.get("/")
def home() -> str:
    orgs = get_session().scalars(select(Organization).order_by(Organization.name)).all()
    return render_template("public/home.html", orgs=orgs)


@bp.get("/o/<org_slug>/")
def directory(org_slug: str) -> str | Response:
    """The org's public meetings by day. Filters come from the query string, so a
    filtered list is a link to share; anything not understood in it is dropped."""
    session = get_session()
    org = find_organization(session, org_slug)
    if org is None:
        abort(404)
    filters = directory_service.parse_filters(request.args)
    canonical = filters.as_args()
    if request.args.to_dict(flat=False) != {name: [v] for name, v in canonical.items()}:
        # The form sends every field, empty or not: answer with the short address of
        # the same list, the one worth sharing.
        return redirect(url_for("public.directory", org_slug=org.slug, **canonical))
    today = clock.today_in(org.timezone)
    listing = directory_service.directory(session, org, filters, today)
    return render_template("public/directory.html", org=org, directory=listing, today=today)


@bp.get("/g/<group_slug>/")
def group(group_slug: str) -> Response:
    """A group's page. A private group's is shown only to leaders who may read it; to
    everyone else it does not exist."""
    session = get_session()
    group = find_group(session, group_slug)
    if group is None:
        abort(404)
    private = group.visibility is not Visibility.PUBLIC
    if private and (g.user is None or not may_read_group(g.user, group)):
        abort(404)
    meetings = directory_service.group_meetings(session, group, clock.today_in)
    response = make_response(render_template(
        "public/group.html", group=group, meetings=meetings, private=private,
    ))
    if private:
        response.headers["Cache-Control"] = "private, no-store"
        response.headers["X-Robots-Tag"] = "noindex"
    return response
