"""Benchmark of the printed directory: `.venv/bin/python -m bench.bench_handouts`.

Two generated orgs in one SQLite database, made by the real Meeting Guide import: one
of 5,000 meetings in 1,000 groups and one of half as many. For each, the directory
handout's HTML (/o/<org>/directory.pdf) is rendered by WeasyPrint with our fetcher, in
this process. The baseline is WeasyPrint rendering a minimal HTML document holding the
same text on the same number of pages (each page of our PDF's text in one block, a
page break after each).

The three renders take turns, RUNS times, and each figure is the best of its runs in
CPU seconds of this process: a render is single-threaded and all CPU, and on these
shared machines the wall clock mostly measures the neighbours (one render took from
13.7 s to 17.1 s of wall time from one run to the next).

Goals (issue 8): the directory within 1.3x the baseline, and twice the meetings in at
most 2.2x the time.
"""

from __future__ import annotations

import html
import io
import json
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
from facilitator.db import get_session
from facilitator.handouts import directory_html
from facilitator.security import public_org

RUNS = 3


def best_in_turns(runs: int, works: Sequence[Callable[[], object]]) -> list[float]:
    """The least CPU time each of `works` took, running them in turns."""
    best = [float("inf")] * len(works)
    for _ in range(runs):
        for i, work in enumerate(works):
            start = time.process_time()
            work()
            best[i] = min(best[i], time.process_time() - start)
    return best


def page_count(document: bytes) -> int:
    return len(PdfReader(io.BytesIO(document)).pages)


def minimal_html(document: bytes, size: str) -> str:
    """The text of each page of `document`, one plain block per page."""
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(document)).pages]
    blocks = "".join(f'<pre style="break-after: page">{html.escape(text)}</pre>'
                     for text in pages)
    return (f"<style>@page {{ size: {size}; margin: 15mm }} pre {{ font: 8pt 'DejaVu Sans'; "
            f"white-space: pre-wrap; margin: 0 }}</style>{blocks}")


def directory_of(app: Flask, org_slug: str) -> str:
    with app.test_request_context(f"/o/{org_slug}/directory.pdf"):
        return directory_html(public_org(get_session(), org_slug), {})


def figures(meetings: int = 5000, groups: int = 1000) -> Iterator[Figure]:
    from weasyprint import HTML

    def minimal(text: str) -> bytes:
        return HTML(string=text).write_pdf()

    with tempfile.TemporaryDirectory() as folder:
        app = app_for(f"sqlite:///{folder}/bench.sqlite3")
        for slug, count in (("big", meetings), ("half", meetings // 2)):
            path = Path(folder) / f"{slug}.json"
            path.write_text(json.dumps(generate(count, max(1, groups * count // meetings), 3)))
            run_import(app, path, slug)
        big, half = directory_of(app, "big"), directory_of(app, "half")
        app.extensions["facilitator.db"].engine.dispose()
    document = pdf._render_here(big)
    baseline_html = minimal_html(document, "letter")
    pages, baseline_pages = page_count(document), page_count(minimal(baseline_html))
    seconds_big, seconds_half, baseline = best_in_turns(RUNS, [
        lambda: pdf._render_here(big), lambda: pdf._render_here(half),
        lambda: minimal(baseline_html)])
    yield Figure(f"directory PDF, {meetings:,} meetings (CPU time)", seconds_big, "s",
                 baseline, "minimal HTML, same text", at_most(1.3),
                 f"{pages} pages; the minimal document {baseline_pages}")
    yield Figure(f"directory PDF, {meetings:,} vs {meetings // 2:,} meetings (CPU time)",
                 seconds_big, "s", seconds_half, f"{meetings // 2:,} meetings", at_most(2.2),
                 "time grows with the meetings at most linearly")


if __name__ == "__main__":
    standalone(figures, __doc__)
