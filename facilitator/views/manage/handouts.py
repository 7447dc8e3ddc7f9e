"""Leaders' handouts: any of their groups' one-pager (a private group's only here, its
calendar code only when they give the private link) and a meeting's check-in card, each
in the language ?lang= names (else the page's: handouts.print_language)."""

from __future__ import annotations

from flask import current_app
from flask import flash
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext
from werkzeug import Response

from facilitator import crypto
from facilitator import pdf
from facilitator.db import get_session
from facilitator.domain.choices import Visibility
from facilitator.handouts import code
from facilitator.handouts import documents_html
from facilitator.handouts import group_handout_drafts
from facilitator.handouts import in_language
from facilitator.handouts import one_page_response
from facilitator.handouts import pdf_response
from facilitator.handouts import print_language
from facilitator.handouts import private_group_codes
from facilitator.handouts import public_group_codes
from facilitator.models import Group
from facilitator.security import get_group_for
from facilitator.security import get_meeting_for
from facilitator.services import headcounts
from facilitator.urls import absolute_url
from facilitator.views.manage import bp
from facilitator.views.manage.meetings import MEETING


def _private_feed_token(group: Group, link: str) -> str | None:
    """The token in a pasted private calendar link (or its subscribe page's), if it is
    this group's current one."""
    token = link.strip().rstrip("/").removesuffix("/subscribe").rsplit("/", 1)[-1]
    token = token.removesuffix(".ics")
    if group.feed_token_hash is None or not token \
            or crypto.token_hash(token) != group.feed_token_hash:
        return None
    return token


@bp.route("/g/<group_slug>/handout.pdf", methods=["GET", "POST"])
def group_handout(group_slug: str) -> Response:
    """GET: the one-pager. POST with `feed_link`: a private group's one-pager with the
    code of its private calendar link, which we keep no copy of; with `rep_link`, the
    representative link (kept no copy of either) on its back."""
    group = get_group_for(get_session(), g.user, group_slug)
    paper = pdf.Paper.from_args(request.values, group.organization.timezone)
    rep_link = request.form.get("rep_link", "").strip() if request.method == "POST" else ""
    if rep_link and not _is_rep_link(group, rep_link):
        flash(gettext("That is not this group's current representative link. Paste it exactly "
                      "as it was shown, or make a new one."), "error")
        return redirect(url_for("manage.group", group_slug=group.slug) + "#representative")
    token = None
    if group.visibility is not Visibility.PUBLIC and request.method == "POST" \
            and not rep_link:
        token = _private_feed_token(group, request.form.get("feed_link", ""))
        if token is None:
            flash(gettext("That is not this group's current private calendar link. Paste the "
                          "link exactly as you handed it out, or make a new one."), "error")
            return redirect(url_for("manage.group", group_slug=group.slug) + "#handouts")
    with in_language(print_language(request.values)):
        if group.visibility is Visibility.PUBLIC:
            codes = public_group_codes(group)
        else:
            codes = private_group_codes(token) if token is not None else []
        drafts = group_handout_drafts(group, paper, codes, rep_link or None)
    return one_page_response(drafts, f"{group.slug}.pdf", private=True,
                             sides=2 if rep_link else 1)


def _is_rep_link(group: Group, link: str) -> bool:
    token = link.rstrip("/").rsplit("/", 1)[-1]
    return group.rep_token_hash is not None and \
        crypto.token_hash(token) == group.rep_token_hash


@bp.get("/g/<group_slug>/guidelines.pdf")
def group_documents(group_slug: str) -> Response:
    group = get_group_for(get_session(), g.user, group_slug)
    with in_language(print_language(request.args)):
        html = documents_html(group, pdf.Paper.from_args(request.args,
                                                         group.organization.timezone))
    return pdf_response(html, f"{group.slug}-guidelines.pdf", private=True)


@bp.get(f"{MEETING}/checkin-card.pdf")
def checkin_card(group_slug: str, meeting_id: int) -> Response:
    """A table tent with the meeting's check-in code, large."""
    meeting = get_meeting_for(get_session(), g.user, group_slug, meeting_id)
    paper = pdf.Paper.from_args(request.args, meeting.group.organization.timezone)
    token = headcounts.checkin_token(current_app.config["SECRET_KEY"], meeting)
    link = absolute_url("checkin.check_in", token=token)
    with in_language(print_language(request.args)):
        html = render_template(
            "handouts/checkin_card.html", meeting=meeting, paper=paper,
            code=code(link, gettext("Check-in code for %(title)s", title=meeting.title)).svg)
    return pdf_response(html, f"check-in-{meeting.id}.pdf", private=True)
