"""A group's representative link (/rep/<token>/): its secretary sends changes to the
group's meetings without an account, and reads what admins decided on the link's own page
(its recent requests) or at a request's own link (/rep/status/<token>). The forms are
the manage pages' (forms.Sender*), checked by the same services; nothing changes until an
admin approves it (views/review.py)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date

from flask import Blueprint
from flask import abort
from flask import flash
from flask import make_response
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext
from flask_wtf import FlaskForm
from werkzeug import Response
from werkzeug.exceptions import TooManyRequests

from facilitator import clock
from facilitator import throttling
from facilitator.db import get_session
from facilitator.domain.field_texts import shown
from facilitator.domain.field_texts import values_text
from facilitator.domain.languages import N_
from facilitator.domain.listing import coming_dates
from facilitator.domain.recurrence import InvalidRecurrence
from facilitator.forms import ConfirmForm
from facilitator.forms import MeetingForm
from facilitator.forms import SenderCancelDateForm
from facilitator.forms import SenderChangeDateForm
from facilitator.forms import SenderMeetingForm
from facilitator.forms import field_labels
from facilitator.headers import holds_secret
from facilitator.models import ChangeRequest
from facilitator.models import Group
from facilitator.models import Meeting
from facilitator.services import change_requests
from facilitator.services import listings
from facilitator.services import throttle
from facilitator.views import meeting_form_values
from facilitator.views import meeting_page
from facilitator.views import save
from facilitator.views import series_date
from facilitator.views import show_meeting_error

bp = Blueprint("representative", __name__, url_prefix="/rep")

#: Dates of each meeting the representative can cancel or change from the list.
NEXT_DATES = 8
FLOODED = N_("This link has sent many change requests within the last hour, so it takes no "
           "more for now. Wait an hour and send it again; what you sent before is kept.")


def _group(token: str) -> Group:
    group = change_requests.group_for_link(get_session(), token)
    if group is None:
        abort(404)
    return group


def _meeting(group: Group, meeting_id: int) -> Meeting:
    for meeting in group.meetings:
        if meeting.id == meeting_id:
            return meeting
    abort(404)


def _page(template: str, **context: object) -> Response:
    return holds_secret(make_response(render_template(template, **context)))


@bp.get("/<token>/")
def home(token: str) -> Response:
    group = _group(token)
    schedules = [(m, coming_dates(m.schedule, m.exceptions_by_date, clock.now(), NEXT_DATES),
                  clock.today_in(m.timezone)) for m in group.meetings]
    return _page("representative/home.html", group=group, token=token, schedules=schedules,
                 confirm_form=ConfirmForm(),
                 sent=change_requests.link_requests(get_session(), group), shown=shown,
                 labels=field_labels(MeetingForm))


@bp.post("/<token>/confirm")
def confirm(token: str) -> Response:
    """The representative's "nothing changed" tap."""
    group = _group(token)
    form = ConfirmForm()
    if form.validate_on_submit():
        _room_on_link(group)
        if save(form, lambda: listings.confirm_by_representative(get_session(), group)):
            flash(gettext("Thank you: %(name)s's listing is confirmed as of today.",
                          name=group.name), "info")
    return redirect(url_for("representative.home", token=token))


def _room_on_link(group: Group) -> None:
    """Count one request through the link; 429 once it has had its share this hour (said
    once in the audit log, as a count)."""
    assert group.rep_token_hash is not None
    if not throttling.rep_link_allowed(group.rep_token_hash):
        if throttling.rep_link_refusals(group.rep_token_hash) == 1:
            save(None, lambda: change_requests.refused_flood(
                get_session(), group, throttle.REP_LINK.failures))
        raise TooManyRequests(FLOODED, retry_after=int(throttle.REP_LINK.window.total_seconds()))


def _sent(group: Group, form: FlaskForm,
          propose: Callable[[], tuple[ChangeRequest, str]]) -> Response | None:
    """Send the request once the link has room this hour; its status page, or None
    with the refusal on the form."""
    _room_on_link(group)
    sent = save(form, propose, refused=show_meeting_error)
    if sent is None:
        return None
    _request, status_token = sent.value
    flash(gettext("Sent. The group's admins review each change; this page and the "
                  "representative link's page show what they decide."), "info")
    return redirect(url_for("representative.status", token=status_token))


def _sender_meeting_page(form: SenderMeetingForm, group: Group, token: str,
                         meeting: Meeting | None) -> Response:
    return holds_secret(make_response(meeting_page(
        "representative/meeting_form.html", form, group, meeting=meeting, token=token)))


def _seen(form: SenderMeetingForm | SenderChangeDateForm | SenderCancelDateForm,
          texts: dict[str, str]) -> None:
    if request.method == "GET":
        form.seen.data = json.dumps(texts)


