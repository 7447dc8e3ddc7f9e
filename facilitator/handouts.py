"""Printed handouts as HTML and as PDF responses, shared by every blueprint that prints:
a group's one-pager (in drafts, the first that fits one sheet sent by
`one_page_response`) and documents, the directory, QR codes (each an https page of the
site), charts inlined, and `pdf_response`, so each PDF carries an ETag and is rendered
once per content (facilitator/pdf.py renders it). Each is printed in English or Spanish
(`print_language`, ?lang=, rendered `in_language`); the directory also in both. Takes the
request only for its ETag and its language, and the app only for its settings and cache."""

from __future__ import annotations

import io
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from flask import Response
from flask import current_app
from flask import render_template
from flask import request
from flask_babel import force_locale
from flask_babel import gettext
from markupsafe import Markup
from pypdf import PdfReader
from werkzeug.exceptions import ServiceUnavailable

from facilitator import clock
from facilitator import i18n
from facilitator import pdf
from facilitator.db import get_session
from facilitator.domain.choices import Visibility
from facilitator.domain.languages import PAGE_LANGUAGES
from facilitator.domain.meeting import Attendance
from facilitator.domain.qr import qr_svg
from facilitator.domain.timezones import other_zone
from facilitator.formatting import message_words
from facilitator.formatting import type_name
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
#: ?lang= of a directory printed in both languages: English, with its headings and type
#: names in Spanish too.
BILINGUAL = "en,es"


def print_language(args: Mapping[str, str], *, bilingual: bool = False) -> str:
    """The language a handout is printed in: ?lang=en or es (a directory also
    ?lang=en,es, both: `BILINGUAL`); without it, or with another, the page's language."""
    lang = (args.get("lang") or "").replace(" ", ",")  # ?lang=en+es arrives as "en es"
    if lang in PAGE_LANGUAGES or (bilingual and lang == BILINGUAL):
        return lang
    return i18n.page_language()


def in_language(lang: str) -> AbstractContextManager[None]:
    """Where a handout's HTML is made in `lang` (a bilingual one's first), in a request
    or in a job, which has none."""
    return force_locale(lang.split(",")[0])


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
    return current_app.extensions.setdefault(
        "facilitator.pdf_cache", pdf.PdfCache(current_app.config["PDF_CACHE_BYTES"]))


def render_limits() -> pdf.RenderLimits:
    return pdf.RenderLimits(Path(current_app.config["PDF_STATE_DIR"]),
                            current_app.config["PDF_RENDERS_AT_ONCE"])


def pdf_response(html: str, filename: str, *, private: bool) -> Response:
    """The PDF of the HTML, or 304 when the browser has it. A render that fails or runs
    out of time, content that failed lately, or a server already rendering all it may
    is a 503 page that says so, with Retry-After."""
    return _pdf_answer(pdf.etag(html), lambda: _rendered(html), filename, private=private)


def one_page_response(drafts: Sequence[str], filename: str, *, private: bool,
                      sides: int = 1) -> Response:
    """The PDF of the first draft that takes one sheet (when none does, of the first
    that takes the fewest; when the fullest takes three pages or more, of that one), as
    `pdf_response` answers it. Each draft tried is rendered once, and the choice is kept
    with them, so a one-pager asked for again costs a look-up. A draft with a back page
    (`sides` 2) fits when it takes two pages."""
    key = pdf.etag("\n".join(drafts))
    return _pdf_answer(key, lambda: pdf_cache().get_or_build(
        f"fit-{key}", lambda: fit_one_page(drafts, _rendered, sides=sides)), filename,
        private=private)


