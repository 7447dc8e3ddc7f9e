"""Benchmark of the printed directory: `.venv/bin/python -m bench.bench_handouts`.

Two generated orgs in one SQLite database, made by the real Meeting Guide import: one
of 5,000 meetings in 1,000 groups and one of half as many. Each is timed through the
real path, as a member who prints the directory waits for it: GET /o/<org>/directory.pdf
through the app (the query, the HTML, and the render in a child process by
facilitator/pdf.py), its PDF cache emptied before each request. The baseline is
WeasyPrint rendering a minimal HTML document holding the same text on the same number
of pages (each page of our PDF's text in one block, a page break after each), through
the same child-process render. The page counts of both documents must be equal.

The three take turns, RUNS times; each figure is the median wall time of its runs,
with the fastest and the slowest beside it (on these shared machines the neighbours
move the wall clock from one run to the next).

Goals (issue 8): the directory within 1.3x the baseline, and twice the meetings in at
most 2.2x the time.
"""

from __future__ import annotations

import html
import io
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Sequence
from pathlib import Path

from flask import Flask
from pypdf import PdfReader

from bench.bench_import import app_for
from bench.bench_import import run_import
from bench.generate import generate
from bench.report import Figure
from bench.report import at_most
from bench.report import standalone
from facilitator import pdf

RUNS = 5


def timed_in_turns(runs: int, works: Sequence[Callable[[], object]]) -> list[list[float]]:
    """The wall time of each run of each of `works`, run in turns."""
    times: list[list[float]] = [[] for _ in works]
    for _ in range(runs):
        for i, work in enumerate(works):
            start = time.perf_counter()
            work()
            times[i].append(time.perf_counter() - start)
    return times


def page_count(document: bytes) -> int:
    return len(PdfReader(io.BytesIO(document)).pages)


def minimal_html(document: bytes, size: str) -> str:
    """The text of each page of `document`, one plain block per page."""
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(document)).pages]
    blocks = "".join(f'<pre style="break-after: page">{html.escape(text)}</pre>'
                     for text in pages)
    return (f"<style>@page {{ size: {size}; margin: 15mm }} pre {{ font: 8pt 'DejaVu Sans'; "
            f"white-space: pre-wrap; margin: 0 }}</style>{blocks}")


def printed(app: Flask, org_slug: str) -> bytes:
    """The org's directory PDF as a member gets it, nothing kept from before."""
    app.extensions.get("facilitator.pdf_cache", pdf.PdfCache()).clear()
    response = app.test_client().get(f"/o/{org_slug}/directory.pdf?paper=letter")
    if response.status_code != 200 or response.mimetype != "application/pdf":
        raise RuntimeError(f"/o/{org_slug}/directory.pdf answered {response.status}")
    return response.data


def spread(times: list[float]) -> tuple[float, float, float]:
    return statistics.median(times), min(times), max(times)


def figures(meetings: int = 5000, groups: int = 1000) -> Iterator[Figure]:
    with tempfile.TemporaryDirectory() as folder:
        app = app_for(f"sqlite:///{folder}/bench.sqlite3")
        app.config["PDF_STATE_DIR"] = f"{folder}/pdf"
        for slug, count in (("big", meetings), ("half", meetings // 2)):
            path = Path(folder) / f"{slug}.json"
            path.write_text(json.dumps(generate(count, max(1, groups * count // meetings), 3)))
            run_import(app, path, slug)
        document = printed(app, "big")
        baseline_html = minimal_html(document, "letter")
        pages, baseline_pages = page_count(document), page_count(pdf.render(baseline_html))
        if pages != baseline_pages:
            raise RuntimeError(f"the directory has {pages} pages and the minimal document "
                               f"{baseline_pages}: they no longer compare")
        big, half, baseline = timed_in_turns(RUNS, [
            lambda: printed(app, "big"), lambda: printed(app, "half"),
            lambda: pdf.render(baseline_html)])
        app.extensions["facilitator.db"].engine.dispose()
    (median, low, high), (half_median, half_low, half_high) = spread(big), spread(half)
    base_median, base_low, base_high = spread(baseline)
    yield Figure(f"directory PDF, {meetings:,} meetings (wall time, real path)", median, "s",
                 base_median, "minimal HTML, same text and pages", at_most(1.3),
                 f"{pages} pages, the minimal document as many; median of {RUNS}",
                 spread=(low, high), baseline_spread=(base_low, base_high))
    yield Figure(f"directory PDF, {meetings:,} vs {meetings // 2:,} meetings (wall time)",
                 median, "s", half_median, f"{meetings // 2:,} meetings", at_most(2.2),
                 "time grows with the meetings at most linearly", spread=(low, high),
                 baseline_spread=(half_low, half_high))


if __name__ == "__main__":
    standalone(figures, __doc__)
