"""Attendance reports: a group's and an organization's counts over the last 12 months.

A report that leaves the group (an auditor's view, an org report, any export) is made
with the org's small-count threshold, and every number in it goes through one
suppression (domain.suppression.suppress) together with the totals it adds up to, so the
screen and the CSV hide the same cells and no total gives a hidden count away.

What an occurrence counts is the facilitator's count when they counted it, else the
members' check-ins (domain.counts.reported). An occurrence with more check-ins than
the facilitator counted is marked, by a word and never by a number, so the mark says
nothing about a hidden count.

Not counted is not zero: a meeting that went ahead and that nobody counted (neither the
facilitator nor a member's check-in) is "not counted yet" everywhere, and a month with no
meeting at all is "no meetings"; neither is ever 0 people.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections import defaultdict
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from typing import Any
from typing import NamedTuple
from typing import TypeVar
from typing import cast

from sqlalchemy import Select
from sqlalchemy import and_
from sqlalchemy import case
from sqlalchemy import func
from sqlalchemy import literal
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.orm import Session

from facilitator import clock
from facilitator.domain import chart
from facilitator.domain.counts import not_counted_until
from facilitator.domain.counts import reported
from facilitator.domain.counts import taps_exceed
from facilitator.domain.languages import N_
from facilitator.domain.languages import Label
from facilitator.domain.languages import Message
from facilitator.domain.meeting import Attendance
from facilitator.domain.meeting import SeriesException
from facilitator.domain.recurrence import Schedule
from facilitator.domain.suppression import SO_FAR
from facilitator.domain.suppression import Key
from facilitator.domain.suppression import Sum
from facilitator.domain.suppression import TableHidden
from facilitator.domain.suppression import average
from facilitator.domain.suppression import hidden_rule
from facilitator.domain.suppression import hidden_rule_csv
from facilitator.domain.suppression import hybrid_cells
from facilitator.domain.suppression import last_months
from facilitator.domain.suppression import month_label
from facilitator.domain.suppression import month_of
from facilitator.domain.suppression import shown
from facilitator.domain.suppression import suppress
from facilitator.domain.suppression import suppress_table
from facilitator.formatting import language
from facilitator.formatting import message_words
from facilitator.formatting import month_words
from facilitator.formatting import number
from facilitator.formatting import short_date
from facilitator.formatting import worded
from facilitator.models import SCHEDULE_COLUMNS
from facilitator.models import Group
from facilitator.models import Headcount
from facilitator.models import HeadcountMonth
from facilitator.models import HeadcountVersion
from facilitator.models import Meeting
from facilitator.models import MeetingException
from facilitator.models import Organization
from facilitator.models import schedule_of
from facilitator.services.headcounts import TALLY_COLUMNS
from facilitator.services.headcounts import tally

MONTHS = 12
#: What a report says of a meeting that went ahead and that nobody counted…
NOT_COUNTED = N_("not counted yet")
#: …and of a month (or group) without any meeting.
NO_MEETINGS = N_("no meetings")
#: How a report marks an occurrence with more check-ins than the facilitator counted…
MORE_CHECKINS = N_("More check-ins")
#: …and what the mark means, said once where it shows.
MORE_CHECKINS_MEANS = N_("“More check-ins” marks a meeting where more members checked in "
                         "from its link than the facilitator counted. The report uses the "
                         "facilitator's count; it may be worth asking the group why.")


class Numbers(NamedTuple):
    """What a line of a report shows; None where a count is hidden. (A tuple: an org's
    report has one per group and month, thousands, made whenever a count changes.)"""

    meetings: int
    people: int | None
    newcomers: int | None
    in_person: int | None = None
    online: int | None = None
    #: Of the meetings, how many had more check-ins than the facilitator counted. A
    #: number of meetings, not of people: the small-count rule does not apply.
    more_checkins: int = 0
    #: Meetings that went ahead and that nobody counted: never counted as 0 people.
    not_counted: int = 0

    @property
    def average(self) -> float | None:
        return average(self.people, self.meetings)

    @property
    def missing(self) -> str:
        """Why there are no numbers: "not counted yet", "no meetings", or "" (there are)."""
        if self.meetings:
            return ""
        return NOT_COUNTED if self.not_counted else NO_MEETINGS


@dataclass(frozen=True)
class Line:
    key: str
    label: str
    numbers: Numbers
    #: The meeting's title, on a line for one occurrence.
    meeting: str = ""
    hybrid: bool = False
    #: The group's name, on a line for one occurrence of an org's report.
    group: str = ""
    #: A month's line for the month the report is made in: its numbers are so far.
    partial: bool = False


@dataclass(frozen=True)
class Report:
    title: str
    #: The small-count threshold the report was made with; None for the group's own
    #: leaders, who see every number.
    threshold: int | None
    months: list[Line]
    total: Numbers
    #: A group's report: each counted occurrence, newest first.
    occurrences: list[Line]
    #: An org's report: each group with counts, and its cells by month key.
    groups: list[Line]
    cells: dict[tuple[str, str], Numbers]
    #: An org's report: each occurrence with more check-ins than counted, newest first.
    more_checkins: list[Line] = field(default_factory=list)

    def text(self, value: int | None) -> str:
        return shown(value)

    def count(self, numbers: Numbers, value: int | None) -> str:
        """A count of a line as the page writes it: the number, "hidden", or why there
        is none ("not counted yet", "no meetings")."""
        return numbers.missing or shown(value)

    @property
    def rule(self) -> str | None:
        """What a hidden count means, for a report made with the small-count rule."""
        return hidden_rule(self.threshold) if self.threshold else None

    @property
    def mark(self) -> str:
        """The mark of an occurrence with more check-ins than the facilitator counted."""
        return MORE_CHECKINS

    @property
    def mark_rule(self) -> str | None:
        """What the mark of an occurrence with more check-ins means, where one shows."""
        return MORE_CHECKINS_MEANS if self.total.more_checkins else None

    @property
    def hybrid(self) -> bool:
        """Whether any occurrence counted the room and online apart."""
        return any(line.hybrid for line in self.occurrences)


class _Table:
    """The numbers of an org's (or one group's) counts before suppression, at every
    level a report shows, and the sums that tie the levels together: each occurrence
    into its group's month, the group's months into its year, the groups' months into
    the org's month, and both into the org's year.

    The months of the groups come summed (by the database, for an org), the occurrences
    only for the groups whose lines the report shows: suppression works on the totals
    first, then on each month's occurrences given which totals it hides, which hides what
    suppressing everything at once would (tests/test_attendance.py holds it to that)."""

    def __init__(self, months: Sequence[str], group_months: Sequence[_GroupMonth],
                 rows: Sequence[_Row] = (), missing: Sequence[_Missing] = ()) -> None:
        self.values: dict[Key, int] = {}
        self.meetings: dict[Key, int] = defaultdict(int)
        self.more_checkins: dict[Key, int] = defaultdict(int)
        self.not_counted: dict[Key, int] = defaultdict(int)
        for gone in missing:
            for level in (("gm", gone.slug, month_of(gone.day)), ("g", gone.slug),
                          ("m", month_of(gone.day)), ("total",)):
                self.not_counted[level] += 1
        slugs: list[str] = []
        #: Each group's months, and each month's groups: the parts of their sums, which
        #: list them in order (_sum leaves out those without meetings).
        by_group: dict[str, list[str]] = defaultdict(list)
        by_month: dict[str, list[str]] = defaultdict(list)
        values, meetings, more = self.values, self.meetings, self.more_checkins
        for cell in group_months:  # thousands in a big org: _add written out
            if not meetings.get(("g", cell.slug)):
                slugs.append(cell.slug)
            for key in (("gm", cell.slug, cell.month), ("g", cell.slug), ("m", cell.month),
                        ("total",)):
                people, newcomers = (key, "people"), (key, "newcomers")
                values[people] = values.get(people, 0) + cell.people
                values[newcomers] = values.get(newcomers, 0) + cell.newcomers
                meetings[key] += cell.meetings
                more[key] += cell.more_checkins
            if cell.month not in by_group[cell.slug]:
                by_group[cell.slug].append(cell.month)
                by_month[cell.month].append(cell.slug)
        #: The occurrences' cells, and the sums within a group's month.
        self.cells: dict[Key, int] = {}
        self.parts: list[Sum] = []
        in_month: dict[Key, list[Key]] = defaultdict(list)
        for row in rows:
            occurrence = ("o", row.id)
            self._add(occurrence, row.people, row.newcomers, 1, self.cells)
            self.more_checkins[occurrence] += row.more_checkins
            in_month[("gm", row.slug, month_of(row.day))].append(occurrence)
            if row.hybrid:
                cells, sums = hybrid_cells(occurrence, row.people, row.in_person, row.online)
                self.cells |= cells
                self.parts += sums
        for group_month, occurrences in in_month.items():
            for counter in ("people", "newcomers"):
                self.cells[(group_month, counter)] = self.values.get((group_month, counter), 0)
            self._sum(group_month, occurrences, self.parts)
        #: What the table was made of, for _org_hidden.
        self.group_months, self.months = group_months, months
        self.totals: list[Sum] = []
        order = {month: n for n, month in enumerate(months)}
        place = {slug: n for n, slug in enumerate(slugs)}
        for slug in slugs:
            self._sum(("g", slug), [("gm", slug, m) for m in
                                    sorted((m for m in by_group[slug] if m in order),
                                           key=order.__getitem__)],
                      self.totals)
        for month in months:
            self._sum(("m", month), [("gm", slug, month) for slug in
                                     sorted(by_month[month], key=place.__getitem__)],
                      self.totals)
        self._sum(("total",), [("g", slug) for slug in slugs], self.totals)
        self._sum(("total",), [("m", m) for m in months], self.totals)

    def _add(self, key: Key, people: int, newcomers: int, meetings: int,
             into: dict[Key, int] | None = None) -> None:
        values = self.values if into is None else into
        values[(key, "people")] = values.get((key, "people"), 0) + people
        values[(key, "newcomers")] = values.get((key, "newcomers"), 0) + newcomers
        self.meetings[key] += meetings

    def _sum(self, total: Key, parts: Iterable[Key], sums: list[Sum]) -> None:
        # A part with no meeting is a known zero: it gives nothing away and hides nothing.
        parts = [p for p in parts if self.meetings.get(p)]
        if not self.meetings.get(total):
            return
        for counter in ("people", "newcomers"):
            sums.append(Sum((total, counter), tuple((p, counter) for p in parts)))

    def shown(self, threshold: int | None,
              org: _OrgHidden | None = None) -> dict[Key, int | None]:
        """Every value as the report may show it. The totals are suppressed as
        suppress(self.values, self.totals) would (by suppress_table), or taken from
        `org`, what the org's table hides, for a table of one group's months."""
        if not threshold:
            every: dict[Key, int | None] = {**self.values, **self.cells}
            return every
        org = org or _org_hidden(self.group_months, self.months, threshold)
        totals = {key: None if org.hides(key, value, threshold) else value
                  for key, value in self.values.items()}
        hidden = [key for key in self.cells if totals.get(key, 0) is None]
        return totals | suppress(self.cells, self.parts, threshold, hidden=hidden)

    def numbers(self, shown: dict[Key, int | None], key: Key) -> Numbers:
        if not self.meetings.get(key):
            return Numbers(0, None, None, not_counted=self.not_counted.get(key, 0))
        return Numbers(self.meetings[key], shown[(key, "people")], shown[(key, "newcomers")],
                       shown.get((key, "in_person")), shown.get((key, "online")),
                       self.more_checkins[key], self.not_counted.get(key, 0))


@dataclass(frozen=True)
class _OrgHidden:
    """What the small-count rule hides of the org's table of groups by months, with its
    totals, by counter ("people", "newcomers"): one suppression each (suppress_table),
    which a group's report takes its months' from."""

    by_counter: dict[str, TableHidden[str, str]]

    def hides(self, key: Key, value: int, threshold: int) -> bool:
        """Whether the table hides `key`, ((level, ...), counter) as _Table names it; a
        value outside the table only when it is below the threshold."""
        level, counter = cast(tuple[Key, str], key)
        found = self.by_counter[counter]
        match level:
            case ("gm", slug, month):
                return (slug, month) in found.cells or value < threshold
            case ("g", slug):
                return slug in found.rows or value < threshold
            case ("m", month):
                return month in found.columns or value < threshold
            case ("total",):
                return found.total or value < threshold
        return value < threshold


def _org_hidden(group_months: Iterable[_GroupMonth], months: Sequence[str],
                threshold: int) -> _OrgHidden:
    """What suppress hides of the groups' months and the sums between them as _Table
    has them (_Table.totals: each group's months, each month's groups, in the order
    they first come, the org's total of both), done as one table per counter by
    suppress_table (tests/test_attendance.py holds the two to one answer)."""
    people: dict[tuple[str, str], int] = {}
    newcomers: dict[tuple[str, str], int] = {}
    slugs: dict[str, None] = {}
    for cell in group_months:
        slugs[cell.slug] = None
        key = (cell.slug, cell.month)
        people[key] = people.get(key, 0) + cell.people
        newcomers[key] = newcomers.get(key, 0) + cell.newcomers
    return _OrgHidden({counter: suppress_table(cells, list(slugs), months, threshold)
                       for counter, cells in (("people", people), ("newcomers", newcomers))})


@dataclass(frozen=True)
class _Row:
    """One occurrence as reports count it (domain.counts.reported)."""

    id: int
    meeting_id: int
    slug: str
    name: str
    title: str
    day: date
    hybrid: bool
    people: int
    newcomers: int
    in_person: int
    online: int
    #: 1 when more members checked in than the facilitator counted, else 0.
    more_checkins: int


class _GroupMonth(NamedTuple):
    """A group's counted occurrences of one month, summed (a tuple: an org has thousands
    of them, made afresh whenever a count changes)."""

    slug: str
    name: str
    month: str
    meetings: int
    people: int
    newcomers: int
    more_checkins: int


@dataclass(frozen=True)
class _Missing:
    """An occurrence that went ahead and that nobody counted."""

    slug: str
    name: str
    title: str
    day: date


_counted = Headcount.counted_by_facilitator
#: What an occurrence counts (domain.counts.reported), in SQL, for the database to sum.
_PEOPLE = case((_counted, Headcount.people), else_=Headcount.checkins)
_NEWCOMERS = case((_counted, Headcount.newcomers), else_=Headcount.checkin_newcomers)
_MORE_CHECKINS = case((and_(_counted, Headcount.checkins > Headcount.people), 1), else_=0)
#: A row nobody counted in (no count, no check-in) is not a count of 0.
_COUNTED_AT_ALL = or_(_counted, Headcount.checkins > 0)


_Query = TypeVar("_Query", bound=Select[*tuple[Any, ...]])


def _in_window(query: _Query, months: Sequence[str], today: date, *,
               org: Organization | None = None, group: Group | None = None) -> _Query:
    query = query.where(Headcount.occurrence_date >= date.fromisoformat(f"{months[0]}-01"),
                        Headcount.occurrence_date <= today)
    if group is not None:
        query = query.where(Meeting.group_id == group.id)
    if org is not None:
        query = query.where(Group.organization_id == org.id)
    return query


def _rows(session: Session, months: Sequence[str], today: date, group: Group) -> list[_Row]:
    query = _in_window(
        select(Headcount.id, Meeting.id, Group.slug, Group.name, Meeting.title,
               Headcount.occurrence_date, Meeting.attendance, *TALLY_COLUMNS)
        .join(Meeting, Headcount.meeting_id == Meeting.id).join(Group)
        .order_by(Headcount.occurrence_date.desc(), Meeting.start_time, Meeting.id),
        months, today, group=group)
    rows = []
    for id_, meeting_id, slug, name, title, day, attendance, *columns in session.execute(query):
        counts, taps = tally(columns)
        if counts is None and not taps.people:
            continue  # a row nobody counted in: not a count of 0
        counted = reported(counts, taps)
        rows.append(_Row(id_, meeting_id, slug, name, title, day, attendance is Attendance.HYBRID,
                         counted.people, counted.newcomers, counted.in_person, counted.online,
                         int(taps_exceed(counts, taps))))
    return rows


def _months_of(rows: Sequence[_Row]) -> list[_GroupMonth]:
    """The rows summed by group and month, groups in the order they first come."""
    sums: dict[tuple[str, str], list[int]] = {}
    names = {}
    for row in rows:
        names[row.slug] = row.name
        found = sums.setdefault((row.slug, month_of(row.day)), [0, 0, 0, 0])
        for n, value in enumerate((1, row.people, row.newcomers, row.more_checkins)):
            found[n] += value
    return [_GroupMonth(slug, names[slug], month, *numbers)
            for (slug, month), numbers in sums.items()]


#: A group's month (group id, the month's first day) as some of its meetings add to it:
#: occurrences counted, people, first meetings, more check-ins, and the counted dates up
#: to today as bits, of the meeting with the newest (the largest bits).
_MonthSums = tuple[int, int, int, int, int]


@dataclass(frozen=True)
class _ShardMonths:
    """An org's groups' months summed by the database apart for each shard of its
    meetings (meeting id modulo HeadcountVersion.SHARDS), each shard with the version of
    its counter it was read at, and their sums. A count changes its meeting's shard's
    counter only, so after a check-in the org's months are one shard read again (a
    sixteenth of the rows) and its sums put back in, not the whole org read."""

    versions: dict[int, int]
    shards: dict[int, dict[tuple[int, date], _MonthSums]]
    #: The groups' months, every shard summed.
    merged: dict[tuple[int, date], _MonthSums]
    #: Each group's slug and name.
    names: dict[int, tuple[str, str]]

    @classmethod
    def read(cls, session: Session, months: Sequence[str], today: date, org: Organization,
             versions: Mapping[int, int], kept: _ShardMonths | None = None) -> _ShardMonths:
        """The org's groups' months as of `versions` (by shard), reading again only the
        shards whose version differs from `kept`'s."""
        every = range(HeadcountVersion.SHARDS)
        changed = [shard for shard in every if kept is None
                   or kept.versions.get(shard, 0) != versions.get(shard, 0)]
        if kept is not None and not changed:
            return kept
        found = _read_shards(session, months, today, org, None if kept is None else changed)
        # Names change with the org's data version, which a kept read is kept by; a
        # group counted for the first time may be new to it.
        names = kept.names if kept is not None else {}
        if any(group_id not in names for part in found.values() for group_id, _ in part):
            names = _group_names(session, org)
        shards = dict(kept.shards) if kept is not None else {}
        for shard in changed:
            shards[shard] = found.get(shard, {})
        if kept is None:
            merged: dict[tuple[int, date], _MonthSums] = {}
            for part in shards.values():
                for key, sums in part.items():
                    merged[key] = _plus(merged.get(key), sums)
            return cls({shard: versions.get(shard, 0) for shard in every}, shards, merged,
                       names)
        merged = dict(kept.merged)
        #: Months whose newest counted date may have been a changed shard's.
        again: set[tuple[int, date]] = set()
        for shard in changed:
            before, after = kept.shards.get(shard, {}), shards[shard]
            for key in before.keys() | after.keys():
                old, new = before.get(key), after.get(key)
                if old == new:
                    continue
                total = merged.get(key)
                if old is not None and total is not None:
                    if old[4] == kept.merged[key][4]:
                        again.add(key)
                    total = _minus(total, old)
                total = _plus(total, new) if new is not None else total
                if total is None or total[0] <= 0:
                    merged.pop(key, None)
                else:
                    merged[key] = total
        for key in again & merged.keys():
            merged[key] = (*merged[key][:4],
                           max(part[key][4] for part in shards.values() if key in part))
        return cls({shard: versions.get(shard, 0) for shard in every}, shards, merged, names)


