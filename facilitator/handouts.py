"""Printed handouts as HTML and as PDF responses, shared by every blueprint that prints:
a group's one-pager and documents, the directory, QR codes, charts inlined, and
`pdf_response`, so each PDF carries an ETag and is rendered once per content
(facilitator/pdf.py renders it). Takes the request only for its ETag and the app only
for its settings and cache."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from flask import Response
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
from facilitator.services import directory
from facilitator.services import documents
from facilitator.services.training import Matrix
from facilitator.urls import absolute_url

T = TypeVar("T")

#: How long a proxy or a browser may keep a public handout before asking again.
PUBLIC_MAX_AGE = 3600
#: The most columns of standings one table of the printed training matrix holds beside
#: the leaders' names, by print size (large or not): with one more, a heading such as
#: "Naloxone administration" no longer fits its column on Letter or A4.
MATRIX_COLUMNS = {False: 4, True: 2}


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
        meetings=directory.group_meetings(
            session, group, clock.start_of_today_in(group.organization.timezone)),
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


def directory_html(org: Organization, args: Mapping[str, str]) -> str:
    """The directory handout's HTML, for the filters and paper in `args`."""
    session = get_session()
    filters = directory.parse_filters(session, org, args)
    today = clock.today_in(org.timezone)
    listing = directory.directory(session, org, filters, clock.start_of_today_in(org.timezone),
                                  starting_today=False)
    used = sorted({code_ for day in listing.days for m in day.listings
                   for code_ in m.meeting.types})
    return render_template(
        "handouts/directory.html", org=org, directory=listing, today=today,
        paper=pdf.Paper.from_args(args, org.timezone), printed=today,
        legend=[(c, TYPES.get(c, c)) for c in used],
        url=absolute_url("public.directory", org_slug=org.slug, **filters.as_args()),
    )


def training_html(org: Organization, matrix: Matrix, paper: pdf.Paper,
                  signature_label: Callable[[object], str]) -> str:
    """The training matrix to print: however many requirements, in tables narrow enough
    for the paper, each with the leaders' names again. A column is a training type, or
    None for the leader agreement."""
    columns = [*matrix.requirements, *([None] if matrix.show_signatures else [])]
    return render_template(
        "handouts/training.html", org=org, matrix=matrix, paper=paper,
        parts=even_parts(columns, MATRIX_COLUMNS[paper.large]),
        signature_label=signature_label)


def even_parts(items: Sequence[T], most: int) -> list[Sequence[T]]:
    """`items` in as few runs of at most `most` as there can be, of lengths as near one
    another as they can be (six columns by four: three and three, not four and two)."""
    if not items:
        return []
    runs = -(-len(items) // most)
    size = -(-len(items) // runs)
    return [items[start:start + size] for start in range(0, len(items), size)]
