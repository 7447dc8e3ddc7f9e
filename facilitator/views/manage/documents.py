"""Documents pages: a group's guidelines and statement, the org's leader agreement, their
versions and differences, signing, who has signed, and the statement at a meeting.

Each has a text per language (?lang=, without it the page's language when written,
else the main text), each with its own versions. A group's documents are edited by those
who manage the group and read by its auditors too; the org's agreement is edited by
admins, read by everyone with a role in the org, signed by its facilitators, and its
signatures are listed for admins and auditors.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import abort
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
from facilitator.db import get_session
from facilitator.domain import text
from facilitator.domain.choices import DocumentKind
from facilitator.domain.choices import Role
from facilitator.domain.document_languages import ADD_VERSION
from facilitator.domain.document_languages import NAMES
from facilitator.domain.document_languages import main_language
from facilitator.domain.document_languages import shown_language
from facilitator.domain.document_languages import writable
from facilitator.domain.languages import N_
from facilitator.domain.languages import PAGE_LANGUAGES
from facilitator.domain.starting_texts import starting_points
from facilitator.forms import ConfirmForm
from facilitator.forms import DocumentForm
from facilitator.forms import SignatureForm
from facilitator.models import Document
from facilitator.models import DocumentVersion
from facilitator.models import Group
from facilitator.models import Organization
from facilitator.security import get_group_for
from facilitator.security import get_meeting_for
from facilitator.security import get_org_for
from facilitator.security import may_manage_group
from facilitator.services import ServiceError
from facilitator.services import documents
from facilitator.services.documents import StaleVersion
from facilitator.views import save
from facilitator.views import show_error
from facilitator.views.manage import bp
from facilitator.views.manage.meetings import MEETING
from facilitator.views.manage.meetings import meeting_and_date

GROUP_DOCUMENT = "/g/<group_slug>/documents/<any(guidelines, statement):kind>"
AGREEMENT = "/o/<org_slug>/agreement"
EVERYONE = (Role.ADMIN, Role.FACILITATOR, Role.AUDITOR)


@dataclass
class Place:
    """Where a document lives, in which language, and what the signed-in person may do
    with it."""

    org: Organization
    group: Group | None
    kind: DocumentKind
    #: The document's texts, by language, in the order they were first written.
    texts: dict[str, Document]
    #: The language of the text this page is about (written or not yet).
    language: str
    may_edit: bool

    @property
    def document(self) -> Document | None:
        return self.texts.get(self.language)

    @property
    def main(self) -> str | None:
        """The language of the main text (domain.document_languages.main_language)."""
        return main_language(list(self.texts), self.org.default_language)

    @property
    def languages(self) -> list[tuple[str, str, DocumentVersion | None]]:
        """Each language a text may be written in: its code, its name (to translate)
        and the current version of its text (None: not written)."""
        return [(code, NAMES[code], documents.current(self.texts.get(code)))
                for code in PAGE_LANGUAGES]

    @property
    def add_version(self) -> dict[str, str]:
        return ADD_VERSION

    @property
    def names(self) -> dict[str, str]:
        return NAMES

    @property
    def url_args(self) -> dict[str, Any]:
        if self.group is not None:
            return {"group_slug": self.group.slug, "kind": self.kind.value,
                    "lang": self.language}
        return {"org_slug": self.org.slug, "lang": self.language}

    @property
    def owner(self) -> str:
        return self.group.name if self.group else self.org.name

    @property
    def zone(self) -> ZoneInfo:
        """Times of saving and signing read in the org's zone."""
        return ZoneInfo(self.org.timezone)

    @property
    def current(self) -> DocumentVersion | None:
        return documents.current(self.document)

    def version(self, number: int | None) -> DocumentVersion:
        """The version with that number; 404 if there is none."""
        found = documents.get_version(self.document, number) \
            if self.document and number else None
        if found is None:
            abort(404, N_("There is no such version of this document."))
        return found


def _place(kind: str, group_slug: str | None, org_slug: str | None, *,
           edit: bool = False) -> Place:
    """The document and its language: ?lang= (404 for one the app does not speak), else
    the text in the page's language, else the main one; with no text yet, the page's
    language (the one its writer reads the app in)."""
    session = get_session()
    asked = request.args.get("lang")
    if asked is not None and not writable(asked):
        abort(404, N_("There is no such language of this document."))
    if group_slug is not None:
        group = get_group_for(session, g.user, group_slug, manage=edit)
        org = group.organization
        may_edit = may_manage_group(g.user, group)
    else:
        group = None
        org = get_org_for(session, g.user, org_slug or "", [Role.ADMIN] if edit else EVERYONE)
        may_edit = Role.ADMIN in g.user.roles_in(org)
    kind_ = DocumentKind(kind)
    texts = documents.texts_of(session, org, kind_, group)
    page = i18n.page_language()
    language = asked or shown_language(list(texts), page, org.default_language) or page
    return Place(org, group, kind_, texts, language, may_edit)


