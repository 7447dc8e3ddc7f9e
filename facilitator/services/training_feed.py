"""A leader's private training-reminder feed: its token (only the hash is stored, the
link can be replaced) and the feed of expiry dates the token opens."""

from __future__ import annotations

from datetime import UTC
from datetime import date
from datetime import datetime

from sqlalchemy import Connection
from sqlalchemy import bindparam
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import type_coerce
from sqlalchemy.orm import Session

from facilitator import crypto
from facilitator.db import UTCDateTime
from facilitator.domain.ical import FeedCalendar
from facilitator.domain.languages import DEFAULT
from facilitator.domain.languages import N_
from facilitator.domain.languages import Message
from facilitator.domain.reminder_ical import DateEvent
from facilitator.domain.reminder_ical import build_date_feed
from facilitator.formatting import worded
from facilitator.models import TrainingRecord
from facilitator.models import TrainingType
from facilitator.models import User
from facilitator.services import audit_log
from facilitator.services.feeds import FORMAT
from facilitator.services.feeds import FeedVersion
from facilitator.services.training import leader_orgs
from facilitator.services.training import records_of
from facilitator.services.training import standings_of


def rotate_feed_token(session: Session, leader: User) -> str:
    """Give the leader a new reminder-feed token and return it; the old link stops."""
    token = crypto.new_token()
    had_one = leader.training_feed_token_hash is not None
    leader.training_feed_token_hash = crypto.token_hash(token)
    session.flush()
    for org in leader_orgs(leader):
        audit_log.record(session, leader, "update", leader, organization=org,
                         summary=Message(N_("Training reminder link of %(name)s replaced")
                                         if had_one else
                                         N_("Training reminder link of %(name)s made"),
                                         {"name": leader.display_name}))
    return token


#: Last-Modified of a feed with no record yet: any fixed instant in the past.
_NOTHING_YET = datetime(2020, 1, 1, tzinfo=UTC)
_FEED_OWNER = select(User.id).where(User.training_feed_token_hash == bindparam("token_hash"))
_FEED_STATE = (
    select(func.count(TrainingRecord.id),
           type_coerce(func.max(TrainingRecord.updated_at), UTCDateTime),
           type_coerce(func.max(TrainingType.updated_at), UTCDateTime))
    .join(TrainingType, TrainingRecord.training_type_id == TrainingType.id)
    .where(TrainingRecord.user_id == bindparam("user_id"))
)


def feed_version(connection: Connection, token: str,
                 today: date) -> tuple[int, FeedVersion] | None:
    """The leader whose reminder token this is, and the feed's validators."""
    if not crypto.looks_like_token(token):
        return None
    user_id = connection.execute(_FEED_OWNER, {"token_hash": crypto.token_hash(token)}).scalar()
    if user_id is None:
        return None
    count, records_changed, types_changed = connection.execute(
        _FEED_STATE, {"user_id": user_id}).one()
    changed = [c for c in (records_changed, types_changed) if c is not None]
    last_modified = max(changed, default=_NOTHING_YET).replace(microsecond=0)
    # Which completions count can change with the date (hours in a cycle): today too.
    key = ("training", user_id, count, records_changed, types_changed, today.isoformat(),
           FORMAT)
    return user_id, FeedVersion(key, last_modified)


def reminder_feed(session: Session, leader: User, today: date, page_url: str,
                  lang: str = DEFAULT) -> bytes:
    """The leader's expiry dates: one all-day event per training that expires, its words
    in `lang` (the feed's ?lang=); the training's own name as the org wrote it."""
    events = []
    records = records_of(session, leader)
    for kind, standing, _required in standings_of(session, leader, today):
        if standing.due is None:
            continue
        mine = [r for r in records if r.training_type_id == kind.id]
        changed = max([kind.updated_at, *(r.updated_at for r in mine)])
        summary = (N_("%(training)s hours fall short") if kind.required_hours
                   else N_("%(training)s expires"))
        events.append(DateEvent(
            uid=f"training-{leader.id}-{kind.id}@facilitator",
            summary=worded(summary, {"training": kind.name}, lang),
            day=standing.due,
            last_modified=changed,
            description=worded(N_("The last day your %(training)s counts. Renew it before "
                                  "then and record the new completion."),
                               {"training": kind.name}, lang),
            url=page_url,
        ))
    calendar = FeedCalendar(
        name=worded(N_("Training reminders of %(name)s"), {"name": leader.display_name}, lang),
        url=page_url, description=worded(N_("When your trainings expire"), None, lang))
    return build_date_feed(calendar, events)
