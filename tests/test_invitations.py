"""An admin who adds the email of an account that already exists invites it: the admin
sees what they would see for a new email, and nothing changes for the account until its
owner, signed in, accepts."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func
from sqlalchemy import select

from facilitator import clock
from facilitator import create_app
from facilitator.domain.choices import Role
from facilitator.models import AuditEntry
from facilitator.models import Group
from facilitator.models import Membership
from facilitator.models import PendingInvitation
from facilitator.models import User
from facilitator.services import accounts
from facilitator.services import invitations
from facilitator.services.accounts import INVITATION_LIFETIME
from tests.adversarial.conftest import sign_in
from tests.conftest import app_config
from tests.conftest import page_text

#: A link as the admin's answer shows it: the site, then /invite/ and a 32-letter token.
LINK = re.compile(r'value="http://facilitator\.test(/invite/[A-Za-z0-9_-]{32})"')
#: What a person's page links to, for new accounts and invitations alike.
PERSON_URL = re.compile(r"/admin/riverside/(?:people|invitations)/\d+")
#: Flask-WTF signs each form's token with the second it was made in.
CSRF_TOKEN = re.compile(r'(<input[^>]*name="csrf_token"[^>]*value=)"[^"]+"')


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def written(session) -> tuple[int, ...]:
    return tuple(count(session, model) for model in
                 (User, Membership, PendingInvitation, AuditEntry))


@pytest.fixture
def riverside(make_org, make_user, make_group, auth):
    """Riverside, its admin Dana R. (signed in) and a group; and Sam, who leads a group
    in another org under a name of his own that Riverside must never see."""
    org = make_org(slug="riverside", name="Riverside")
    admin = make_user(org, Role.ADMIN, display_name="Dana R.")
    group = make_group(org, name="Tuesday Women's AA", slug="tuesday-women")
    elsewhere = make_org(slug="elsewhere", name="Elsewhere Recovery")
    sam = make_user(elsewhere, Role.FACILITATOR, email="sam@example.org",
                    display_name="Samuel Private-Name")
    make_group(elsewhere, name="Elsewhere Thursday", facilitators=[sam])
    auth.login(admin)
    return {"org": org, "admin": admin, "group": group, "sam": sam}


def add_person(client, email: str, name: str, roles=("facilitator",), groups=()):
    return client.post("/admin/riverside/people/new", data={
        "email": email, "display_name": name, "roles": list(roles),
        "groups": [str(group_id) for group_id in groups]})


def link_in(response) -> str:
    return LINK.search(response.get_data(as_text=True)).group(1)


def invite_sam(client, riverside, roles=("facilitator",), groups=None) -> str:
    """Dana adds Sam's email as "Sam T." and signs out; return the link she got."""
    groups = [riverside["group"].id] if groups is None else groups
    link = link_in(add_person(client, "sam@example.org", "Sam T.", roles, groups))
    client.post("/logout")
    return link


def normalised(html: str, *names_and_emails: str) -> str:
    """The page with what rightly differs (the person's name, email, link, page ids, the
    second the form token was signed in) put in neutral words."""
    html = LINK.sub('value="LINK"', html)
    html = CSRF_TOKEN.sub(r'\1"TOKEN"', html)
    html = PERSON_URL.sub("/admin/riverside/PERSON", html)
    for text in names_and_emails:
        html = html.replace(text, "SOMEONE")
    return html


def person_url(overview_html: str, name: str) -> str:
    return re.search(rf'<a href="({PERSON_URL.pattern})">{re.escape(name)}</a>',
                     overview_html).group(1)


def test_an_existing_email_gets_the_same_answer_as_a_new_one(client, riverside, session):
    group = riverside["group"].id
    new = add_person(client, "robin@example.org", "Robin S.", groups=[group])
    existing = add_person(client, "SAM@example.org", "Sam T.", groups=[group])
    assert new.status_code == existing.status_code == 200
    new_link, existing_link = link_in(new), link_in(existing)
    assert len(new_link) == len(existing_link)
    # The whole page, flash messages included, differs only in the name, email and link.
    new_html, existing_html = new.get_data(as_text=True), existing.get_data(as_text=True)
    assert "Robin S. is invited" in page_text(new) and "Sam T. is invited" in page_text(existing)
    assert normalised(new_html, "Robin S.", "robin@example.org") \
        == normalised(existing_html, "Sam T.", "sam@example.org")
    # The people list reads the same for both, under the names Dana typed; nothing was
    # left to flash on the next page either.
    overview = client.get("/admin/riverside/")
    text = page_text(overview)
    assert "Robin S. robin@example.org Facilitator Invited" in text
    assert "Sam T. sam@example.org Facilitator Invited" in text
    assert "Samuel Private-Name" not in overview.get_data(as_text=True)
    assert "already has an account" not in text
    # So do their pages.
    html = overview.get_data(as_text=True)
    robin_page = client.get(person_url(html, "Robin S.")).get_data(as_text=True)
    sam_page = client.get(person_url(html, "Sam T.")).get_data(as_text=True)
    assert "invited, has not accepted yet" in page_text(sam_page)
    assert "Samuel Private-Name" not in sam_page
    assert normalised(robin_page, "Robin S.", "robin@example.org") \
        == normalised(sam_page, "Sam T.", "sam@example.org")


