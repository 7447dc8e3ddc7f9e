"""Pages for members, who never log in: the start page, an organization's meeting
directory and a group's page."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from datetime import timedelta
from typing import Any

from flask import Blueprint
from flask import Response as FlaskResponse
from flask import abort
from flask import current_app
from flask import g
from flask import make_response
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import force_locale
from flask_babel import gettext
from sqlalchemy import select
from werkzeug import Response

from facilitator import clock
from facilitator import i18n
from facilitator.caching import Recent
from facilitator.db import database
from facilitator.db import get_session
from facilitator.domain.choices import Visibility
from facilitator.domain.ical_events import FeedWords
from facilitator.headers import holds_secret
from facilitator.models import Group
from facilitator.models import Meeting
from facilitator.models import Organization
from facilitator.models import User
from facilitator.security import public_group
from facilitator.security import public_org
from facilitator.security import visible_group
from facilitator.services import accounts
from facilitator.services import directory as directory_service
from facilitator.services import documents
from facilitator.services import feeds
from facilitator.services import joining
from facilitator.services import soon
from facilitator.services import training_feed
from facilitator.services.feeds import FeedVersion
from facilitator.services.meeting_guide_feed import meeting_guide_feed
from facilitator.urls import absolute_url
from facilitator.views import save

bp = Blueprint("public", __name__)

#: Seconds a proxy may keep the starting-soon page: it changes as meetings start.
SOON_MAX_AGE = 60


@bp.get("/")
def home() -> str:
    orgs = get_session().scalars(select(Organization).order_by(Organization.name)).all()
    return render_template("public/home.html", orgs=orgs)


@bp.get("/o/<org_slug>/")
def directory(org_slug: str) -> str | Response:
    """The org's public meetings from today on, a page at a time. Filters and the page
    come from the query string, so a filtered list is a link to share; anything not
    understood in it is dropped."""
    session = get_session()
    org = public_org(session, org_slug)
    i18n.use_org_language(org.default_language)
    filters = directory_service.parse_filters(session, org, request.args)
    now = clock.now()
    listing = directory_service.directory(session, org, filters, now, page=_page_number(),
                                          weeks=_week_cache())
    assert listing.page is not None
    # The first block, on the first page of the whole list: what one can still get to.
    first = listing.page.number == 1 and not filters.active
    starting = soon.starting_soon(session, org, now, weeks=_week_cache()) if first else None
    canonical: dict[str, Any] = filters.as_args()
    if listing.page.number > 1:
        canonical["page"] = str(listing.page.number)
    if request.args.to_dict(flat=False) != {name: [v] for name, v in canonical.items()}:
        # The form sends every field, empty or not: answer with the short address of
        # the same list, the one worth sharing (and a page past the end shows the last).
        return redirect(url_for("public.directory", org_slug=org.slug, **canonical))
    return _shared_page(make_response(render_template(
        "public/directory.html", org=org, directory=listing,
        today=clock.today_in(org.timezone), soon=starting, soon_shown=soon.IN_DIRECTORY,
    )))


@bp.get("/o/<org_slug>/soon")
def starting_soon(org_slug: str) -> Response:
    """The org's public meetings starting in the next 90 minutes or started in the last
    30, in the org's zone. A browser script adds the reader's own time to online ones;
    nothing about the reader's zone reaches the server."""
    session = get_session()
    org = public_org(session, org_slug)
    i18n.use_org_language(org.default_language)
    starting = soon.starting_soon(session, org, clock.now(), weeks=_week_cache())
    return _shared_page(make_response(render_template(
        "public/soon.html", org=org, soon=starting, page=starting.page(_page_number()),
        today=starting.as_of.date(),
    )), max_age=SOON_MAX_AGE)


def _page_number() -> int:
    """The page asked for in the query string; 1 for anything but a page number."""
    asked = request.args.get("page", "")
    return int(asked) if asked.isdigit() and len(asked) <= 6 else 1


def _week_cache() -> directory_service.WeekCache:
    return current_app.extensions.setdefault("facilitator.week_cache",
                                             directory_service.WeekCache())


