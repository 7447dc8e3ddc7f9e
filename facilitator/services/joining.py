"""Which meeting a join page is for (views/join.py): a public group's online meeting by
its id, a private group's only by a token derived from its group's private feed token.

A private group's meetings are reached only through that feed (DESIGN: its places and
links are behind its token), so its join links are made from the feed token's hash:
nothing more is stored, and replacing the feed link replaces every join link with it.
"""

from __future__ import annotations

from sqlalchemy.orm import Session
from sqlalchemy.orm import joinedload

from facilitator import crypto
from facilitator.domain.choices import Visibility
from facilitator.models import Group
from facilitator.models import Meeting

_JOIN = "join"


def public_meeting(session: Session, meeting_id: int) -> Meeting | None:
    """A public group's online (or hybrid) meeting, with its exceptions; None for any
    other id, a private group's meeting included."""
    meeting = session.get(Meeting, meeting_id,
                          options=[joinedload(Meeting.exceptions), joinedload(Meeting.group)]) \
        if 0 < meeting_id < 2**31 else None
    if meeting is None or meeting.group.visibility is not Visibility.PUBLIC \
            or not meeting.attendance.online:
        return None
    return meeting


def private_join_token(key: str, meeting: Meeting) -> str | None:
    """The join token of a private group's meeting, made from its group's current feed
    token hash; None while the group has no private feed."""
    group: Group = meeting.group
    if group.feed_token_hash is None:
        return None
    return crypto.derived_token(key, _JOIN, meeting.id, group.feed_token_hash)


def private_meeting(session: Session, key: str, token: str) -> Meeting | None:
    """The private group's online meeting whose current join token this is; None for
    anything else, an old token of a replaced feed link included."""
    found: dict[int, Meeting] = {}

    def parts(number: int) -> tuple[str, ...] | None:
        meeting = session.get(Meeting, number, options=[joinedload(Meeting.exceptions),
                                                        joinedload(Meeting.group)]) \
            if number < 2**31 else None
        if meeting is None or meeting.group.feed_token_hash is None \
                or meeting.group.visibility is Visibility.PUBLIC \
                or not meeting.attendance.online:
            return None
        found[number] = meeting
        return (meeting.group.feed_token_hash,)

    number = crypto.derived_token_number(key, _JOIN, token, parts)
    return None if number is None else found[number]