def test_nothing_changes_for_the_existing_account_until_it_accepts(client, auth, riverside,
                                                                   session):
    sam, org = riverside["sam"], riverside["org"]
    auth.logout()
    auth.login(sam)
    dashboard_before = page_text(client.get("/manage/"))
    auth.logout()
    auth.login(riverside["admin"])
    invite_sam(client, riverside, roles=("admin", "facilitator"))
    auth.login(sam)
    assert page_text(client.get("/manage/")) == dashboard_before
    assert "Riverside" not in dashboard_before
    assert client.get("/admin/riverside/").status_code == 404
    assert client.get("/manage/g/tuesday-women/").status_code == 404
    session.expire_all()
    assert sam.roles_in(org) == set()
    assert riverside["group"].facilitators == []


def test_the_invited_person_signs_in_accepts_and_gets_the_roles_and_groups(
        client, auth, riverside, session):
    sam, org, group = riverside["sam"], riverside["org"], riverside["group"]
    link = invite_sam(client, riverside)
    # Signed out, the link asks for the invited account and comes back to itself.
    response = client.get(link)
    assert response.location == f"/login?next={link}"
    assert "Sign in to it" in page_text(client.get(response.location))
    response = client.post(response.location, data={"email": "sam@example.org",
                                                     "password": "correct horse battery"})
    assert response.location == link
    page = page_text(client.get(link))
    assert "Riverside invites you" in page
    assert "Dana R., an admin of Riverside" in page
    assert "as facilitator." in page and "Tuesday Women's AA" in page
    assert "Accept" in page and "Decline" in page
    response = client.post(link, data={"answer": "accept"})
    assert response.location == "/manage/"
    dashboard = page_text(client.get("/manage/"))
    assert "You have joined Riverside." in dashboard
    assert "Tuesday Women's AA" in dashboard
    session.expire_all()
    assert sam.roles_in(org) == {Role.FACILITATOR}
    assert [u.id for u in group.facilitators] == [sam.id]
    assert count(session, PendingInvitation) == 0
    assert client.get(link).status_code == 404  # used up
    summaries = [e.summary for e in session.scalars(
        select(AuditEntry).where(AuditEntry.organization_id == org.id))]
    assert "Samuel Private-Name made facilitator" in summaries
    assert "Samuel Private-Name accepted the invitation to Riverside" in summaries
    # Now that he has joined, Riverside sees him as his account names him.
    auth.logout()
    auth.login(riverside["admin"])
    people = page_text(client.get("/admin/riverside/"))
    assert "Samuel Private-Name sam@example.org Facilitator Active" in people
    assert "Sam T." not in people


def test_declining_leaves_nothing(client, auth, riverside, session):
    sam, org = riverside["sam"], riverside["org"]
    link = invite_sam(client, riverside, roles=("auditor",), groups=[])
    auth.login(sam)
    response = client.post(link, data={"answer": "decline"})
    assert response.location == "/manage/"
    assert "You have declined the invitation to Riverside." in page_text(client.get("/manage/"))
    session.expire_all()
    assert sam.roles_in(org) == set()
    assert count(session, PendingInvitation) == 0
    assert client.get(link).status_code == 404
    auth.logout()
    auth.login(riverside["admin"])
    assert "sam@example.org" not in page_text(client.get("/admin/riverside/"))
    assert "Samuel Private-Name" not in page_text(client.get("/audit/riverside/log"))


def test_another_signed_in_account_gets_what_an_unknown_link_gets(client, auth, riverside,
                                                                  make_user, session):
    link = invite_sam(client, riverside)
    auth.login(make_user(riverside["org"], Role.FACILITATOR))
    unknown = client.get("/invite/" + "A" * 32)
    for method in ("get", "post"):
        response = getattr(client, method)(link, data={"answer": "accept"})
        assert response.status_code == unknown.status_code == 404
        assert page_text(response) == page_text(unknown)
    session.expire_all()
    assert riverside["sam"].roles_in(riverside["org"]) == set()
    assert count(session, PendingInvitation) == 1


