"""Signing in and out, passwords, invitations, CSRF."""

from __future__ import annotations

import pytest
from argon2 import Type
from argon2 import extract_parameters
from sqlalchemy import func
from sqlalchemy import select

from facilitator import create_app
from facilitator.crypto import verify_password
from facilitator.domain.choices import Role
from facilitator.models import AuditEntry
from facilitator.services.accounts import find_user
from facilitator.views.auth import LOGIN_FAILED
from tests.conftest import APP_PASSWORD_HASHER
from tests.conftest import HOST
from tests.conftest import PASSWORD
from tests.conftest import app_config


@pytest.fixture
def leader(make_org, make_user):
    org = make_org()
    return make_user(org, Role.FACILITATOR, email="leader@example.org")


def test_login_lands_on_dashboard(client, auth, leader):
    response = auth.login(leader)
    assert response.status_code == 302
    assert response.location == "/manage/"
    page = client.get("/manage/").get_data(as_text=True)
    assert f"Hello, {leader.display_name}" in page


def test_email_is_case_insensitive(client, auth, leader):
    assert auth.login("  Leader@Example.ORG ").location == "/manage/"


@pytest.mark.parametrize("email, password", [
    ("leader@example.org", "wrong password here"),
    ("nobody@example.org", PASSWORD),
])
def test_unknown_email_and_wrong_password_read_the_same(client, auth, leader, email, password):
    response = auth.login(email, password)
    assert response.status_code == 200
    assert LOGIN_FAILED in response.get_data(as_text=True)
    assert client.get("/manage/").status_code == 302  # still signed out


def test_missing_fields_are_named(client):
    page = client.post("/login", data={}).get_data(as_text=True)
    assert "Enter your email." in page and "Enter your password." in page
    assert "This field is required." not in page
    # The same page in Spanish, as a browser that asks for it gets it.
    spanish = client.post("/login", data={}, headers={"Accept-Language": "es"}).text
    assert "Iniciar sesión" in spanish and "Correo electrónico" in spanish
    assert "Escriba su correo electrónico." in spanish and "Enter your email." not in spanish


def test_pages_for_leaders_ask_for_login_and_come_back(client, auth, leader):
    response = client.get("/manage/")
    assert response.status_code == 302
    assert response.location.startswith("/login?next=/manage/")
    response = client.post(
        "/login?next=/account/password", data={"email": leader.email, "password": PASSWORD}
    )
    assert response.location == "/account/password"


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:x"]
)
def test_login_never_redirects_off_site(client, leader, target):
    response = client.post(
        "/login", query_string={"next": target},
        data={"email": leader.email, "password": PASSWORD},
    )
    assert response.location == "/manage/"


def test_logout_ends_the_session(client, auth, leader):
    auth.login(leader)
    auth.logout()
    assert client.get("/manage/").status_code == 302


def test_logout_ends_every_session_of_the_account(app, client, auth, leader):
    other_device = app.test_client()
    other_device.post("/login", data={"email": leader.email, "password": PASSWORD})
    stolen_cookie = other_device.get_cookie("session", domain=HOST).value
    auth.login(leader)
    auth.logout()
    assert other_device.get("/manage/").status_code == 302
    thief = app.test_client()
    thief.set_cookie("session", stolen_cookie, domain=HOST)
    assert thief.get("/manage/").status_code == 302
    assert auth.login(leader).location == "/manage/"  # signing in again works


def test_login_starts_a_fresh_session(client, auth, leader):
    with client.session_transaction() as planted:
        planted["user_id"] = 999_999
        planted["planted"] = "by someone else"
    before = client.get_cookie("session", domain=HOST).value
    auth.login(leader)
    with client.session_transaction() as fresh:
        assert "planted" not in fresh
        assert fresh["user_id"] == leader.id
    assert client.get_cookie("session", domain=HOST).value != before


def test_change_password_signs_out_other_devices(app, client, auth, leader, session):
    other_device = app.test_client()
    other_device.post("/login", data={"email": leader.email, "password": PASSWORD})
    auth.login(leader)
    response = client.post("/account/password", data={
        "current_password": PASSWORD, "password": "a brand new passphrase",
        "confirm": "a brand new passphrase",
    })
    assert response.location == "/manage/"
    assert client.get("/manage/").status_code == 200  # this device stays signed in
    assert other_device.get("/manage/").status_code == 302  # the other one is out
    auth.logout()
    assert auth.login(leader, "a brand new passphrase").location == "/manage/"


