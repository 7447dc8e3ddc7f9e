"""The job queue on each database: a job runs in an app context, a failing one is run
again while it has retries, and a worker started here picks up what is enqueued."""

from __future__ import annotations

import time
from collections.abc import Callable

from flask import current_app

from facilitator import create_app
from facilitator import jobs
from tests.conftest import app_config

seen: list[tuple[str, bool, str]] = []


@jobs.task(retries=1)
def note(value: str) -> None:
    seen.append((value, jobs.last_attempt(), current_app.name))
    if value == "fail":
        raise RuntimeError("refused on purpose")


def test_jobs_run_retried_and_picked_up_by_a_worker(
        fresh_database_url: Callable[[], str]) -> None:
    app = create_app(app_config(fresh_database_url(), JOBS_STORAGE=None,
                                JOBS_IMMEDIATE=False))
    try:
        with app.app_context():
            note.enqueue("a")
            note.enqueue("fail")
        assert jobs.run_pending(app) == 3
        assert seen[-3:] == [("a", False, "facilitator"), ("fail", False, "facilitator"),
                             ("fail", True, "facilitator")]
        with app.app_context():
            note.enqueue("b")
        with jobs.running_worker(app):
            deadline = time.monotonic() + 10
            while seen[-1][0] != "b" and time.monotonic() < deadline:
                time.sleep(0.02)
        assert seen[-1][0] == "b"
    finally:
        jobs.close(app)