@bp.get(f"{GROUP_DOCUMENT}/")
@bp.get(f"{AGREEMENT}/", defaults={"kind": "agreement"})
def document(kind: str, group_slug: str | None = None, org_slug: str | None = None) -> str:
    place = _place(kind, group_slug, org_slug)
    sign_form = my_signature = None
    if place.kind is DocumentKind.AGREEMENT and place.current is not None:
        status = documents.agreement_status(get_session(), place.org, [g.user.id])
        my_signature = status[g.user.id] if Role.FACILITATOR in g.user.roles_in(place.org) \
            else None
        if my_signature is not None and not my_signature.signed:
            sign_form = SignatureForm(formdata=None, version=place.current.number)
    return _document_page(place, sign_form, my_signature)


def _document_page(place: Place, sign_form: SignatureForm | None, my_signature: object) -> str:
    roles = g.user.roles_in(place.org)
    in_force = documents.agreement_in_force(get_session(), place.org) \
        if place.kind is DocumentKind.AGREEMENT else set()
    return render_template(
        "documents/document.html", place=place, current=place.current,
        body=text.safe_html(place.current.body, 1) if place.current else None,
        sign_form=sign_form if place.language in in_force else None,
        my_signature=my_signature, behind=bool(in_force) and place.language not in in_force,
        sees_signatures=bool(roles & {Role.ADMIN, Role.AUDITOR}),
    )


@bp.route(f"{GROUP_DOCUMENT}/edit", methods=["GET", "POST"])
@bp.route(f"{AGREEMENT}/edit", methods=["GET", "POST"], defaults={"kind": "agreement"})
def edit_document(kind: str, group_slug: str | None = None,
                  org_slug: str | None = None) -> str | Response:
    session = get_session()
    place = _place(kind, group_slug, org_slug, edit=True)
    latest = place.current
    form = DocumentForm()
    starts, suggested = starting_points(place.kind.value,
                                        place.group.program.value if place.group else None)
    chosen = request.args.get("start", suggested)
    main = documents.current(place.texts.get(place.main or ""))
    # A new translation starts from the main text, to translate; a first text from a
    # starting text.
    translating = main if latest is None and main is not None else None
    if request.method == "GET":
        form.based_on.data = latest.number if latest else 0
        start = next((s for s in starts if s.key == chosen), None)
        form.body.data = latest.body if latest else (
            translating.body if translating else (start.text if start else ""))
    conflict = None

    def refused(_form: object, error: ServiceError) -> None:
        nonlocal conflict
        show_error(form, error)
        if isinstance(error, StaleVersion):
            # Nothing is lost: the text stays in the form, and the next save is based on
            # the version it was compared with.
            conflict = (error.current, *text.shown(
                text.diff(error.current.body, documents.clean_body(form.body.data))))
            form.based_on.data = error.current.number
            form.based_on.raw_data = None  # render the new base, not the one posted
    if form.validate_on_submit():
        saved = save(form, lambda: documents.save_version(
            session, g.user, place.org, place.kind, form.body.data,
            based_on=form.based_on.data, note=form.note.data, group=place.group,
            language=place.language),
            refused=refused)
        if saved is not None:
            flash(gettext("Version %(number)d is saved.", number=saved.value.number), "info")
            return redirect(url_for("manage.document", **place.url_args))
    elif form.based_on.errors:
        flash(gettext("This page is out of date: reload it and edit again. Your text is "
                      "below."), "error")
    return render_template(
        "documents/edit.html", place=place, form=form, latest=latest, conflict=conflict,
        starts=starts if latest is None and not place.texts else (), chosen=chosen,
        translating=translating,
    )


@bp.get(f"{GROUP_DOCUMENT}/versions/<int(max=2147483647):number>")
@bp.get(f"{AGREEMENT}/versions/<int(max=2147483647):number>", defaults={"kind": "agreement"})
def version(kind: str, number: int, group_slug: str | None = None,
            org_slug: str | None = None) -> str:
    place = _place(kind, group_slug, org_slug)
    shown = place.version(number)
    signatures = []
    if place.kind is DocumentKind.AGREEMENT and \
            g.user.roles_in(place.org) & {Role.ADMIN, Role.AUDITOR}:
        signatures = documents.signatures_of(get_session(), shown)
    return render_template("documents/version.html", place=place, version=shown,
                           body=text.safe_html(shown.body, 1), signatures=signatures)


