"""The role and organization boundary: nobody reaches what is not theirs, by any URL or
form field. What a person may not see answers 404, and nothing is written."""

from __future__ import annotations

import pytest
from sqlalchemy import func
from sqlalchemy import select

from facilitator.models import AuditEntry
from facilitator.models import Group


def audit_count(session) -> int:
    return session.scalar(select(func.count()).select_from(AuditEntry))


def group_edit(group) -> dict:
    return {"name": "Taken over", "slug": group.slug, "program": "aa", "audience": "everyone",
            "visibility": "public"}


def test_facilitator_manages_own_group_only(client, auth, tenancy, session):
    a = tenancy["a"]
    auth.login(a["lead1"])
    assert client.get("/manage/g/a-one/").status_code == 200
    for slug in (a["group2"].slug, "b-one", tenancy["b"]["group2"].slug, "no-such-group"):
        assert client.get(f"/manage/g/{slug}/").status_code == 404, slug
    before = audit_count(session)
    for group in (a["group2"], tenancy["b"]["group1"]):
        assert client.post(f"/manage/g/{group.slug}/edit",
                           data=group_edit(group)).status_code == 404
    assert audit_count(session) == before
    assert {g.name for g in session.scalars(select(Group))}.isdisjoint({"Taken over"})


def test_dashboard_lists_only_own_groups(client, auth, tenancy):
    auth.login(tenancy["a"]["lead1"])
    page = client.get("/manage/").get_data(as_text=True)
    assert tenancy["a"]["group1"].name in page
    for other in (tenancy["a"]["group2"], tenancy["b"]["group1"], tenancy["b"]["group2"]):
        assert other.name not in page


@pytest.mark.parametrize("who", ["lead1", "auditor"])
def test_admin_pages_are_for_admins_only(client, auth, tenancy, who):
    auth.login(tenancy["a"][who])
    for path in ("/", "/settings", "/groups/new", "/people/new",
                 "/groups/a-one/facilitators", "/groups/a-one/delete"):
        assert client.get(f"/admin/org-a{path}").status_code == 404, path
    assert client.post("/admin/org-a/groups/a-one/delete").status_code == 404


def test_admin_of_one_org_gets_404_everywhere_in_another(client, auth, tenancy, session):
    a, b = tenancy["a"], tenancy["b"]
    auth.login(a["admin"])
    assert client.get("/admin/org-a/").status_code == 200
    for path in ("/admin/org-b/", "/admin/org-b/settings", "/audit/org-b/log",
                 "/manage/g/b-one/", f"/admin/org-b/people/{b['lead1'].id}",
                 # another org's group or person through this org's URLs
                 "/admin/org-a/groups/b-one/facilitators", "/admin/org-a/groups/b-one/delete",
                 f"/admin/org-a/people/{b['lead1'].id}"):
        assert client.get(path).status_code == 404, path
    before = audit_count(session)
    assert client.post("/admin/org-a/groups/b-one/delete").status_code == 404
    assert client.post(f"/admin/org-a/people/{b['lead1'].id}",
                       data={"roles": ["admin"]}).status_code == 404
    assert audit_count(session) == before
    assert session.get(Group, b["group1"].id) is not None


def test_form_fields_cannot_reach_another_org(client, auth, tenancy, session):
    """Ids of another org's groups and people in form fields are refused, not applied."""
    a, b = tenancy["a"], tenancy["b"]
    auth.login(a["admin"])
    before = audit_count(session)
    page = client.post(f"/admin/org-a/people/{a['lead1'].id}", data={
        "roles": ["facilitator"], "groups": [str(b["group1"].id)],
    }).get_data(as_text=True)
    assert "Not a valid choice" in page
    page = client.post("/admin/org-a/groups/a-one/facilitators", data={
        "groups": [str(b["lead1"].id)],
    }).get_data(as_text=True)
    assert "Not a valid choice" in page
    assert audit_count(session) == before
    session.expire_all()
    assert [u.id for u in session.get(Group, b["group1"].id).facilitators] == [b["lead1"].id]
    assert [u.id for u in session.get(Group, a["group1"].id).facilitators] == [a["lead1"].id]


def test_auditor_reads_own_org_log_only(client, auth, tenancy):
    a, b = tenancy["a"], tenancy["b"]
    auth.login(a["auditor"])
    page = client.get("/audit/org-a/log").get_data(as_text=True)
    assert f"Group {a['group1'].name}" in page
    assert f"Group {b['group1'].name}" not in page
    assert client.get("/audit/org-b/log").status_code == 404
    assert client.get("/manage/g/a-one/").status_code == 404  # read-only: cannot edit


def test_facilitator_has_no_audit_log(client, auth, tenancy):
    auth.login(tenancy["a"]["lead1"])
    assert client.get("/audit/org-a/log").status_code == 404


def test_person_in_two_orgs_holds_separate_roles(client, auth, tenancy, make_user, session):
    from facilitator.domain.choices import Role
    from facilitator.services import accounts

    a, b = tenancy["a"], tenancy["b"]
    accounts.grant_role(session, None, a["lead1"], b["org"], Role.AUDITOR)
    session.commit()
    auth.login(a["lead1"])
    assert client.get("/audit/org-b/log").status_code == 200
    assert client.get("/audit/org-a/log").status_code == 404
    assert client.get("/manage/g/b-one/").status_code == 404
    assert client.get("/admin/org-b/").status_code == 404
