"""Forgotten passwords: a one-time link that sets a new one.

The app sends no email, so nobody can ask for a link by typing an address (which would
also tell them whether the address has an account). An admin of one of the person's
organizations makes the link on the person's page and passes it on, as they do an
invitation; whoever runs the site can print one with `flask --app facilitator
reset-password EMAIL`. The link works once, for RESET_HOURS; only the newest link
of an account works; using it ends every session of the account.
"""

from __future__ import annotations

from datetime import datetime
from datetime import timedelta

from sqlalchemy.orm import Session

from facilitator import crypto
from facilitator.domain.languages import N_
from facilitator.domain.languages import Message
from facilitator.models import Organization
from facilitator.models import User
from facilitator.services import accounts
from facilitator.services import audit_log

#: Long enough for a link passed on by text message to be read the next day; short
#: enough that a copy found later in a chat history is worth nothing.
RESET_HOURS = 24
RESET_LIFETIME = timedelta(hours=RESET_HOURS)


def make_link(session: Session, actor: User | None, user: User, *, now: datetime,
              organization: Organization | None) -> str:
    """A new reset link for the account (its previous one stops working); return the
    token. The organization, when given, is the one whose admin made it: its audit log
    shows it."""
    token = crypto.new_token()
    user.reset_token_hash = crypto.token_hash(token)
    user.reset_expires_at = now + RESET_LIFETIME
    session.flush()
    audit_log.record(
        session, actor, "update", user, organization=organization,
        summary=Message(N_("Password reset link made for %(name)s"), {"name": user.display_name}),
    )
    return token


def find(session: Session, token: str, *, now: datetime) -> User | None:
    """The account whose unused, unexpired, newest reset link this token is, or None."""
    return accounts.link_holder(session, User.reset_token_hash, User.reset_expires_at, token,
                                now=now)


def reset(session: Session, user: User, password: str) -> None:
    """Set the new password: the link stops working and every session of the account
    ends (the view then signs in the one browser that used the link)."""
    accounts.set_new_password(session, user, password)
    audit_log.record(
        session, user, "update", user, organization=None,
        summary=Message(N_("%(name)s set a new password with a reset link"),
                        {"name": user.display_name}),
    )
