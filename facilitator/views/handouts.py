"""Printed handouts, as PDFs: a public group's one-pager and guidelines and the org's
meeting directory here, answered from the files rendered ahead (facilitator/rendered.py),
in the language ?lang= names, else the page's;
leaders' handouts (private groups, check-in cards) and auditors' reports in
views/manage/handouts.py and views/audit.py, rendered when asked by `pdf_response`. All
of them are built in facilitator/handouts.py."""

from __future__ import annotations

from flask import Blueprint
from flask import Response
from flask import request

from facilitator import i18n
from facilitator import rendered
from facilitator.db import get_session
from facilitator.models import Group
from facilitator.security import public_group
from facilitator.security import public_org

bp = Blueprint("handouts", __name__)


@bp.get("/g/<group_slug>/handout.pdf")
def group_handout(group_slug: str) -> Response:
    """A public group's one-pager. A private group's is only for its leaders (manage)."""
    group = public_group(get_session(), group_slug)
    return _answer("group", group, f"{group.slug}.pdf")


@bp.get("/g/<group_slug>/guidelines.pdf")
def group_documents(group_slug: str) -> Response:
    """A public group's guidelines and statement; a private group's are for its leaders
    (manage)."""
    group = public_group(get_session(), group_slug)
    return _answer("guidelines", group, f"{group.slug}-guidelines.pdf")


@bp.get("/o/<org_slug>/directory.pdf")
def directory(org_slug: str) -> Response:
    """The org's public meetings by day, with the directory page's filters."""
    session = get_session()
    org = public_org(session, org_slug)
    i18n.use_org_language(org.default_language)
    handout = rendered.directory_handout(session, org, request.args)
    return rendered.answer(handout, rendered.org_stamp(org), f"{org.slug}-meetings.pdf")


def _answer(kind: str, group: Group, filename: str) -> Response:
    i18n.use_org_language(group.organization.default_language)
    handout = rendered.group_handout(kind, group, request.args)
    stamp = rendered.stamp_of(get_session(), handout, group.organization, group)
    return rendered.answer(handout, stamp, filename)
