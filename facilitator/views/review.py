"""Admins review representatives' change requests (/admin/<org>/requests/): each
proposed change beside the current value, approved as sent, edited then applied, or
rejected with a reason (services/change_requests.py applies and audits). A meeting's
change, or a new meeting, is edited in the manage meeting form, opened with the proposal
in it; a date's change in an input of the field's own kind."""

from __future__ import annotations

from flask import Blueprint
from flask import abort
from flask import flash
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext
from werkzeug import Response

from facilitator import clock
from facilitator.db import get_session
from facilitator.domain.choices import ChangeKind
from facilitator.domain.choices import Decision
from facilitator.domain.choices import Role
from facilitator.domain.field_texts import input_kind
from facilitator.domain.field_texts import shown
from facilitator.forms import DecisionForm
from facilitator.forms import MeetingForm
from facilitator.forms import ReviewMeetingForm
from facilitator.forms import field_labels
from facilitator.models import ChangeRequest
from facilitator.models import ChangeRequestItem
from facilitator.services import ServiceError
from facilitator.services import change_requests
from facilitator.views import SeriesRefusal
from facilitator.views import meeting_form_values
from facilitator.views import meeting_page
from facilitator.views import save
from facilitator.views import scope_to_org

bp = Blueprint("review", __name__, url_prefix="/admin/<org_slug>/requests")
scope_to_org(bp, [Role.ADMIN])


def _request(request_id: int) -> ChangeRequest:
    found = change_requests.find_in(get_session(), g.org, request_id)
    if found is None:
        abort(404)
    return found


def _item(found: ChangeRequest, item_id: int) -> ChangeRequestItem:
    item = next((i for i in found.items if i.id == item_id), None)
    if item is None:
        abort(404)
    return item


def _back(request_id: int, item_id: int) -> Response:
    return redirect(url_for("review.request_page", request_id=request_id) + f"#item-{item_id}")


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
                           added=change_requests.proposed_fields, input_kind=input_kind)


@bp.post("/<int(max=2147483647):request_id>/items/<int(max=2147483647):item_id>")
def decide(request_id: int, item_id: int) -> Response:
    item = _item(_request(request_id), item_id)
    form = DecisionForm()
    action = request.form.get("action", "")
    if form.validate_on_submit() and save(None, lambda: change_requests.decide(
            get_session(), g.user, item, action=action, value=form.value.data,
            reason=form.reason.data or "", now=clock.now())):
        flash(gettext("Applied.") if action != "reject" else
              gettext("Rejected; the sender sees why."), "info")
    for name, errors in form.errors.items():
        flash(f"{name}: {' '.join(errors)}", "error")
    return _back(request_id, item_id)


@bp.route("/<int(max=2147483647):request_id>/items/<int(max=2147483647):item_id>/edit",
          methods=["GET", "POST"])
def edit_item(request_id: int, item_id: int) -> str | Response:
    """Edit, then approve: the manage meeting form with the proposal in it (a meeting as
    it is now with the proposed change, or the proposed new meeting); saving it applies
    the form's values as the manage page saves them and approves the change."""
    session = get_session()
    found = _request(request_id)
    item = _item(found, item_id)
    if item.kind not in (ChangeKind.FIELD, ChangeKind.ADD) or \
            item.decision is not Decision.PENDING:
        return _back(request_id, item_id)
    if request.method == "GET":
        try:
            values = change_requests.proposed_values(item)
        except ServiceError as error:
            flash(error.words(), "error")
            return _back(request_id, item_id)
        form = ReviewMeetingForm(obj=values)
        form.fill_from(values)
    else:
        form = ReviewMeetingForm()
    refused = SeriesRefusal(form)

    if "preview" not in request.form and form.validate_on_submit() and \
            (edited := meeting_form_values(form)) is not None:
        saved = save(form, lambda: change_requests.approve_edited(
            session, g.user, item, edited, reason=form.reason.data or "", now=clock.now(),
            drop_orphans=request.form.get("drop_orphans") == "yes"), refused=refused)
        if saved is not None:
            flash(gettext("Saved and approved; the sender sees it."), "info")
            return _back(request_id, item_id)
    return meeting_page("review/meeting_form.html", form, found.group, meeting=item.meeting,
                        orphans=refused.orphans, request_=found, item=item,
                        label=field_labels(MeetingForm).get(item.field, item.field),
                        shown=shown)
