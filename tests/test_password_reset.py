"""A leader who forgot their password gets back in: an admin of one of their orgs (or
whoever runs the site, from the command line) makes a one-time reset link, and the link
sets a new password, signs them in and signs out every other device."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from facilitator import clock
from facilitator import crypto
from facilitator.domain.choices import Role
from facilitator.models import AuditEntry
from facilitator.models import User
from facilitator.services import accounts
from facilitator.services import password_resets
from facilitator.services.password_resets import RESET_LIFETIME
from facilitator.throttling import LINKS_THROTTLED
from tests.conftest import PASSWORD
from tests.conftest import page_text

#: A link as the admin's page shows it: the site, then /reset/ and a 32-letter token.
LINK = re.compile(r'value="http://facilitator\.test(/reset/[A-Za-z0-9_-]{32})"')
#: What the command line prints: the same link on a line of its own.
PRINTED = re.compile(r"^http://facilitator\.test(/reset/[A-Za-z0-9_-]{32})$", re.M)
NEW_PASSWORD = "a brand new passphrase"
UNUSABLE = "This reset link does not work"


@pytest.fixture
def riverside(make_org, make_user, auth):
    """Riverside, its admin Dana R. (signed in), and Sam T., who leads there and has
    forgotten his password."""
    org = make_org(slug="riverside", name="Riverside")
    admin = make_user(org, Role.ADMIN, display_name="Dana R.")
    sam = make_user(org, Role.FACILITATOR, email="sam@example.org", display_name="Sam T.")
    auth.login(admin)
    return {"org": org, "admin": admin, "sam": sam}


def make_link(client, person) -> str:
    response = client.post(f"/admin/riverside/people/{person.id}/reset-link")
    assert response.status_code == 200, response.status_code
    return LINK.search(response.get_data(as_text=True)).group(1)


def set_password(client, link: str, password: str = NEW_PASSWORD, confirm: str | None = None):
    return client.post(link, data={"password": password,
                                   "confirm": password if confirm is None else confirm})


def signed_in(client) -> bool:
    return client.get("/manage/").status_code == 200


def test_the_login_page_says_whom_to_ask(client):
    text = page_text(client.get("/login"))
    assert "Forgot your password?" in text
    assert "Ask an admin of your organization to make you a reset link." in text
    assert f"It works once, for {password_resets.RESET_HOURS} hours" in text


def test_the_person_page_offers_a_reset_link_once_they_have_a_password(client, riverside,
                                                                          session):
    page = page_text(client.get(f"/admin/riverside/people/{riverside['sam'].id}"))
    assert "Make a password reset link" in page
    assert "Make a new invitation link" not in page
    invited = accounts.create_user(session, None, email="new@example.org",
                                   display_name="New P.")
    accounts.grant_role(session, None, invited, riverside["org"], Role.FACILITATOR)
    session.commit()
    page = page_text(client.get(f"/admin/riverside/people/{invited.id}"))
    assert "Make a new invitation link" in page
    assert "Make a password reset link" not in page


def test_a_leader_gets_back_in_and_every_other_device_is_signed_out(
        app, client, riverside, session):
    sam = riverside["sam"]
    old_device = app.test_client()
    old_device.post("/login", data={"email": sam.email, "password": PASSWORD})
    assert signed_in(old_device)

    answer = client.post(f"/admin/riverside/people/{sam.id}/reset-link")
    text = page_text(answer)
    assert "A reset link for Sam T." in text and "sam@example.org" in text
    link = LINK.search(answer.get_data(as_text=True)).group(1)

    phone = app.test_client()
    page = phone.get(link)
    assert page.status_code == 200
    assert "Choose a new password" in page_text(page) and "sam@example.org" in page_text(page)
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert page.headers["Cache-Control"] == "private, no-store"
    assert phone.get(link).status_code == 200  # opening it (a chat's preview) uses nothing

    done = set_password(phone, link)
    assert done.status_code == 302 and done.headers["Location"] == "/manage/"
    assert "Your new password is set and you are signed in" in page_text(
        phone.get("/manage/"))
    assert not signed_in(old_device)

    again = app.test_client().get(link)
    assert again.status_code == 404 and UNUSABLE in page_text(again)
    assert "Ask an admin of your organization to make you a new reset link" in page_text(again)
    assert set_password(app.test_client(), link, "yet another passphrase").status_code == 404

    session.expire_all()
    assert crypto.verify_password(sam.password_hash, NEW_PASSWORD)
    assert not crypto.verify_password(sam.password_hash, PASSWORD)
    assert sam.reset_token_hash is None
    fresh = app.test_client()
    fresh.post("/login", data={"email": sam.email, "password": NEW_PASSWORD})
    assert signed_in(fresh)


def test_making_the_link_is_in_the_orgs_audit_log_and_using_it_in_the_persons(
        app, client, riverside, session):
    sam = riverside["sam"]
    link = make_link(client, sam)
    set_password(app.test_client(), link)
    entries = session.scalars(select(AuditEntry).where(AuditEntry.entity_type == "user",
                                                       AuditEntry.entity_id == sam.id)
                              .order_by(AuditEntry.id)).all()
    made, used = entries[-2:]
    assert (made.summary, made.actor_name, made.organization_id) == (
        "Password reset link made for Sam T.", "Dana R.", riverside["org"].id)
    assert (used.summary, used.actor_id, used.organization_id) == (
        "Sam T. set a new password with a reset link", sam.id, None)
    token = link.rsplit("/", 1)[1]
    for entry in entries:
        assert token not in f"{entry.summary} {entry.before} {entry.after}"
        assert crypto.token_hash(token) not in f"{entry.before} {entry.after}"


def test_a_new_link_ends_the_old_one(app, client, riverside):
    first = make_link(client, riverside["sam"])
    second = make_link(client, riverside["sam"])
    assert first != second
    assert UNUSABLE in page_text(app.test_client().get(first))
    assert set_password(app.test_client(), first).status_code == 404
    assert set_password(app.test_client(), second).status_code == 302


def test_a_link_works_for_its_lifetime_and_not_after(app, client, riverside, monkeypatch):
    made = clock.now()
    monkeypatch.setattr(clock, "now", lambda: made)
    link = make_link(client, riverside["sam"])
    monkeypatch.setattr(clock, "now", lambda: made + RESET_LIFETIME)
    assert app.test_client().get(link).status_code == 200
    monkeypatch.setattr(clock, "now", lambda: made + RESET_LIFETIME + timedelta(seconds=1))
    late = app.test_client().get(link)
    assert late.status_code == 404 and UNUSABLE in page_text(late)
    assert set_password(app.test_client(), link).status_code == 404


@pytest.mark.parametrize("token", ["not-a-real-token", "x" * 32, "x" * 5000, "%00", "a.b",
                                   "ÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿ"])
def test_unknown_links_get_the_calm_page(client, token):
    for response in (client.get(f"/reset/{token}"),
                     client.post(f"/reset/{token}", data={"password": NEW_PASSWORD,
                                                          "confirm": NEW_PASSWORD})):
        assert response.status_code in (400, 404)
        if response.status_code == 404:
            assert UNUSABLE in page_text(response)


@pytest.mark.parametrize("password, confirm, message", [
    ("short", None, "at least 12 characters"),
    (NEW_PASSWORD, "something else entirely", "The two passwords differ."),
    ("password1234", None, "list of common passwords"),
])
def test_a_refused_password_changes_nothing(app, client, riverside, session, password,
                                            confirm, message):
    sam = riverside["sam"]
    old_device = app.test_client()
    old_device.post("/login", data={"email": sam.email, "password": PASSWORD})
    link = make_link(client, sam)
    phone = app.test_client()
    refused = set_password(phone, link, password, confirm)
    assert refused.status_code == 200 and message in page_text(refused)
    assert not signed_in(phone)
    assert signed_in(old_device)
    session.expire_all()
    assert crypto.verify_password(sam.password_hash, PASSWORD)
    assert set_password(phone, link).status_code == 302  # the link still works


def test_only_an_admin_of_one_of_the_persons_orgs_can_make_one(
        app, client, riverside, make_org, make_user, auth, session):
    sam = riverside["sam"]
    elsewhere = make_org(slug="elsewhere", name="Elsewhere")
    outsider = make_user(elsewhere, Role.ADMIN)
    auth.logout()
    for who in (outsider, make_user(riverside["org"], Role.AUDITOR),
                make_user(riverside["org"], Role.FACILITATOR)):
        auth.login(who)
        assert client.post(f"/admin/riverside/people/{sam.id}/reset-link").status_code == 404
        assert client.post(f"/admin/elsewhere/people/{sam.id}/reset-link").status_code == 404
        auth.logout()
    session.expire_all()
    assert sam.reset_token_hash is None
    # An admin of another org Sam leads in may: that org's page is his page too.
    accounts.grant_role(session, None, sam, elsewhere, Role.FACILITATOR)
    session.commit()
    auth.login(outsider)
    answer = client.post(f"/admin/elsewhere/people/{sam.id}/reset-link")
    assert LINK.search(answer.get_data(as_text=True))


def test_setting_a_password_another_way_ends_the_reset_link(app, client, riverside):
    sam = riverside["sam"]
    link = make_link(client, sam)
    leader = app.test_client()
    leader.post("/login", data={"email": sam.email, "password": PASSWORD})
    leader.post("/account/password", data={"current_password": PASSWORD,
                                           "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert UNUSABLE in page_text(app.test_client().get(link))


def test_wrong_reset_links_are_throttled_like_every_token_route(client):
    from facilitator.services import throttle

    for n in range(throttle.TOKEN_ADDRESS.failures):
        assert client.get(f"/reset/wrong{n}", environ_base={"REMOTE_ADDR": "192.0.2.8"}) \
            .status_code == 404
    held = client.get("/reset/another", environ_base={"REMOTE_ADDR": "192.0.2.8"})
    assert held.status_code == 429 and LINKS_THROTTLED in page_text(held)


def test_the_service_keeps_only_the_hash_and_only_the_newest_link(session, make_user):
    sam = make_user(display_name="Sam T.")
    now = clock.now()
    first = password_resets.make_link(session, None, sam, now=now, organization=None)
    second = password_resets.make_link(session, None, sam, now=now, organization=None)
    assert len(first) * 6 // 8 >= 16  # at least 128 bits
    assert sam.reset_token_hash == crypto.token_hash(second)
    assert password_resets.find(session, first, now=now) is None
    assert password_resets.find(session, second, now=now) is sam
    version = sam.session_version
    password_resets.reset(session, sam, NEW_PASSWORD)
    assert sam.session_version == version + 1
    assert password_resets.find(session, second, now=now) is None
    session.rollback()


def test_the_command_line_prints_a_link(app, runner, make_user, session):
    sam = make_user(email="sam@example.org", display_name="Sam T.")
    result = runner.invoke(args=["reset-password", "Sam@Example.org"])
    assert result.exit_code == 0, result.output
    assert "Reset link for Sam T. <sam@example.org>" in result.output
    link = PRINTED.search(result.output).group(1)
    assert set_password(app.test_client(), link).status_code == 302
    entry = session.scalars(select(AuditEntry).where(AuditEntry.entity_id == sam.id)
                            .order_by(AuditEntry.id.desc())).all()[1]
    assert (entry.summary, entry.actor_name) == ("Password reset link made for Sam T.",
                                                 "command line")


def test_the_command_line_refuses_an_unknown_email_and_makes_nothing(runner, session):
    result = runner.invoke(args=["reset-password", "nobody@example.org"])
    assert result.exit_code == 1
    assert "No account has the email 'nobody@example.org'. Nothing was made." in result.output
    assert session.scalar(select(User).where(User.reset_token_hash.is_not(None))) is None