def fit_one_page(drafts: Sequence[str], render: Callable[[str], bytes], *,
                 sides: int = 1) -> bytes:
    """The PDF of the first draft that takes one sheet (see `one_page_response`), each
    draft tried made by `render`.

    Each draft holds less than the one before, so it takes no more pages: the fullest
    is tried first (most groups fit in it), then the shortest, which tells at once
    whether any fits (when none does, the fullest is the first of the fewest pages),
    then the first that fits is found by halving the drafts between. A group that
    fits nothing costs two renders, not one per draft."""
    assert drafts, "a one-pager has at least one draft"
    tried: dict[int, tuple[int, bytes]] = {}

    def pages_of(index: int) -> int:
        if index not in tried:
            body = render(drafts[index])
            tried[index] = (len(PdfReader(io.BytesIO(body)).pages), body)
        return tried[index][0]

    fullest = pages_of(0)
    # What the drafts leave out (dates, the guidelines' start, a code) is about a page
    # at most: a group whose own text runs to three pages gets all of it, for the cost
    # of one render.
    if fullest <= sides or fullest > sides + 1 or len(drafts) == 1:
        return tried[0][1]
    fewest = pages_of(len(drafts) - 1)
    if fewest >= fullest:
        return tried[0][1]
    more, first_of_fewest = 0, len(drafts) - 1
    while first_of_fewest - more > 1:
        middle = (more + first_of_fewest) // 2
        if pages_of(middle) <= fewest:
            first_of_fewest = middle
        else:
            more = middle
    return tried[first_of_fewest][1]


def _rendered(html: str) -> bytes:
    try:
        return pdf_cache().get_or_render(html, render_limits(), clock.now())
    except pdf.RenderError as error:
        # In the language of the error page, which a handout's own (?lang=) may not be.
        raise ServiceUnavailable(message_words(error.said, i18n.select_language()),
                                 retry_after=error.retry_after) from None


def _pdf_answer(etag: str, body: Callable[[], bytes], filename: str, *,
                private: bool) -> Response:
    if request.if_none_match.contains(etag):
        response = Response(status=304)
    else:
        response = Response(body(), mimetype="application/pdf")
        response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.set_etag(etag)
    response.headers["Cache-Control"] = "private, no-store" if private \
        else f"public, max-age={PUBLIC_MAX_AGE}"
    if private:
        response.headers["Referrer-Policy"] = "no-referrer"
    return response


@dataclass(frozen=True)
class Draft:
    """How much a draft of the one-pager prints: the first `dates` coming dates of each
    meeting (and every changed or cancelled one among the rest), up to `guidelines`
    characters of the start of the guidelines, and the first `codes` of its QR codes."""

    dates: int
    guidelines: int
    codes: int


#: The one-pager's drafts, fullest first; the first that fits one sheet is sent
#: (one_page_response), so many meetings or large print cost detail, not a second page.
#: The last keeps the calendar's code and drops the group page's, which it leads to.
ONE_PAGER_DRAFTS = (
    Draft(8, documents.SHORT_GUIDELINES_CHARACTERS, 2), Draft(8, 450, 2), Draft(8, 0, 2),
    Draft(4, 0, 2), Draft(2, 0, 2), Draft(2, 0, 1),
)


def group_handout_drafts(group: Group, paper: pdf.Paper, codes: Iterable[Code],
                         rep_link: str | None = None) -> list[str]:
    """The group's one-pager as HTML, once per draft of ONE_PAGER_DRAFTS (the same HTML
    once only). An online meeting's link is never printed: a public group's page prints
    its join page, a private one's says the calendar has it. With `rep_link`, its back
    page is for the group's secretary: the representative link and its code."""
    session = get_session()
    codes = list(codes)
    values = {
        "group": group, "paper": paper,
        "meetings": directory.group_meetings(
            session, group, clock.start_of_today_in(group.organization.timezone)),
        "printed": clock.today_in(group.organization.timezone),
        "confirmation": group.confirmation(clock.today_in(group.organization.timezone)),
        "public": group.visibility is Visibility.PUBLIC,
        "rep_code": code(rep_link, gettext(
            "Scan to send the organization a change to our meetings"))
        if rep_link else None,
    }
    language = i18n.page_language()  # the handout's, made current by in_language
    excerpts = {draft.guidelines: documents.short_guidelines(session, group, language,
                                                             draft.guidelines)
                for draft in ONE_PAGER_DRAFTS if draft.guidelines}
    has_guidelines = any(excerpts.values())
    drafts = [render_template("handouts/group.html", **values, dates=draft.dates,
                              codes=codes[:draft.codes],
                              guidelines=excerpts.get(draft.guidelines),
                              guidelines_left_out=has_guidelines and not draft.guidelines)
              for draft in ONE_PAGER_DRAFTS]
    return list(dict.fromkeys(drafts))