def _plus(sums: _MonthSums | None, more: _MonthSums) -> _MonthSums:
    """Months summed: counts added, the newest counted date kept."""
    if sums is None:
        return more
    return (sums[0] + more[0], sums[1] + more[1], sums[2] + more[2], sums[3] + more[3],
            max(sums[4], more[4]))


def _minus(sums: _MonthSums, less: _MonthSums) -> _MonthSums:
    """A shard's months taken back out of a sum; the newest date stays (see read)."""
    return (sums[0] - less[0], sums[1] - less[1], sums[2] - less[2], sums[3] - less[3],
            sums[4])


def _read_shards(session: Session, months: Sequence[str], today: date, org: Organization,
                 shards: Sequence[int] | None
                 ) -> dict[int, dict[tuple[int, date], _MonthSums]]:
    """The groups' months of the org's meetings of `shards` (None: all of them), summed
    by the database by shard from the meetings' monthly totals (HeadcountMonth): a row
    per meeting and month is read, not one per occurrence."""
    this_month = today.replace(day=1)
    # The counted dates up to today, as bits; the largest has the newest date's bit.
    days = case((HeadcountMonth.month == this_month,
                 HeadcountMonth.counted_days.op("&")(_BITS_TO[today.day])),
                else_=HeadcountMonth.counted_days)
    # On the meeting's id, so that only its shard's meetings' months are looked up.
    shard = Meeting.id % HeadcountVersion.SHARDS
    query = (select(shard, Meeting.group_id, HeadcountMonth.month,
                    func.sum(HeadcountMonth.meetings), func.sum(HeadcountMonth.people),
                    func.sum(HeadcountMonth.newcomers),
                    func.sum(HeadcountMonth.more_checkins), func.max(days))
             .where(HeadcountMonth.meetings > 0)
             .group_by(shard, Meeting.group_id, HeadcountMonth.month))
    if shards is not None:
        query = query.where(shard.in_(shards))
    found: dict[int, dict[tuple[int, date], _MonthSums]] = defaultdict(dict)
    for shard_, group_id, month, *sums in session.connection().execute(
            _in_months(query, months, today, org)):
        found[shard_][(group_id, month)] = tuple(sums)
    return found


