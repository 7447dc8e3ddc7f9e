"""Admins' and auditors' read-only view of the organization: the audit log, attendance
and the training matrix. The one change made here is marking a training record verified."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from flask import Blueprint
from flask import flash
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext
from werkzeug import Response

from facilitator import clock
from facilitator import i18n
from facilitator import pdf
from facilitator.db import get_session
from facilitator.domain.choices import Role
from facilitator.domain.compliance import Status
from facilitator.domain.languages import N_
from facilitator.forms import ConfirmForm
from facilitator.handouts import inline_svg
from facilitator.handouts import pdf_response
from facilitator.handouts import training_html
from facilitator.models import Group
from facilitator.models import User
from facilitator.security import get_group_in
from facilitator.security import get_leader_in
from facilitator.security import get_training_record_in
from facilitator.services import attendance as attendance_reports
from facilitator.services import audit_log
from facilitator.services import organizations
from facilitator.services import training
from facilitator.views import chart_response
from facilitator.views import csv_response
from facilitator.views import report_cache
from facilitator.views import save
from facilitator.views import scope_to_org
from facilitator.views import standings_cache

bp = Blueprint("audit", __name__, url_prefix="/audit/<org_slug>")

PAGE_SIZE = 50
ENTITY_TYPES = {
    "organization": N_("Organization"),
    "group": N_("Groups"),
    "meeting": N_("Meetings"),
    "meetingexception": N_("Cancelled and changed dates"),
    "documentversion": N_("Guidelines, statements and agreements"),
    "signature": N_("Agreement signatures"),
    "statementreading": N_("Statement read at meetings"),
    "headcount": N_("Headcount corrections"),
    "membership": N_("Roles"),
    "user": N_("Accounts"),
    "pendinginvitation": N_("Invitations"),
    "trainingtype": N_("Training types"),
    "trainingrecord": N_("Training records"),
}

#: Admins and auditors only; anyone else gets 404.
scope_to_org(bp, [Role.ADMIN, Role.AUDITOR])


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
                        attendance_reports.org_csv_rows(_org_report(), i18n.page_language()))


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
                                         g.org.small_count_threshold, kept=report_cache())


@bp.get("/attendance/<group_slug>")
def group_attendance(group_slug: str) -> str:
    group = _group(group_slug)
    return render_template(
        "reports/attendance.html", report=_group_report(group), org=g.org,
        chart_url=url_for("audit.group_attendance_chart", group_slug=group.slug),
        csv_url=url_for("audit.group_attendance_csv", group_slug=group.slug),
        back=(url_for("audit.attendance"), gettext("Attendance of %(name)s", name=g.org.name)),
    )


@bp.get("/attendance/<group_slug>.svg")
def group_attendance_chart(group_slug: str) -> Response:
    return chart_response(_group_report(_group(group_slug)))


@bp.get("/attendance/<group_slug>.csv")
def group_attendance_csv(group_slug: str) -> Response:
    group = _group(group_slug)
    return csv_response(f"{group.slug}-attendance.csv", attendance_reports.GROUP_CSV_HEADER,
                        attendance_reports.group_csv_rows(_group_report(group),
                                                          i18n.page_language()))


def _group(slug: str) -> Group:
    return get_group_in(get_session(), g.org, slug)


def _group_report(group: Group) -> attendance_reports.Report:
    return attendance_reports.group_report(get_session(), group,
                                           clock.today_in(g.org.timezone),
                                           g.org.small_count_threshold, kept=report_cache())


@bp.get("/log")
def log() -> str:
    entity_type = request.args.get("type", "")
    if entity_type not in ENTITY_TYPES:
        entity_type = ""
    page = request.args.get("page", 1, type=int) or 1
    page = max(1, min(page, 10_000))
    found = audit_log.log_page(get_session(), g.org, entity_type=entity_type or None,
                               page=page, size=PAGE_SIZE, lang=i18n.page_language())
    return render_template(
        "audit/log.html",
        org=g.org,
        lines=found.lines,
        # Corrected headcounts hold small counts as "hidden": say why, once.
        hides_counts=found.hides_counts,
        has_next=found.has_next,
        page=page,
        entity_type=entity_type,
        entity_types=ENTITY_TYPES,
    )


def _filters() -> dict[str, Any]:
    """The matrix's filters from the query string; anything unknown is no filter."""
    session = get_session()
    wanted_group = request.args.get("group")
    group = organizations.find_group(session, wanted_group) if wanted_group else None
    if group is not None and group.organization_id != g.org.id:
        group = None  # another org's: no filter
    status = next((st for st in Status if st.value == request.args.get("status")), None)
    wanted = request.args.get("requirement", "")
    requirement = None
    if wanted.isascii() and wanted.isdigit() and len(wanted) < 10:
        requirement = training.find_type(session, g.org, int(wanted))
    return {"group": group, "status": status, "requirement": requirement}


def _matrix(filters: dict[str, Any]) -> training.Matrix:
    return training.compliance(get_session(), g.org, clock.today_in(g.org.timezone),
                               kept=standings_cache(), **filters)


