"""Scheduling pages: add, edit, end and delete a meeting; cancel, change or restore a date."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TypeVar

from flask import flash
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext
from flask_babel import ngettext
from werkzeug import Response

from facilitator import clock
from facilitator.db import get_session
from facilitator.domain.counts import countable
from facilitator.domain.listing import Dated
from facilitator.domain.listing import shown
from facilitator.domain.meeting import SeriesException
from facilitator.domain.recurrence import occurrence_on
from facilitator.formatting import long_date
from facilitator.formatting import recurrence_words
from facilitator.forms import CancelDateForm
from facilitator.forms import ChangeDateForm
from facilitator.forms import ConfirmForm
from facilitator.forms import EndMeetingForm
from facilitator.forms import MeetingForm
from facilitator.models import Group
from facilitator.models import Meeting
from facilitator.models import MeetingException
from facilitator.security import get_group_for
from facilitator.security import get_meeting_for
from facilitator.services import listings
from facilitator.services import meetings
from facilitator.views import SeriesRefusal
from facilitator.views import meeting_form_values
from facilitator.views import meeting_page
from facilitator.views import save
from facilitator.views import series_date
from facilitator.views import show_meeting_error
from facilitator.views.manage import bp

T = TypeVar("T")

MEETING = "/g/<group_slug>/meetings/<int(max=2147483647):meeting_id>"


def _back_to_group(meeting: Meeting) -> Response:
    return redirect(url_for("manage.group", group_slug=meeting.group.slug))


def _and_confirmed(group: Group, change: Callable[[], T]) -> Callable[[], T]:
    """The change of a meeting series, which also confirms the group's listing: whoever
    saved it had the listing before their eyes (services/listings.py)."""
    def change_and_confirm() -> T:
        value = change()
        listings.confirm_listing(get_session(), g.user, group, by=listings.BY_MEETING_SAVED)
        return value

    return change_and_confirm


def _previewing() -> bool:
    """The form was sent with "Preview dates" (a browser without the script): show the
    dates, save nothing."""
    return request.method == "POST" and "preview" in request.form


def _meeting_page(form: MeetingForm, group: Group, meeting: Meeting | None,
                  orphans: list[MeetingException] | None = None) -> str:
    return meeting_page("manage/meeting_form.html", form, group, meeting=meeting,
                        orphans=orphans or [])


@bp.route("/g/<group_slug>/meetings/new", methods=["GET", "POST"])
def new_meeting(group_slug: str) -> str | Response:
    session = get_session()
    group = get_group_for(session, g.user, group_slug)
    form = MeetingForm()
    if request.method == "GET":
        form.timezone.data = group.organization.timezone
        form.first_date.data = clock.today_in(group.organization.timezone)
    if not _previewing() and form.validate_on_submit() and \
            (values := meeting_form_values(form)) is not None:
        created = save(form, _and_confirmed(group, lambda: meetings.create_meeting(
            session, g.user, group, values)), refused=show_meeting_error)
        if created is not None:
            meeting = created.value
            flash(gettext("%(title)s is scheduled: %(schedule)s.", title=meeting.title,
                          schedule=recurrence_words(meeting.recurrence)), "info")
            return _back_to_group(meeting)
    return _meeting_page(form, group, None)


@bp.route(f"{MEETING}/edit", methods=["GET", "POST"])
def edit_meeting(group_slug: str, meeting_id: int) -> str | Response:
    session = get_session()
    meeting = get_meeting_for(session, g.user, group_slug, meeting_id)
    form = MeetingForm(obj=meeting)
    if request.method == "GET":
        form.fill_from(meeting)
    refused = SeriesRefusal(form)

    if not _previewing() and form.validate_on_submit() and \
            (values := meeting_form_values(form)) is not None:
        updated = save(form, _and_confirmed(meeting.group, lambda: meetings.update_meeting(
            session, g.user, meeting, values,
            drop_orphans=request.form.get("drop_orphans") == "yes",
        )), refused=refused)
        if updated is not None:
            dropped = updated.value
            flash(ngettext("%(title)s is saved. %(num)d changed or cancelled date(s) removed.",
                           "%(title)s is saved. %(num)d changed or cancelled date(s) removed.",
                           len(dropped), title=meeting.title) if dropped
                  else gettext("%(title)s is saved.", title=meeting.title), "info")
            return _back_to_group(meeting)
    return _meeting_page(form, meeting.group, meeting, refused.orphans)


@bp.route(f"{MEETING}/end", methods=["GET", "POST"])
def end_meeting(group_slug: str, meeting_id: int) -> str | Response:
    session = get_session()
    meeting = get_meeting_for(session, g.user, group_slug, meeting_id)
    form = EndMeetingForm()
    if request.method == "GET":
        form.last_date.data = meeting.last_date or clock.today_in(meeting.timezone)
    if form.validate_on_submit() and save(form, _and_confirmed(
            meeting.group, lambda: meetings.end_meeting(session, g.user, meeting,
                                                        form.last_date.data))):
        flash(gettext("%(title)s ends after %(date)s.", title=meeting.title,
                      date=long_date(form.last_date.data)), "info")
        return _back_to_group(meeting)
    return render_template("manage/meeting_end.html", meeting=meeting, form=form)


@bp.route(f"{MEETING}/delete", methods=["GET", "POST"])
def delete_meeting(group_slug: str, meeting_id: int) -> str | Response:
    session = get_session()
    meeting = get_meeting_for(session, g.user, group_slug, meeting_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        group, title = meeting.group, meeting.title
        group_slug = group.slug
        if save(form, _and_confirmed(group, lambda: meetings.delete_meeting(
                session, g.user, meeting))):
            flash(gettext("%(title)s is deleted.", title=title), "info")
            return redirect(url_for("manage.group", group_slug=group_slug))
    return render_template("manage/meeting_delete.html", meeting=meeting, form=form)


def meeting_and_date(group_slug: str, meeting_id: int, day: str) -> tuple[Meeting, date]:
    meeting = get_meeting_for(get_session(), g.user, group_slug, meeting_id)
    return meeting, series_date(meeting, day)


@bp.get(f"{MEETING}/dates/<day>")
def meeting_date(group_slug: str, meeting_id: int, day: str) -> str:
    meeting, when = meeting_and_date(group_slug, meeting_id, day)
    exception = meeting.exceptions_by_date.get(when)
    cancel_form = CancelDateForm(obj=exception if exception and exception.cancelled else None)
    change_form = ChangeDateForm(obj=exception if exception and not exception.cancelled
                                 else None)
    if change_form.moved_to.data is None:
        change_form.moved_to.data = when
    return _date_page(meeting, when, cancel_form, change_form)


def _date_page(meeting: Meeting, when: date, cancel_form: CancelDateForm,
               change_form: ChangeDateForm, cancel_preview: Dated | None = None) -> str:
    exception = meeting.exceptions_by_date.get(when)
    schedule = meeting.schedule
    occurrence = occurrence_on(schedule, when, exception)
    return render_template(
        "manage/meeting_date.html", meeting=meeting, when=when,
        today=clock.today_in(meeting.timezone),
        dated=shown(schedule, occurrence, schedule.zone),
        countable=countable(occurrence, clock.now()) is None,
        exception=exception, cancel_preview=cancel_preview,
        cancel_form=cancel_form, change_form=change_form, restore_form=ConfirmForm(),
    )


@bp.post(f"{MEETING}/dates/<day>/cancel")
def cancel_date(group_slug: str, meeting_id: int, day: str) -> str | Response:
    """Cancel a date in two steps: "Preview" shows the line members will read and saves
    nothing; only "Publish" (sent from that preview) cancels it."""
    meeting, when = meeting_and_date(group_slug, meeting_id, day)
    form = CancelDateForm()
    if not form.validate_on_submit():
        return _date_page(meeting, when, form, ChangeDateForm(formdata=None))
    reason = form.cancel_reason()
    if "publish" in request.form and save(form, lambda: meetings.cancel_date(
            get_session(), g.user, meeting, when, reason, form.note.data)):
        flash(gettext("%(title)s on %(date)s is cancelled.", title=meeting.title,
                      date=long_date(when, year=False)), "info")
        return _back_to_group(meeting)
    preview = None
    if "edit" not in request.form and not form.errors:
        schedule = meeting.schedule
        cancelled = SeriesException(date=when, cancelled=True, reason=reason,
                                    note=form.note.data)
        preview = shown(schedule, occurrence_on(schedule, when, cancelled), schedule.zone)
    return _date_page(meeting, when, form, ChangeDateForm(formdata=None), preview)


@bp.post(f"{MEETING}/dates/<day>/change")
def change_date(group_slug: str, meeting_id: int, day: str) -> str | Response:
    session = get_session()
    meeting, when = meeting_and_date(group_slug, meeting_id, day)
    form = ChangeDateForm()
    form.usual_start = meeting.start_time
    if form.validate_on_submit() and save(form, lambda: meetings.change_date(
            session, g.user, meeting, when, form.change())):
        flash(gettext("%(title)s on %(date)s is changed.", title=meeting.title,
                      date=long_date(when, year=False)), "info")
        return _back_to_group(meeting)
    return _date_page(meeting, when, CancelDateForm(formdata=None), form)


@bp.post(f"{MEETING}/dates/<day>/restore")
def restore_date(group_slug: str, meeting_id: int, day: str) -> Response:
    session = get_session()
    meeting, when = meeting_and_date(group_slug, meeting_id, day)
    form = ConfirmForm()
    if form.validate_on_submit() and save(None, lambda: meetings.restore_date(
            session, g.user, meeting, when)):
        flash(gettext("%(title)s on %(date)s is back to normal.", title=meeting.title,
                      date=long_date(when, year=False)), "info")
    return _back_to_group(meeting)
