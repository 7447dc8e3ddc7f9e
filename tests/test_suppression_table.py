"""suppress_table, the small-count rule over an org's table of groups by months that the
reports suppress after every check-in, hides exactly what the rule's reference,
domain.suppression.suppress, hides of the same table."""

from __future__ import annotations

from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from facilitator.domain.suppression import suppress
from facilitator.domain.suppression import suppress_table
from facilitator.domain.suppression import table_sums


@st.composite
def tables(draw: st.DrawFn) -> tuple[dict[tuple[int, int], int], list[int], list[int], int]:
    threshold = draw(st.integers(1, 8))
    rows = draw(st.permutations(range(draw(st.integers(0, 7)))))
    columns = draw(st.permutations(range(draw(st.integers(0, 5)))))
    # Values near the threshold, with ties: where the rule's choices are made.
    cells = {(r, c): draw(st.integers(0, 2 * threshold + 3)) for r in rows for c in columns
             if draw(st.integers(0, 4))}
    return cells, rows, columns, threshold


@settings(max_examples=600, deadline=None)
@given(tables())
def test_the_table_rule_hides_what_the_reference_hides(table):
    cells, rows, columns, threshold = table
    values, sums = table_sums(cells, rows, columns)
    reference = {key for key, value in suppress(values, sums, threshold).items()
                 if value is None}
    found = suppress_table(cells, rows, columns, threshold)
    assert ({*found.cells, *(("row", r) for r in found.rows),
             *(("column", c) for c in found.columns), *([("total",)] if found.total else [])}
            == reference)


def test_a_hidden_cell_hides_another_in_its_row_and_its_column():
    """Two groups by two months, one month of one group under 5: the other month of that
    group, the other group that month, and so its other month, all hide."""
    found = suppress_table({("a", 1): 3, ("a", 2): 9, ("b", 1): 7, ("b", 2): 8},
                           ["a", "b"], [1, 2], 5)
    assert found.cells == {("a", 1), ("a", 2), ("b", 1), ("b", 2)}
    assert (found.rows, found.columns, found.total) == (frozenset(), frozenset(), False)