def _group_names(session: Session, org: Organization) -> dict[int, tuple[str, str]]:
    """The org's groups' slugs and names, by id."""
    return {id_: (slug, name) for id_, slug, name in session.connection().execute(
        select(Group.id, Group.slug, Group.name).where(Group.organization_id == org.id))}


def _org_months(session: Session, months: Sequence[str], today: date,
                org: Organization, read: _ShardMonths | None = None) -> list[_GroupMonth]:
    """Every group's months, summed by the database from the meetings' monthly totals
    (HeadcountMonth), or as `read` has them, groups in the order their newest counted
    occurrence comes (newest date, earliest time, lowest meeting id first): the order a
    table of every occurrence, newest first, would give them. The few counts dated after
    today (a meeting in a zone ahead of the org's) are taken back out, so the months end
    today as the window does."""
    return _months_in_order(session, months, today, org, read)[0]


def _months_in_order(session: Session, months: Sequence[str], today: date,
                     org: Organization, read: _ShardMonths | None = None,
                     places: Mapping[int, int] | None = None
                     ) -> tuple[list[_GroupMonth], Mapping[int, int]]:
    """_org_months, and the groups' places in its order; with `places`, in that order,
    which only a change to the dates counted changes (HeadcountVersion.dated_version)."""
    this_month = today.replace(day=1)
    read = read or _ShardMonths.read(session, months, today, org, {})
    later: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for group_id, meetings_, people_, newcomers_, more_ in _after_today(session, today, org):
        found_ = later[group_id]
        for n, value in enumerate((meetings_, people_, newcomers_, more_)):
            found_[n] += value
    cells: list[tuple[int, _GroupMonth]] = []
    #: Each group's newest month counted in, and its counted dates' bits.
    newest_month: dict[int, tuple[date, int]] = {}
    names = read.names
    labels = {month: month_of(month) for _, month in read.merged}
    for (group_id, month), (meetings, people, newcomers, more, bits) in read.merged.items():
        if month == this_month and group_id in later:
            taken = later[group_id]
            meetings, people, newcomers, more = (meetings - taken[0], people - taken[1],
                                                 newcomers - taken[2], more - taken[3])
            if not meetings:
                continue
        if month > newest_month.get(group_id, (date.min, 0))[0]:
            newest_month[group_id] = (month, bits)
        slug, name = names[group_id]
        cells.append((group_id, _GroupMonth(slug, name, labels[month], meetings, people,
                                            newcomers, more)))
    # Kept places hold while the dates counted are the same, and so the groups counted
    # (a count read since they were kept may have counted one more).
    if places is None or not newest_month.keys() <= places.keys():
        places = _places(session, today, org, {
            group_id: month.replace(day=bits.bit_length())
            for group_id, (month, bits) in newest_month.items()})
    # By place, then month: the order the database's GROUP BY gave them.
    cells.sort(key=lambda cell: (places[cell[0]], cell[1].month))
    return [cell for _, cell in cells], places


