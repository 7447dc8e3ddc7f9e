"""Security headers on every response: pages, feeds, errors, token links."""

from __future__ import annotations

import pytest

from facilitator.domain.choices import Role
from facilitator.headers import CONTENT_SECURITY_POLICY

STRICT = "strict-origin-when-cross-origin"


def assert_common_headers(response) -> None:
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP here


@pytest.mark.parametrize("path, status", [
    ("/", 200), ("/login", 200), ("/manage/", 302), ("/no/such/page", 404),
    ("/o/nope/meetings.ics", 404), ("/static/style.css", 200),
])
def test_every_response_has_the_headers(client, path, status):
    response = client.get(path)
    response.close()  # the static file's handle
    assert response.status_code == status
    assert_common_headers(response)
    assert response.headers["Referrer-Policy"] == STRICT


@pytest.mark.parametrize("path", [
    "/feeds/" + "A" * 32 + ".ics", "/invite/not-a-real-invitation", "/c/not-a-real-token",
])
def test_token_addresses_never_send_a_referer_even_when_wrong(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert_common_headers(response)
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_a_working_invitation_page_sends_no_referer(client, make_org, make_user, session):
    from facilitator import clock
    from facilitator.services import accounts

    user = make_user(make_org(), Role.FACILITATOR)
    token = accounts.invite(session, None, user, now=clock.now())
    session.commit()
    response = client.get(f"/invite/{token}")
    assert response.status_code == 200
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_hsts_only_over_https(client):
    response = client.get("/", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=63072000")
    assert_common_headers(client.get("/"))


def test_signed_in_pages_have_the_headers(client, auth, tenancy):
    auth.login(tenancy["a"]["admin"])
    for path in ("/manage/", "/admin/org-a/", "/audit/org-a/log"):
        response = client.get(path)
        assert response.status_code in (200, 302), path
        assert_common_headers(response)