@bp.get(f"{GROUP_DOCUMENT}/compare")
@bp.get(f"{AGREEMENT}/compare", defaults={"kind": "agreement"})
def compare(kind: str, group_slug: str | None = None, org_slug: str | None = None) -> str:
    """Two versions side by side as one list of kept, removed and added lines. Without
    a choice: the one before the current, and the current."""
    place = _place(kind, group_slug, org_slug)
    latest = place.current
    if latest is None:
        abort(404, N_("This document has no versions yet."))
    newer = place.version(request.args.get("to", latest.number, type=int))
    older = place.version(request.args.get("from", max(1, newer.number - 1), type=int))
    return render_template("documents/compare.html", place=place, older=older, newer=newer,
                           comparison=text.shown(text.diff(older.body, newer.body)))


@bp.post(f"{AGREEMENT}/sign")
def sign(org_slug: str) -> str | Response:
    session = get_session()
    place = _place("agreement", None, org_slug)
    form = SignatureForm()
    if form.validate_on_submit() and (signed := save(form, lambda: documents.sign_agreement(
            session, g.user, place.org, form.version.data, form.typed_name.data,
            confirmed=form.confirm.data, language=place.language))):
        signature, new = signed.value
        number = signature.version.number
        flash(gettext("You signed version %(number)d. Thank you.", number=number) if new
              else gettext("You had already signed version %(number)d.", number=number),
              "info")
        return redirect(url_for("manage.document", **place.url_args))
    if place.current is not None:
        # The page shows the current text: the next click signs that one.
        form.version.data, form.version.raw_data = place.current.number, None
    status = documents.agreement_status(session, place.org, [g.user.id])[g.user.id]
    return _document_page(place, form, status)


@bp.get(f"{AGREEMENT}/signatures")
def signatures(org_slug: str) -> str:
    """Who has signed the current agreement, and who has not: for admins and auditors."""
    session = get_session()
    org = get_org_for(session, g.user, org_slug, [Role.ADMIN, Role.AUDITOR])
    place = _place("agreement", None, org.slug)
    statuses = documents.agreement_status(session, org)
    leaders = documents.leaders_of(session, org)
    rows = [(leader, statuses[leader.id]) for leader in leaders]
    return render_template("documents/signatures.html", place=place, rows=rows,
                           unsigned=sum(1 for _, s in rows if not s.signed), Role=Role)


# The statement at a meeting

#: How far back "the latest meeting" is looked for: a monthly meeting's last date.
LOOK_BACK = timedelta(days=62)


@bp.get(f"{MEETING}/statement")
def latest_statement(group_slug: str, meeting_id: int) -> Response:
    """The statement page of the meeting's latest date, today's if it meets today."""
    meeting = get_meeting_for(get_session(), g.user, group_slug, meeting_id)
    today = clock.today_in(meeting.timezone)
    cancelled = {day for day, e in meeting.exceptions_by_date.items() if e.cancelled}
    days = [day for day in meeting.schedule.dates(today - LOOK_BACK, today)
            if day not in cancelled]
    if not days:
        flash(gettext("%(title)s has not met recently: there is no meeting to record the "
                      "statement for.", title=meeting.title), "error")
        return redirect(url_for("manage.group", group_slug=meeting.group.slug))
    return redirect(url_for("manage.statement", group_slug=meeting.group.slug,
                            meeting_id=meeting.id, day=days[-1].isoformat()))


@bp.route(f"{MEETING}/dates/<day>/statement", methods=["GET", "POST"])
def statement(group_slug: str, meeting_id: int, day: str) -> str | Response:
    """Record that the confidentiality statement was read at one meeting."""
    session = get_session()
    meeting, when = meeting_and_date(group_slug, meeting_id, day)
    form = ConfirmForm()
    read = request.form.get("read") != "no"
    language = i18n.page_language()
    if form.validate_on_submit() and save(None, lambda: documents.record_statement_read(
            session, g.user, meeting, when, read=read, language=language)):
        flash(gettext("Recorded: the statement was read.") if read
              else gettext("Recorded: the statement was not read."), "info")
        return redirect(request.path)
    latest = documents.statement_for(session, meeting.group, language)
    acknowledged = documents.acknowledgements(session, meeting, when)
    return render_template(
        "documents/statement.html", meeting=meeting, when=when, form=form, latest=latest,
        body=text.safe_html(latest.body, 1) if latest else None,
        reading=documents.reading(session, meeting, when), zone=ZoneInfo(meeting.timezone),
        acknowledged=acknowledged, names=NAMES,
    )