def _places(session: Session, today: date, org: Organization,
            newest: Mapping[int, date]) -> dict[int, int]:
    """The groups' places by their newest counted date (newest first), then the earliest
    time and lowest meeting id counted on it."""
    first: dict[int, tuple[time, int]] = {}
    for group_id, day, start, meeting_id in session.execute(
            select(Meeting.group_id, Headcount.occurrence_date, Meeting.start_time, Meeting.id)
            .join(Meeting, Headcount.meeting_id == Meeting.id).join(Group)
            .where(Group.organization_id == org.id, _COUNTED_AT_ALL,
                   # A range first, which each meeting's (meeting, date) index answers.
                   Headcount.occurrence_date >= min(newest.values(), default=today),
                   Headcount.occurrence_date <= today,
                   Headcount.occurrence_date.in_(set(newest.values())))):
        if day == newest[group_id]:
            first[group_id] = min((start, meeting_id), first.get(group_id, (start, meeting_id)))
    order = sorted(newest, key=lambda id_: (-newest[id_].toordinal(), *first[id_]))
    return {group_id: n for n, group_id in enumerate(order)}


#: The bits of the days of a month up to day d (bit d - 1 is day d), by d.
_BITS_TO = [(1 << day) - 1 for day in range(32)]


def _in_months(query: _Query, months: Sequence[str], today: date,
               org: Organization) -> _Query:
    """The org's meetings' monthly totals of the report's months."""
    return (query.select_from(HeadcountMonth)
            .join(Meeting, HeadcountMonth.meeting_id == Meeting.id).join(Group)
            .where(Group.organization_id == org.id,
                   HeadcountMonth.month >= date.fromisoformat(f"{months[0]}-01"),
                   HeadcountMonth.month <= today.replace(day=1)))