@pytest.mark.parametrize("form, message", [
    ({"current_password": "not it at all", "password": "long enough pass",
      "confirm": "long enough pass"}, "That is not your current password."),
    ({"current_password": PASSWORD, "password": "short", "confirm": "short"},
     "Use at least 12 characters"),
    ({"current_password": PASSWORD, "password": "long enough pass",
      "confirm": "different one!!"}, "The two passwords differ."),
    ({"current_password": PASSWORD, "password": "x" * 129, "confirm": "x" * 129},
     "Use at most 128 characters."),
    ({"current_password": PASSWORD, "password": "Password1234", "confirm": "Password1234"},
     "on a list of common passwords"),
])
def test_change_password_refusals_change_nothing(client, auth, leader, session, form, message):
    auth.login(leader)
    page = client.post("/account/password", data=form).get_data(as_text=True)
    assert message in page
    session.refresh(leader)
    assert verify_password(leader.password_hash, PASSWORD)


def test_128_character_passwords_are_not_truncated(client, auth, leader):
    long_password = "p" * 127 + "A"
    auth.login(leader)
    client.post("/account/password", data={
        "current_password": PASSWORD, "password": long_password, "confirm": long_password})
    auth.logout()
    assert auth.login(leader, "p" * 127 + "B").status_code == 200  # refused
    assert auth.login(leader, long_password).location == "/manage/"


def test_invitation_sets_password_once(client, auth, make_org, make_user, session):
    org = make_org()
    admin = make_user(org, Role.ADMIN)
    auth.login(admin)
    page = client.post(f"/admin/{org.slug}/people/new", data={
        "email": "new.leader@example.org", "display_name": "Robin S.", "roles": ["facilitator"],
    }).get_data(as_text=True)
    link = page.split('value="http://facilitator.test')[1].split('"')[0]
    assert link.startswith("/invite/")
    auth.logout()
    assert "Welcome, Robin S." in client.get(link).get_data(as_text=True)
    response = client.post(link, data={"password": "my own passphrase", "confirm":
                                       "my own passphrase"})
    assert response.location == "/manage/"
    auth.logout()
    assert client.get(link).status_code == 404  # used up
    assert auth.login("new.leader@example.org", "my own passphrase").location == "/manage/"


def test_unknown_invitation_is_404(client):
    assert client.get("/invite/not-a-real-token").status_code == 404


def test_invited_account_cannot_log_in_before_setting_password(client, auth, make_org, session):
    from facilitator.services import accounts

    user = accounts.create_user(session, None, email="pending@example.org", display_name="P.")
    session.commit()
    assert user.password_hash is None
    assert LOGIN_FAILED in auth.login("pending@example.org", PASSWORD).get_data(as_text=True)


def test_post_without_csrf_token_is_refused_and_changes_nothing(database_url, leader, session):
    app = create_app(app_config(database_url, WTF_CSRF_ENABLED=True))
    database = app.extensions["facilitator.db"]
    # Share the test's transaction, so the leader made by the fixture is visible.
    database.sessionmaker.configure(bind=session.connection(),
                                    join_transaction_mode="create_savepoint")
    client = app.test_client()
    before = session.scalar(select(func.count()).select_from(AuditEntry))
    response = client.post("/login", data={"email": leader.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "nothing was saved" in response.get_data(as_text=True)
    spanish = client.post("/login", data={"email": leader.email, "password": PASSWORD},
                          headers={"Accept-Language": "es"})
    assert "no se guardó nada" in spanish.get_data(as_text=True)
    assert client.get("/manage/").status_code == 302
    assert session.scalar(select(func.count()).select_from(AuditEntry)) == before


def test_login_page_sends_signed_in_people_onward(client, auth, leader):
    auth.login(leader)
    assert client.get("/login").location == "/manage/"


def test_lost_invitation_can_be_replaced(client, auth, make_org, make_user, session):
    org = make_org()
    auth.login(make_user(org, Role.ADMIN))
    first = client.post(f"/admin/{org.slug}/people/new", data={
        "email": "lost@example.org", "display_name": "Lee L.", "roles": ["auditor"],
    }).get_data(as_text=True).split('value="http://facilitator.test')[1].split('"')[0]
    person = find_user(session, "lost@example.org")
    page = client.post(f"/admin/{org.slug}/people/{person.id}/invite").get_data(as_text=True)
    second = page.split('value="http://facilitator.test')[1].split('"')[0]
    assert second != first
    auth.logout()
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200
    summaries = [e.summary for e in session.scalars(
        select(AuditEntry).where(AuditEntry.organization_id == org.id))]
    assert "Account Lee L." in summaries
    assert summaries.count("Invitation link made for Lee L.") == 2


def test_the_app_stores_passwords_as_argon2id_at_owasp_strength_or_more():
    # The suite signs in with argon2's cheapest parameters (tests/conftest.py); the app's
    # own hasher is the one kept aside there.
    stored = APP_PASSWORD_HASHER.hash("a leader's password")
    parameters = extract_parameters(stored)
    assert parameters.type is Type.ID
    assert parameters.memory_cost >= 19 * 1024 and parameters.time_cost >= 2
    assert APP_PASSWORD_HASHER.verify(stored, "a leader's password")
