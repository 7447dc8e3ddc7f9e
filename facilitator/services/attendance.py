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

import io
import threading
from collections import defaultdict
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm import contains_eager
from sqlalchemy.orm import selectinload

from facilitator import clock
from facilitator.domain.counts import not_counted
from facilitator.domain.counts import reported
from facilitator.domain.counts import taps_exceed
from facilitator.domain.suppression import HIDDEN
from facilitator.domain.suppression import SO_FAR
from facilitator.domain.suppression import Key
from facilitator.domain.suppression import Sum
from facilitator.domain.suppression import average
from facilitator.domain.suppression import hidden_rule
from facilitator.domain.suppression import hidden_rule_csv
from facilitator.domain.suppression import hybrid_cells
from facilitator.domain.suppression import last_months
from facilitator.domain.suppression import month_label
from facilitator.domain.suppression import month_of
from facilitator.domain.suppression import shown
from facilitator.domain.suppression import suppress
from facilitator.formatting import short_date
from facilitator.models import Attendance
from facilitator.models import Group
from facilitator.models import Headcount
from facilitator.models import Meeting
from facilitator.models import Organization
from facilitator.services.headcounts import TALLY_COLUMNS
from facilitator.services.headcounts import tally

MONTHS = 12
#: What a report says of a meeting that went ahead and that nobody counted…
NOT_COUNTED = "not counted yet"
#: …and of a month (or group) without any meeting.
NO_MEETINGS = "no meetings"
#: How a report marks an occurrence with more check-ins than the facilitator counted…
MORE_CHECKINS = "More check-ins"
#: …and what the mark means, said once where it shows.
MORE_CHECKINS_MEANS = (f"“{MORE_CHECKINS}” marks a meeting where more members checked in "
                       "from its link than the facilitator counted. The report uses the "
                       "facilitator's count; it may be worth asking the group why.")


