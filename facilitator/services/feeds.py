"""Calendar feeds: which meetings each feed holds, its validators, its bytes, and the
private feed's token."""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime

from sqlalchemy import ColumnElement
from sqlalchemy import Connection
from sqlalchemy import Select
from sqlalchemy import bindparam
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm import contains_eager
from sqlalchemy.orm import selectinload

from facilitator import crypto
from facilitator.caching import BytesCache
from facilitator.domain.choices import Visibility
from facilitator.domain.ical import FeedCalendar
from facilitator.domain.ical import build_feed
from facilitator.domain.ical_events import ENGLISH
from facilitator.domain.ical_events import EventText
from facilitator.domain.ical_events import FeedEvent
from facilitator.domain.ical_events import FeedWords
from facilitator.domain.ical_events import event_summary
from facilitator.models import Group
from facilitator.models import Meeting
from facilitator.models import Organization
from facilitator.models import User
from facilitator.services.organizations import rotate_group_token

#: Part of every ETag: bump it when the feed's format changes, so caches let go.
FORMAT = "ics-2"


@dataclass(frozen=True)
class FeedVersion:
    """Validators of a feed, known without reading its meetings."""

    key: tuple[object, ...]
    last_modified: datetime

    @property
    def etag(self) -> str:
        """A strong ETag value (unquoted): the same data always gives the same one."""
        return hashlib.sha256(repr(self.key).encode()).hexdigest()[:32]


def _version(kind: str, row_id: int, versions: tuple[int, ...], changed: list[datetime],
             extra: tuple[object, ...]) -> FeedVersion:
    latest = max(_aware(c) for c in changed).replace(microsecond=0)
    return FeedVersion((kind, row_id, *versions, FORMAT, *extra), latest)


def _aware(moment: datetime) -> datetime:
    # Core queries bypass the ORM's UTC type on SQLite, which returns naive UTC values.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# The lookups below run on every feed request, most of them answered from the cache or
# with a 304: one prepared SELECT on a plain connection, no ORM session.
_ORG_VERSION = select(Organization.id, Organization.data_version,
                      Organization.data_changed_at).where(Organization.slug == bindparam("slug"))
_GROUP_VERSION = (
    select(Group.id, Group.data_version, Group.data_changed_at,
           Organization.data_version.label("org_version"),
           Organization.data_changed_at.label("org_changed_at"))
    .join(Organization, Group.organization_id == Organization.id)
)
_PUBLIC_GROUP_VERSION = _GROUP_VERSION.where(Group.slug == bindparam("slug"),
                                             Group.visibility == Visibility.PUBLIC)
_TOKEN_GROUP_VERSION = _GROUP_VERSION.where(Group.feed_token_hash == bindparam("token_hash"))

def org_version(connection: Connection, slug: str,
                *extra: object) -> tuple[int, FeedVersion] | None:
    """The org's id and feed validators; `extra` tells apart other formats of its data."""
    row = connection.execute(_ORG_VERSION, {"slug": slug}).first()
    if row is None:
        return None
    return row.id, _version("org", row.id, (row.data_version,), [row.data_changed_at], extra)


def in_language(found: tuple[int, FeedVersion] | None,
                lang: str) -> tuple[int, FeedVersion] | None:
    """A feed's validators for its copy in `lang` (English is the version as it was):
    each language's copy has its own ETag and its own place in the cache."""
    if found is None or lang == "en":
        return found
    row_id, version = found
    return row_id, FeedVersion((*version.key, "lang", lang), version.last_modified)


def _group_version(connection: Connection, statement: Select,
                   **params: object) -> tuple[int, FeedVersion] | None:
    """A group's id and feed validators. Its feed also shows the org's name and zone, so
    the org's version counts too."""
    row = connection.execute(statement, params).first()
    if row is None:
        return None
    return row.id, _version("group", row.id, (row.data_version, row.org_version),
                            [row.data_changed_at, row.org_changed_at], ())


def public_group_version(connection: Connection, slug: str) -> tuple[int, FeedVersion] | None:
    return _group_version(connection, _PUBLIC_GROUP_VERSION, slug=slug)


def token_group_version(connection: Connection,
                        token: str) -> tuple[int, FeedVersion] | None:
    """The group whose private feed token this is; None for any other text. The token's
    hash is part of the version: the feed holds join links made from it, so a copy built
    for a replaced token is never served for the new one."""
    if not crypto.looks_like_token(token):
        return None
    token_hash = crypto.token_hash(token)
    found = _group_version(connection, _TOKEN_GROUP_VERSION, token_hash=token_hash)
    if found is None:
        return None
    group_id, version = found
    return group_id, FeedVersion((*version.key, token_hash), version.last_modified)


