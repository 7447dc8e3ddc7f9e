"""An organization's public meetings as a Meeting Guide feed (code4recovery's JSON
format), for /o/<org>/meetings.json: the Meeting Guide app, 12 Step Meeting List sites
and intergroups read it.

Read-only, one query whatever the number of meetings. The rules of the format live in
facilitator.domain.meeting_guide_write; this module only reads the rows and hands over plain
values.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm import contains_eager

from facilitator.domain import meeting_guide_write
from facilitator.domain.choices import Visibility
from facilitator.domain.meeting_guide_write import PublishedMeeting
from facilitator.domain.recurrence import InvalidRecurrence
from facilitator.models import Group
from facilitator.models import Meeting
from facilitator.models import Organization

log = logging.getLogger(__name__)


def meeting_guide_feed(session: Session, org: Organization, group_url: Callable[[str], str],
                       today: date, join_url: Callable[[int], str] = lambda _: ""
                       ) -> list[dict[str, Any]]:
    """Every meeting of the org's public groups that still meets from `today` (the date in
    the org's zone) on, as Meeting Guide feed items in week order. Private groups never
    appear. `group_url(slug)` is a group's public page, each item's `url`;
    `join_url(meeting id)` a meeting's join page, which its notes name.

    The items depend on `today` as well as on the data (ended meetings drop out, notes
    say "Next on …"): a cache of the bytes must be keyed on both.
    """
    query = (
        select(Meeting)
        .join(Meeting.group)
        .where(Group.organization_id == org.id, Group.visibility == Visibility.PUBLIC)
        # Rows that cannot meet any more are not read at all; the domain decides the rest.
        .where(or_(Meeting.last_date.is_(None), Meeting.last_date >= today))
        .where(or_(Meeting.rrule != "", Meeting.first_date >= today))
        .options(contains_eager(Meeting.group))
        .order_by(Meeting.id)
    )
    published = []
    urls: dict[str, str] = {}
    for meeting in session.scalars(query):
        group = meeting.group
        if group.slug not in urls:
            urls[group.slug] = group_url(group.slug)
        try:
            published.append(_published(meeting, org, urls[group.slug],
                                        join_url(meeting.id)))
        except InvalidRecurrence:
            # One unreadable row must not take the feed down for everyone.
            log.warning("Meeting %s has a schedule that cannot be listed", meeting.id)
    return meeting_guide_write.feed_items(published, today)


def _published(meeting: Meeting, org: Organization, group_url: str,
               join_url: str) -> PublishedMeeting:
    group = meeting.group
    # The item's `updated` is the series' own time, or the group's confirmation when that
    # is later: not the group's data_changed_at, which moves with every change to any of
    # its meetings and would make every listing of the group look just checked. A feed
    # item has no dates of its own, so no exceptions are read.
    return PublishedMeeting(meeting.series(with_exceptions=False), group_slug=group.slug,
                            group_name=group.name, group_url=group_url,
                            group_notes=group.description, entity=org.name,
                            online_location=org.online_location, join_url=join_url,
                            confirmed_at=group.confirmed_at)
