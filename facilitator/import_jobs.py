"""The Meeting Guide import's jobs: services/import_runs.py does the work."""

from __future__ import annotations

from facilitator import clock
from facilitator import jobs
from facilitator.db import database
from facilitator.db import get_session
from facilitator.services import import_runs


@jobs.task(retries=2, retry_delay=10)
def check_or_import(run_id: int) -> None:
    """Check an uploaded feed (the dry run) or import it, whichever its run waits for."""
    import_runs.perform(database(), run_id, final=jobs.last_attempt())


@jobs.periodic(minute="*/5")
def requeue_lost() -> None:
    """Queue again the job of every run that lost its own (a worker killed mid-way)."""
    for run_id in import_runs.lost(get_session(), clock.now()):
        check_or_import.enqueue(run_id)