@bp.route("/<token>/meetings/<int(max=2147483647):meeting_id>", methods=["GET", "POST"])
def edit_meeting(token: str, meeting_id: int) -> Response:
    session = get_session()
    group = _group(token)
    meeting = _meeting(group, meeting_id)
    form = SenderMeetingForm(obj=meeting)
    if request.method == "GET":
        form.fill_from(meeting)
        form.contact.data = ""
        # What the form shows, read back: what the sender compares their changes with.
        try:
            texts = values_text(form.values())
        except InvalidRecurrence:
            texts = values_text(change_requests.current_values(meeting))
        _seen(form, texts)
    if "preview" not in request.form and form.validate_on_submit() and \
            (values := meeting_form_values(form)) is not None:
        answer = _sent(group, form, lambda: change_requests.propose_meeting_change(
            session, group, meeting, change_requests.read_seen(form.seen.data), values,
            form.contact.data or ""))
        if answer is not None:
            return answer
    return _sender_meeting_page(form, group, token, meeting)


@bp.route("/<token>/meetings/new", methods=["GET", "POST"])
def new_meeting(token: str) -> Response:
    session = get_session()
    group = _group(token)
    form = SenderMeetingForm()
    if request.method == "GET":
        form.timezone.data = group.organization.timezone
        form.first_date.data = clock.today_in(group.organization.timezone)
    if "preview" not in request.form and form.validate_on_submit() and \
            (values := meeting_form_values(form)) is not None:
        answer = _sent(group, form, lambda: change_requests.propose_new_meeting(
            session, group, values, form.contact.data or ""))
        if answer is not None:
            return answer
    return _sender_meeting_page(form, group, token, None)


def _meeting_and_date(token: str, meeting_id: int, day: str) -> tuple[Group, Meeting, date]:
    group = _group(token)
    meeting = _meeting(group, meeting_id)
    return group, meeting, series_date(meeting, day)


DATE = "/<token>/meetings/<int(max=2147483647):meeting_id>/dates/<day>"


def _date_page(token: str, meeting: Meeting, when: date, cancel_form: SenderCancelDateForm,
               change_form: SenderChangeDateForm) -> Response:
    return _page("representative/date.html", token=token, meeting=meeting, when=when,
                 group=meeting.group, today=clock.today_in(meeting.timezone),
                 state=change_requests.date_state(meeting, when),
                 cancel_form=cancel_form, change_form=change_form)


@bp.get(DATE)
def meeting_date(token: str, meeting_id: int, day: str) -> Response:
    _group_, meeting, when = _meeting_and_date(token, meeting_id, day)
    exception = meeting.exceptions_by_date.get(when)
    cancel_form = SenderCancelDateForm()
    change_form = SenderChangeDateForm(obj=exception if exception and not exception.cancelled
                                       else None)
    change_form.contact.data = ""
    if change_form.moved_to.data is None:
        change_form.moved_to.data = when
    texts = change_requests.date_texts(meeting, when)
    _seen(change_form, texts)
    _seen(cancel_form, texts)
    return _date_page(token, meeting, when, cancel_form, change_form)


@bp.post(f"{DATE}/cancel")
def cancel_date(token: str, meeting_id: int, day: str) -> Response:
    group, meeting, when = _meeting_and_date(token, meeting_id, day)
    form = SenderCancelDateForm()
    if form.validate_on_submit():
        seen = change_requests.read_seen(form.seen.data)
        answer = _sent(group, form, lambda: change_requests.propose_cancellation(
            get_session(), group, meeting, when, seen.get("state") if seen else None,
            form.cancel_reason(), form.note.data or "", form.contact.data or ""))
        if answer is not None:
            return answer
    return _date_page(token, meeting, when, form, SenderChangeDateForm(formdata=None))


@bp.post(f"{DATE}/change")
def change_date(token: str, meeting_id: int, day: str) -> Response:
    group, meeting, when = _meeting_and_date(token, meeting_id, day)
    form = SenderChangeDateForm()
    form.usual_start = meeting.start_time
    if form.validate_on_submit():
        answer = _sent(group, form, lambda: change_requests.propose_date_change(
            get_session(), group, meeting, when, change_requests.read_seen(form.seen.data),
            form.change(), form.contact.data or ""))
        if answer is not None:
            return answer
    return _date_page(token, meeting, when, SenderCancelDateForm(formdata=None), form)


@bp.get("/status/<token>")
def status(token: str) -> Response:
    found: ChangeRequest | None = change_requests.request_for_link(get_session(), token)
    if found is None:
        abort(404)
    return _page("representative/status.html", request_=found, shown=shown,
                 labels=field_labels(MeetingForm))
