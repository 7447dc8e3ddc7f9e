"""Where the app counts failures (services/throttle.py): sign-ins, and capability links
that lead nowhere.

Token routes are found by their <token> argument, so a route added later with one is
throttled without a change here: each 404 from it counts against the address, and an
address over its limit gets 429 before the view runs.
"""

from __future__ import annotations

from flask import Flask
from flask import Response
from flask import current_app
from flask import request
from werkzeug.exceptions import TooManyRequests

from facilitator import clock
from facilitator.db import get_session
from facilitator.services import throttle
from facilitator.services.accounts import normalize_email

#: The same for known and unknown accounts: it tells nobody whether an account exists.
LOGIN_THROTTLED = (
    "Too many failed sign-ins for this email or from this network. Nothing more will be "
    "tried for now: wait 15 minutes, then sign in again. If you have forgotten your "
    "password, ask an admin of your organization for a new invitation link."
)
LINKS_THROTTLED = (
    "Too many links that do not work were opened from this network. Wait 15 minutes and "
    "try again, with the link exactly as you were given it."
)
#: Seconds to suggest in Retry-After: the longest a window can still have to run.
RETRY_AFTER = int(throttle.WINDOW.total_seconds())


def install(app: Flask) -> None:
    """Throttle every route that takes a <token>."""
    app.before_request(_refuse_throttled_address)
    app.after_request(_count_token_misses)


def _secret() -> str:
    return current_app.config["SECRET_KEY"]


def _address() -> str:
    return request.remote_addr or ""


class SignIn:
    """The two counters one sign-in attempt is held to: its account's and its address's."""

    def __init__(self, email: str) -> None:
        self.account_key = throttle.ACCOUNT.key(_secret(), normalize_email(email))
        self.address_key = throttle.ADDRESS.key(_secret(), _address())

    def blocked(self) -> bool:
        return throttle.blocked(get_session(), [(throttle.ACCOUNT, self.account_key),
                                                (throttle.ADDRESS, self.address_key)],
                                now=clock.now())

    def failed(self) -> None:
        """Count the failure and commit it (nothing else of the request is kept)."""
        throttle.record_failure(get_session(), [self.account_key, self.address_key],
                                now=clock.now())
        get_session().commit()

    def succeeded(self) -> None:
        """The account's own count starts again; the address's does not."""
        throttle.forget(get_session(), self.account_key)
        get_session().commit()


def _token_key() -> str | None:
    if "token" not in (request.view_args or {}):
        return None
    return throttle.TOKEN_ADDRESS.key(_secret(), _address())


def _refuse_throttled_address() -> None:
    key = _token_key()
    if key and throttle.blocked(get_session(), [(throttle.TOKEN_ADDRESS, key)],
                                now=clock.now()):
        raise TooManyRequests(LINKS_THROTTLED, retry_after=RETRY_AFTER)


def _count_token_misses(response: Response) -> Response:
    key = _token_key()
    if key and response.status_code == 404:
        session = get_session()
        session.rollback()  # a 404 has nothing to keep; the count is all we commit
        throttle.record_failure(session, [key], now=clock.now())
        session.commit()
    return response
