"""Members' check-in: /c/<token>, reached from the QR code on the table.

A tap adds one to the occurrence's check-ins (kept apart from the facilitator's count)
and nothing else is kept: no row, no address, no browser, no log line with the token
(log_masking). The only memory of the tap is a signed cookie in the member's own
browser, so a second tap from it for the same occurrence changes nothing.

The form has no CSRF token on purpose: a token would need a session cookie for a person
who has no account, and a forged check-in could do nothing a direct one cannot.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date
from datetime import timedelta

from flask import Blueprint
from flask import abort
from flask import current_app
from flask import make_response
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from itsdangerous import BadSignature
from itsdangerous import URLSafeSerializer
from sqlalchemy.orm import Session
from werkzeug import Response

from facilitator import clock
from facilitator import i18n
from facilitator.db import get_session
from facilitator.db import one_statement_write
from facilitator.db import reads_in_autocommit
from facilitator.domain.counts import Counter
from facilitator.domain.counts import next_occurrence
from facilitator.domain.languages import N_
from facilitator.domain.meeting import Attendance
from facilitator.domain.recurrence import Occurrence
from facilitator.extensions import csrf
from facilitator.headers import holds_secret
from facilitator.services import documents
from facilitator.services import headcounts
from facilitator.services.headcounts import CheckinMeeting
from facilitator.views import save

bp = Blueprint("checkin", __name__, url_prefix="/c")

COOKIE = "checked_in"
#: How long the browser keeps its list of check-ins: past any occurrence's window.
COOKIE_DAYS = 2


def _meeting(token: str) -> CheckinMeeting:
    """The meeting of the check-in link; 404 for a link that does not work."""
    meeting = headcounts.meeting_for_checkin(get_session(), current_app.config["SECRET_KEY"],
                                             token)
    if meeting is None:
        abort(404, N_("This check-in link does not work. It may have been replaced: ask the "
                      "facilitator for the new one."))
    return meeting


def _serializer() -> URLSafeSerializer:
    return _serializer_for(current_app.config["SECRET_KEY"])


@functools.lru_cache(maxsize=4)
def _serializer_for(key: str) -> URLSafeSerializer:
    """Made once per key: every tap reads and writes the cookie."""
    return URLSafeSerializer(key, salt="checked-in")


def _checked_in() -> list[str]:
    """The occurrences this browser checked in to lately ("<meeting id>:<date>")."""
    try:
        keys = _serializer().loads(request.cookies.get(COOKIE, ""))
    except BadSignature:
        return []
    if not isinstance(keys, list):
        return []
    oldest = (clock.now() - timedelta(days=COOKIE_DAYS + 1)).date()
    return [k for k in keys if isinstance(k, str) and _key_date(k) >= oldest][-50:]


#: What the cookie's keys of statement acknowledgements start with.
STATEMENT = "s"


def _key(meeting: CheckinMeeting, occurrence: Occurrence, what: str = "") -> str:
    """"<meeting id>:<date>" for a check-in, "s<meeting id>:<date>" for having
    acknowledged the confidentiality statement."""
    return f"{what}{meeting.id}:{occurrence.date.isoformat()}"


def _key_date(key: str) -> date:
    try:
        return date.fromisoformat(key.rpartition(":")[2])
    except ValueError:
        return date.min


@bp.get("/<token>")
def check_in(token: str) -> Response:
    reads_in_autocommit(get_session())  # a page only: two round trips fewer
    meeting = _meeting(token)
    return _page(meeting, token)


def _page(meeting: CheckinMeeting, token: str, message: str = "", status: int = 200,
          ) -> Response:
    i18n.use_org_language(meeting.org_language)
    going_on = headcounts.open_for_check_in(meeting)
    coming = None if going_on else next_occurrence(meeting.schedule,
                                                   meeting.exceptions_by_date, clock.now())
    keys = _checked_in()
    done = going_on is not None and _key(meeting, going_on) in keys
    statement = documents.public_statement(
        get_session(), meeting.group_id, i18n.page_language(),
        org_language=meeting.org_language, org_timezone=meeting.org_timezone,
    ) if going_on else None
    return holds_secret(make_response(render_template(
        "checkin/check_in.html", meeting=meeting, token=token, going_on=going_on,
        coming=coming, done=done, message=message, statement=statement,
        acknowledged=going_on is not None and _key(meeting, going_on, STATEMENT) in keys,
        hybrid=meeting.attendance is Attendance.HYBRID,
    ), status))


@bp.post("/<token>")
@csrf.exempt
def record(token: str) -> Response:
    def count(session: Session, meeting: CheckinMeeting, going_on: Occurrence) -> None:
        where = request.form.get("where", "")
        headcounts.check_in(
            session, current_app.config["SECRET_KEY"], meeting, going_on.date,
            first_meeting=request.form.get("first") == "yes",
            counter=Counter(where) if where in (Counter.IN_PERSON, Counter.ONLINE) else None)

    return _tap(token, "", headcounts.CHECK_IN_CLOSED, count)


def _tap(token: str, what: str, closed: str,
         count: Callable[[Session, CheckinMeeting, Occurrence], None]) -> Response:
    """One member's tap on the meeting going on: counted once per browser (a second
    tap, a reload or a replayed cookie changes nothing). Whether a window is open is
    the headcount service's to say (open_for_check_in; check_in also refuses a date
    outside it); what a service refuses (ServiceError) is shown with a 409."""
    # One statement reads the meeting and one counts the tap (on PostgreSQL, each its
    # own transaction: no BEGIN and COMMIT round trips).
    session = reads_in_autocommit(get_session())
    meeting = _meeting(token)
    going_on = headcounts.open_for_check_in(meeting)
    if going_on is None:
        return _page(meeting, token, closed, 409)
    keys = _checked_in()
    key = _key(meeting, going_on, what)
    if key in keys:
        return redirect(url_for("checkin.check_in", token=token), 303)
    refusals: list[str] = []
    if save(None, lambda: count(session, meeting, going_on),
            refused=lambda _form, error: refusals.append(error.words()),
            transaction=one_statement_write) is None:
        return _page(meeting, token, " ".join(refusals), 409)
    return _remembered(token, [*keys, key])


def _remembered(token: str, keys: list[str]) -> Response:
    """Back to the check-in page, the browser remembering what it did (and nothing
    else: the server keeps none of it)."""
    response = redirect(url_for("checkin.check_in", token=token), 303)
    response.set_cookie(
        COOKIE, _serializer().dumps(keys), max_age=COOKIE_DAYS * 24 * 3600,
        path="/c/", httponly=True, samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
    return holds_secret(response)


@bp.post("/<token>/statement")
@csrf.exempt
def acknowledge(token: str) -> Response:
    """One tap: "I will keep what is shared here confidential". A count per occurrence,
    like the check-in, with nothing about who."""
    def count(session: Session, meeting: CheckinMeeting, going_on: Occurrence) -> None:
        # Counted in the language of the text the page showed (the form says which).
        documents.acknowledge_statement(session, meeting, going_on.date,
                                        request.form.get("language", ""))

    return _tap(token, STATEMENT, N_("The meeting is not on now; nothing was recorded."), count)
