"""Where the app counts failures (services/throttle.py): sign-ins, and capability links
that lead nowhere; and where it counts join pages that give a meeting's passcode.

Token routes are found by their <token> argument, so a route added later with one is
throttled without a change here: each 404 from it counts against the address, and once
an address is over its limit its wrong links answer 429. A link that works is served
even then: tokens are far too long to be found by trying, and a member checking in
from a network where someone else tried junk links should not be turned away. It also
keeps the look-up of the address off the path of every check-in.
"""

from __future__ import annotations

from flask import Flask
from flask import Response
from flask import current_app
from flask import request
from werkzeug.exceptions import TooManyRequests

from facilitator import clock
from facilitator.db import get_session
from facilitator.db import write_transaction
from facilitator.services import throttle
from facilitator.services.accounts import normalize_email

#: Messages that depend only on hashes of what was typed: they read the same for known
#: and unknown accounts, so they tell nobody whether an account exists.
LOGIN_THROTTLED = (
    "Too many failed sign-ins from this network, for this email or for several. Nothing "
    "more will be tried from here for now: wait 15 minutes, then sign in again. Others "
    "trying this email elsewhere do not keep you out: from another network (a phone's "
    "mobile data, say) you can sign in now. If you have forgotten your password, ask an "
    "admin of your organization to make you a reset link."
)
LOGIN_SLOWED = (
    "This email has had many failed sign-ins in the last hour, from many networks. To "
    "protect the account, each network gets one try every 15 minutes for now, and this "
    "network has had its try: wait 15 minutes, then sign in again, typing the password "
    "with care. If the failures were not yours, change your password once you are in, "
    "to one you use nowhere else."
)
LINKS_THROTTLED = (
    "Too many links that do not work were opened from this network. Wait 15 minutes and "
    "try again, with the link exactly as you were given it."
)
JOINS_THROTTLED = (
    "Too many meeting links were opened from this network in a short time. Wait 15 "
    "minutes, then open this page again. If you need the link now, ask the group or "
    "the organization's contact."
)
#: Seconds to suggest in Retry-After: the longest a refusing window can still have to run
#: (the account's own hour never refuses, so it is not one of them).
RETRY_AFTER = int(throttle.WINDOW.total_seconds())


def install(app: Flask) -> None:
    """Throttle every route that takes a <token>."""
    app.after_request(_count_token_misses)


def _secret() -> str:
    return current_app.config["SECRET_KEY"]


def _address() -> str:
    return request.remote_addr or ""


class SignIn:
    """The three counters one sign-in attempt is held to (services/throttle.py): the
    account from this address, this address, and the account from every address."""

    def __init__(self, email: str) -> None:
        email, address = normalize_email(email), _address()
        self.pair_key = throttle.PAIR.key(_secret(), email, address)
        self.address_key = throttle.ADDRESS.key(_secret(), address)
        self.account_key = throttle.ACCOUNT.key(_secret(), email)

    def refusal(self) -> str | None:
        """Why this attempt will not be tried, as the page should say it; None to try it."""
        hold = throttle.sign_in_hold(get_session(), pair=self.pair_key,
                                     address=self.address_key, account=self.account_key,
                                     now=clock.now())
        if hold is throttle.SignInHold.SLOWED:
            return LOGIN_SLOWED
        return LOGIN_THROTTLED if hold is throttle.SignInHold.HELD else None

    def failed(self) -> None:
        """Count the failure and commit it (nothing else of the request is kept)."""
        with write_transaction(get_session()) as session:
            throttle.record(session, [(throttle.PAIR, self.pair_key),
                                      (throttle.ADDRESS, self.address_key),
                                      (throttle.ACCOUNT, self.account_key)],
                            now=clock.now())

    def succeeded(self) -> None:
        """The account's count from this address starts again. The address's and the
        account's overall counts do not: they bound guessing by others, which the owner
        signing in does not end."""
        with write_transaction(get_session()) as session:
            throttle.forget(session, self.pair_key)


def join_allowed() -> bool:
    """Count one join page that gives a meeting's link from this address, and commit the
    count; False (counting nothing) once the address has had JOIN_ADDRESS's share. Only
    the address's keyed hash is kept, for the window's length."""
    key = throttle.JOIN_ADDRESS.key(_secret(), _address())
    with write_transaction(get_session()) as session:
        return throttle.take(session, throttle.JOIN_ADDRESS, key, now=clock.now())


def _token_key() -> str | None:
    if "token" not in (request.view_args or {}):
        return None
    return throttle.TOKEN_ADDRESS.key(_secret(), _address())


def _count_token_misses(response: Response) -> Response:
    key = _token_key() if response.status_code == 404 else None
    if key:
        session = get_session()
        session.rollback()  # a 404 has nothing to keep; the count is all we commit
        with write_transaction(session):
            if throttle.blocked(session, [(throttle.TOKEN_ADDRESS, key)], now=clock.now()):
                return current_app.make_response(current_app.handle_http_exception(
                    TooManyRequests(LINKS_THROTTLED, retry_after=RETRY_AFTER)))
            throttle.record(session, [(throttle.TOKEN_ADDRESS, key)], now=clock.now())
    return response


def rep_link_allowed(token_hash: str) -> bool:
    """Count one change request sent through a group's representative link and commit
    the count; False (counting it as refused) once the link has had REP_LINK's share
    this hour. Returns whether to take it."""
    key = throttle.REP_LINK.key(_secret(), token_hash)
    with write_transaction(get_session()) as session:
        if throttle.take(session, throttle.REP_LINK, key, now=clock.now()):
            return True
        refused = throttle.REP_LINK_REFUSED.key(_secret(), token_hash)
        throttle.record(session, [(throttle.REP_LINK_REFUSED, refused)], now=clock.now())
    return False


def rep_link_refusals(token_hash: str) -> int:
    """How many requests the link had refused in its current hour."""
    key = throttle.REP_LINK_REFUSED.key(_secret(), token_hash)
    return throttle.failures(get_session(), [(throttle.REP_LINK_REFUSED, key)],
                             now=clock.now())[0]