@bp.get("/o/<org_slug>/near")
def near(org_slug: str) -> str | Response:
    """One day's meetings that have a map position (today's still to come, or `?day=`),
    with the directory's filters, for the browser to sort by the distance from where the
    visitor is (static/near.js). Only the browser knows that: this page is the same for
    everyone, and no address of the site takes a position."""
    session = get_session()
    org = public_org(session, org_slug)
    i18n.use_org_language(org.default_language)
    filters = directory_service.parse_filters(session, org, request.args)
    nearby = directory_service.nearby(session, org, filters, clock.now(),
                                      weeks=_week_cache())
    canonical: dict[str, Any] = nearby.args()
    if request.args.to_dict(flat=False) != {name: [v] for name, v in canonical.items()}:
        return redirect(url_for("public.near", org_slug=org.slug, **canonical))
    return _shared_page(make_response(render_template(
        "public/near.html", org=org, nearby=nearby, today=clock.today_in(org.timezone),
    )))


@bp.get("/g/<group_slug>/")
def group(group_slug: str) -> Response:
    """A group's page. A private group's is shown only to leaders who may read it; to
    everyone else it does not exist."""
    session = get_session()
    group = visible_group(session, g.user, group_slug)
    i18n.use_org_language(group.organization.default_language)
    private = group.visibility is not Visibility.PUBLIC
    meetings = directory_service.group_meetings(session, group, clock.now())
    response = make_response(render_template(
        "public/group.html", group=group, meetings=meetings, private=private,
        texts=documents.public_texts(session, group, i18n.page_language()),
        confirmation=group.confirmation(clock.today_in(group.organization.timezone)),
    ))
    if private:
        response.headers["Cache-Control"] = "private, no-store"
        response.headers["X-Robots-Tag"] = "noindex"
        return response
    return _shared_page(response)


@bp.get("/g/<group_slug>/subscribe")
def group_subscribe(group_slug: str) -> Response:
    """Where a public group's printed QR code leads: its calendar, for any phone. A
    private group has only its token page."""
    group = public_group(get_session(), group_slug)
    i18n.use_org_language(group.organization.default_language)
    return _shared_page(make_response(render_template(
        "public/subscribe.html", name=group.name, org=group.organization,
        feed=absolute_url("public.group_feed", group_slug=group.slug),
        page=url_for("public.group", group_slug=group.slug),
    )))


@bp.get("/o/<org_slug>/subscribe")
def org_subscribe(org_slug: str) -> Response:
    """Where the directory handout's QR code leads: every public meeting of the org."""
    org = public_org(get_session(), org_slug)
    i18n.use_org_language(org.default_language)
    return _shared_page(make_response(render_template(
        "public/subscribe.html", name=org.name, org=org, every_meeting=True,
        feed=absolute_url("public.org_feed", org_slug=org.slug),
        page=url_for("public.directory", org_slug=org.slug),
    )))


@bp.get("/feeds/<token>/subscribe")
def private_subscribe(token: str) -> Response:
    """Where a private group's printed QR code leads: its private calendar, reached only
    through the same token as the feed. Shows no place, link or page of the group."""
    group_id, _ = _versioned(feeds.token_group_version, token)
    group = get_session().get_one(Group, group_id)
    i18n.use_org_language(group.organization.default_language)
    return holds_secret(make_response(render_template(
        "public/subscribe.html", name=group.name, org=group.organization,
        feed=absolute_url("public.private_feed", token=token), page=None,
    )))


def _shared_page(response: Response, max_age: int | None = None) -> Response:
    """A page every visitor sees alike: a proxy may keep it for PAGE_MAX_AGE (or
    `max_age`, if shorter) and answer 304 to a browser that has it. A signed-in leader's
    copy names them: never kept (headers.add_security_headers marks it so)."""
    if g.user is not None:
        return response
    kept = min(current_app.config["PAGE_MAX_AGE"], max_age or current_app.config["PAGE_MAX_AGE"])
    response.headers["Cache-Control"] = f"public, max-age={kept}"
    response.vary.add("Cookie")
    response.add_etag()
    return response.make_conditional(request)