def documents_html(group: Group, paper: pdf.Paper) -> str:
    """The group's current guidelines and confidentiality statement, with their version
    numbers and dates, in the handout's language where written (see in_language)."""
    return render_template("handouts/documents.html", group=group, paper=paper,
                           texts=documents.public_texts(get_session(), group,
                                                        i18n.page_language()))


def group_url(group: Group) -> str:
    return absolute_url("public.group", group_slug=group.slug)


# Every QR code on paper leads to an https page (BASE_URL's scheme) that any phone's
# camera opens, never to webcal://, which Android cameras cannot: the page then offers
# each calendar app's button, this phone's first.


def public_group_codes(group: Group) -> list[Code]:
    subscribe = absolute_url("public.group_subscribe", group_slug=group.slug)
    return [code(subscribe, gettext("Scan to add every meeting to your phone's calendar")),
            code(group_url(group),
                 gettext("Scan for the group's page: times, places, changes"))]


def private_group_codes(token: str) -> list[Code]:
    """The code of a private group's subscribe page, behind the token of its feed."""
    subscribe = absolute_url("public.private_subscribe", token=token)
    return [code(subscribe, gettext("Scan to add the meetings to your phone's calendar"))]


def directory_html(org: Organization, args: Mapping[str, str]) -> str:
    """The directory handout's HTML, for the filters and paper in `args`. With another
    time zone (?zone=America/Los_Angeles), it lists the meetings one can join online, at
    their times in that zone, for members who join by phone or video from there. Printed
    in the language made current (`in_language`); with ?lang=en,es, its headings and the
    type codes' names in Spanish too."""
    session = get_session()
    filters = directory.parse_filters(session, org, args)
    zone = other_zone(args.get("zone"), org.timezone)
    if zone is not None:
        filters = filters.joined_online()
    today = clock.today_in(org.timezone)
    listing = directory.directory(session, org, filters,
                                  clock.start_of_today_in(zone or org.timezone),
                                  starting_today=False, zone=zone)
    url = absolute_url("public.directory", org_slug=org.slug, **filters.as_args())
    used = sorted({code_ for day in listing.days for m in day.listings
                   for code_ in m.meeting.types})
    bilingual = print_language(args, bilingual=True) == BILINGUAL
    words = _directory_words(org)
    with force_locale("es"):
        also = _directory_words(org) if bilingual else None
    return render_template(
        "handouts/directory.html", org=org, directory=listing, today=today,
        zone=zone or org.timezone, own_zone=org.timezone if zone is not None else None,
        paper=pdf.Paper.from_args(args, org.timezone), printed=today,
        words=words, also=also,
        legend=[(c, type_name(c), type_name(c, "es") if bilingual else None) for c in used],
        # Looked up once, not once per meeting: each look-up of a translation finds the
        # app's and the locale's context anew, a tenth of the directory's HTML time.
        attendance_labels={choice: i18n.label(choice) for choice in Attendance},
        url=url,
        codes=[code(url, gettext("Scan for this list online, always up to date")),
               code(absolute_url("public.org_subscribe", org_slug=org.slug),
                    gettext("Scan to add all of %(name)s's meetings to your phone's calendar",
                            name=org.name)
                    if filters.active
                    else gettext("Scan to add these meetings to your phone's calendar"))],
    )


def _directory_words(org: Organization) -> dict[str, str]:
    """The directory's headings in the current language, twice on a bilingual one."""
    return {"title": gettext("%(name)s: meetings", name=org.name),
            "type_codes": gettext("Type codes"),
            "lang": i18n.page_language()}


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
