"""The audit log records who changed what, when, before and after, and cannot be altered."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from facilitator.models import AuditEntry
from facilitator.models import Role


def entries(session, **where):
    query = select(AuditEntry).order_by(AuditEntry.id)
    for name, value in where.items():
        query = query.where(getattr(AuditEntry, name) == value)
    return session.scalars(query).all()


def test_group_change_records_who_when_before_after(client, auth, make_org, make_user,
                                                    make_group, session):
    org = make_org()
    leader = make_user(org, Role.FACILITATOR, display_name="Sam T.")
    group = make_group(org, slug="circle", name="Circle", facilitators=[leader])
    auth.login(leader)
    client.post("/manage/g/circle/edit", data={
        "name": "Wednesday Circle", "slug": "circle", "program": "smart",
        "audience": "everyone", "languages": ["en"], "visibility": "public"})
    entry = entries(session, entity_type="group", action="update")[-1]
    assert entry.actor_name == "Sam T." and entry.actor_id == leader.id
    assert entry.organization_id == org.id and entry.entity_id == group.id
    assert entry.before == {"name": "Circle", "program": "aa"}
    assert entry.after == {"name": "Wednesday Circle", "program": "smart"}
    assert entry.created_at.tzinfo is not None  # an instant in UTC


def test_saving_without_changes_records_nothing(client, auth, make_org, make_user, make_group,
                                                session):
    org = make_org()
    leader = make_user(org, Role.FACILITATOR)
    group = make_group(org, facilitators=[leader])
    auth.login(leader)
    before = len(entries(session))
    client.post(f"/manage/g/{group.slug}/edit", data={
        "name": group.name, "slug": group.slug, "program": "aa", "audience": "everyone",
        "languages": ["en"], "visibility": "public", "description": ""})
    assert len(entries(session)) == before


def test_roles_and_accounts_are_logged_without_secrets(make_org, make_user, session):
    org = make_org()
    make_user(org, Role.AUDITOR, email="avery@example.org")
    logged = entries(session)
    assert {(e.entity_type, e.action) for e in logged} >= {
        ("organization", "create"), ("user", "create"), ("membership", "create")}
    text_of_log = repr([(e.before, e.after, e.summary) for e in logged])
    assert "avery@example.org" in text_of_log
    assert "argon2" not in text_of_log and "password_hash" not in text_of_log


@pytest.mark.parametrize("statement", [
    "UPDATE audit_entries SET summary = 'nothing happened'",
    "DELETE FROM audit_entries",
])
def test_database_refuses_to_alter_the_log(make_org, session, statement):
    make_org()
    count = len(entries(session))
    with pytest.raises(DatabaseError, match="append-only"), session.begin_nested():
        session.execute(text(statement))
    assert len(entries(session)) == count


def test_log_survives_deleting_the_group(client, auth, make_org, make_user, make_group, session):
    org = make_org()
    admin = make_user(org, Role.ADMIN)
    group = make_group(org, name="Gone Group", slug="gone")
    auth.login(admin)
    client.post(f"/admin/{org.slug}/groups/gone/delete")
    summaries = [e.summary for e in entries(session, entity_id=group.id, entity_type="group")]
    assert summaries == ["Group Gone Group", "Group Gone Group deleted"]
    page = client.get(f"/audit/{org.slug}/log", query_string={"type": "group"})
    assert "Group Gone Group deleted" in page.get_data(as_text=True)


def test_log_pages_and_filters(client, auth, make_org, make_user, make_group, session):
    org = make_org()
    admin = make_user(org, Role.ADMIN)
    for n in range(55):
        make_group(org, name=f"Bulk {n:02}")
    auth.login(admin)
    first = client.get(f"/audit/{org.slug}/log?type=group").get_data(as_text=True)
    assert "Group Bulk 54" in first and "Group Bulk 04" not in first
    assert "Older" in first
    second = client.get(f"/audit/{org.slug}/log?type=group&page=2").get_data(as_text=True)
    assert "Group Bulk 04" in second and "Older" not in second
    roles = client.get(f"/audit/{org.slug}/log?type=membership").get_data(as_text=True)
    assert "Group Bulk" not in roles
    # Nonsense filters fall back to everything instead of failing.
    assert client.get(f"/audit/{org.slug}/log?type=<x>&page=-3").status_code == 200
    assert client.get(f"/audit/{org.slug}/log?page=99999999999999").status_code == 200
