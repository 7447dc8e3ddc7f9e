"""Every POST route, walked from the URL map, refuses a request without a CSRF token
(400, a clear message, nothing changed), with CSRF protection on as in production."""

from __future__ import annotations

import pytest

from tests.adversarial.conftest import fill
from tests.adversarial.conftest import ids_of
from tests.adversarial.conftest import sign_in
from tests.adversarial.conftest import snapshot
from tests.adversarial.conftest import url_rules

#: POST routes exempt on purpose: a member's check-in (and acknowledgement of the
#: statement) has no session to hold a token (see views/checkin.py); a forged tap can
#: do nothing a real one cannot.
EXEMPT = {"checkin.record", "checkin.acknowledge"}
POSTS = [r for r in url_rules() if "POST" in (r.methods or ()) and r.endpoint not in EXEMPT]
FORGED = {"name": "Forged", "title": "Forged", "email": "forged@example.org",
          "password": "forged password!", "confirm": "forged password!", "people": "7",
          "tap": "+1", "roles": "admin", "reason": "holiday", "last_date": "2026-02-03"}


def test_only_the_check_in_taps_are_exempt():
    assert len(POSTS) >= 15
    assert {r.endpoint for r in url_rules() if "POST" in (r.methods or ())} - \
        {r.endpoint for r in POSTS} == EXEMPT


@pytest.mark.parametrize("rule", POSTS, ids=lambda r: r.rule)
def test_post_without_csrf_token_is_refused(csrf_app, world, session, rule):
    client = csrf_app.test_client()
    sign_in(client, world["a"]["admin"])
    before = snapshot(session)
    response = client.post(fill(rule, ids_of(world["a"])), data=FORGED,
                           headers={"Origin": "https://evil.example"})
    assert response.status_code == 400, response.status_code
    assert "nothing was saved" in response.get_data(as_text=True)
    assert snapshot(session) == before
    assert client.get("/manage/").status_code == 200  # still signed in: logout refused too


def test_a_token_from_another_session_is_refused(csrf_app, world, session):
    thief, victim = csrf_app.test_client(), csrf_app.test_client()
    sign_in(thief, world["b"]["admin"])
    sign_in(victim, world["a"]["admin"])
    page = thief.get("/admin/org-b/groups/new").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    before = snapshot(session)
    response = victim.post("/admin/org-a/groups/new", data={
        "csrf_token": token, "name": "Forged", "slug": "forged", "program": "aa",
        "audience": "everyone", "languages": "en", "visibility": "public"})
    assert response.status_code == 400
    assert snapshot(session) == before
