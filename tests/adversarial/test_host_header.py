"""A forged Host (or X-Forwarded-Host) header never reaches a response.

Feeds are built once per data version and kept (FeedCache, then nginx, then every
calendar app); handouts are printed; invitation and check-in links are handed on. Had
any of them taken the request's Host, one request with `Host: attacker.example` would
send every later subscriber to the attacker's server. Every absolute URL comes from
BASE_URL instead (facilitator/urls.py), which the test config sets to
http://facilitator.test.

Each route of app.url_map is walked with the forged headers, then again as a member
would ask for it, and no byte of any answer may name the forged host: not in a header,
not in the body, not in a PDF's text nor in a QR code printed on it.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from facilitator import clock
from facilitator import pdf
from facilitator.domain.choices import Role
from facilitator.services import accounts
from facilitator.services import feeds
from facilitator.services import headcounts
from facilitator.services import password_resets
from facilitator.services import training_feed
from facilitator.urls import trusted_hosts
from tests.adversarial.conftest import fill
from tests.adversarial.conftest import ids_of
from tests.adversarial.conftest import methods
from tests.adversarial.conftest import sign_in
from tests.adversarial.conftest import url_rules
from tests.conftest import BASE_URL as CANONICAL
from tests.conftest import HOST
from tests.test_handouts import codes_in
from tests.test_handouts import text_of

FORGED = "attacker.example"
#: Every header some server or proxy takes a host from.
FORGED_HEADERS = {"Host": FORGED, "X-Forwarded-Host": FORGED, "X-Forwarded-Server": FORGED,
                  "X-Host": FORGED, "Forwarded": f"host={FORGED}"}

GET_RULES = [r for r in url_rules() if "GET" in methods(r)]
#: Endpoints whose <token> is a capability link, with the kind of token each takes.
TOKENS = {"public.private_feed": "feed", "public.private_subscribe": "feed",
          "checkin.check_in": "checkin", "auth.accept_invitation": "invite",
          "public.training_reminders": "training", "auth.reset_password": "reset"}


def readable(response: Any) -> str:
    """All a person or a program can read from a response: status line, headers, body,
    and for a PDF its text and the QR codes printed on it."""
    parts = [str(response.status_code), *(f"{k}: {v}" for k, v in response.headers.items()),
             response.data.decode("latin-1")]  # every byte, whatever the encoding
    if response.mimetype == "application/pdf" and response.status_code == 200:
        parts += [text_of(response.data), *codes_in(response.data)]
    return "\n".join(parts)


@pytest.fixture
def values(app: Flask, world: dict[str, Any], session: Session,
           make_group: Any) -> dict[str, Any]:
    """URL arguments for org A, with a working token for each kind of capability link
    (the private calendar link of a private group of the same leader)."""
    side = world["a"]
    own = ids_of(side)
    private = make_group(side["org"], visibility="private", facilitators=[side["lead1"]])
    tokens = {
        "feed": feeds.rotate_feed_token(session, None, private),
        "checkin": headcounts.checkin_token(app.config["SECRET_KEY"], side["meeting"]),
        "training": training_feed.rotate_feed_token(session, side["lead1"]),
    }
    newcomer = accounts.create_user(session, None, email="new@example.org",
                                    display_name="New P.")
    accounts.grant_role(session, None, newcomer, side["org"], Role.FACILITATOR)
    tokens["invite"] = accounts.invite(session, side["admin"], newcomer,
                                       now=clock.now(), organization=side["org"])
    tokens["reset"] = password_resets.make_link(session, side["admin"], side["admin"],
                                                now=clock.now(), organization=side["org"])
    session.commit()
    return own | {"tokens": tokens}


def paths(rules: list, values: dict[str, Any]) -> list[str]:
    """Each rule's path filled with values; a path that ends in / also without it, so
    Werkzeug's own redirect to the slashed address is tried too."""
    found = []
    for rule in rules:
        token = values["tokens"].get(TOKENS.get(rule.endpoint, ""), values["token"])
        path = fill(rule, values | {"token": token, "filename": "style.css"})
        found.append(path)
        if path.endswith("/") and path != "/":
            found.append(path.rstrip("/"))
    # A directory asked for with the form's every field: answered by a redirect.
    found.append(f"/o/{values['org_slug']}/?day=&program=")
    return found


def walk(client: FlaskClient, walked: list[str]) -> dict[str, str]:
    """Forged requests first, then a member's ordinary ones; what each answer said."""
    answers = {}
    for headers, label in ((FORGED_HEADERS, "forged"), ({}, "after")):
        for path in walked:
            response = client.get(path, headers=headers)
            assert response.status_code < 500, (label, path, response.status_code)
            answers[f"{label} {path}"] = readable(response)
    return answers


