"""The command line: create-org, create-user, demo."""

from __future__ import annotations

from datetime import UTC
from datetime import date
from datetime import datetime

from sqlalchemy import func
from sqlalchemy import select

from facilitator import clock
from facilitator import demo
from facilitator.crypto import verify_password
from facilitator.domain.choices import Role
from facilitator.domain.choices import Visibility
from facilitator.models import Group
from facilitator.models import Headcount
from facilitator.models import Organization
from facilitator.models import TrainingRecord
from facilitator.models import TrainingType
from facilitator.models import User
from facilitator.services.accounts import find_user


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_demo_loads_a_realistic_org_once(runner, session):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "recovery-demo" in result.output and "facilitator@demo.example" in result.output
    counts = (count(session, Organization), count(session, Group), count(session, User))
    org = session.scalar(select(Organization).where(Organization.slug == "demo"))
    programs = {g.program for g in org.groups}
    assert len(programs) >= 4
    assert {g.audience for g in org.groups} >= {"women", "lgbtq", "young-people"}
    assert [g.slug for g in org.groups if g.visibility is Visibility.PRIVATE]
    for email, role in [("admin@demo.example", Role.ADMIN),
                        ("facilitator@demo.example", Role.FACILITATOR),
                        ("auditor@demo.example", Role.AUDITOR)]:
        user = find_user(session, email)
        assert role in user.roles_in(org)
        assert verify_password(user.password_hash, demo.PASSWORD)
    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0 and "already there" in again.output
    assert (count(session, Organization), count(session, Group), count(session, User)) == counts


def test_demo_dates_follow_the_demo_orgs_wall_clock_not_the_servers(runner, session,
                                                                      monkeypatch):
    # 03:00 UTC on 2 March is still the evening of 1 March in Chicago, the demo's zone.
    monkeypatch.setattr(clock, "now", lambda: datetime(2027, 3, 2, 3, tzinfo=UTC))
    assert runner.invoke(args=["demo"]).exit_code == 0
    orientation = session.scalar(
        select(TrainingRecord).join(TrainingRecord.user).join(TrainingRecord.training_type)
        .where(User.email == "facilitator@demo.example",
               TrainingType.name == "Facilitator orientation"))
    assert orientation.completed_on == date(2024, 9, 1)  # 30 months before 1 March 2027
    last_count = session.scalar(select(func.max(Headcount.occurrence_date)))
    assert last_count < date(2027, 3, 1)  # counts stop the day before Chicago's today


def test_demo_loads_beside_an_org_that_took_one_of_its_group_slugs(runner, session, make_org,
                                                                    make_group):
    other = make_org(slug="eastside")
    theirs = make_group(other, slug="grupo-esperanza", name="Grupo Esperanza")
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output and "Demo organization loaded." in result.output
    org = session.scalar(select(Organization).where(Organization.slug == "demo"))
    ours = next(g for g in org.groups if g.name == "Grupo Esperanza")
    assert ours.slug == "grupo-esperanza-2" and ours.meetings
    session.refresh(theirs)
    assert (theirs.slug, theirs.organization_id) == ("grupo-esperanza", other.id)


def test_demo_if_empty_leaves_a_database_with_data_alone(runner, make_org, session):
    make_org()
    result = runner.invoke(args=["demo", "--if-empty"])
    assert "not loaded" in result.output
    assert session.scalar(select(Organization).where(Organization.slug == "demo")) is None


def test_create_org_and_user_from_the_environment(runner, session, monkeypatch):
    result = runner.invoke(args=["create-org", "eastside", "--name", "Eastside Intergroup",
                                 "--timezone", "America/New_York"])
    assert result.exit_code == 0, result.output
    monkeypatch.setenv("FACILITATOR_PASSWORD", "a long script password")
    result = runner.invoke(args=["create-user", "Lee@Example.org", "--org", "eastside",
                                 "--role", "admin", "--name", "Lee M."])
    assert result.exit_code == 0, result.output
    user = find_user(session, "lee@example.org")
    assert user.display_name == "Lee M."
    assert verify_password(user.password_hash, "a long script password")
    org = session.scalar(select(Organization).where(Organization.slug == "eastside"))
    assert user.roles_in(org) == {Role.ADMIN}


def test_create_user_prompts_for_password(runner, make_org, session):
    org = make_org()
    result = runner.invoke(
        args=["create-user", "sam@example.org", "--org", org.slug, "--role", "facilitator"],
        input="typed at the prompt\ntyped at the prompt\n",
    )
    assert result.exit_code == 0, result.output
    assert verify_password(find_user(session, "sam@example.org").password_hash,
                           "typed at the prompt")


def test_create_user_adds_role_to_existing_account(runner, make_org, make_user, session):
    org = make_org()
    user = make_user(email="sam@example.org")
    result = runner.invoke(
        args=["create-user", "sam@example.org", "--org", org.slug, "--role", "auditor"])
    assert result.exit_code == 0, result.output
    session.expire_all()
    assert user.roles_in(org) == {Role.AUDITOR}


def test_cli_refusals_are_clear_and_write_nothing(runner, make_org, session, monkeypatch):
    org = make_org()
    before = (count(session, Organization), count(session, User))
    monkeypatch.setenv("FACILITATOR_PASSWORD", "short")
    cases = [
        (["create-org", "Bad Slug", "--name", "X", "--timezone", "UTC"], "may only use"),
        (["create-org", "fine", "--name", "X", "--timezone", "Moon/Base"], "not a time zone"),
        (["create-org", org.slug, "--name", "X", "--timezone", "UTC"], "already uses"),
        (["create-user", "a@example.org", "--org", "nope", "--role", "admin"],
         "No organization 'nope'"),
        (["create-user", "a@example.org", "--org", org.slug, "--role", "owner"],
         "Invalid value for '--role'"),
        (["create-user", "not-an-email", "--org", org.slug, "--role", "admin"],
         "is not an email address"),
        (["create-user", "a@example.org", "--org", org.slug, "--role", "admin"],
         "at least 12 characters"),
    ]
    for args, message in cases:
        result = runner.invoke(args=args)
        assert result.exit_code != 0, args
        assert message in result.output, (args, result.output)
    session.rollback()
    assert (count(session, Organization), count(session, User)) == before