@bp.route("/language", methods=["GET", "POST"])
def choose_language() -> Response:
    """The language switcher: remember the language chosen in a cookie that holds only
    its code, and go back to the page it was chosen on. A signed-in person's choice
    (a form posted with its CSRF token) is kept in their account too."""
    code = i18n.known(request.values.get("lang"))
    back = redirect(i18n.safe_next(request.values.get("next")))
    if code is None:
        return back
    if request.method == "POST" and g.user is not None:
        user = g.user
        save(None, lambda: accounts.set_language(get_session(), user, code))
    back.set_cookie(i18n.COOKIE, code, max_age=i18n.COOKIE_MAX_AGE, samesite="Lax",
                    secure=request.is_secure, httponly=True)
    back.headers["Cache-Control"] = "no-store"
    return back


@bp.get("/healthz")
def health() -> Response:
    """For load balancers and benchmarks: the process answers. Touches no database."""
    response = make_response("ok")
    response.mimetype = "text/plain"
    response.headers["Cache-Control"] = "no-store"
    return response


def _group_url(slug: str) -> str:
    return absolute_url("public.group", group_slug=slug)


def _feed_cache() -> feeds.FeedCache:
    return current_app.extensions.setdefault("facilitator.feed_cache", feeds.FeedCache())


def _not_modified(version: FeedVersion) -> bool:
    """Whether the client has this version. If-None-Match is compared weakly, as RFC 9110
    (13.1.2) asks on a GET: a proxy that compresses the feed sends W/"…" back. Only
    without it does If-Modified-Since count (see _last_modified)."""
    if request.if_none_match:
        return request.if_none_match.contains_weak(version.etag)
    since = request.if_modified_since
    return since is not None and since >= version.last_modified


def _last_modified(version: FeedVersion) -> datetime:
    """Last-Modified of the feed as sent now: the second of its last change, but never
    the current second or later.

    HTTP dates count whole seconds. A copy sent in the second of a change says the
    second before, so a change later in that same second (or in any second after) is
    later than what the client sends back in If-Modified-Since: it gets the new feed.
    Once the second is over, the copy says the second of the change, and is answered 304
    until the next one. (Never later than now either, as RFC 9110 8.8.2.1 requires.)
    """
    return min(version.last_modified, clock.now().replace(microsecond=0) - timedelta(seconds=1))


def feed_response(version: FeedVersion, build: Callable[[], bytes], filename: str, *,
                  private: bool, mimetype: str = "text/calendar") -> FlaskResponse:
    """A feed with its validators: 304 without building it when the client has it,
    else the bytes from the cache (built once per version)."""
    if _not_modified(version):
        response = FlaskResponse(status=304)
    else:
        response = FlaskResponse(_feed_cache().get_feed(version, build),
                                 mimetype=mimetype)
        response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
        if mimetype.startswith("text/"):
            response.content_type = f"{mimetype}; charset=utf-8"
    response.set_etag(version.etag)
    response.last_modified = _last_modified(version)
    if private:
        holds_secret(response)
    else:
        response.headers["Cache-Control"] = f"public, max-age={current_app.config['FEED_MAX_AGE']}"
    return response


def _versioned(lookup: Callable[..., tuple[int, FeedVersion] | None],
               *args: object, public: bool = False) -> tuple[int, FeedVersion]:
    """Run a feed's validator lookup on a plain connection; 404 when nothing matches.
    The version is the one of the feed's language (`?lang=`). A public feed's is taken
    from what this worker read less than FEED_VALIDATOR_SECONDS ago, if it did."""

    def read() -> tuple[int, FeedVersion] | None:
        with database().read_one() as connection:
            return lookup(connection, *args)

    found = _recent_validators().get_or_read((lookup, args), read) if public else read()
    found = feeds.in_language(found, _feed_language())
    if found is None:
        abort(404)
    return found


def _recent_validators() -> Recent:
    return current_app.extensions.setdefault(
        "facilitator.recent_validators", Recent(current_app.config["FEED_VALIDATOR_SECONDS"]))


def _feed_language() -> str:
    """A feed's language: `?lang=` alone (a calendar app sends no cookie and its own
    Accept-Language), English without it."""
    return i18n.known(request.args.get("lang")) or i18n.DEFAULT


