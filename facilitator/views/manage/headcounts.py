"""Headcounts for facilitators: the +/− page during a meeting, the plain form after it,
the meeting's check-in link with its QR code, and the group's attendance report."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import current_app
from flask import flash
from flask import g
from flask import get_flashed_messages
from flask import jsonify
from flask import make_response
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext
from markupsafe import Markup
from werkzeug import Response

from facilitator import clock
from facilitator import i18n
from facilitator.db import get_session
from facilitator.domain.counts import Counts
from facilitator.domain.counts import countable
from facilitator.domain.counts import neighbours
from facilitator.domain.counts import occurrence_to_count
from facilitator.domain.counts import taps_exceed
from facilitator.domain.counts import window
from facilitator.domain.languages import N_
from facilitator.domain.meeting import Attendance
from facilitator.domain.qr import qr_svg
from facilitator.forms import ConfirmForm
from facilitator.forms import HeadcountForm
from facilitator.forms import TapForm
from facilitator.headers import holds_secret
from facilitator.models import Meeting
from facilitator.security import get_group_for
from facilitator.security import get_meeting_for
from facilitator.services import attendance
from facilitator.services import headcounts
from facilitator.urls import absolute_url
from facilitator.views import chart_response
from facilitator.views import csv_response
from facilitator.views import report_cache
from facilitator.views import save
from facilitator.views.manage import bp
from facilitator.views.manage.meetings import MEETING
from facilitator.views.manage.meetings import meeting_and_date

COUNT = f"{MEETING}/dates/<day>/count"
TAP_FAILED = N_("That button did not work; reload the page and try again.")


@bp.get(f"{MEETING}/count")
def count_now(group_slug: str, meeting_id: int) -> Response:
    """The count of the meeting going on now, or of the latest one that went ahead."""
    meeting = get_meeting_for(get_session(), g.user, group_slug, meeting_id)
    dated = occurrence_to_count(meeting.schedule, meeting.exceptions_by_date, clock.now())
    if dated is None:
        flash(gettext("%(title)s has no date to count.", title=meeting.title), "info")
        return redirect(url_for("manage.group", group_slug=group_slug))
    return redirect(_count_url(meeting, dated.date.isoformat()))


def _count_url(meeting: Meeting, day: str) -> str:
    return url_for("manage.headcount", group_slug=meeting.group.slug, meeting_id=meeting.id,
                   day=day)


@bp.get(COUNT)
def headcount(group_slug: str, meeting_id: int, day: str) -> str:
    meeting, when = meeting_and_date(group_slug, meeting_id, day)
    return _count_page(meeting, when, None)


def _tallies(meeting: Meeting, when: date) -> dict[str, Any]:
    """The numbers of the occurrence as the page shows them (manage/_tallies.html)."""
    counted, taps = headcounts.counted(get_session(), meeting, when)
    return {"counts": counted or Counts(), "counted": counted is not None, "taps": taps,
            "more_checkins": taps_exceed(counted, taps),
            "hybrid": meeting.attendance is Attendance.HYBRID}


def _count_page(meeting: Meeting, when: date, form: HeadcountForm | None) -> str:
    dated = headcounts.occurrence(meeting, when)
    tallies = _tallies(meeting, when)
    # Not counted is not 0: the fields stay empty until someone counts.
    form = form or _headcount_form(meeting, formdata=None,
                                   obj=tallies["counts"] if tallies["counted"] else None)
    now = clock.now()
    opens, closes = window(dated)
    earlier, later = neighbours(meeting.schedule, when, clock.today_in(meeting.timezone))
    return render_template(
        "manage/headcount.html", meeting=meeting, when=when, dated=dated, **tallies,
        counters=headcounts.counters_of(meeting), refusal=countable(dated, now),
        going_on=opens <= now <= closes, form=form, tap_form=TapForm(),
        earlier=earlier, later=later,
    )


def _wants_json() -> bool:
    """The page's script asks for JSON; a plain form post (no script) for the page."""
    return request.accept_mimetypes.best_match(["text/html", "application/json"]) \
        == "application/json"


def _state(meeting: Meeting, when: date, error: str | None = None) -> Response:
    """The occurrence's numbers for the page's script: the facilitator's count by
    counter, whether they counted at all, and the tallies as the page words them.
    Anonymous totals only; within the group, as on the page, so no count is hidden
    here."""
    tallies = _tallies(meeting, when)
    counts: Counts = tallies["counts"]
    return jsonify(counts={c: getattr(counts, c) for c in headcounts.COUNTERS},
                   counted=tallies["counted"],
                   tallies=render_template("manage/_tallies.html", **tallies), error=error)


@bp.get(f"{COUNT}/state")
def headcount_state(group_slug: str, meeting_id: int, day: str) -> Response:
    """What the headcount page's script polls, so two phones counting one meeting agree
    within seconds."""
    meeting, when = meeting_and_date(group_slug, meeting_id, day)
    return _state(meeting, when)


def _headcount_form(meeting: Meeting, **kwargs: object) -> HeadcountForm:
    """The form with the fields the meeting counts: a hybrid meeting's people are the
    room and online added up; elsewhere there is no split."""
    form = HeadcountForm(**kwargs)
    for name in ("people",) if meeting.attendance is Attendance.HYBRID else ("in_person",
                                                                             "online"):
        del form[name]
    return form


