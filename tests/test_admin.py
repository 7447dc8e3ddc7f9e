"""Admins create groups, invite people, assign roles and groups, change settings. Bad input
gets a clear message on the page and nothing is written."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func
from sqlalchemy import select

from facilitator.domain.choices import Role
from facilitator.models import AuditEntry
from facilitator.models import Group
from facilitator.models import User
from facilitator.views import admin as admin_views
from tests.conftest import counted_selects
from tests.conftest import page_text


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def org_admin(make_org, make_user, auth):
    org = make_org(slug="riverside", name="Riverside")
    admin = make_user(org, Role.ADMIN, display_name="Dana R.")
    auth.login(admin)
    return org, admin


GROUP = {"name": "Tuesday Women's AA", "slug": "tuesday-women", "program": "aa",
         "audience": "women", "languages": ["en", "es"], "visibility": "public",
         "description": "Closed discussion."}


def test_admin_creates_group_and_assigns_facilitator(client, org_admin, make_user, session):
    org, admin = org_admin
    leader = make_user(org, Role.FACILITATOR, display_name="Sam T.")
    response = client.post("/admin/riverside/groups/new", data=GROUP)
    assert response.location == "/admin/riverside/groups/tuesday-women/facilitators"
    client.post(response.location, data={"groups": [str(leader.id)]})
    group = session.scalar(select(Group).where(Group.slug == "tuesday-women"))
    assert group.languages == ["en", "es"]
    assert [u.display_name for u in group.facilitators] == ["Sam T."]
    page = client.get("/admin/riverside/").get_data(as_text=True)
    assert "Tuesday Women&#39;s AA" in page and "Sam T." in page


@pytest.mark.parametrize("change, message", [
    ({"slug": "two words"}, "Use only lowercase letters"),
    ({"slug": "café"}, "Use only lowercase letters"),
    ({"slug": ""}, "Enter the short name for links."),
    ({"name": ""}, "Enter the group name."),
    ({"name": "x" * 201}, "Field cannot be longer than 200 characters."),
    ({"program": "scientology"}, "Not a valid choice"),
    ({"languages": ["xx"]}, "Not a valid choice"),
    ({"visibility": "secret"}, "Not a valid choice"),
])
def test_bad_group_input_is_named_and_nothing_written(client, org_admin, session, change,
                                                      message):
    before = (count(session, Group), count(session, AuditEntry))
    response = client.post("/admin/riverside/groups/new", data=GROUP | change)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert (count(session, Group), count(session, AuditEntry)) == before


def test_group_slug_taken_in_any_org_is_refused(client, org_admin, make_org, make_group, session):
    make_group(make_org(), slug="tuesday-women")
    before = count(session, Group)
    page = client.post("/admin/riverside/groups/new", data=GROUP).get_data(as_text=True)
    assert "Another group already uses this short name." in page
    assert count(session, Group) == before


def test_a_private_groups_name_cannot_be_confirmed_by_trying_it_as_a_slug(
        client, auth, org_admin, make_org, make_user, session):
    """Slugs are unique across orgs, so "already used" would tell another org's admin
    that a private group of that name exists. A private group's slug gets a random
    suffix, and no name is refused for being a private group's."""
    private = GROUP | {"visibility": "private"}
    response = client.post("/admin/riverside/groups/new", data=private)
    made = session.scalar(select(Group).where(Group.name == GROUP["name"]))
    assert re.fullmatch(r"tuesday-women-[a-z0-9]{8}", made.slug)
    assert response.location == f"/admin/riverside/groups/{made.slug}/facilitators"
    auth.logout()
    auth.login(make_user(make_org(slug="elsewhere"), Role.ADMIN))
    for visibility in ("public", "private"):  # the same answer as for an unused name
        response = client.post("/admin/elsewhere/groups/new",
                               data=GROUP | {"visibility": visibility})
        assert response.status_code == 302, visibility
    assert client.get(f"/g/{made.slug}/").status_code == 404


def test_a_group_made_private_leaves_its_known_slug_behind(client, org_admin, make_group,
                                                           session):
    org, _ = org_admin
    group = make_group(org, slug="thursday", name="Thursday")
    edit = {"name": "Thursday", "slug": "thursday", "program": "aa", "audience": "everyone",
            "visibility": "private"}
    response = client.post("/manage/g/thursday/edit", data=edit)
    session.refresh(group)
    assert re.fullmatch(r"thursday-[a-z0-9]{8}", group.slug)
    assert response.location == f"/manage/g/{group.slug}/"
    assert client.get("/manage/g/thursday/").status_code == 404
    # Saved again as it is, a private group keeps the slug its leaders have.
    client.post(f"/manage/g/{group.slug}/edit", data=edit | {"slug": group.slug,
                                                             "name": "Thursday Step"})
    kept = group.slug
    session.refresh(group)
    assert group.slug == kept and group.name == "Thursday Step"
    # Given a new slug, a private group gets a new suffix too: a name it was known by
    # never becomes its address.
    response = client.post(f"/manage/g/{kept}/edit", data=edit | {"slug": "thursday-step"})
    session.refresh(group)
    assert re.fullmatch(r"thursday-step-[a-z0-9]{8}", group.slug)
    assert response.location == f"/manage/g/{group.slug}/"


