"""Logging in and out, passwords, invitations, reset links."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint
from flask import abort
from flask import flash
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import session as cookie
from flask import url_for
from flask_babel import gettext
from werkzeug import Response

from facilitator import clock
from facilitator.db import get_session
from facilitator.domain.choices import Role
from facilitator.domain.languages import N_
from facilitator.formatting import full_stop
from facilitator.forms import ChangePasswordForm
from facilitator.forms import InvitationAnswerForm
from facilitator.forms import LoginForm
from facilitator.forms import SetPasswordForm
from facilitator.models import User
from facilitator.services import accounts
from facilitator.services import invitations
from facilitator.services import password_resets
from facilitator.throttling import RETRY_AFTER
from facilitator.throttling import SignIn
from facilitator.views import login_required
from facilitator.views import save

bp = Blueprint("auth", __name__)

#: One message for unknown email and wrong password: which one it was is nobody's business.
LOGIN_FAILED = N_("That email and password do not match an account.")


@bp.context_processor
def reset_lifetime() -> dict[str, int]:
    """How long a reset link works, as the sign-in and reset pages say it."""
    return {"reset_hours": password_resets.RESET_HOURS}


@bp.before_app_request
def load_logged_in_user() -> None:
    """Put the signed-in account on g.user; a session from before a password change is
    ended."""
    g.user = None
    user_id = cookie.get("user_id")
    if user_id is None:
        return
    user = get_session().get(User, user_id)
    if user is None or cookie.get("session_version") != user.session_version:
        cookie.clear()
        return
    g.user = user


def _log_in(user: User) -> None:
    cookie.clear()  # a fresh session, so a cookie planted before login is worth nothing
    cookie["user_id"] = user.id
    cookie["session_version"] = user.session_version


def home(user: User) -> str:
    """Where a person lands after signing in. A leader lands on the dashboard, which
    starts with their meetings (and links to the admin pages of an org they also run).
    Someone who only administers, or only audits, one organization lands on its page:
    the admin overview, or the training of its leaders."""
    orgs = {m.organization_id: m.organization for m in user.memberships}
    if user.led_groups or Role.FACILITATOR in {m.role for m in user.memberships} \
            or len(orgs) != 1:
        return url_for("manage.dashboard")
    org = next(iter(orgs.values()))
    if Role.ADMIN in user.roles_in(org):
        return url_for("admin.overview", org_slug=org.slug)
    return url_for("audit.training_matrix", org_slug=org.slug)


def _safe_next(target: str | None, user: User) -> str:
    """Only follow a ?next= that stays on this site and is fit for a Location header
    (no CR/LF or other control characters, which would otherwise fail the response);
    without one, the person's home."""
    if target and target.isprintable() and target.startswith("/") \
            and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and "\\" not in target:
            return target
    return home(user)


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response | tuple[str, int, dict[str, str]]:
    if g.user is not None:
        return redirect(_safe_next(request.args.get("next"), g.user))
    form = LoginForm()
    if form.validate_on_submit():
        attempt = SignIn(form.email.data)
        # Checked before the hash, so known and unknown accounts take as long.
        if refusal := attempt.refusal():
            flash(refusal, "error")
            return render_template("auth/login.html", form=form), 429, \
                {"Retry-After": str(RETRY_AFTER)}
        user = accounts.authenticate(get_session(), form.email.data, form.password.data)
        if user is not None:
            attempt.succeeded()
            _log_in(user)
            return redirect(_safe_next(request.args.get("next"), user))
        attempt.failed()
        flash(gettext(LOGIN_FAILED), "error")
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
def logout() -> Response:
    """Sign out here and on every other device of the account."""
    if g.user is not None:
        user = g.user
        save(None, lambda: accounts.end_sessions(get_session(), user))
    cookie.clear()
    flash(gettext("You are signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password() -> str | Response:
    form = ChangePasswordForm()
    if form.validate_on_submit() and save(form, lambda: accounts.change_password(
            get_session(), g.user, form.current_password.data, form.password.data)):
        _log_in(g.user)
        flash(gettext("Your password is changed. Other devices have been signed out."), "info")
        return redirect(url_for("manage.dashboard"))
    return render_template("auth/password.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> str | Response | tuple[str, int]:
    """Set a new password with a reset link an admin made (services/password_resets.py).

    Opening the link changes nothing, so a chat app that previews it does not use it up.
    A link that does not work answers 404, which throttling.py counts like any wrong
    link, with a page that says what to do."""
    session = get_session()
    user = password_resets.find(session, token, now=clock.now())
    if user is None:
        return render_template("auth/reset_unusable.html"), 404
    form = SetPasswordForm()
    if form.validate_on_submit() and save(form, lambda: password_resets.reset(
            session, user, form.password.data)):
        _log_in(user)
        flash(gettext("Your new password is set and you are signed in. Every other device "
                      "is signed out."), "info")
        return redirect(url_for("manage.dashboard"))
    return render_template("auth/reset.html", form=form, person=user)


@bp.route("/invite/<token>", methods=["GET", "POST"])
def accept_invitation(token: str) -> str | Response:
    session = get_session()
    user = accounts.find_invited(session, token, now=clock.now())
    if user is None:
        return _answer_invitation(token)
    form = SetPasswordForm()
    if form.validate_on_submit() and save(form, lambda: accounts.accept_invitation(
            session, user, form.password.data)):
        _log_in(user)
        # The name ends with its full stop ("Welcome, Jordan P. Your account is ready.").
        flash(gettext("Welcome, %(name)s Your account is ready.",
                      name=full_stop(user.display_name)), "info")
        return redirect(home(user))
    return render_template("auth/invitation.html", form=form, invited=user)


def _answer_invitation(token: str) -> str | Response:
    """An existing account's invitation into an organization (services/invitations.py):
    only that account, signed in, sees it and answers it. Anyone else signed in gets what
    an unknown link gets, so the link tells them nothing."""
    session = get_session()
    invitation = invitations.find(session, token, now=clock.now())
    if invitation is None:
        abort(404)
    if g.user is None:
        flash(gettext("This invitation is for an account that already exists. Sign in to "
                      "it, and you will come back to the invitation."), "info")
        return redirect(url_for("auth.login", next=url_for("auth.accept_invitation",
                                                           token=token)))
    if g.user.id != invitation.user_id:
        abort(404)
    form = InvitationAnswerForm()
    if form.validate_on_submit():
        org_name = invitation.organization.name
        accepted = form.answer.data == "accept"
        answer = invitations.accept if accepted else invitations.decline
        if save(form, lambda: answer(session, invitation)):
            flash(full_stop(gettext("You have joined %(org)s", org=org_name) if accepted
                            else gettext("You have declined the invitation to %(org)s",
                                         org=org_name)), "info")
            return redirect(home(g.user))
    return render_template("auth/pending_invitation.html", form=form, invitation=invitation)
