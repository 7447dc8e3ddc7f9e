"""What a report leaving the group may show: small-count suppression, how a hidden
count is written, and the months and averages reports give.

Nothing here knows a person: it takes counts by cell and returns what may be shown.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from itertools import compress
from typing import Generic
from typing import TypeVar

from facilitator.domain.counts import Counts
from facilitator.domain.languages import N_
from facilitator.domain.languages import Message

#: A cell of a report: any hashable key, such as ("month", "2026-11", "people").
Key = Hashable


@dataclass(frozen=True)
class Sum:
    """A total shown beside the parts it adds up: total == sum(parts)."""

    total: Key
    parts: tuple[Key, ...]


def suppress(values: Mapping[Key, int], sums: Iterable[Sum], threshold: int, *,
             hidden: Iterable[Key] = ()) -> dict[Key, int | None]:
    """The values a report leaving the group may show: None where a count is below the
    threshold (primary suppression), and where showing it would let a hidden count be
    worked out from a total (complementary suppression).

    A total and its parts can give one hidden member away by subtraction, so no sum is
    left with exactly one hidden member: the smallest shown part (or the total, when all
    parts are hidden) is hidden too, until every sum has none or at least two hidden.

    `hidden` are cells a wider report, suppressed first, already hides: a report's
    totals can be suppressed on their own, and then each total's parts, given the
    totals hidden (services.attendance does so; its tests hold the two steps to the
    same answer as one).
    """
    hidden = {key for key, value in values.items() if value < threshold} | set(hidden)
    known = values.__contains__
    sums = [s for s in sums if known(s.total) and all(map(known, s.parts))]
    by_key: dict[Key, list[Sum]] = defaultdict(list)
    for s in sums:
        for key in (s.total, *s.parts):
            by_key[key].append(s)
    pending = list(sums)
    while pending:
        s = pending.pop()
        if not _one_hidden(s, hidden):
            continue
        shown_parts = [p for p in s.parts if p not in hidden]
        extra = min(shown_parts, key=lambda p: values[p]) if shown_parts else s.total
        hidden.add(extra)
        pending.extend(by_key[extra])
    return {key: None if key in hidden else value for key, value in values.items()}


def _one_hidden(s: Sum, hidden: set[Key]) -> bool:
    """Whether exactly one member of the sum is hidden; stops at the second (a month of
    an org of a thousand groups has many)."""
    found = s.total in hidden
    for key in s.parts:
        if key in hidden:
            if found:
                return False
            found = True
    return found


Row = TypeVar("Row", bound=Hashable)
Column = TypeVar("Column", bound=Hashable)


@dataclass(frozen=True)
class TableHidden(Generic[Row, Column]):
    """What suppress_table hides of a table: cells by (row, column), row totals, column
    totals, and whether the table's total."""

    cells: frozenset[tuple[Row, Column]]
    rows: frozenset[Row]
    columns: frozenset[Column]
    total: bool


def _with_cells(cells: Mapping[tuple[Row, Column], object], rows: Sequence[Row],
                columns: Sequence[Column]) -> tuple[list[Row], list[Column]]:
    """The rows and the columns that have a cell, in their order."""
    row_set, column_set = set(rows), set(columns)
    inside = [(r, c) for r, c in cells if r in row_set and c in column_set]
    with_row, with_column = {r for r, _ in inside}, {c for _, c in inside}
    return [r for r in rows if r in with_row], [c for c in columns if c in with_column]


def table_sums(cells: Mapping[tuple[Row, Column], int], rows: Sequence[Row],
               columns: Sequence[Column]) -> tuple[dict[Key, int], list[Sum]]:
    """A table as `suppress` takes it: its cells (row, column), each row's total
    ("row", r), each column's ("column", c) and the table's ("total",), with the sums in
    this order: each row of its cells (columns in order), each column of its cells (rows
    in order), the total of the rows, the total of the columns. A row or column with no
    cell has neither a total nor a sum. suppress_table is this, suppressed."""
    rows_, columns_ = _with_cells(cells, rows, columns)
    values: dict[Key, int] = {(r, c): cells[(r, c)] for r in rows_ for c in columns_
                              if (r, c) in cells}
    sums: list[Sum] = []
    for total, parts in ([(("row", r), [(r, c) for c in columns_ if (r, c) in cells])
                          for r in rows_]
                         + [(("column", c), [(r, c) for r in rows_ if (r, c) in cells])
                            for c in columns_]):
        values[total] = sum(cells[p] for p in parts)
        sums.append(Sum(total, tuple(parts)))
    if rows_:
        values[("total",)] = sum(values[("row", r)] for r in rows_)
        sums.append(Sum(("total",), tuple(("row", r) for r in rows_)))
        sums.append(Sum(("total",), tuple(("column", c) for c in columns_)))
    return values, sums