@pytest.mark.parametrize("data, message", [
    ({"email": "not-an-email", "display_name": "X", "roles": ["facilitator"]},
     "Invalid email address."),
    ({"email": "x@example.org", "display_name": "", "roles": ["facilitator"]},
     "Enter their name."),
    ({"email": "x@example.org", "display_name": "X"}, "Choose at least one role."),
    ({"email": "x@example.org", "display_name": "X", "roles": ["owner"]}, "Not a valid choice"),
    ({"email": "x@example.org", "display_name": "X", "roles": ["auditor"], "groups": ["1"]},
     "Not a valid choice"),
])
def test_bad_invitations_write_nothing(client, org_admin, session, data, message):
    before = (count(session, User), count(session, AuditEntry))
    page = client.post("/admin/riverside/people/new", data=data).get_data(as_text=True)
    assert message in page
    assert (count(session, User), count(session, AuditEntry)) == before


def test_only_facilitators_get_groups(client, org_admin, make_group, session):
    group = make_group(org_admin[0])
    before = (count(session, User), count(session, AuditEntry))
    page = client.post("/admin/riverside/people/new", data={
        "email": "x@example.org", "display_name": "X", "roles": ["auditor"],
        "groups": [str(group.id)]}).get_data(as_text=True)
    assert "Only facilitators can be given groups to lead." in page
    assert (count(session, User), count(session, AuditEntry)) == before


def test_admin_cannot_remove_own_admin_role(client, org_admin, session):
    org, admin = org_admin
    page = client.post(f"/admin/riverside/people/{admin.id}",
                       data={"roles": ["auditor"]}).get_data(as_text=True)
    assert "You cannot remove your own admin role" in page
    session.expire_all()
    assert admin.roles_in(org) == {Role.ADMIN}


def test_removing_facilitator_role_ends_group_assignments(client, org_admin, make_user,
                                                         make_group, session):
    org, _ = org_admin
    leader = make_user(org, Role.FACILITATOR)
    group = make_group(org, facilitators=[leader])
    client.post(f"/admin/riverside/people/{leader.id}", data={"roles": ["auditor"]})
    session.expire_all()
    assert leader.roles_in(org) == {Role.AUDITOR}
    assert group.facilitators == []


def test_clearing_every_role_removes_person_from_org(client, org_admin, make_user, session):
    org, _ = org_admin
    leader = make_user(org, Role.FACILITATOR, display_name="Lee F.")
    # A browser always sends the CSRF token, even with every box unchecked.
    response = client.post(f"/admin/riverside/people/{leader.id}", data={"csrf_token": "-"})
    assert response.location == "/admin/riverside/"
    assert "Lee F. no longer has a role" in client.get("/admin/riverside/").get_data(as_text=True)
    assert client.get(f"/admin/riverside/people/{leader.id}").status_code == 404


def test_settings_refuse_unknown_time_zone(client, org_admin, session):
    org, _ = org_admin
    page = client.post("/admin/riverside/settings", data={
        "name": "Riverside", "timezone": "Mars/Olympus", "contact": "",
        "small_count_threshold": "5"}).get_data(as_text=True)
    assert "Choose a time zone from the list" in page
    session.expire_all()
    assert org.timezone == "America/Chicago"


def test_settings_offer_time_zones_from_a_list_with_the_orgs_own_first(client, org_admin):
    page = client.get("/admin/riverside/settings").get_data(as_text=True)
    select = page.split('<select', 1)[1].split("</select>")[0]
    assert 'data-search="Search time zones"' in select and "<input" not in select
    groups = re.findall(r'<optgroup label="([^"]+)">\s*<option[^>]*value="([^"]+)"', select)
    assert groups[:2] == [("Your organization&#39;s zone", "America/Chicago"),
                          ("Common zones", "America/New_York")]
    assert groups[2][0] == "Every other zone"
    assert select.count('value="America/New_York"') == 1
    assert '<option value="Asia/Kolkata">Asia/Kolkata</option>' in select
    assert '<option value="America/New_York">America/New York</option>' in select


