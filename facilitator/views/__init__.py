"""Blueprints, one per audience: public, auth, manage (facilitators), admin, audit."""

from __future__ import annotations

import functools
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from typing import Any
from typing import Generic
from typing import TypeVar

from flask import Blueprint
from flask import Response
from flask import abort
from flask import current_app
from flask import flash
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_wtf import FlaskForm
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from facilitator import clock
from facilitator.db import get_session
from facilitator.db import write_transaction
from facilitator.domain.choices import Role
from facilitator.domain.languages import Message
from facilitator.domain.meeting import MeetingValues
from facilitator.domain.meeting_types import types_offered_first
from facilitator.domain.recurrence import InvalidRecurrence
from facilitator.domain.spreadsheet import Cell
from facilitator.domain.spreadsheet import csv_text
from facilitator.domain.timezones import is_valid_timezone
from facilitator.formatting import message_words
from facilitator.forms import MeetingForm
from facilitator.forms import offer_timezones
from facilitator.models import Group
from facilitator.models import Meeting
from facilitator.models import MeetingException
from facilitator.security import get_org_for
from facilitator.services import ServiceError
from facilitator.services import attendance
from facilitator.services import directory
from facilitator.services import training
from facilitator.services.meetings import OrphanedExceptions

#: What a person is told when a unique value was taken between their reading and saving.
LOST_RACE = ("Someone else just saved a conflicting change; nothing was saved. "
             "Please check and try again.")

T = TypeVar("T")


@dataclass(frozen=True)
class Saved(Generic[T]):
    """A change that was saved, with what the service gave back."""

    value: T


def show_error(form: FlaskForm | None, error: ServiceError) -> None:
    """Put a service's refusal beside the field it concerns, or at the top of the page."""
    field = getattr(form, error.field, None) if form is not None and error.field else None
    if field is not None:
        field.errors = [*field.errors, error.words()]
    else:
        flash(error.words(), "error")


def meeting_form_values(form: MeetingForm) -> MeetingValues | None:
    """A meeting form's values, or None with the recurrence problem shown on the form."""
    try:
        return form.values()
    except InvalidRecurrence as error:
        form.repeats.errors = [*form.repeats.errors, message_words(error.said)]
        return None


def meeting_page(template: str, form: MeetingForm, group: Group, **context: Any) -> str:
    """A meeting form (manage/meeting_form.html, or a page that extends it), with the
    next dates as it stands and its weeks named."""
    today = clock.today_in(form.timezone.data if is_valid_timezone(form.timezone.data or "")
                           else group.organization.timezone)
    form.label_start_weeks()
    offer_timezones(form.timezone, group.organization.timezone)
    return render_template(template, group=group, form=form, today=today,
                           coming=form.coming(today),
                           types_first=types_offered_first(group.program.value,
                                                           form.types.data or ()),
                           regions=directory.public_regions(get_session(),
                                                            group.organization),
                           **{"meeting": None, "orphans": []} | context)


@dataclass
class SeriesRefusal:
    """`save`'s `refused` for a form that edits a meeting series: the changed and
    cancelled dates the edit would drop are kept in `orphans`, for the page to ask about
    them first (nothing has changed then); any other refusal is shown on the form."""

    form: MeetingForm
    orphans: list[MeetingException] = field(default_factory=list)

    def __call__(self, _form: FlaskForm | None, error: ServiceError) -> None:
        if isinstance(error, OrphanedExceptions):
            self.orphans.extend(error.exceptions)
        else:
            show_meeting_error(self.form, error)


def series_date(meeting: Meeting, day: str) -> date:
    """The date of the meeting's series that `day` (YYYY-MM-DD, from the URL) names; 404
    when it names none."""
    try:
        when = date.fromisoformat(day)
    except ValueError:
        abort(404)
    if not meeting.schedule.falls_on(when):
        abort(404)
    return when


def show_meeting_error(form: FlaskForm | None, error: ServiceError) -> None:
    """show_error for a meeting form, which asks for the recurrence as "repeats"."""
    if error.field == "recurrence":
        error.field = "repeats"
    show_error(form, error)


def save(form: FlaskForm | None, change: Callable[[], T], *,
         refused: Callable[[FlaskForm | None, ServiceError], None] = show_error,
         transaction: Callable[[Session], AbstractContextManager[Session]]
         = write_transaction) -> Saved[T] | None:
    """The one way a view saves: run `change` (service calls) in a write transaction and
    commit it (or in `transaction`: db.one_statement_write for a change of one
    statement). When a service refuses (ServiceError) or a unique value was taken in the
    meantime, nothing is saved, the person is told why (beside the field, or at the top
    of the page; `refused` can say it otherwise) and the answer is None."""
    try:
        with transaction(get_session()):
            value = change()
    except ServiceError as error:
        refused(form, error)
        return None
    except IntegrityError:
        flash(LOST_RACE, "error")
        return None
    return Saved(value)


def csv_response(filename: str, header: Sequence[str | Message],
                 rows: Iterable[Sequence[Cell]]) -> Response:
    """Answer with a CSV download whose cells are safe to open in a spreadsheet. The
    header is marked English (N_, or Messages), worded in the page's language, as the
    rows' words are."""
    words = [message_words(column) for column in header]
    return Response(csv_text(words, rows), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "Cache-Control": "private, no-store"})


def standings_cache() -> training.StandingsCache:
    """The app's kept standings of leaders (services.training.StandingsCache)."""
    return current_app.extensions.setdefault("facilitator.standings_cache",
                                             training.StandingsCache())


def report_cache() -> attendance.ReportCache:
    """The app's kept attendance counts and reports (services.attendance.ReportCache)."""
    return current_app.extensions.setdefault("facilitator.report_cache",
                                             attendance.ReportCache())


def chart_response(report: attendance.Report) -> Response:
    """Answer with a report's attendance chart as SVG, for the page that shows it."""
    response = Response(attendance.chart_svg(report), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "private, no-store"
    return response


#: A view function, as login_required takes and gives it back.
View = TypeVar("View", bound=Callable[..., Any])


def login_required(view: View) -> View:
    """View decorator that redirects anonymous users to the login page."""

    @functools.wraps(view)
    def wrapped(**kwargs: Any) -> Any:
        if g.user is None:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        return view(**kwargs)

    return wrapped  # type: ignore[return-value]


def scope_to_org(blueprint: Blueprint, roles: Iterable[Role]) -> None:
    """For a blueprint under /…/<org_slug>/: the slug is taken out of every URL and put
    back into every url_for, and before each view `g.org` is the org, for signed-in
    people holding one of `roles` in it (anyone else signed in gets 404)."""

    @blueprint.url_defaults
    def add_org_slug(_endpoint: str, values: dict[str, Any]) -> None:
        if g.get("org") is not None:
            values.setdefault("org_slug", g.org.slug)

    @blueprint.url_value_preprocessor
    def pull_org_slug(_endpoint: str | None, values: dict[str, Any] | None) -> None:
        g.org_slug = (values or {}).pop("org_slug", None)
        g.org = None

    @blueprint.before_request
    @login_required
    def load_org() -> None:
        g.org = get_org_for(get_session(), g.user, g.org_slug, roles)
