"""A group's page for its facilitators: meetings with their next dates, group details."""

from __future__ import annotations

from flask import flash
from flask import g
from flask import make_response
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext
from werkzeug import Response

from facilitator import clock
from facilitator.db import get_session
from facilitator.domain.choices import Role
from facilitator.domain.listing import coming_dates
from facilitator.forms import ConfirmForm
from facilitator.forms import GroupForm
from facilitator.headers import holds_secret
from facilitator.security import get_group_for
from facilitator.services import change_requests
from facilitator.services import feeds
from facilitator.services import listings
from facilitator.services import organizations
from facilitator.urls import absolute_url
from facilitator.views import save
from facilitator.views.manage import bp

#: How many coming dates the facilitator sees for each meeting.
NEXT_DATES = 8


@bp.get("/g/<group_slug>/")
def group(group_slug: str) -> str:
    group = get_group_for(get_session(), g.user, group_slug)
    schedules = []
    for meeting in group.meetings:
        today = clock.today_in(meeting.timezone)
        upcoming = coming_dates(meeting.schedule, meeting.exceptions_by_date, clock.now(),
                                NEXT_DATES)
        schedules.append((meeting, upcoming, today))
    return render_template("manage/group.html", group=group, schedules=schedules,
                           feed_form=ConfirmForm(),
                           confirmation=group.confirmation(
                               clock.today_in(group.organization.timezone)))


@bp.post("/g/<group_slug>/confirm")
def confirm_listing(group_slug: str) -> Response:
    """One tap: the group's meetings are listed as they are, nothing changed. Back to the
    dashboard when it was tapped there, else to the group's page."""
    session = get_session()
    group = get_group_for(session, g.user, group_slug)
    form = ConfirmForm()
    if form.validate_on_submit() and save(form, lambda: listings.confirm_listing(
            session, g.user, group, by=listings.BY_LEADER)):
        flash(gettext("Thank you: the listing of %(group)s is confirmed as of today.",
                      group=group.name), "info")
    if request.form.get("back") == "dashboard":
        return redirect(url_for("manage.dashboard"))
    return redirect(url_for("manage.group", group_slug=group.slug))


@bp.route("/g/<group_slug>/edit", methods=["GET", "POST"])
def edit_group(group_slug: str) -> str | Response:
    session = get_session()
    group = get_group_for(session, g.user, group_slug)
    form = GroupForm(obj=group)
    # The slug is in every link and calendar subscription already handed out: only an
    # admin may change it, knowingly.
    if Role.ADMIN not in g.user.roles_in(group.organization):
        del form.slug
    else:
        form.slug.description = ("Changing it breaks links, printed handouts and calendar "
                                 "subscriptions already shared.")
    if form.validate_on_submit() and save(form, lambda: organizations.update_group(
            session, g.user, group, **form.values())):
        flash(gettext("The group is saved."), "info")
        return redirect(url_for("manage.group", group_slug=group.slug))
    return render_template("manage/group_edit.html", group=group, form=form)


@bp.post("/g/<group_slug>/feed-link")
def new_feed_link(group_slug: str) -> str | Response:
    """Make (or replace) the private calendar link of a group; shown once, never stored."""
    session = get_session()
    group = get_group_for(session, g.user, group_slug)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return redirect(url_for("manage.group", group_slug=group.slug))
    replaced = group.feed_token_hash is not None
    rotated = save(form, lambda: feeds.rotate_feed_token(session, g.user, group))
    if rotated is None:
        return redirect(url_for("manage.group", group_slug=group.slug))
    token = rotated.value
    link = absolute_url("public.private_feed", token=token)
    response = make_response(render_template(
        "manage/feed_link.html", group=group, link=link, replaced=replaced,
        subscribe_page=absolute_url("public.private_subscribe", token=token)))
    return holds_secret(response)


@bp.post("/g/<group_slug>/rep-link")
def new_rep_link(group_slug: str) -> str | Response:
    """Make (or replace) the group's representative link; shown once, never stored."""
    session = get_session()
    group = get_group_for(session, g.user, group_slug)
    form = ConfirmForm()
    replaced = group.rep_token_hash is not None
    rotated = save(form, lambda: change_requests.rotate_rep_token(session, g.user, group)) \
        if form.validate_on_submit() else None
    if rotated is None:
        return redirect(url_for("manage.group", group_slug=group.slug))
    link = absolute_url("representative.home", token=rotated.value)
    return holds_secret(make_response(render_template(
        "manage/rep_link.html", group=group, link=link, replaced=replaced)))
