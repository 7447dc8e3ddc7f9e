"""Join pages of online meetings: /j/<meeting id> for a public group's meeting, and
/j/p/<token> for a private group's, the token derived from its private feed's.

Every public output (pages, feeds, the Meeting Guide JSON, handouts) leads here instead
of giving the link with its passcode. The page gives them only from 15 minutes before a
date that is not cancelled until it ends (domain/join_page.py), and otherwise says when
it opens. Pages that give a link are counted per address (throttling.join_allowed: a
keyed hash, kept for 15 minutes); no page of it is kept by a cache or sends its address
on as a Referer.
"""

from __future__ import annotations

from flask import Blueprint
from flask import abort
from flask import current_app
from flask import make_response
from flask import render_template
from werkzeug import Response
from werkzeug.exceptions import TooManyRequests

from facilitator import clock
from facilitator import i18n
from facilitator import throttling
from facilitator.db import get_session
from facilitator.domain import join_page
from facilitator.domain.languages import N_
from facilitator.headers import holds_secret
from facilitator.models import Meeting
from facilitator.services import joining

bp = Blueprint("join", __name__, url_prefix="/j")


@bp.get("/<int:meeting_id>")
def meeting(meeting_id: int) -> Response:
    """A public group's online meeting. Any other id, a private group's meeting
    included, is not found."""
    found = joining.public_meeting(get_session(), meeting_id)
    if found is None:
        abort(404)
    return _page(found, private=False)


@bp.get("/p/<token>")
def private_meeting(token: str) -> Response:
    """A private group's online meeting, reached only from its private feed."""
    found = joining.private_meeting(get_session(), current_app.config["SECRET_KEY"], token)
    if found is None:
        abort(404, N_("This join link does not work. It may have been replaced: the group's "
                      "calendar has the new one."))
    return _page(found, private=True)


def _page(meeting: Meeting, *, private: bool) -> Response:
    i18n.use_org_language(meeting.group.organization.default_language)
    state = join_page.joining(meeting.series(), clock.now())
    if state.going_on is not None and not throttling.join_allowed():
        raise TooManyRequests(throttling.JOINS_THROTTLED,
                              retry_after=throttling.RETRY_AFTER)
    return holds_secret(make_response(render_template(
        "public/join.html", meeting=meeting, group=meeting.group, join=state,
        private=private,
    )))