def _feed_words() -> dict[str, Any]:
    """What a calendar feed says in its own words, in the feed's language."""
    with force_locale(_feed_language()):
        return {
            "meetings_of": gettext("Meetings of {name}"),
            "words": FeedWords(
                lang=_feed_language(),
                conference_label=gettext("Join online"),
                different_link=gettext(
                    "A different online link on this date: the join page gives it."),
                join_online=gettext("Join online: {url} (the link and passcode, {hours})"),
                hours=gettext("from 15 minutes before each meeting until it ends"),
                phone=gettext("Phone: {phone}"),
                passcode_on_request=gettext("Passcode on request: {contact}"),
                group_page=gettext("Group page: {url}"),
            ),
        }


@bp.get("/o/<org_slug>/meetings.ics")
def org_feed(org_slug: str) -> FlaskResponse:
    """Every meeting of the org's public groups, for calendar apps."""
    org_id, version = _versioned(feeds.org_version, org_slug, public=True)

    def build() -> bytes:
        session = get_session()
        org = session.get_one(Organization, org_id)
        org_url = absolute_url("public.directory", org_slug=org.slug)
        return feeds.org_feed(session, org, org_url, _group_url, _feed_cache().events,
                              join_url=_join_url, **_feed_words())

    return feed_response(version, build, f"{org_slug}.ics", private=False)


@bp.get("/o/<org_slug>/meetings.json")
def org_meeting_guide(org_slug: str) -> FlaskResponse:
    """The org's public meetings in the Meeting Guide JSON format (code4recovery)."""
    session = get_session()
    org = public_org(session, org_slug)
    i18n.use_org_language(org.default_language)
    today = clock.today_in(org.timezone)
    # Ended meetings drop out as days pass: today is part of the version.
    _, version = _versioned(feeds.org_version, org_slug, "meeting-guide", today.isoformat(),
                            public=True)

    def build() -> bytes:
        items = meeting_guide_feed(session, org, _group_url, today,
                                   lambda meeting_id: absolute_url("join.meeting",
                                                                   meeting_id=meeting_id))
        return json.dumps(items, ensure_ascii=False, indent=1).encode()

    return feed_response(version, build, f"{org.slug}.json", private=False,
                         mimetype="application/json")


def _join_url(meeting: Meeting) -> str:
    """A public meeting's join page; a private group's, behind its feed's token."""
    if meeting.group.visibility is Visibility.PUBLIC:
        return absolute_url("join.meeting", meeting_id=meeting.id)
    token = joining.private_join_token(current_app.config["SECRET_KEY"], meeting)
    return absolute_url("join.private_meeting", token=token) if token else ""


def _group_feed(group_id: int) -> bytes:
    session = get_session()
    return feeds.group_feed(session, session.get_one(Group, group_id), _group_url,
                            _feed_cache().events, join_url=_join_url, **_feed_words())


@bp.get("/g/<group_slug>/meetings.ics")
def group_feed(group_slug: str) -> FlaskResponse:
    """A public group's feed. A private group has only its token feed."""
    group_id, version = _versioned(feeds.public_group_version, group_slug, public=True)
    return feed_response(version, lambda: _group_feed(group_id), f"{group_slug}.ics",
                         private=False)


@bp.get("/feeds/<token>.ics")
def private_feed(token: str) -> FlaskResponse:
    """A private group's feed, reached only through its secret, rotatable token."""
    group_id, version = _versioned(feeds.token_group_version, token)
    return feed_response(version, lambda: _group_feed(group_id), "meetings.ics", private=True)


@bp.get("/training-feeds/<token>.ics")
def training_reminders(token: str) -> FlaskResponse:
    """A leader's private feed of training expiry dates, reached only through its secret,
    rotatable token."""
    # The dates themselves do not depend on the day; which hours still count does, and
    # a day's difference at the edge of a zone is of no consequence for a reminder.
    today = clock.today_in("UTC")
    user_id, version = _versioned(training_feed.feed_version, token, today)

    def build() -> bytes:
        session = get_session()
        page = absolute_url("manage.training_home")
        return training_feed.reminder_feed(session, session.get_one(User, user_id), today,
                                           page, _feed_language())

    return feed_response(version, build, "training.ics", private=True)