def test_an_expired_link_reads_as_an_unknown_one(client, auth, riverside, frozen_clock,
                                                 monkeypatch, session):
    link = invite_sam(client, riverside)
    auth.login(riverside["sam"])
    assert client.get(link).status_code == 200  # on its last day it still works
    later = frozen_clock + INVITATION_LIFETIME + timedelta(seconds=1)
    monkeypatch.setattr(clock, "now", lambda: later)
    unknown = client.get("/invite/" + "A" * 32)
    response = client.post(link, data={"answer": "accept"})
    assert response.status_code == 404
    assert page_text(response) == page_text(unknown)
    session.expire_all()
    assert riverside["sam"].roles_in(riverside["org"]) == set()


@pytest.mark.parametrize("email", ["sam@example.org", "robin@example.org"])
def test_the_admin_withdraws_an_invitation_and_its_link_stops(client, auth, riverside,
                                                             session, email):
    """New account or existing one, withdrawing reads the same and ends the link."""
    link = link_in(add_person(client, email, "Sam T.", groups=[riverside["group"].id]))
    page = person_url(client.get("/admin/riverside/").get_data(as_text=True), "Sam T.")
    assert "Withdraw the invitation" in page_text(client.get(page))
    response = client.post(f"{page}/withdraw")
    assert response.location == "/admin/riverside/"
    people = page_text(client.get("/admin/riverside/"))
    assert "The invitation of Sam T. is withdrawn." in people
    assert email not in people
    assert client.get(page).status_code == 404
    auth.logout()
    if email == "sam@example.org":
        auth.login(riverside["sam"])
    assert client.get(link).status_code == 404
    session.expire_all()
    assert riverside["group"].facilitators == []


def test_adding_the_same_email_again_replaces_the_invitation(client, auth, riverside,
                                                              session):
    first = link_in(add_person(client, "sam@example.org", "Sam T.", roles=["auditor"]))
    second = link_in(add_person(client, "sam@example.org", "Sam Taylor",
                                groups=[riverside["group"].id]))
    assert first != second
    people = page_text(client.get("/admin/riverside/"))
    assert "Sam Taylor sam@example.org Facilitator Invited" in people
    assert "Sam T." not in people
    auth.logout()
    auth.login(riverside["sam"])
    assert client.get(first).status_code == 404
    client.post(second, data={"answer": "accept"})
    session.expire_all()
    assert riverside["sam"].roles_in(riverside["org"]) == {Role.FACILITATOR}


def test_a_new_link_ends_the_old_one(client, auth, riverside, session):
    first = link_in(add_person(client, "sam@example.org", "Sam T."))
    page = person_url(client.get("/admin/riverside/").get_data(as_text=True), "Sam T.")
    response = client.post(f"{page}/invite")
    assert "Sam T. is invited" in page_text(response)
    second = link_in(response)
    auth.logout()
    auth.login(riverside["sam"])
    assert client.get(first).status_code == 404
    assert "Riverside invites you" in page_text(client.get(second))


def test_the_admin_changes_what_an_invitation_offers(client, auth, riverside, session):
    link = invite_sam(client, riverside, roles=("auditor",), groups=[])
    auth.login(riverside["admin"])
    page = person_url(client.get("/admin/riverside/").get_data(as_text=True), "Sam T.")
    response = client.post(page, data={"roles": ["facilitator"],
                                       "groups": [str(riverside["group"].id)]})
    assert response.location == "/admin/riverside/"
    assert "Sam T.'s roles are saved." in page_text(client.get("/admin/riverside/"))
    auth.logout()
    auth.login(riverside["sam"])
    client.post(link, data={"answer": "accept"})
    session.expire_all()
    assert riverside["sam"].roles_in(riverside["org"]) == {Role.FACILITATOR}
    assert [u.id for u in riverside["group"].facilitators] == [riverside["sam"].id]


@pytest.mark.parametrize("email", ["sam@example.org", "robin@example.org"])
@pytest.mark.parametrize("change, message", [
    ({"roles": ["owner"]}, "Not a valid choice"),
    ({"roles": []}, "Choose at least one role."),
    ({"roles": ["auditor"], "groups": "GROUP"}, "Only facilitators can be given groups"),
    ({"groups": "FOREIGN"}, "Not a valid choice"),
    ({"groups": "junk"}, "could not be coerced"),
    ({"display_name": "x" * 121}, "Field cannot be longer than 120 characters."),
    ({"display_name": " "}, "Enter their name."),
    ({"email": "sam@example.org\r\nBcc: all@example.org"}, "Invalid email address."),
])
def test_bad_input_reads_the_same_for_both_and_writes_nothing(client, riverside, make_org,
                                                             make_group, session, email,
                                                             change, message):
    foreign = make_group(make_org())
    groups = {"GROUP": [str(riverside["group"].id)], "FOREIGN": [str(foreign.id)],
              "junk": ["<script>"]}
    data = {"email": email, "display_name": "Sam T.", "roles": ["facilitator"]} | change
    data["groups"] = groups.get(data.get("groups"), [])
    before = written(session)
    response = client.post("/admin/riverside/people/new", data=data)
    assert response.status_code == 200
    assert message in page_text(response)
    assert not LINK.search(response.get_data(as_text=True))
    assert written(session) == before


