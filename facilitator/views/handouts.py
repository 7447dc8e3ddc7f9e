"""Printed handouts, as PDFs: a public group's one-pager and the org's meeting
directory here; leaders' handouts (private groups, check-in cards) and auditors'
reports in views/manage/handouts.py and views/audit.py. All of them are built in
facilitator/handouts.py and answered by its `pdf_response`."""

from __future__ import annotations

from flask import Blueprint
from flask import Response
from flask import abort
from flask import request

from facilitator import pdf
from facilitator.db import get_session
from facilitator.handouts import directory_html
from facilitator.handouts import documents_html
from facilitator.handouts import group_handout_drafts
from facilitator.handouts import one_page_response
from facilitator.handouts import pdf_response
from facilitator.handouts import public_group_codes
from facilitator.models import Visibility
from facilitator.security import public_org
from facilitator.services.organizations import find_group

bp = Blueprint("handouts", __name__)


@bp.get("/g/<group_slug>/handout.pdf")
def group_handout(group_slug: str) -> Response:
    """A public group's one-pager. A private group's is only for its leaders (manage)."""
    group = find_group(get_session(), group_slug)
    if group is None or group.visibility is not Visibility.PUBLIC:
        abort(404)
    paper = pdf.Paper.from_args(request.args, group.organization.timezone)
    drafts = group_handout_drafts(group, paper, public_group_codes(group))
    return one_page_response(drafts, f"{group.slug}.pdf", private=False)


@bp.get("/g/<group_slug>/guidelines.pdf")
def group_documents(group_slug: str) -> Response:
    """A public group's guidelines and statement; a private group's are for its leaders
    (manage)."""
    group = find_group(get_session(), group_slug)
    if group is None or group.visibility is not Visibility.PUBLIC:
        abort(404)
    html = documents_html(group, pdf.Paper.from_args(request.args,
                                                     group.organization.timezone))
    return pdf_response(html, f"{group.slug}-guidelines.pdf", private=False)


@bp.get("/o/<org_slug>/directory.pdf")
def directory(org_slug: str) -> Response:
    """The org's public meetings by day, with the directory page's filters."""
    org = public_org(get_session(), org_slug)
    return pdf_response(directory_html(org, request.args), f"{org.slug}-meetings.pdf",
                        private=False)