def test_settings_saved_and_audited(client, org_admin, session):
    org, _ = org_admin
    client.post("/admin/riverside/settings", data={
        "name": "Riverside Recovery", "timezone": "America/Denver", "contact": "555-0100",
        "small_count_threshold": "7", "expiry_warning_days": "60",
        "listing_reminder_days": "90", "listing_out_of_date_days": "90",
        "unverified_training_counts": "y"})  # ticked, as the form shows it
    session.expire_all()
    assert (org.name, org.timezone, org.small_count_threshold) == ("Riverside Recovery",
                                                                   "America/Denver", 7)
    entry = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry.before == {"name": "Riverside", "timezone": "America/Chicago", "contact": "",
                            "small_count_threshold": 5}
    assert entry.actor_name == "Dana R."


def test_delete_group_asks_then_deletes(client, org_admin, make_group, session):
    group_id = make_group(org_admin[0], name="Old Group", slug="old-group").id
    page = client.get("/admin/riverside/groups/old-group/delete").get_data(as_text=True)
    assert "Delete Old Group?" in page
    assert client.post("/admin/riverside/groups/old-group/delete").location == "/admin/riverside/"
    session.expire_all()
    assert session.get(Group, group_id) is None
    page = client.get("/admin/riverside/").get_data(as_text=True)
    assert "Old Group is deleted." in page
    assert "/groups/old-group/" not in page


def test_facilitator_edits_own_group_details(client, auth, make_org, make_user, make_group,
                                             session):
    org = make_org()
    leader = make_user(org, Role.FACILITATOR)
    group = make_group(org, slug="mine", facilitators=[leader])
    auth.login(leader)
    response = client.post("/manage/g/mine/edit", data=GROUP | {"slug": "mine", "name": "Renamed"})
    assert response.location == "/manage/g/mine/"
    session.expire_all()
    assert group.name == "Renamed" and group.audience == "women"


def test_unchecking_every_group_unassigns_them(client, org_admin, make_user, make_group, session):
    org, _ = org_admin
    leader = make_user(org, Role.FACILITATOR)
    group = make_group(org, facilitators=[leader])
    client.post(f"/admin/riverside/people/{leader.id}", data={"roles": ["facilitator"]})
    session.expire_all()
    assert group.facilitators == []
    assert leader.roles_in(org) == {Role.FACILITATOR}


def test_only_admins_change_a_groups_slug(client, auth, make_org, make_user, make_group,
                                          session):
    org = make_org()
    leader = make_user(org, Role.FACILITATOR)
    group = make_group(org, slug="kept", facilitators=[leader])
    auth.login(leader)
    assert 'name="slug"' not in client.get("/manage/g/kept/edit").get_data(as_text=True)
    client.post("/manage/g/kept/edit", data=GROUP | {"slug": "hijacked"})
    session.expire_all()
    assert group.slug == "kept" and group.name == GROUP["name"]
    auth.logout()
    auth.login(make_user(org, Role.ADMIN))
    assert "breaks links" in client.get("/manage/g/kept/edit").get_data(as_text=True)
    client.post("/manage/g/kept/edit", data=GROUP | {"slug": "renamed"})
    session.expire_all()
    assert group.slug == "renamed"


def test_a_big_orgs_overview_lists_the_first_and_finds_any_by_name(
        app, client, org_admin, make_user, make_group, monkeypatch):
    """The overview lists at most OVERVIEW_ROWS groups and people, says how many it
    leaves out, and finds one by a word of its name (or a person's email), in any case,
    in the same number of queries whatever the size of the org."""
    monkeypatch.setattr(admin_views, "OVERVIEW_ROWS", 3)
    org, _ = org_admin
    leader = make_user(org, Role.FACILITATOR, display_name="Sam T.",
                       email="sam.t@example.org")
    for name in ("Alder Step", "Birch Women", "Cedar Noon", "Daybreak Friday"):
        make_group(org, name=name, facilitators=[leader])
    for n in range(3):
        make_user(org, Role.FACILITATOR, display_name=f"Leader {n}")
    page = page_text(client.get("/admin/riverside/"))
    assert "The first 3 of 4 groups, by name" in page
    assert "Cedar Noon" in page and "Daybreak Friday" not in page
    assert "The first 3 of 5 people, by name" in page and "sam.t@example.org" not in page
    found = page_text(client.get("/admin/riverside/?q=daybreak"))
    assert "Daybreak Friday Alcoholics Anonymous (AA) Sam T." in found
    assert "Alder Step" not in found
    assert "The first" not in found
    assert "No one’s name or email holds “daybreak”" in found
    by_email = page_text(client.get("/admin/riverside/?q=SAM.T@"))
    assert "Sam T. sam.t@example.org" in by_email
    assert "No group’s name holds “SAM.T@”" in by_email
    with counted_selects(app) as few:
        client.get("/admin/riverside/")
    for name in ("Elm Evening", "Fir Saturday"):
        make_group(org, name=name, facilitators=[make_user(org, Role.FACILITATOR)])
    with counted_selects(app) as more:
        client.get("/admin/riverside/")
    assert len(more) == len(few)