def _after_today(session: Session, today: date, org: Organization
                 ) -> list[tuple[int, int, int, int, int]]:
    """What the org's counts dated after today in today's month add to their months,
    by group: (group id, 1, people, newcomers, more check-ins) a count. Seldom any."""
    next_month = (today.replace(day=28) + timedelta(days=4)).replace(day=1)
    found = session.connection().execute(
        select(Meeting.group_id, literal(1), _PEOPLE, _NEWCOMERS, _MORE_CHECKINS)
        .select_from(Headcount).join(Meeting, Headcount.meeting_id == Meeting.id).join(Group)
        .where(Group.organization_id == org.id, _COUNTED_AT_ALL,
               Headcount.occurrence_date > today, Headcount.occurrence_date < next_month))
    return [(group_id, one, people, newcomers, more)
            for group_id, one, people, newcomers, more in found]


def _counted_days(session: Session, months: Sequence[str], today: date, org: Organization
                  ) -> _Days:
    """The dates each meeting of the org was counted on in the report's months, as bits
    (_bits), and those with more check-ins than the facilitator counted: a row per
    meeting and month, rather than one per occurrence."""
    start = date.fromisoformat(f"{months[0]}-01")
    this_month = today.replace(day=1)
    counted: dict[int, int] = defaultdict(int)
    marked: dict[int, list[date]] = defaultdict(list)
    for meeting_id, month, days, more in session.connection().execute(_in_months(
            select(HeadcountMonth.meeting_id, HeadcountMonth.month,
                   HeadcountMonth.counted_days, HeadcountMonth.marked_days)
            .where(HeadcountMonth.counted_days != 0), months, today, org)).all():
        # A month's bit d - 1 is its day d: shifted by the days before the month.
        counted[meeting_id] |= days << (month - start).days
        if more:
            if month == this_month:
                more &= _BITS_TO[today.day]
            marked[meeting_id] += _dates(more, month)
    return counted, {meeting_id: days for meeting_id, days in marked.items() if days}


def _bits(days: Iterable[date], start: date) -> int:
    """Dates from `start` on as the bits of one number: bit n is the date n days after."""
    found = 0
    for day in days:
        found |= 1 << (day - start).days
    return found


def _dates(bits: int, start: date) -> list[date]:
    """The dates whose bits are set (_bits), earliest first."""
    found = []
    while bits:
        low = bits & -bits
        found.append(start + timedelta(days=low.bit_length() - 1))
        bits ^= low
    return found


def _marked(session: Session, marked: Mapping[int, list[date]]) -> list[Line]:
    """The occurrences with more check-ins than the facilitator counted, newest first.
    The report names them and shows no count of them."""
    if not marked:
        return []
    found = session.execute(select(Meeting.id, Meeting.start_time, Meeting.title, Group.name)
                            .join(Group).where(Meeting.id.in_(marked)))
    lines = sorted(((day, start, meeting_id, title, name)
                    for meeting_id, start, title, name in found
                    for day in marked[meeting_id]),
                   key=lambda line: (-line[0].toordinal(), line[1], line[2]))
    return [Line(day.isoformat(), short_date(day, year=True),
                 Numbers(1, None, None, more_checkins=1), meeting=title, group=name)
            for day, _, _, title, name in lines]


@dataclass(frozen=True)
class _Series:
    """A meeting of a report as its "not counted yet" dates are worked out from: its
    schedule, its exceptions of the window (as values) and its dates in the window."""

    meeting_id: int
    slug: str
    name: str
    title: str
    schedule: Schedule
    exceptions: dict[date, SeriesException]
    #: Its dates in the window, as bits from the window's first day (_bits).
    dates: int


