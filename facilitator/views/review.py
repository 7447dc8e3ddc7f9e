"""Admins review representatives' change requests (/admin/<org>/requests/): each
proposed change beside the current value, approved as sent, edited then applied, or
rejected with a reason (services/change_requests.py applies and audits)."""

from __future__ import annotations

from flask import Blueprint
from flask import abort
from flask import flash
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from werkzeug import Response

from facilitator import clock
from facilitator.db import get_session
from facilitator.domain.change_requests import shown
from facilitator.forms import DecisionForm
from facilitator.forms import MeetingForm
from facilitator.forms import field_labels
from facilitator.models import ChangeRequest
from facilitator.models import Role
from facilitator.services import change_requests
from facilitator.views import save
from facilitator.views import scope_to_org

bp = Blueprint("review", __name__, url_prefix="/admin/<org_slug>/requests")
scope_to_org(bp, [Role.ADMIN])


def _request(request_id: int) -> ChangeRequest:
    found = change_requests.find_in(get_session(), g.org, request_id)
    if found is None:
        abort(404)
    return found


@bp.get("/")
def queue() -> str:
    return render_template("review/queue.html", org=g.org,
                           requests=change_requests.open_requests(get_session(), g.org))


@bp.get("/<int(max=2147483647):request_id>")
def request_page(request_id: int) -> str:
    found = _request(request_id)
    return render_template("review/request.html", org=g.org, request_=found,
                           labels=field_labels(MeetingForm), shown=shown,
                           current=change_requests.current_text,
                           conflict=change_requests.conflict, form=DecisionForm(),
                           added=change_requests.proposed_fields)


@bp.post("/<int(max=2147483647):request_id>/items/<int(max=2147483647):item_id>")
def decide(request_id: int, item_id: int) -> Response:
    found = _request(request_id)
    item = next((i for i in found.items if i.id == item_id), None)
    if item is None:
        abort(404)
    form = DecisionForm()
    action = request.form.get("action", "")
    if form.validate_on_submit() and save(None, lambda: change_requests.decide(
            get_session(), g.user, item, action=action, value=form.value.data,
            reason=form.reason.data or "", now=clock.now())):
        flash("Applied." if action != "reject" else "Rejected; the sender sees why.", "info")
    for name, errors in form.errors.items():
        flash(f"{name}: {' '.join(errors)}", "error")
    return redirect(url_for("review.request_page", request_id=request_id) + f"#item-{item_id}")
