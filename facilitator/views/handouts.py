"""Printed handouts, as PDFs: a public group's one-pager and the org's meeting
directory here; leaders' handouts (private groups, check-in cards) and auditors'
reports in views/manage/handouts.py and views/audit.py. All of them go through
`pdf_response`, so each carries an ETag and is rendered once per content."""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint
from flask import Response
from flask import abort
from flask import current_app
from flask import render_template
from flask import request
from markupsafe import Markup
from werkzeug.exceptions import ServiceUnavailable

from facilitator import clock
from facilitator import pdf
from facilitator.db import get_session
from facilitator.domain.meeting_types import TYPES
from facilitator.domain.qr import qr_svg
from facilitator.formatting import webcal
from facilitator.models import Group
from facilitator.models import Organization
from facilitator.models import Visibility
from facilitator.security import public_org
from facilitator.services import directory as directory_service
from facilitator.services import documents
from facilitator.services.organizations import find_group
from facilitator.urls import absolute_url

bp = Blueprint("handouts", __name__)

#: How long a proxy or a browser may keep a public handout before asking again.
PUBLIC_MAX_AGE = 3600


@dataclass(frozen=True)
class Code:
    """A QR code on a handout, with what it says in words."""

    svg: Markup
    caption: str
    text: str


def code(text: str, caption: str) -> Code:
    return Code(Markup(qr_svg(text, caption)), caption, text)  # noqa: S704 (segno escapes)


def inline_svg(document: bytes) -> Markup:
    """An SVG file of ours (a chart) as an element to put in a handout's HTML."""
    text = document.decode()
    return Markup(text[text.index("<svg"):])  # noqa: S704 (made by our code, no user markup)


def pdf_cache() -> pdf.PdfCache:
    return current_app.extensions.setdefault("facilitator.pdf_cache", pdf.PdfCache())


def render_limits() -> pdf.RenderLimits:
    return pdf.RenderLimits(Path(current_app.config["PDF_STATE_DIR"]),
                            current_app.config["PDF_RENDERS_AT_ONCE"])


def pdf_response(html: str, filename: str, *, private: bool) -> Response:
    """The PDF of the HTML, or 304 when the browser has it. A render that fails or runs
    out of time, content that failed lately, or a server already rendering all it may
    is a 503 page that says so, with Retry-After."""
    etag = pdf.etag(html)
    if request.if_none_match.contains(etag):
        response = Response(status=304)
    else:
        try:
            body = pdf_cache().get_or_render(html, render_limits(), clock.now())
        except pdf.RenderError as error:
            raise ServiceUnavailable(str(error), retry_after=error.retry_after) from None
        response = Response(body, mimetype="application/pdf")
        response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.set_etag(etag)
    response.headers["Cache-Control"] = "private, no-store" if private \
        else f"public, max-age={PUBLIC_MAX_AGE}"
    if private:
        response.headers["Referrer-Policy"] = "no-referrer"
    return response


def group_handout_html(group: Group, paper: pdf.Paper, codes: Iterable[Code], *,
                       show_online: bool) -> str:
    session = get_session()
    return render_template(
        "handouts/group.html", group=group, paper=paper, codes=list(codes),
        meetings=directory_service.group_meetings(session, group, clock.today_in),
        show_online=show_online, guidelines=documents.short_guidelines(session, group),
        printed=clock.today_in(group.organization.timezone),
    )


def documents_html(group: Group, paper: pdf.Paper) -> str:
    """The group's current guidelines and confidentiality statement, with their version
    numbers and dates."""
    return render_template("handouts/documents.html", group=group, paper=paper,
                           texts=documents.public_texts(get_session(), group))


def group_url(group: Group) -> str:
    return absolute_url("public.group", group_slug=group.slug)


def public_feed_codes(group: Group) -> list[Code]:
    feed = absolute_url("public.group_feed", group_slug=group.slug)
    return [code(webcal(feed), "Scan to add every meeting to your phone's calendar"),
            code(group_url(group), "Scan for the group's page and how to subscribe")]


@bp.get("/g/<group_slug>/handout.pdf")
def group_handout(group_slug: str) -> Response:
    """A public group's one-pager. A private group's is only for its leaders (manage)."""
    group = find_group(get_session(), group_slug)
    if group is None or group.visibility is not Visibility.PUBLIC:
        abort(404)
    paper = pdf.Paper.from_args(request.args, group.organization.timezone)
    html = group_handout_html(group, paper, public_feed_codes(group), show_online=True)
    return pdf_response(html, f"{group.slug}.pdf", private=False)


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


def directory_html(org: Organization, args: Mapping[str, str]) -> str:
    """The directory handout's HTML, for the filters and paper in `args`."""
    session = get_session()
    filters = directory_service.parse_filters(session, org, args)
    today = clock.today_in(org.timezone)
    listing = directory_service.directory(session, org, filters, today)
    used = sorted({code_ for day in listing.days for m in day.listings
                   for code_ in m.meeting.types})
    return render_template(
        "handouts/directory.html", org=org, directory=listing, today=today,
        paper=pdf.Paper.from_args(args, org.timezone), printed=today,
        legend=[(c, TYPES.get(c, c)) for c in used],
        url=absolute_url("public.directory", org_slug=org.slug, **filters.as_args()),
    )