def _series(session: Session, months: Sequence[str], today: date, *,
            org: Organization | None = None, group: Group | None = None) -> list[_Series]:
    """The meetings of the org (or the group) with their dates in the report's window.
    Reads the schedules' columns and the exceptions of those months only: an org has
    thousands of meetings."""
    start = date.fromisoformat(f"{months[0]}-01")
    where = [Meeting.group_id == group.id] if group is not None else [
        Group.organization_id == org.id] if org is not None else []
    exceptions: dict[int, dict[date, SeriesException]] = defaultdict(dict)
    for exception in session.scalars(
            select(MeetingException).join(Meeting).join(Group)
            .where(*where, MeetingException.date >= start, MeetingException.date <= today)):
        exceptions[exception.meeting_id][exception.date] = exception.value()
    found = []
    for meeting_id, slug, name, title, *columns in session.connection().execute(
            select(Meeting.id, Group.slug, Group.name, Meeting.title, *SCHEDULE_COLUMNS)
            .join(Group).where(*where).order_by(Meeting.start_time, Meeting.id)):
        schedule = schedule_of(*columns)
        found.append(_Series(meeting_id, slug, name, title, schedule,
                             exceptions.get(meeting_id, {}),
                             _bits(schedule.dates(start, today), start)))
    return found


def _missing(series: Sequence[_Series], months: Sequence[str], today: date, now: datetime,
             counted: Mapping[int, int]) -> tuple[list[_Missing], datetime | None]:
    """The occurrences of the report's months that went ahead and that nobody counted,
    newest first, and when they change next by time alone (not_counted_until). `counted`
    has each meeting's counted dates as bits from the window's first day (_bits): most
    of a meeting's dates are counted, and the bits leave only the others to look at."""
    start = date.fromisoformat(f"{months[0]}-01")
    found = []
    changes: list[datetime] = []
    for meeting in series:
        uncounted = meeting.dates & ~counted.get(meeting.meeting_id, 0)
        if not uncounted:
            continue
        days, later = not_counted_until(meeting.schedule, meeting.exceptions, set(), start,
                                        today, now, dates=_dates(uncounted, start))
        found += [_Missing(meeting.slug, meeting.name, meeting.title, day) for day in days]
        if later is not None:
            changes.append(later)
    return sorted(found, key=lambda m: m.day, reverse=True), min(changes, default=None)


def _month_lines(table: _Table, shown_: dict[Key, int | None], today: date,
                 months: Sequence[str], key: Any) -> list[Line]:
    return [Line(m, month_label(m, today), table.numbers(shown_, key(m)),
                 partial=m == month_of(today)) for m in months]


def group_report(session: Session, group: Group, today: date,
                 threshold: int | None, *, now: datetime | None = None,
                 kept: ReportCache | None = None) -> Report:
    """The group's occurrences and months. With a threshold, as it may leave the group:
    suppressed together with the whole org's months, so that no other report shows a
    number this one hides. The org's months come from `kept` when it has them."""
    months = last_months(today, MONTHS)
    rows = _rows(session, months, today, group)
    start = date.fromisoformat(f"{months[0]}-01")
    counted: dict[int, int] = defaultdict(int)
    for row in rows:
        counted[row.meeting_id] |= 1 << (row.day - start).days
    missing, _ = _missing(_series(session, months, today, group=group), months, today,
                          now or clock.now(), counted)
    org: _OrgHidden | None = None
    if threshold:
        # The org's months decide what the rule hides; this group's are the table's.
        group_months, org = (kept or ReportCache()).org_hidden(
            session, group.organization, today, threshold)
        group_months = [cell for cell in group_months if cell.slug == group.slug]
    else:
        group_months = _months_of(rows)
    table = _Table(months, group_months, rows, missing)
    shown_ = table.shown(threshold, org)
    lines = [_occurrence(table, shown_, row) for row in rows] + [
        Line(m.day.isoformat(), short_date(m.day, year=True), Numbers(0, None, None, not_counted=1),
             meeting=m.title, group=m.name) for m in missing]
    return Report(
        title=group.name, threshold=threshold,
        months=_month_lines(table, shown_, today, months, lambda m: ("gm", group.slug, m)),
        total=table.numbers(shown_, ("g", group.slug)),
        occurrences=sorted(lines, key=lambda line: line.key, reverse=True),
        groups=[], cells={},
    )


def _occurrence(table: _Table, shown_: dict[Key, int | None], row: _Row) -> Line:
    return Line(row.day.isoformat(), short_date(row.day, year=True),
                table.numbers(shown_, ("o", row.id)), meeting=row.title, hybrid=row.hybrid,
                group=row.name)


def org_report(session: Session, org: Organization, today: date, threshold: int, *,
               now: datetime | None = None, kept: ReportCache | None = None) -> Report:
    """Every group's counts by month, with the org's totals, as they may leave a group.
    A few queries, each summing or listing by group or meeting, whatever the org's size;
    none when `kept` has the report made since the last change (the page and its chart
    share one)."""
    return (kept or ReportCache()).org_report(session, org, today, threshold,
                                              now or clock.now())


def _org_report(org: Organization, today: date, threshold: int,
                group_months: Sequence[_GroupMonth], missing: Sequence[_Missing],
                more_checkins: list[Line]) -> Report:
    """The org's report made from its groups' months, the dates not counted yet and the
    lines of the dates marked "More check-ins"."""
    months = last_months(today, MONTHS)
    table = _Table(months, group_months, (), missing)
    shown_ = table.shown(threshold)
    names = ({cell.slug: cell.name for cell in group_months}
             | {m.slug: m.name for m in missing})
    slugs = sorted(names, key=lambda s: (names[s].casefold(), s))
    return Report(
        title=org.name, threshold=threshold,
        months=_month_lines(table, shown_, today, months, lambda m: ("m", m)),
        total=table.numbers(shown_, ("total",)),
        occurrences=[],
        groups=[Line(slug, names[slug], table.numbers(shown_, ("g", slug))) for slug in slugs],
        cells={(slug, m): table.numbers(shown_, ("gm", slug, m)) for slug in slugs
               for m in months if table.meetings.get(("gm", slug, m))
               or table.not_counted.get(("gm", slug, m))},
        more_checkins=more_checkins,
    )


