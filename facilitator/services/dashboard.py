"""What a leader's dashboard asks first: which meetings are today and tomorrow, and what
needs their attention (training, the leader agreement, meetings left uncounted).

Read-only: it gathers what other services and the domain rules already tell.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from facilitator import clock
from facilitator.domain.compliance import Standing
from facilitator.domain.compliance import Status
from facilitator.domain.confirmation import Confirmation
from facilitator.domain.counts import is_open
from facilitator.domain.counts import window
from facilitator.domain.listing import Dated
from facilitator.domain.listing import shown
from facilitator.domain.recurrence import Occurrence
from facilitator.domain.recurrence import occurrences
from facilitator.models import Group
from facilitator.models import Headcount
from facilitator.models import Meeting
from facilitator.models import Organization
from facilitator.models import TrainingType
from facilitator.models import User
from facilitator.services import listings
from facilitator.services import training
from facilitator.services.documents import awaiting_signature

#: How far back an occurrence left without the facilitator's count is still worth a word.
UNCOUNTED_DAYS = 7


@dataclass(frozen=True)
class Upcoming:
    """One date of a meeting the leader runs, as the dashboard lists it."""

    meeting: Meeting
    occurrence: Occurrence
    #: Its times in the meeting's zone, and what changed on this date.
    dated: Dated
    #: Today where the group's organization is: "today" or "tomorrow" is said from it.
    today: date
    going_on: bool

    @property
    def tomorrow(self) -> bool:
        return self.occurrence.date > self.today


@dataclass(frozen=True)
class Attention:
    """What the leader should see to: each list empty when all is well."""

    #: Required training that is expired, expiring soon or not recorded, most urgent
    #: first, with the day the standing is told from.
    training: list[tuple[TrainingType, Standing]]
    training_today: date
    #: Orgs whose current leader agreement the leader has not signed.
    agreements: list[Organization]
    #: Recent dates that went ahead without the leader's count.
    uncounted: list[tuple[Meeting, Occurrence]]
    #: Groups of the leader's whose listing is due for confirmation.
    listings: list[tuple[Group, Confirmation]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.training or self.agreements or self.uncounted or self.listings)


def _led_meetings(user: User) -> list[tuple[Meeting, date]]:
    """The meetings of the groups the leader runs, each with today in its org's zone."""
    found = []
    for group in user.led_groups:
        today = clock.today_in(group.organization.timezone)
        found += [(meeting, today) for meeting in group.meetings]
    return found


def meetings_soon(user: User) -> list[Upcoming]:
    """Today's and tomorrow's dates of the leader's meetings, soonest first. Cancelled
    dates are left out; a changed date is at its changed time."""
    now = clock.now()
    soon = []
    for meeting, today in _led_meetings(user):
        schedule = meeting.schedule
        for occurrence in occurrences(schedule, meeting.exceptions_by_date, today,
                                      today + timedelta(days=1)):
            if not occurrence.cancelled:
                soon.append(Upcoming(meeting, occurrence,
                                     shown(schedule, occurrence, schedule.zone), today,
                                     is_open(occurrence, now)))
    return sorted(soon, key=lambda u: (u.occurrence.starts_at, u.meeting.title, u.meeting.id))


def _uncounted(session: Session, user: User) -> list[tuple[Meeting, Occurrence]]:
    """Dates of the last week whose check-in window has closed, not cancelled, that the
    leader has not counted (members' check-ins alone do not count as counted)."""
    now = clock.now()
    past = []
    for meeting, today in _led_meetings(user):
        past += [(meeting, o) for o in occurrences(
            meeting.schedule, meeting.exceptions_by_date,
            today - timedelta(days=UNCOUNTED_DAYS), today)
            if not o.cancelled and window(o)[1] < now]
    if not past:
        return []
    counted = {(meeting_id, day) for meeting_id, day in session.execute(
        select(Headcount.meeting_id, Headcount.occurrence_date).where(
            Headcount.meeting_id.in_({m.id for m, _ in past}),
            Headcount.occurrence_date >= min(o.date for _, o in past),
            Headcount.counted_by_facilitator.is_(True)))}
    return sorted(((m, o) for m, o in past if (m.id, o.date) not in counted),
                  key=lambda found: (found[1].starts_at, found[0].id))


def attention(session: Session, user: User) -> Attention:
    """What needs the leader's attention now."""
    today = training.leader_today(user)
    due = [(kind, standing) for kind, standing, required
           in training.standings_of(session, user, today)
           if required and standing.status is not Status.CURRENT]
    return Attention(due, today, awaiting_signature(session, user), _uncounted(session, user),
                     listings.due_for(user))


def leaders_behind(session: Session, org: Organization,
                   kept: training.StandingsCache | None = None) -> dict[Status, int]:
    """For an org's admins and auditors: how many leaders are missing, expired or
    expiring at worst, from the compliance matrix, today in the org's zone."""
    matrix = training.compliance(session, org, clock.today_in(org.timezone),
                                 standings_only=True, kept=kept)
    behind: dict[Status, int] = {}
    for row in matrix.rows:
        if row.worst is not None and row.worst is not Status.CURRENT:
            behind[row.worst] = behind.get(row.worst, 0) + 1
    return dict(sorted(behind.items(), key=lambda item: item[0].rank))
