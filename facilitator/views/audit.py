"""Admins' and auditors' read-only view of the organization: the audit log."""

from __future__ import annotations

from flask import Blueprint
from flask import Response
from flask import abort
from flask import g
from flask import render_template
from flask import request
from flask import url_for

from facilitator import clock
from facilitator import pdf
from facilitator.db import get_session
from facilitator.models import Group
from facilitator.models import Role
from facilitator.security import get_org_for
from facilitator.services import attendance as attendance_reports
from facilitator.services import audit_log
from facilitator.services.organizations import find_group
from facilitator.views import csv_response
from facilitator.views.auth import login_required
from facilitator.views.handouts import inline_svg
from facilitator.views.handouts import pdf_response
from facilitator.views.manage.headcounts import chart_response

bp = Blueprint("audit", __name__, url_prefix="/audit/<org_slug>")

PAGE_SIZE = 50
ENTITY_TYPES = {
    "organization": "Organization",
    "group": "Groups",
    "meeting": "Meetings",
    "meetingexception": "Cancelled and changed dates",
    "documentversion": "Guidelines, statements and agreements",
    "signature": "Agreement signatures",
    "statementreading": "Statement read at meetings",
    "headcount": "Headcount corrections",
    "membership": "Roles",
    "user": "Accounts",
}


@bp.url_defaults
def add_org_slug(endpoint: str, values: dict) -> None:
    if g.get("org") is not None:
        values.setdefault("org_slug", g.org.slug)


@bp.url_value_preprocessor
def pull_org_slug(_endpoint: str | None, values: dict | None) -> None:
    g.org_slug = (values or {}).pop("org_slug", None)
    g.org = None


@bp.before_request
@login_required
def load_org() -> None:
    """Admins and auditors only; anyone else gets 404."""
    g.org = get_org_for(get_session(), g.user, g.org_slug, [Role.ADMIN, Role.AUDITOR])


@bp.get("/attendance")
def attendance() -> str:
    """The org's counts by month and by group, as they may leave a group."""
    return render_template(
        "reports/attendance.html", report=_org_report(), org=g.org,
        chart_url=url_for("audit.attendance_chart"), csv_url=url_for("audit.attendance_csv"),
        pdf_url=url_for("audit.attendance_pdf"),
        back=(url_for("manage.dashboard"), g.org.name),
    )


@bp.get("/attendance.svg")
def attendance_chart() -> Response:
    return chart_response(_org_report())


@bp.get("/attendance.csv")
def attendance_csv() -> Response:
    return csv_response(f"{g.org.slug}-attendance.csv", attendance_reports.ORG_CSV_HEADER,
                        attendance_reports.org_csv_rows(_org_report()))


@bp.get("/attendance.pdf")
def attendance_pdf() -> Response:
    """The org's attendance report with its chart, for an auditor's file."""
    report = _org_report()
    html = render_template("handouts/attendance.html", report=report,
                           paper=pdf.Paper.from_args(request.args, g.org.timezone),
                           chart=inline_svg(attendance_reports.chart_svg(report)),
                           printed=clock.today_in(g.org.timezone))
    return pdf_response(html, f"{g.org.slug}-attendance.pdf", private=True)


def _org_report() -> attendance_reports.Report:
    return attendance_reports.org_report(get_session(), g.org, clock.today_in(g.org.timezone),
                                         g.org.small_count_threshold)


@bp.get("/attendance/<group_slug>")
def group_attendance(group_slug: str) -> str:
    group = _group(group_slug)
    return render_template(
        "reports/attendance.html", report=_group_report(group), org=g.org,
        chart_url=url_for("audit.group_attendance_chart", group_slug=group.slug),
        csv_url=url_for("audit.group_attendance_csv", group_slug=group.slug),
        back=(url_for("audit.attendance"), f"Attendance of {g.org.name}"),
    )


@bp.get("/attendance/<group_slug>.svg")
def group_attendance_chart(group_slug: str) -> Response:
    return chart_response(_group_report(_group(group_slug)))


@bp.get("/attendance/<group_slug>.csv")
def group_attendance_csv(group_slug: str) -> Response:
    group = _group(group_slug)
    return csv_response(f"{group.slug}-attendance.csv", attendance_reports.GROUP_CSV_HEADER,
                        attendance_reports.group_csv_rows(_group_report(group)))


def _group(slug: str) -> Group:
    group = find_group(get_session(), slug)
    if group is None or group.organization_id != g.org.id:
        abort(404)
    return group


def _group_report(group: Group) -> attendance_reports.Report:
    return attendance_reports.group_report(get_session(), group,
                                           clock.today_in(g.org.timezone),
                                           g.org.small_count_threshold)


@bp.get("/log")
def log() -> str:
    entity_type = request.args.get("type", "")
    if entity_type not in ENTITY_TYPES:
        entity_type = ""
    page = request.args.get("page", 1, type=int) or 1
    page = max(1, min(page, 10_000))
    query = audit_log.entries_for(g.org, entity_type=entity_type or None)
    rows = get_session().scalars(query.limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)).all()
    return render_template(
        "audit/log.html",
        org=g.org,
        entries=rows[:PAGE_SIZE],
        has_next=len(rows) > PAGE_SIZE,
        page=page,
        entity_type=entity_type,
        entity_types=ENTITY_TYPES,
    )
