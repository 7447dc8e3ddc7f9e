"""A real, committed database for tests that serve the app from another thread or
process (gunicorn, nginx in front), where the per-test rolled-back transaction of
conftest's `app` fixture cannot reach."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import replace
from datetime import date
from datetime import time

from bench.bench_import import values_of
from facilitator import create_app
from facilitator import migrate
from facilitator.db import get_session
from facilitator.db import make_engine
from facilitator.domain.meeting import MeetingValues
from facilitator.domain.recurrence import Recurrence
from facilitator.models import Meeting
from facilitator.services import feeds
from facilitator.services import meetings
from facilitator.services import organizations
from tests.conftest import app_config


@dataclass
class Published:
    url: str
    org: str
    meeting_id: int
    private_token: str


def published_org(url: str) -> Published:
    """Migrate the empty database at `url` and publish an org ("riverside") with a public
    group's weekly "Step Study" and a private group reached by its feed token."""
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    app = create_app(app_config(url))
    with app.app_context():
        session = get_session()
        org = organizations.create_organization(
            session, None, slug="riverside", name="Riverside", timezone="America/Chicago")
        values = {"program": "aa", "audience": "everyone", "languages": ["en"]}
        public = organizations.create_group(session, None, org, slug="tuesday",
                                            name="Tuesday Group", visibility="public", **values)
        private = organizations.create_group(session, None, org, slug="circle",
                                             name="Quiet Circle", visibility="private",
                                             **values)
        meeting = meetings.create_meeting(session, None, public, _weekly("Step Study"))
        meetings.create_meeting(session, None, private, _weekly("Circle Meeting"))
        token = feeds.rotate_feed_token(session, None, private)
        session.commit()
        published = Published(url, org.slug, meeting.id, token)
    app.extensions["facilitator.db"].engine.dispose()
    return published


def rename_meeting(url: str, meeting_id: int, title: str) -> None:
    """Change a meeting's title the way a leader's edit does (through the service)."""
    app = create_app(app_config(url))
    with app.app_context():
        session = get_session()
        meeting = session.get(Meeting, meeting_id)
        values = replace(values_of(meeting, meeting.notes), title=title)
        meetings.update_meeting(session, None, meeting, values)
        session.commit()
    app.extensions["facilitator.db"].engine.dispose()


def _weekly(title: str) -> MeetingValues:
    return MeetingValues(
        title=title, recurrence=Recurrence.weekly(1), first_date=date(2026, 1, 6),
        start_time=time(19), duration_minutes=90, timezone="America/Chicago",
        location_name="Community Centre", address="90 Main Street",
    )
