"""Shared by the adversarial suite: a two-organization world with meetings, a snapshot
of every table to show that a refused request changed nothing, and the app's routes
read from its URL map, so a route added later is attacked without editing the suite.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.routing import Rule

from facilitator import clock
from facilitator import create_app
from facilitator.db import Base
from facilitator.domain.choices import DocumentKind
from facilitator.domain.choices import Role
from facilitator.domain.meeting import CancelReason
from facilitator.models import PendingInvitation
from facilitator.services import documents
from facilitator.services import invitations
from facilitator.services import meetings
from facilitator.services import training
from facilitator.services.training import RecordValues

#: Bookkeeping that a refused request may rightly change (a wrong link is counted), and
#: the public PDFs rendered for anyone who asks (a cache of what the data shows).
NOT_SNAPSHOT = {"throttle_counters", "rendered_files"}
#: A Tuesday on which every test meeting (weekly, Tuesdays from 2026-01-06) happens.
A_TUESDAY = date(2026, 1, 13)


def snapshot(session: Session) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (but NOT_SNAPSHOT), in a fixed order."""
    session.expire_all()
    tables = {}
    for table in Base.metadata.sorted_tables:
        if table.name not in NOT_SNAPSHOT:
            rows = session.execute(select(table).order_by(*table.primary_key.columns)).all()
            tables[table.name] = [tuple(row) for row in rows]
    session.rollback()
    return tables


def url_rules() -> list[Rule]:
    """The app's routes, as its URL map has them (static files aside)."""
    app = create_app({"DATABASE_URL": "sqlite://", "SECRET_KEY": "routes only"})
    return sorted((r for r in app.url_map.iter_rules() if r.endpoint != "static"),
                  key=lambda r: (r.rule, sorted(r.methods or ())))


def methods(rule: Rule) -> list[str]:
    return sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})


#: What fills an argument that ids_of does not know (a route added since): an id or a
#: name that matches nothing, so the route is still walked. Teach ids_of its real value
#: to test it properly.
UNKNOWN_INT, UNKNOWN_TEXT = 2_147_483_000, "no-such-thing"


def fill(rule: Rule, values: dict[str, Any]) -> str:
    """The rule's path with its arguments taken from values."""
    path = rule.rule
    for name in rule.arguments:
        converter = rule._converters.get(name)
        if converter is None:  # given by the rule's defaults, not in its path
            continue
        if name in values:
            value = values[name]
        elif type(converter).__name__ == "AnyConverter":
            value = sorted(converter.items)[0]
        else:
            numeric = type(converter).__name__ == "IntegerConverter"
            value = UNKNOWN_INT if numeric else UNKNOWN_TEXT
        path = re.sub(rf"<(?:[^:<>]+:)?{name}(?:\([^)]*\))?>", str(value), path)
    return path


def ids_of(side: dict[str, Any]) -> dict[str, Any]:
    """URL arguments that point at one organization's own things."""
    return {"org_slug": side["org"].slug, "group_slug": side["group1"].slug,
            "meeting_id": side["meeting"].id, "user_id": side["lead1"].id,
            "type_id": side["training_type"].id, "record_id": side["record"].id,
            "invitation_id": side["invitation"].id, "number": 1,
            "day": A_TUESDAY.isoformat(), "token": "x" * 32}


@pytest.fixture
def world(make_org, make_user, make_group, make_meeting, session) -> dict[str, Any]:
    """Two organizations, each with an admin, a facilitator, a group and a meeting with
    one cancelled date, a training type and the admin's record of it, the group's
    guidelines and statement and the org's agreement, and an invitation of an existing
    account: just enough to attack (a lighter `tenancy`, so the suite is quick)."""
    world: dict[str, Any] = {}
    for name in ("a", "b"):
        org = make_org(slug=f"org-{name}", name=f"Org {name.upper()}")
        lead = make_user(org, Role.FACILITATOR)
        group = make_group(org, slug=f"{name}-one", name=f"Group {name.upper()} One",
                           facilitators=[lead])
        meeting = make_meeting(group)
        meetings.cancel_date(session, None, meeting, date(2026, 1, 20),
                             reason=CancelReason.HOLIDAY)
        admin = make_user(org, Role.ADMIN)
        kind = training.create_type(session, None, org, name="CPR", validity_months=24,
                                    required_roles=["facilitator"])
        record = training.add_record(session, admin, RecordValues(kind.id, date(2026, 1, 5)))
        for document in (DocumentKind.GUIDELINES, DocumentKind.STATEMENT):
            documents.save_version(session, None, org, document, "Be kind.", based_on=0,
                                   group=group)
        documents.save_version(session, None, org, DocumentKind.AGREEMENT, "I agree.",
                               based_on=0)
        guest = make_user()  # an account of no org, invited into this one
        invitations.invite(session, admin, org, guest, display_name="Guest G.",
                           roles={Role.FACILITATOR}, groups=[group], now=clock.now())
        invitation = session.scalars(select(PendingInvitation).where(
            PendingInvitation.organization_id == org.id)).one()
        session.commit()
        world[name] = {"org": org, "admin": admin, "lead1": lead, "group1": group,
                       "meeting": meeting, "training_type": kind, "record": record,
                       "invitation": invitation}
    return world


def sign_in(client, user) -> None:
    """Sign in by writing the session cookie, as /login would (CSRF-free, hash-free)."""
    with client.session_transaction() as cookie:
        cookie["user_id"] = user.id
        cookie["session_version"] = user.session_version


@pytest.fixture
def csrf_app(database_url: str, session: Session) -> Flask:
    """The app with CSRF protection on, in the test's transaction."""
    from tests.conftest import app_config

    app = create_app(app_config(database_url, WTF_CSRF_ENABLED=True))
    app.extensions["facilitator.db"].sessionmaker.configure(
        bind=session.connection(), join_transaction_mode="create_savepoint")
    return app