@bp.post(f"{COUNT}/tap")
def tap(group_slug: str, meeting_id: int, day: str) -> Response | tuple[Response, int]:
    """One +/− button. Without script, answers with the page again (303), so the phone's
    back button and reload never tap twice; the page's script gets the numbers after the
    tap (409 with why, when it was refused)."""
    session = get_session()
    meeting, when = meeting_and_date(group_slug, meeting_id, day)
    form = TapForm()
    step = form.step() if form.validate_on_submit() else None
    if step is None:
        flash(gettext(TAP_FAILED), "error")
        saved = None
    else:
        saved = save(None, lambda: headcounts.adjust(session, g.user, meeting, when, *step))
    if _wants_json():
        # The refusal was flashed for the page; the script shows it at once instead.
        errors = [str(e) for e in get_flashed_messages(category_filter=["error"])]
        return _state(meeting, when, errors[0] if errors else None), 200 if saved else 409
    return redirect(f"{_count_url(meeting, day)}#counters", 303)


@bp.post(COUNT)
def set_headcount(group_slug: str, meeting_id: int, day: str) -> str | Response:
    session = get_session()
    meeting, when = meeting_and_date(group_slug, meeting_id, day)
    form = _headcount_form(meeting)
    if form.validate_on_submit() and (saved := save(form, lambda: headcounts.set_counts(
            session, g.user, meeting, when, form.counts()))):
        flash(gettext("Saved: %(people)d people, %(newcomers)d at their first meeting.",
                      people=saved.value.people, newcomers=saved.value.newcomers), "info")
        return redirect(_count_url(meeting, day), 303)
    return _count_page(meeting, when, form)


# -- The check-in link -----------------------------------------------------------------


def checkin_link(meeting: Meeting) -> str:
    token = headcounts.checkin_token(current_app.config["SECRET_KEY"], meeting)
    return absolute_url("checkin.check_in", token=token)


def _checkin_page(template: str, group_slug: str, meeting_id: int) -> Response:
    """A page that shows the meeting's check-in link and its QR code: kept by no cache."""
    meeting = get_meeting_for(get_session(), g.user, group_slug, meeting_id)
    link = checkin_link(meeting)
    response = make_response(render_template(
        template, meeting=meeting, link=link,
        form=ConfirmForm(),
        qr=Markup(qr_svg(link, gettext(  # noqa: S704 (segno escapes)
            "Check-in code for %(title)s", title=meeting.title))),
    ))
    return holds_secret(response)


@bp.get(f"{MEETING}/checkin")
def checkin(group_slug: str, meeting_id: int) -> Response:
    return _checkin_page("manage/checkin.html", group_slug, meeting_id)


@bp.get(f"{MEETING}/checkin/full")
def checkin_full(group_slug: str, meeting_id: int) -> Response:
    """The code alone, as large as the screen: for a projector or a phone held up, where
    the browser cannot go full screen (an iPhone) or runs no script."""
    return _checkin_page("manage/checkin_full.html", group_slug, meeting_id)


@bp.post(f"{MEETING}/checkin")
def new_checkin_link(group_slug: str, meeting_id: int) -> Response:
    session = get_session()
    meeting = get_meeting_for(session, g.user, group_slug, meeting_id)
    form = ConfirmForm()
    if form.validate_on_submit() and save(form, lambda: headcounts.new_checkin_link(
            session, g.user, meeting)):
        flash(gettext("This is a new check-in link. The old one, and every printed copy of it, "
                      "no longer works."), "info")
    return redirect(url_for("manage.checkin", group_slug=group_slug, meeting_id=meeting_id),
                    303)


# -- The group's report ----------------------------------------------------------------


@bp.get("/g/<group_slug>/attendance")
def group_attendance(group_slug: str) -> str:
    """Every number of the group, for its own leaders; the CSV leaves the group, so it
    follows the org's small-count rule."""
    group = get_group_for(get_session(), g.user, group_slug)
    report = attendance.group_report(get_session(), group,
                                     clock.today_in(group.organization.timezone), None)
    return render_template(
        "reports/attendance.html", report=report, group=group, org=group.organization,
        chart_url=url_for("manage.group_attendance_chart", group_slug=group.slug),
        csv_url=url_for("manage.group_attendance_csv", group_slug=group.slug),
        back=(url_for("manage.group", group_slug=group.slug), group.name),
    )


@bp.get("/g/<group_slug>/attendance.svg")
def group_attendance_chart(group_slug: str) -> Response:
    group = get_group_for(get_session(), g.user, group_slug)
    report = attendance.group_report(get_session(), group,
                                     clock.today_in(group.organization.timezone), None)
    return chart_response(report)


@bp.get("/g/<group_slug>/attendance.csv")
def group_attendance_csv(group_slug: str) -> Response:
    group = get_group_for(get_session(), g.user, group_slug)
    report = attendance.group_report(get_session(), group,
                                     clock.today_in(group.organization.timezone),
                                     group.organization.small_count_threshold,
                                     kept=report_cache())
    return csv_response(f"{group.slug}-attendance.csv", attendance.GROUP_CSV_HEADER,
                        attendance.group_csv_rows(report, i18n.page_language()))
