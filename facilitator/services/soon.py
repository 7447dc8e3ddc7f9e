"""Starting soon: an organization's public meetings a member can still get to now.

Read-only. The meetings are the ones the directory's WeekCache keeps (read once per
change and day); at each request only their dates around now are computed (see
facilitator.domain.soon_window, where the rule lives).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from facilitator.domain import listing
from facilitator.domain import soon_window
from facilitator.models import Organization
from facilitator.services.directory import PublicMeeting
from facilitator.services.directory import WeekCache

#: How many the directory's first block shows; the page has them all.
IN_DIRECTORY = 4


@dataclass(frozen=True)
class SoonListing:
    """One meeting's date starting soon, with what the list shows of its group."""

    soon: soon_window.Soon
    meeting: PublicMeeting

    @property
    def own_zone(self) -> str:
        """ "Pacific Time": the meeting's own zone, said after its own start time."""
        return listing.zone_name(self.soon.series.timezone)


@dataclass(frozen=True)
class SoonPage:
    """Listings `first` to `first + len(listings) - 1` (from 1) of a long list."""

    number: int
    count: int
    first: int
    listings: list[SoonListing]


@dataclass(frozen=True)
class StartingSoon:
    listings: list[SoonListing]
    #: The moment they were found, in the org's zone.
    as_of: datetime
    #: The org's zone in words: "Central Time (America/Chicago)".
    zone: str

    def page(self, number: int, size: int = listing.PAGE_SIZE) -> SoonPage:
        """Page `number` (from 1; out of range is the nearest page): an intergroup of
        thousands of meetings has hundreds starting on a weekday evening, and a phone
        shows a page of them at once, the soonest first."""
        count = listing.page_count(len(self.listings), size)
        number = min(max(number, 1), count)
        start = (number - 1) * size
        return SoonPage(number, count, start + 1, self.listings[start:start + size])


def starting_soon(session: Session, org: Organization, now: datetime, *,
                  weeks: WeekCache | None = None) -> StartingSoon:
    """The org's public meetings starting within soon_window.WINDOW of `now`, shown in
    the org's zone. `weeks` keeps the meetings between calls."""
    meetings = (weeks or WeekCache()).meetings(session, org, now)
    by_id = {m.series.id: m for m in meetings}
    found = soon_window.starting_soon((m.series for m in meetings), now, org.timezone)
    return StartingSoon(
        listings=[SoonListing(s, by_id[s.series.id]) for s in found],
        as_of=now.astimezone(ZoneInfo(org.timezone)),
        zone=listing.zone_label(org.timezone),
    )