def test_an_invitations_roles_refuse_another_orgs_group(client, riverside, make_org,
                                                       make_group, session):
    add_person(client, "sam@example.org", "Sam T.")
    page = person_url(client.get("/admin/riverside/").get_data(as_text=True), "Sam T.")
    foreign = make_group(make_org())
    before = written(session)
    response = client.post(page, data={"roles": ["facilitator"], "groups": [str(foreign.id)]})
    assert "Not a valid choice" in page_text(response)
    assert written(session) == before


def test_a_strange_answer_is_refused_and_changes_nothing(client, auth, riverside, session):
    link = invite_sam(client, riverside)
    auth.login(riverside["sam"])
    before = written(session)
    for answer in ("", "maybe", "<script>alert(1)</script>"):
        response = client.post(link, data={"answer": answer})
        assert response.status_code == 200
        assert "<script>alert(1)" not in response.get_data(as_text=True)
        assert re.search("Choose Accept or Decline|Not a valid choice", page_text(response))
    assert written(session) == before


def test_accepting_without_a_csrf_token_is_refused(database_url, riverside, session):
    token = invitations.invite(
        session, riverside["admin"], riverside["org"], riverside["sam"], display_name="Sam T.",
        roles={Role.ADMIN}, groups=[], now=clock.now())
    session.commit()
    app = create_app(app_config(database_url, WTF_CSRF_ENABLED=True))
    app.extensions["facilitator.db"].sessionmaker.configure(
        bind=session.connection(), join_transaction_mode="create_savepoint")
    browser = app.test_client()
    sign_in(browser, riverside["sam"])
    before = written(session)
    response = browser.post(f"/invite/{token}", data={"answer": "accept"})
    assert response.status_code == 400
    assert "nothing was saved" in response.get_data(as_text=True)
    assert written(session) == before
    session.expire_all()
    assert riverside["sam"].roles_in(riverside["org"]) == set()


def test_an_invitation_for_an_account_in_the_org_already_only_adds(client, auth, riverside,
                                                                   make_user, session):
    """An active person of the org added again is invited too: what is offered is added
    on acceptance, and nothing is taken away."""
    lee = make_user(riverside["org"], Role.AUDITOR, email="lee@example.org")
    link = link_in(add_person(client, "lee@example.org", "Lee F.",
                              groups=[riverside["group"].id]))
    session.expire_all()
    assert lee.roles_in(riverside["org"]) == {Role.AUDITOR}
    auth.logout()
    auth.login(lee)
    client.post(link, data={"answer": "accept"})
    session.expire_all()
    assert lee.roles_in(riverside["org"]) == {Role.AUDITOR, Role.FACILITATOR}
    assert session.get(Group, riverside["group"].id).facilitators[0].id == lee.id


def test_adding_a_new_account_again_before_it_accepts_makes_a_new_link(client, auth,
                                                                      riverside, session):
    """Like "Make a new invitation link": the old link stops, the roles are the new ones."""
    first = link_in(add_person(client, "robin@example.org", "Robin S.", roles=["auditor"]))
    second = link_in(add_person(client, "robin@example.org", "Robin S.",
                                groups=[riverside["group"].id]))
    people = page_text(client.get("/admin/riverside/"))
    assert people.count("robin@example.org") == 1
    assert "Robin S. robin@example.org Facilitator Invited" in people
    auth.logout()
    assert client.get(first).status_code == 404
    assert "Welcome, Robin S." in page_text(client.get(second))


def test_an_account_nobody_took_up_is_invited_as_new_under_the_name_typed(
        client, auth, riverside, session):
    """An account with no password and no role anywhere (another org invited it, then
    withdrew) is nobody's yet: the link sets its password, and Riverside never sees the
    name the other org gave it."""
    accounts.create_user(session, None, email="kim@example.org",
                         display_name="Kimberly Elsewhere-Name")
    session.commit()
    link = link_in(add_person(client, "kim@example.org", "Kim L."))
    assert "Kim L. kim@example.org Facilitator Invited" in page_text(
        client.get("/admin/riverside/"))
    assert "Kimberly" not in page_text(client.get("/audit/riverside/log"))
    auth.logout()
    assert "Welcome, Kim L." in page_text(client.get(link))


def test_a_hostile_name_is_kept_as_text(client, auth, riverside):
    name = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'
    answer = add_person(client, "sam@example.org", name)
    overview = client.get("/admin/riverside/")
    for response in (answer, overview):
        html = response.get_data(as_text=True)
        assert "<script>alert(1)" not in html and "<img src=x" not in html
        assert name in page_text(response)