def suppress_table(cells: Mapping[tuple[Row, Column], int], rows: Sequence[Row],
                   columns: Sequence[Column], threshold: int) -> TableHidden[Row, Column]:
    """What `suppress` hides of a table with its row, column and grand totals, the sums
    in table_sums' order: the same answer (tests/test_suppression_table.py holds it to
    that on random tables), in time linear in the cells, for an org's thousand groups
    by twelve months, suppressed again after every check-in.

    It takes suppress's steps in suppress's order, keeping what each sum needs rather
    than looking it up: how many of its members are hidden, and its two smallest parts
    (by value, then place). A sum is acted on only with exactly one member hidden, so
    its smallest shown part is one of those two."""
    rows, columns = _with_cells(cells, rows, columns)
    if not rows:
        return TableHidden(frozenset(), frozenset(), frozenset(), False)
    # Members by number: the cells, then the rows' totals, the columns', the table's.
    # Sums by number, in table_sums' order: the rows', the columns', the two totals'.
    keys: list[tuple[Row, Column]] = []
    value: list[int] = []
    parts: list[list[int]] = [[] for _ in range(len(rows) + len(columns) + 2)]
    in_sums: list[tuple[int, int]] = []
    column_sum = len(rows)
    column_sums = [(column, column_sum + c) for c, column in enumerate(columns)]
    row_values: list[int] = []
    column_values = [0] * (len(rows) + len(columns))
    for r, row in enumerate(rows):
        in_row = parts[r]
        row_value = 0
        for column, c in column_sums:
            found = cells.get((row, column))
            if found is not None:
                member = len(keys)
                in_row.append(member)
                parts[c].append(member)
                in_sums.append((r, c))
                keys.append((row, column))
                value.append(found)
                row_value += found
                column_values[c] += found
        row_values.append(row_value)
    first_row = len(keys)
    first_column = first_row + len(rows)
    total = first_column + len(columns)
    rows_total = column_sum + len(columns)
    value += [*row_values, *column_values[column_sum:], sum(row_values)]
    in_sums += [(r, rows_total) for r in range(len(rows))]
    in_sums += [(column_sum + c, rows_total + 1) for c in range(len(columns))]
    in_sums.append((rows_total, rows_total + 1))
    sum_total = [*range(first_row, total), total, total]
    parts[rows_total] = list(range(first_row, first_column))
    parts[rows_total + 1] = list(range(first_column, total))
    hidden = [v < threshold for v in value]
    count = [0] * len(sum_total)
    for member in compress(range(len(hidden)), hidden):
        for s in in_sums[member]:
            count[s] += 1
    # sorted() keeps the parts' order among equal values, as min() does.
    smallest = [sorted(ps, key=value.__getitem__)[:2] for ps in parts]
    pending = list(range(len(sum_total)))
    while pending:
        s = pending.pop()
        if count[s] != 1:
            continue
        shown_parts = [p for p in smallest[s] if not hidden[p]]
        extra = shown_parts[0] if shown_parts else sum_total[s]
        hidden[extra] = True
        for other in in_sums[extra]:
            count[other] += 1
        pending.extend(in_sums[extra])
    return TableHidden(
        frozenset(compress(keys, hidden)),
        frozenset(row for r, row in enumerate(rows) if hidden[first_row + r]),
        frozenset(column for c, column in enumerate(columns) if hidden[first_column + c]),
        hidden[total])


def hybrid_cells(key: Key, people: int, in_person: int,
                 online: int) -> tuple[dict[Key, int], list[Sum]]:
    """The room's and online's cells of one hybrid occurrence, as (key, "in_person") and
    (key, "online"), and the sum they make of (key, "people") when they add up to
    everyone: a hidden one of the three could otherwise be worked out from the others."""
    cells: dict[Key, int] = {(key, "in_person"): in_person, (key, "online"): online}
    parts = ((key, "in_person"), (key, "online"))
    return cells, [Sum((key, "people"), parts)] if in_person + online == people else []


def suppress_counts(counts: Counts, hybrid: bool, threshold: int) -> dict[str, int | None]:
    """One occurrence's numbers, by name, as a report leaving the group may show them."""
    key = "occurrence"
    cells: dict[Key, int] = {(key, "people"): counts.people,
                             (key, "newcomers"): counts.newcomers}
    sums: list[Sum] = []
    if hybrid:
        room, sums = hybrid_cells(key, counts.people, counts.in_person, counts.online)
        cells |= room
    allowed = suppress(cells, sums, threshold)
    names = ["people", "newcomers", *(["in_person", "online"] if hybrid else [])]
    return {name: allowed[(key, name)] for name in names}


#: How a report leaving the group writes a count it hides. Not "<5": a count hidden to
#: protect another (complementary suppression) may be 12, and "<5" would be a lie.
HIDDEN = N_("hidden")


def shown(value: int | None) -> str:
    """A count as a report leaving the group writes it."""
    return HIDDEN if value is None else str(value)


def hidden_rule(threshold: int) -> str:
    """The small-count rule in a sentence, said once on each page, PDF or CSV that hides."""
    return (f"Counts below {threshold}, and counts that would let one be worked out, "
            f"read “{HIDDEN}”.")


def hidden_rule_csv(threshold: int) -> Message:
    """The rule as a CSV says it, where a hidden count is an empty cell and a mark."""
    return Message(N_("Counts below %(threshold)s, and counts that would let one be worked "
                      "out, are left empty, with “yes” in their “hidden” column."),
                   {"threshold": threshold})


def average(total: int | None, meetings: int) -> float | None:
    """People per meeting, None when the total is hidden or nothing was counted."""
    if total is None or meetings == 0:
        return None
    return round(total / meetings, 1)


def last_months(today: date, count: int = 12) -> list[str]:
    """The `count` months up to and including today's, oldest first, as "YYYY-MM"."""
    year, month = today.year, today.month
    months = []
    for _ in range(count):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


#: How a report marks the month it is made in, which is not over yet.
SO_FAR = N_("so far")


def month_label(month: str, today: date | None = None) -> str:
    """ "2026-11" as "Nov 2026", and "Nov 2026 (so far)" when it is today's month."""
    year, number = month.split("-")
    label = f"{date(int(year), int(number), 1):%b %Y}"
    return f"{label} ({SO_FAR})" if today is not None and month_of(today) == month else label