#: The dates each meeting was counted on, and those with more check-ins than counted.
_Days = tuple[dict[int, int], dict[int, list[date]]]
_Value = TypeVar("_Value")


def headcount_version(session: Session, org: Organization) -> tuple[int, int]:
    """Two numbers that grow with changes to the org's headcounts: the first with every
    change, the second with those to which dates are counted or marked (the sums of its
    HeadcountVersion counters, which triggers on headcounts grow)."""
    return _summed(_shard_versions(session, org))


def _shard_versions(session: Session, org: Organization) -> dict[int, tuple[int, int]]:
    """The org's HeadcountVersion counters by shard: (version, dated_version)."""
    return {shard: (version, dated) for shard, version, dated in session.execute(
        select(HeadcountVersion.shard, HeadcountVersion.version,
               HeadcountVersion.dated_version)
        .where(HeadcountVersion.organization_id == org.id))}


def _summed(versions: Mapping[int, tuple[int, int]]) -> tuple[int, int]:
    return (sum(version for version, _ in versions.values()),
            sum(dated for _, dated in versions.values()))


@dataclass
class _Kept:
    """An org's counts as of one version of its data and headcounts and one day: the
    groups' months, read when first asked for, and the reports made from them, by
    threshold, each with the moment it was made at and when it changes by time alone."""

    group_months: list[_GroupMonth] | None = None
    #: What the small-count rule hides of them, by threshold.
    hidden: dict[int, _OrgHidden] = field(default_factory=dict)
    reports: dict[int, tuple[Report, datetime, datetime | None]] = field(default_factory=dict)


@dataclass
class _Dated:
    """Which dates of an org's meetings were counted and marked, as of one version of its
    data and of those dates (most changes to a count leave them as they are) and one
    day; the dates not counted yet worked out from them, with the moment they were at
    and when they change by time alone; the marked dates' lines."""

    days: _Days | None = None
    missing: tuple[list[_Missing], datetime, datetime | None] | None = None
    marked: list[Line] | None = None


class ReportCache:
    """The orgs' attendance counts and reports, kept in the worker per version of the
    org's data (Organization.data_version: groups, meetings, cancelled dates) and of its
    headcounts (headcount_version: every count and check-in) and per day:
    the page and its chart (and a group's report, which suppresses with the whole org's
    months) read the org's counts once, and a change to any of them shows at once. A
    report also holds only until the next uncounted date starts, which makes it "not
    counted yet". The meetings' dates in the window are kept per data version and day
    alone. The org's months are also kept by shard of its meetings (_ShardMonths), so
    after a change only the changed shards are read again, and the groups' order per
    version of the dates counted. At most `capacity` entries are kept, the least
    recently used let go first. Safe to share between threads."""

    def __init__(self, capacity: int = 32) -> None:
        self._kept: OrderedDict[tuple[object, ...], Any] = OrderedDict()
        self._capacity = capacity
        self._lock = threading.Lock()
        #: How many times an org's groups' months were read from the database.
        self.builds = 0

    def _keep(self, key: tuple[object, ...], build: Callable[[], _Value]) -> _Value:
        """What is kept under `key` (its kind and org id first), built if need be; an
        entry of the same kind and org under an older key is let go."""
        with self._lock:
            found = self._kept.get(key)
            if found is not None:
                self._kept.move_to_end(key)
                return found
        made = build()
        self._put(key, made)
        return made

    def _put(self, key: tuple[object, ...], made: object) -> None:
        with self._lock:
            for old in [k for k in self._kept if k[:2] == key[:2] and k != key]:
                del self._kept[old]
            self._kept[key] = made
            self._kept.move_to_end(key)
            while len(self._kept) > self._capacity:
                self._kept.popitem(last=False)

    def _entry(self, org: Organization, today: date, version: int) -> _Kept:
        return self._keep(("counts", org.id, org.data_version, version, today), _Kept)

    def org_months(self, session: Session, org: Organization, today: date, *,
                   kept: _Kept | None = None,
                   versions: Mapping[int, tuple[int, int]] | None = None
                   ) -> list[_GroupMonth]:
        """The org's groups' months as of its headcount versions (`versions`, by
        shard): after a change, only the changed shards' months are read again."""
        versions = _shard_versions(session, org) if versions is None else versions
        kept = kept or self._entry(org, today, _summed(versions)[0])
        if kept.group_months is None:
            months = last_months(today, MONTHS)
            key = ("shards", org.id, org.data_version, today)
            with self._lock:
                before = self._kept.get(key)
            read = _ShardMonths.read(session, months, today, org,
                                     {shard: found[0] for shard, found in versions.items()},
                                     before)
            self._put(key, read)
            order = ("order", org.id, org.data_version, _summed(versions)[1], today)
            with self._lock:
                places = self._kept.get(order)
            kept.group_months, places = _months_in_order(session, months, today, org, read,
                                                         places)
            self._put(order, places)
            with self._lock:
                self.builds += 1
        return kept.group_months

    def org_hidden(self, session: Session, org: Organization, today: date, threshold: int
                   ) -> tuple[list[_GroupMonth], _OrgHidden]:
        """The org's groups' months, and what the small-count rule hides of them."""
        versions = _shard_versions(session, org)
        kept = self._entry(org, today, _summed(versions)[0])
        group_months = self.org_months(session, org, today, kept=kept, versions=versions)
        found = kept.hidden.get(threshold)
        if found is None:
            found = kept.hidden[threshold] = _org_hidden(group_months,
                                                         last_months(today, MONTHS), threshold)
        return group_months, found

    def org_report(self, session: Session, org: Organization, today: date, threshold: int,
                   now: datetime) -> Report:
        versions = _shard_versions(session, org)
        version, dated_version = _summed(versions)
        kept = self._entry(org, today, version)
        found = kept.reports.get(threshold)
        if found is not None:
            report, made_at, changes_at = found
            if made_at <= now and (changes_at is None or now < changes_at):
                return report
        months = last_months(today, MONTHS)
        dated = self._keep(("dated", org.id, org.data_version, dated_version, today), _Dated)
        if dated.days is None:
            dated.days = _counted_days(session, months, today, org)
        counted, marked = dated.days
        if (dated.missing is None or not dated.missing[1] <= now
                or (dated.missing[2] is not None and now >= dated.missing[2])):
            series = self._keep(("series", org.id, org.data_version, today),
                                lambda: _series(session, months, today, org=org))
            missing, changes_at = _missing(series, months, today, now, counted)
            dated.missing = missing, now, changes_at
        if dated.marked is None:
            dated.marked = _marked(session, marked)
        missing, _, changes_at = dated.missing
        report = _org_report(org, today, threshold,
                             self.org_months(session, org, today, kept=kept,
                                             versions=versions), missing,
                             dated.marked)
        if found is None or found[1] <= now:
            kept.reports[threshold] = report, now, changes_at
        return report


