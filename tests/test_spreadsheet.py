"""CSV exports open in a spreadsheet as the text people typed, never as a formula."""

from __future__ import annotations

import csv
import io

import pytest

from facilitator.domain.spreadsheet import csv_text
from facilitator.domain.spreadsheet import safe_cell


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx",
                                  '=HYPERLINK("http://evil","click")'])
def test_a_cell_that_would_run_as_a_formula_starts_with_a_quote(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value, shown", [("Tuesday night", "Tuesday night"), (12, "12"),
                                          (-3, "-3"), (2.5, "2.5"), (None, ""),
                                          ("a=b", "a=b")])
def test_plain_text_and_numbers_are_kept_as_they_are(value, shown):
    assert safe_cell(value) == shown


def test_csv_parses_back_with_every_hostile_cell_defused():
    text = csv_text(["name", "count"], [["=cmd|' /C calc'!A0", 7], ['a "quoted", b', None]])
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [["name", "count"], ["'=cmd|' /C calc'!A0", "7"], ['a "quoted", b', ""]]
    assert text.endswith("\r\n")