def test_a_forged_host_reaches_no_public_answer_nor_any_later_one(client, values,
                                                                 monkeypatch):
    walked = paths(GET_RULES, values)
    answers = walk(client, walked)
    # Nor does a new Host make a PDF again: what is kept does not depend on it.
    renders = []
    render = pdf.render
    monkeypatch.setattr(pdf, "render", lambda html, *limit: renders.append(html)
                        or render(html, *limit))
    for path in walked:
        if path.endswith(".pdf"):
            assert client.get(path, headers={"Host": "another.example"}).status_code < 500
    assert renders == []
    leaked = [where for where, text in answers.items() if FORGED in text]
    assert not leaked, "\n".join(leaked)
    # The walk reached the answers that hold absolute links, and they name the real site.
    org, group = values["org_slug"], values["group_slug"]
    for path in (f"/o/{org}/meetings.ics", f"/o/{org}/meetings.json", f"/o/{org}/",
                 f"/g/{group}/", f"/g/{group}/meetings.ics", f"/g/{group}/subscribe",
                 f"/o/{org}/subscribe", f"/feeds/{values['tokens']['feed']}.ics",
                 f"/feeds/{values['tokens']['feed']}/subscribe"):
        for label in ("forged", "after"):
            assert f"{CANONICAL}/" in answers[f"{label} {path}"], (label, path)
    for label in ("forged", "after"):
        assert f"{CANONICAL}/g/{group}/subscribe" in answers[f"{label} /g/{group}/handout.pdf"]


def sign_in_whatever_the_host(client: FlaskClient, user: Any) -> None:
    """Sign in; the test client then sends the cookie with a forged Host too, as a
    browser sends it to whatever server it reached."""
    sign_in(client, user)
    cookie = client.get_cookie("session", domain=HOST)
    client.set_cookie("session", cookie.value, domain=FORGED)


def test_a_leaders_links_and_handouts_name_the_real_site_whatever_the_host(
        client, values, world):
    """Signed in, the leader's pages hand out the check-in link, the private calendar
    link and the check-in card: all with the real site, even when the request lied."""
    sign_in_whatever_the_host(client, world["a"]["lead1"])
    signed_in = [r for r in GET_RULES if r.endpoint.startswith("manage.")]
    answers = walk(client, paths(signed_in, values))
    leaked = [where for where, text in answers.items() if FORGED in text]
    assert not leaked, "\n".join(leaked)
    meeting = values["meeting_id"]
    group = values["group_slug"]
    token = values["tokens"]["checkin"]
    for label in ("forged", "after"):  # the forged requests too reached the pages
        for page in ("checkin", "checkin-card.pdf"):
            assert f"{CANONICAL}/c/{token}" in \
                answers[f"{label} /manage/g/{group}/meetings/{meeting}/{page}"]

    # Links made on demand and shown once: a new private calendar link, an invitation.
    feed_page = client.post(f"/manage/g/{group}/feed-link", data={"confirm": "y"},
                            headers=FORGED_HEADERS)
    assert FORGED not in readable(feed_page)
    assert f'value="{CANONICAL}/feeds/' in feed_page.get_data(as_text=True)
    sign_in_whatever_the_host(client, world["a"]["admin"])
    invited = client.post(f"/admin/{values['org_slug']}/people/new", headers=FORGED_HEADERS,
                          data={"email": "another@example.org", "display_name": "An O.",
                                "roles": ["auditor"]})
    assert FORGED not in readable(invited)
    assert f"{CANONICAL}/invite/" in invited.get_data(as_text=True)
    reset = client.post(f"/admin/{values['org_slug']}/people/{world['a']['lead1'].id}"
                        "/reset-link", headers=FORGED_HEADERS)
    assert FORGED not in readable(reset)
    assert f'value="{CANONICAL}/reset/' in reset.get_data(as_text=True)


@pytest.mark.parametrize("host", ["bad host", "facilitator.test:99999", "[::1", "a/b",
                                  "facilitator.test.attacker.example"])
def test_under_make_serve_an_odd_host_gets_a_plain_400_not_a_500(app, client, values, host):
    """Refused before routing there is no URL adapter, so the usual error page (which
    builds links) would fail: the refusal is plain text and names no host."""
    app.config["TRUSTED_HOSTS"] = trusted_hosts(app.config["BASE_URL"])
    for path in (f"/o/{values['org_slug']}/meetings.ics", "/", "/nowhere"):
        response = client.get(path, headers={"Host": host})
        assert response.status_code == 400
        assert response.get_data(as_text=True) == \
            "This server does not answer for that host name.\n"


def test_under_make_serve_another_host_is_refused_before_any_view(app, client, values):
    """`make serve` trusts only BASE_URL's host (TRUSTED_HOSTS): a forged Host gets 400
    on every route; X-Forwarded-Host beside the right Host changes nothing."""
    app.config["TRUSTED_HOSTS"] = trusted_hosts(app.config["BASE_URL"])
    for path in paths(GET_RULES, values):
        refused = client.get(path, headers=FORGED_HEADERS)
        assert refused.status_code == 400, path
        assert FORGED not in readable(refused)
    feed = f"/o/{values['org_slug']}/meetings.json"
    served = client.get(feed, headers={k: v for k, v in FORGED_HEADERS.items() if k != "Host"})
    assert served.status_code == 200
    assert FORGED not in readable(served) and f"{CANONICAL}/g/" in readable(served)