#: A meeting's join page, for a feed: public by id, or a private group's behind a token.
JoinUrl = Callable[[Meeting], str]


def feed_event(meeting: Meeting, group_url: str, join_url: str = "",
               words: FeedWords = ENGLISH) -> FeedEvent:
    """A meeting series as its feed shows it, its feed's own words in `words`."""
    return FeedEvent(meeting.series(), event_summary(meeting.title, meeting.group.name),
                     group_url, join_url if meeting.attendance.online else "", words)


#: Meetings read from the database at a time while a feed is written: the feed of a
#: 5,000-meeting org never holds all its meetings' objects at once.
BATCH = 500


def _meetings(session: Session, *where: ColumnElement[bool]) -> Iterator[Meeting]:
    query = (
        select(Meeting)
        .join(Meeting.group)
        .where(*where)
        .options(contains_eager(Meeting.group), selectinload(Meeting.exceptions))
        .order_by(Meeting.uid)
        .execution_options(yield_per=BATCH)
    )
    return iter(session.scalars(query))


def org_feed(session: Session, org: Organization, org_url: str,
             group_url: Callable[[str], str], texts: EventTexts | None = None, *,
             join_url: JoinUrl = lambda _: "", words: FeedWords = ENGLISH,
             meetings_of: str = "Meetings of {name}") -> bytes:
    """Every meeting of the org's public groups. `texts` keeps events already written;
    `join_url` gives an online meeting's join page (without one, no link is written)."""
    meetings = _meetings(session, Group.organization_id == org.id,
                         Group.visibility == Visibility.PUBLIC)
    calendar = FeedCalendar(name=org.name, url=org_url, zone=org.timezone,
                            description=meetings_of.format(name=org.name))
    return build_feed(calendar, _events(meetings, group_url, join_url, words), texts)


def group_feed(session: Session, group: Group, group_url: Callable[[str], str],
               texts: EventTexts | None = None, *, join_url: JoinUrl = lambda _: "",
               words: FeedWords = ENGLISH, meetings_of: str = "Meetings of {name}") -> bytes:
    """Every meeting of one group (public, or private through its token)."""
    meetings = _meetings(session, Meeting.group_id == group.id)
    calendar = FeedCalendar(name=group.name, url=group_url(group.slug),
                            zone=group.organization.timezone,
                            description=meetings_of.format(
                                name=f"{group.name}, {group.organization.name}"))
    return build_feed(calendar, _events(meetings, group_url, join_url, words), texts)


def _events(meetings: Iterable[Meeting], group_url: Callable[[str], str],
            join_url: JoinUrl, words: FeedWords) -> Iterator[FeedEvent]:
    """Each meeting's event as it is read (build_feed lets each go once written)."""
    urls: dict[str, str] = {}
    for m in meetings:
        yield feed_event(m, urls.setdefault(m.group.slug, group_url(m.group.slug)),
                         join_url(m) if m.attendance.online else "", words)


def rotate_feed_token(session: Session, actor: User, group: Group) -> str:
    """Give the group a new private feed token and return it. Only its hash is kept, so
    every copy of the old link stops working at once."""
    return rotate_group_token(session, actor, group, "feed_token_hash")


class EventTexts(OrderedDict[bytes, EventText]):
    """Written events by their ical_events.event_key() (a digest of all an event shows,
    so never stale), the least recently written dropped first. When one meeting of a
    5,000-meeting org changes, its feed is rebuilt writing one event, not 5,000."""

    #: About 1 KB each (the text, 600 bytes on average, and its key): one 5,000-meeting
    #: org's events (7,000) and room for others', within a worker's memory goal
    #: (bench/bench_serve.py).
    def __init__(self, limit: int = 12_000) -> None:
        super().__init__()
        self.limit = limit

    def __setitem__(self, key: bytes, value: EventText) -> None:
        super().__setitem__(key, value)
        while len(self) > self.limit:
            try:
                self.popitem(last=False)
            except KeyError:  # another thread emptied it first
                break


class FeedCache(BytesCache):
    """Built feeds by version, least recently used first out, within a byte budget, and
    the written events they are made of.

    A version changes with the data, so an entry is never stale: it is only replaced.
    """

    def __init__(self, budget_bytes: int = 32 * 1024 * 1024) -> None:
        super().__init__(budget_bytes)
        self.events = EventTexts()

    def get_feed(self, version: FeedVersion, build: Callable[[], bytes]) -> bytes:
        return self.get_or_build(version.etag, build)