@dataclass(frozen=True)
class Numbers:
    """What a line of a report shows; None where a count is hidden."""

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
    the org's month, and both into the org's year."""

    def __init__(self, rows: Sequence[_Row], months: Sequence[str],
                 missing: Sequence[_Missing] = ()) -> None:
        self.values: dict[Key, int] = {}
        self.meetings: dict[Key, int] = defaultdict(int)
        self.more_checkins: dict[Key, int] = defaultdict(int)
        self.not_counted: dict[Key, int] = defaultdict(int)
        for gone in missing:
            for level in (("gm", gone.slug, month_of(gone.day)), ("g", gone.slug),
                          ("m", month_of(gone.day)), ("total",)):
                self.not_counted[level] += 1
        self.sums: list[Sum] = []
        in_month: dict[Key, list[Key]] = defaultdict(list)
        slugs: list[str] = []
        for row in rows:
            occurrence = ("o", row.id)
            month = month_of(row.day)
            if not self.meetings.get(("g", row.slug)):
                slugs.append(row.slug)
            for key in (occurrence, ("gm", row.slug, month), ("g", row.slug), ("m", month),
                        ("total",)):
                self._add(key, row.people, row.newcomers)
                self.more_checkins[key] += row.more_checkins
            in_month[("gm", row.slug, month)].append(occurrence)
            if row.hybrid:
                cells, sums = hybrid_cells(occurrence, row.people, row.in_person, row.online)
                self.values |= cells
                self.sums += sums
        for group_month, occurrences in in_month.items():
            self._sum(group_month, occurrences)
        for slug in slugs:
            self._sum(("g", slug), [("gm", slug, m) for m in months])
        for month in months:
            self._sum(("m", month), [("gm", slug, month) for slug in slugs])
        self._sum(("total",), [("g", slug) for slug in slugs])
        self._sum(("total",), [("m", m) for m in months])

    def _add(self, key: Key, people: int, newcomers: int) -> None:
        self.values[(key, "people")] = self.values.get((key, "people"), 0) + people
        self.values[(key, "newcomers")] = self.values.get((key, "newcomers"), 0) + newcomers
        self.meetings[key] += 1

    def _sum(self, total: Key, parts: Iterable[Key]) -> None:
        # A part with no meeting is a known zero: it gives nothing away and hides nothing.
        parts = [p for p in parts if self.meetings.get(p)]
        if not self.meetings.get(total):
            return
        for counter in ("people", "newcomers"):
            self.sums.append(Sum((total, counter), tuple((p, counter) for p in parts)))

    def shown(self, threshold: int | None) -> dict[Key, int | None]:
        """Every value as the report may show it."""
        return suppress(self.values, self.sums, threshold) if threshold else dict(self.values)

    def numbers(self, shown: dict[Key, int | None], key: Key) -> Numbers:
        if not self.meetings.get(key):
            return Numbers(0, None, None, not_counted=self.not_counted.get(key, 0))
        return Numbers(self.meetings[key], shown[(key, "people")], shown[(key, "newcomers")],
                       shown.get((key, "in_person")), shown.get((key, "online")),
                       self.more_checkins[key], self.not_counted.get(key, 0))


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


@dataclass(frozen=True)
class _Missing:
    """An occurrence that went ahead and that nobody counted."""

    slug: str
    name: str
    title: str
    day: date


def _rows(session: Session, months: Sequence[str], today: date, *,
          org: Organization | None = None, group: Group | None = None) -> list[_Row]:
    query = (
        select(Headcount.id, Meeting.id, Group.slug, Group.name, Meeting.title,
               Headcount.occurrence_date, Meeting.attendance, *TALLY_COLUMNS)
        .join(Meeting, Headcount.meeting_id == Meeting.id).join(Group)
        .where(Headcount.occurrence_date >= date.fromisoformat(f"{months[0]}-01"),
               Headcount.occurrence_date <= today)
        .order_by(Headcount.occurrence_date.desc(), Meeting.start_time, Meeting.id)
    )
    if group is not None:
        query = query.where(Meeting.group_id == group.id)
    if org is not None:
        query = query.where(Group.organization_id == org.id)
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


def _missing(session: Session, months: Sequence[str], today: date, now: datetime,
             rows: Sequence[_Row], *, org: Organization | None = None,
             group: Group | None = None) -> list[_Missing]:
    """The occurrences of the report's months that went ahead and that nobody counted,
    newest first."""
    query = (select(Meeting).join(Group)
             .options(contains_eager(Meeting.group), selectinload(Meeting.exceptions))
             .order_by(Meeting.start_time, Meeting.id))
    if group is not None:
        query = query.where(Meeting.group_id == group.id)
    if org is not None:
        query = query.where(Group.organization_id == org.id)
    counted: dict[int, set[date]] = defaultdict(set)
    for row in rows:
        counted[row.meeting_id].add(row.day)
    start = date.fromisoformat(f"{months[0]}-01")
    found = []
    for meeting in session.scalars(query):
        days = not_counted(meeting.schedule, meeting.exceptions_by_date,
                           counted[meeting.id], start, today, now)
        found += [_Missing(meeting.group.slug, meeting.group.name, meeting.title, day)
                  for day in days]
    return sorted(found, key=lambda m: m.day, reverse=True)


def _month_lines(table: _Table, shown_: dict[Key, int | None], today: date,
                 months: Sequence[str], key: Any) -> list[Line]:
    return [Line(m, month_label(m, today), table.numbers(shown_, key(m)),
                 partial=m == month_of(today)) for m in months]


def group_report(session: Session, group: Group, today: date,
                 threshold: int | None, *, now: datetime | None = None) -> Report:
    """The group's occurrences and months. With a threshold, as it may leave the group:
    suppressed together with the whole org, so that no other report shows a number this
    one hides."""
    months = last_months(today, MONTHS)
    if threshold:
        rows = _rows(session, months, today, org=group.organization)
    else:
        rows = _rows(session, months, today, group=group)
    own = [row for row in rows if row.slug == group.slug]
    missing = _missing(session, months, today, now or clock.now(), own, group=group)
    table = _Table(rows, months, missing)
    shown_ = table.shown(threshold)
    lines = [_occurrence(table, shown_, row) for row in own] + [
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
               now: datetime | None = None) -> Report:
    """Every group's counts by month, with the org's totals, as they may leave a group."""
    months = last_months(today, MONTHS)
    rows = _rows(session, months, today, org=org)
    missing = _missing(session, months, today, now or clock.now(), rows, org=org)
    table = _Table(rows, months, missing)
    shown_ = table.shown(threshold)
    names = {row.slug: row.name for row in rows} | {m.slug: m.name for m in missing}
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
        more_checkins=[_occurrence(table, shown_, row) for row in rows if row.more_checkins],
    )


# -- Exports and chart ------------------------------------------------------------------

def _hidden_columns(*names: str) -> tuple[str, ...]:
    return tuple(column for name in names for column in (name, f"{name} {HIDDEN}"))


#: The CSVs' number columns hold numbers only: a count the small-count rule hides is an
#: empty cell with "yes" in the column beside it; a meeting nobody counted says so in
#: "Counted", with its counts empty.
GROUP_CSV_HEADER = ("Date", "Meeting", "Counted",
                    *_hidden_columns("People", "First meeting", "In person", "Online"),
                    "More check-ins than counted")
ORG_CSV_HEADER = ("Group", "Month", "Whole month", "Meetings counted",
                  "Meetings not counted yet", *_hidden_columns("People", "First meeting"),
                  "People per meeting", "Meetings with more check-ins than counted")


def _cells(value: int | None, counted: bool = True) -> list[str]:
    """A count and its "hidden" mark: [number, ""], ["", "yes"] when hidden, or
    ["", ""] when there is nothing to count."""
    if not counted:
        return ["", ""]
    return ["", "yes"] if value is None else [str(value), ""]


def _with_rule(report: Report, rows: list[list[str]]) -> list[list[str]]:
    """The rows, and under them the rule once, so a reader of a file that hides counts
    knows what an empty count marked "yes" means."""
    return rows + [[hidden_rule_csv(report.threshold)]] if report.threshold else rows


def group_csv_rows(report: Report) -> list[list[str]]:
    rows = []
    for line in report.occurrences:
        numbers = line.numbers
        counted = bool(numbers.meetings)
        rows.append([
            line.key, line.meeting, "yes" if counted else NOT_COUNTED,
            *_cells(numbers.people, counted), *_cells(numbers.newcomers, counted),
            *_cells(numbers.in_person, counted and line.hybrid),
            *_cells(numbers.online, counted and line.hybrid),
            "yes" if numbers.more_checkins else ""])
    return _with_rule(report, rows)


def org_csv_rows(report: Report) -> list[list[str]]:
    def row(group: str, month: str, whole: bool, numbers: Numbers) -> list[str]:
        per_meeting = numbers.average
        counted = bool(numbers.meetings)
        return [group, month, "yes" if whole else f"no, {SO_FAR}", str(numbers.meetings),
                str(numbers.not_counted), *_cells(numbers.people, counted),
                *_cells(numbers.newcomers, counted),
                "" if per_meeting is None else str(per_meeting), str(numbers.more_checkins)]

    rows = [row(group.label, month.key, not month.partial,
                report.cells[(group.key, month.key)])
            for group in report.groups for month in report.months
            if (group.key, month.key) in report.cells]
    rows += [row("All groups", month.key, not month.partial, month.numbers)
             for month in report.months]
    rows.append(row("All groups", f"{MONTHS} months", False, report.total))
    return _with_rule(report, rows)


#: Colours of the chart: both at least 4.5:1 on white, and apart for colour-blind eyes.
PEOPLE_COLOUR, NEWCOMER_COLOUR = "#1d5c8c", "#a34700"


def chart_labels(report: Report) -> list[str]:
    """Each month's label under the chart: month and year, and "so far" under the month
    the report is made in."""
    return [month_label(line.key).replace(" ", "\n") + (f"\n{SO_FAR}" if line.partial else "")
            for line in report.months]


def chart_svg(report: Report) -> bytes:
    """The 12 months as a bar chart of people and first meetings (SVG, no script, text
    kept as text), labelled by month and year. A hidden count is drawn as no bar and
    labelled as the table writes it; a month without numbers says why ("no meetings",
    "not counted yet") rather than drawing a 0. The same bytes for the same report, so a
    page and a PDF can share them."""
    from matplotlib.figure import Figure  # on first use: it takes a second to load
    from matplotlib.ticker import MaxNLocator

    with _SVG_SETTINGS:
        figure = Figure(figsize=(7.2, 3.4))
        axes = figure.subplots()
        where = range(len(report.months))
        for offset, name, colour, values in (
            (-0.2, "People", PEOPLE_COLOUR, [m.numbers.people for m in report.months]),
            (0.2, "First meeting", NEWCOMER_COLOUR,
             [m.numbers.newcomers for m in report.months]),
        ):
            axes.bar([x + offset for x in where], [v or 0 for v in values], width=0.4, label=name,
                     color=colour)
            for x, value, line in zip(where, values, report.months, strict=True):
                if value is None and line.numbers.meetings:
                    # Upright, so a word fits above a bar a quarter-inch wide.
                    axes.annotate(report.text(None), (x + offset, 0), ha="center", va="bottom",
                                  fontsize=8, color="#1f2328", rotation=90)
        for x, line in zip(where, report.months, strict=True):
            if line.numbers.missing:
                axes.annotate(line.numbers.missing, (x, 0), ha="center", va="bottom",
                              fontsize=8, color="#57606a", rotation=90)
        axes.set_xticks(list(where), chart_labels(report), fontsize=8)
        axes.spines[["top", "right"]].set_visible(False)
        locator = axes.yaxis.get_major_locator()
        assert isinstance(locator, MaxNLocator)  # matplotlib's default, AutoLocator
        locator.set_params(integer=True)
        axes.set_ylim(bottom=0, top=max(axes.get_ylim()[1], 5))
        axes.legend(frameon=False, loc="lower left", bbox_to_anchor=(0, 1), ncols=2,
                    borderaxespad=0.2)
        figure.tight_layout()
        out = io.BytesIO()
        figure.savefig(out, format="svg", metadata={"Date": None})
    return out.getvalue()


class _SvgSettings:
    """Text as <text> (readable, searchable, small) and ids the same on every run; set
    around each chart, under a lock, since matplotlib keeps its settings in one global."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._context: Any = None

    def __enter__(self) -> None:
        import matplotlib

        self._lock.acquire()
        self._context = matplotlib.rc_context({
            "svg.fonttype": "none", "svg.hashsalt": "facilitator",
            "font.family": "DejaVu Sans", "font.size": 10,
        })
        self._context.__enter__()

    def __exit__(self, *exc: object) -> None:
        try:
            self._context.__exit__(*exc)
        finally:
            self._lock.release()


_SVG_SETTINGS = _SvgSettings()