# -- Exports and chart ------------------------------------------------------------------

def _hidden_columns(*names: str) -> tuple[str | Message, ...]:
    return tuple(column for name in names for column in (
        name, Message(N_("%(column)s hidden"), {"column": Label(name)})))


#: The CSVs' columns, marked English (views.csv_response words them in the reader's
#: language). Number columns hold numbers only: a count the small-count rule hides is an
#: empty cell with "yes" in the column beside it; a meeting nobody counted says so in
#: "Counted", with its counts empty.
GROUP_CSV_HEADER = (N_("Date"), N_("Meeting"), N_("Counted"),
                    *_hidden_columns(N_("People"), N_("First meeting"), N_("In person"),
                                     N_("Online")),
                    N_("More check-ins than counted"))
ORG_CSV_HEADER = (N_("Group"), N_("Month"), N_("Whole month"), N_("Meetings counted"),
                  N_("Meetings not counted yet"),
                  *_hidden_columns(N_("People"), N_("First meeting")),
                  N_("People per meeting"), N_("Meetings with more check-ins than counted"))


class _CsvWords:
    """The words a CSV's cells hold, in one language."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.yes = worded(N_("yes"), None, lang)

    def __call__(self, text: str, values: dict[str, object] | None = None) -> str:
        return worded(text, values, self.lang)

    def cells(self, value: int | None, counted: bool = True) -> list[str]:
        """A count and its "hidden" mark: [number, ""], ["", "yes"] when hidden, or
        ["", ""] when there is nothing to count."""
        if not counted:
            return ["", ""]
        return ["", self.yes] if value is None else [str(value), ""]

    def with_rule(self, report: Report, rows: list[list[str]]) -> list[list[str]]:
        """The rows, and under them the rule once, so a reader of a file that hides
        counts knows what an empty count marked "yes" means."""
        if not report.threshold:
            return rows
        return rows + [[message_words(hidden_rule_csv(report.threshold), self.lang)]]


def group_csv_rows(report: Report, lang: str) -> list[list[str]]:
    """A group's report as CSV rows, its words in `lang`."""
    words = _CsvWords(lang)
    rows = []
    for line in report.occurrences:
        numbers = line.numbers
        counted = bool(numbers.meetings)
        rows.append([
            line.key, line.meeting, words.yes if counted else words(NOT_COUNTED),
            *words.cells(numbers.people, counted), *words.cells(numbers.newcomers, counted),
            *words.cells(numbers.in_person, counted and line.hybrid),
            *words.cells(numbers.online, counted and line.hybrid),
            words.yes if numbers.more_checkins else ""])
    return words.with_rule(report, rows)


def org_csv_rows(report: Report, lang: str) -> list[list[str]]:
    """The org's report as CSV rows, its words in `lang`."""
    words = _CsvWords(lang)
    not_whole = words(N_("no, so far"))

    def row(group: str, month: str, whole: bool, numbers: Numbers) -> list[str]:
        per_meeting = numbers.average
        counted = bool(numbers.meetings)
        return [group, month, words.yes if whole else not_whole, str(numbers.meetings),
                str(numbers.not_counted), *words.cells(numbers.people, counted),
                *words.cells(numbers.newcomers, counted),
                "" if per_meeting is None else str(per_meeting), str(numbers.more_checkins)]

    all_groups = words(N_("All groups"))
    rows = [row(group.label, month.key, not month.partial,
                report.cells[(group.key, month.key)])
            for group in report.groups for month in report.months
            if (group.key, month.key) in report.cells]
    rows += [row(all_groups, month.key, not month.partial, month.numbers)
             for month in report.months]
    rows.append(row(all_groups, words(N_("%(count)s months"), {"count": MONTHS}), False,
                    report.total))
    return words.with_rule(report, rows)


#: Colours of the chart: both at least 4.5:1 on white, and apart for colour-blind eyes.
PEOPLE_COLOUR, NEWCOMER_COLOUR = "#1d5c8c", "#a34700"


def chart_labels(report: Report, lang: str) -> list[tuple[str, ...]]:
    """Each month's label under the chart, line by line: month and year, and "so far"
    under the month the report is made in, in `lang`."""
    so_far = worded(SO_FAR, None, lang)
    return [(*month_words(line.key, lang).split(" "), *((so_far,) if line.partial else ()))
            for line in report.months]


#: The chart's series: their names (in the legend) and colours.
CHART_SERIES = ((N_("People"), PEOPLE_COLOUR), (N_("First meeting"), NEWCOMER_COLOUR))


def chart_svg(report: Report, lang: str | None = None) -> bytes:
    """The 12 months as a bar chart of people and first meetings (domain.chart: SVG, no
    script, text kept as text), labelled by month and year. A hidden count is drawn as no
    bar and labelled as the table writes it; a month without numbers says why ("no
    meetings", "not counted yet") rather than drawing a 0. Its words, months and numbers
    are in `lang` (by default the page's). The same bytes for the same report and
    language, so a page and a PDF can share them."""
    lang = lang or language()
    months = [chart.Month(label, (line.numbers.people, line.numbers.newcomers),
                          worded(line.numbers.missing, None, lang) if line.numbers.missing
                          else "")
              for line, label in zip(report.months, chart_labels(report, lang), strict=True)]
    series = [chart.Series(worded(name, None, lang), colour) for name, colour in CHART_SERIES]
    return chart.svg(chart.layout(months, series, worded(report.text(None), None, lang),
                                  lambda value: number(value, lang)))