def _query(filters: dict[str, Any]) -> dict[str, str]:
    """The filters as query arguments, for links that keep them."""
    values = {"group": filters["group"].slug if filters["group"] else None,
              "status": filters["status"].value if filters["status"] else None,
              "requirement": filters["requirement"].id if filters["requirement"] else None}
    return {k: v for k, v in values.items() if v is not None}


#: Leaders on one page of the matrix: a page of an org of thousands stays quick to load
#: and to read; the filters, the CSV and the PDF cover everyone.
MATRIX_PAGE_SIZE = 100


@bp.get("/training/")
def training_matrix() -> str:
    filters = _filters()
    matrix = _matrix(filters)
    pages = max(1, -(-len(matrix.rows) // MATRIX_PAGE_SIZE))
    page = max(1, min(request.args.get("page", 1, type=int) or 1, pages))
    first = (page - 1) * MATRIX_PAGE_SIZE
    return render_template(
        "audit/training.html", org=g.org, filters=filters, query=_query(filters),
        matrix=replace(matrix, rows=matrix.rows[first:first + MATRIX_PAGE_SIZE]),
        leaders=len(matrix.rows), first=first + 1, page=page, pages=pages,
        groups=organizations.group_names(get_session(), g.org),
        requirements=[k for k in training.types_of(get_session(), g.org) if k.required_roles],
        statuses=list(Status), signature_label=signature_label,
    )


SIGNATURE_LABELS = {True: N_("Signed"), False: N_("Not signed"), None: N_("No agreement"),
                    "signed": N_("Signed"), "outdated": N_("Signed an older version"),
                    "not signed": N_("Not signed")}


def signature_label(status: object) -> str:
    """The leader-agreement status in words: the hook's True/False/None, or whatever
    text status the documents service gives ("outdated" reads "Outdated")."""
    if status in SIGNATURE_LABELS:
        return SIGNATURE_LABELS[status]
    return str(status).replace("_", " ").capitalize()


def _csv_rows(matrix: training.Matrix, status: Status | None) -> Iterator[list[Any]]:
    """One line per leader and requirement; with a status filter, only the lines in it."""
    for row in matrix.rows:
        groups = "; ".join(matrix.groups.get(row.leader.id, []))
        for kind in matrix.requirements:
            cell = row.cells.get(kind.id)
            if cell is None or (status is not None and cell.status is not status):
                continue
            label = ", ".join(i18n.translated(words)
                              for words in (cell.status.label, cell.verification) if words)
            line = [row.leader.name, groups, kind.name, label,
                    cell.due.isoformat() if cell.due else "",
                    "" if cell.hours is None else cell.hours, cell.required_hours or ""]
            if matrix.show_signatures:
                line.append(i18n.translated(signature_label(row.signed)))
            yield line


@bp.get("/training.pdf")
def training_pdf() -> Response:
    """The matrix as it is filtered, to print or file."""
    html = training_html(g.org, _matrix(_filters()),
                         pdf.Paper.from_args(request.args, g.org.timezone), signature_label)
    return pdf_response(html, f"training-{g.org.slug}.pdf", private=True)


@bp.get("/training.csv")
def training_csv() -> Response:
    """The matrix as it is filtered, one line per leader and requirement."""
    filters = _filters()
    matrix = _matrix(filters)
    header = [N_("Leader"), N_("Groups"), N_("Requirement"), N_("Status"), N_("Counts until"),
              N_("Hours counting"), N_("Hours required")]
    if matrix.show_signatures:
        header.append(N_("Leader agreement"))
    name = f"training-{g.org.slug}-{matrix.today.isoformat()}.csv"
    return csv_response(name, header, _csv_rows(matrix, filters["status"]))


def _leader(user_id: int) -> User:
    return get_leader_in(get_session(), g.org, user_id)


@bp.get("/training/people/<int(max=2147483647):user_id>")
def training_person(user_id: int) -> str:
    """One leader: standings, every record (deleted ones too) and their history."""
    session = get_session()
    person = _leader(user_id)
    today = clock.today_in(g.org.timezone)
    standings = [s for s in training.standings_of(session, person, today)
                 if s[0].organization_id == g.org.id]
    return render_template(
        "audit/training_person.html", org=g.org, person=person, standings=standings,
        records=training.records_of(session, person, g.org, with_deleted=True),
        history=training.history(session, g.org, person, i18n.page_language()), today=today,
        confirm=ConfirmForm(), groups=[grp for grp in person.led_groups
                                       if grp.organization_id == g.org.id],
    )


@bp.post("/training/records/<int(max=2147483647):record_id>/verify")
def verify_training(record_id: int) -> Response:
    session = get_session()
    record = get_training_record_in(session, g.user, g.org, record_id)
    form = ConfirmForm()
    if form.validate_on_submit() and save(None, lambda: training.verify_record(
            session, g.user, record)):
        flash(gettext("%(training)s of %(name)s is verified.",
                      training=record.training_type.name, name=record.user.display_name),
              "info")
    return redirect(url_for("audit.training_person", user_id=record.user_id))
