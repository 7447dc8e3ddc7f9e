"""CSV exports that spreadsheet programs open as text, never as formulas.

Excel, LibreOffice and Google Sheets run a cell that starts with ``=``, ``+``,
``-`` or ``@`` as a formula, and some also after a leading tab or carriage
return (OWASP "CSV injection"). Every cell a person typed goes through
``safe_cell``; numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from collections.abc import Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Cell = str | int | float | None


def safe_cell(value: Cell) -> str:
    """Return the cell as text a spreadsheet shows as typed: a leading quote defuses formulas."""
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> str:
    """Return the rows as CSV (RFC 4180, CRLF) with every cell made safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(h) for h in header])
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    return buffer.getvalue()
