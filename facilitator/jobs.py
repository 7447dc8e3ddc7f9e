"""Background jobs, on Huey (docs/architecture.md says why Huey).

The queue lives where the data does, so no other server is needed:

- SQLite (`make run`): Huey's SqliteStorage, in a file beside the database
  (`instance/facilitator-jobs.sqlite3`).
- PostgreSQL (`make serve`): Huey's SQL storage (huey.contrib.sql_huey, on peewee) in the
  app's own database, tables `job_task`, `job_schedule`, `job_kv`, `job_counter`, which it
  creates itself; workers on several machines dequeue from it (FOR UPDATE SKIP LOCKED).
- `JOBS_STORAGE = "memory"` (the tests' default): in the process only.

Declaring a job, in a module at the entry-point layer (it may use anything below it):

    from facilitator import jobs

    @jobs.task(retries=2, retry_delay=10)
    def render(key: str) -> None:
        ...   # runs inside an app context: get_session(), render_template, url_for work;
              # it commits its own transactions; arguments must pickle (ids, strings)

    render.enqueue("directory/1?paper=a4")   # from a request, a command, another job
    render("directory/1?paper=a4")           # or run it here and now

    @jobs.periodic(minute="*")               # a crontab, in UTC: every minute here
    def reconcile() -> None: ...

A job raising is run again up to `retries` times, `retry_delay` seconds apart;
`jobs.last_attempt()` says, inside a job, whether this run is its last. Huey takes a job
off the queue when a worker starts it, so a job whose worker is killed is lost: whatever
must happen in the end needs a periodic job that finds it not done and enqueues it again.
Jobs must therefore be idempotent.

Running them: `flask worker` (`make worker`; `make run` starts one beside the server).
Tests: `run_pending(app)` runs what is queued in the calling thread, until nothing is;
`with running_worker(app): ...` runs a real worker (threads) for the block. The module
holds a name-to-function registry; each app makes its own Huey (lazily: creating the app
opens no connection) and registers every job declared so far on it.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

from flask import Flask
from flask import current_app
from huey import Huey
from huey import MemoryHuey
from huey import SqliteHuey
from huey import crontab
from huey.consumer import Consumer
from huey.consumer import Scheduler
from huey.consumer import Worker
from sqlalchemy.engine import make_url

logger = logging.getLogger(__name__)

_EXTENSION = "facilitator.jobs"
#: How often an idle worker looks at the queue, at most (SQL storage cannot block on
#: it): a change waits at most this long before a worker starts on it.
POLL_SECONDS = 1.0

_attempts_left: ContextVar[int] = ContextVar("attempts_left", default=0)


@dataclass
class Job:
    """A declared job: call it to run it here, `enqueue` it to have a worker run it."""

    function: Callable[..., Any]
    name: str
    retries: int = 0
    retry_delay: int = 0
    schedule: dict[str, str] | None = None
    _wrappers: dict[int, Any] = field(default_factory=dict, repr=False)

    def __call__(self, *args: Any) -> Any:
        return self.function(*args)

    def enqueue(self, *args: Any, delay: float | None = None) -> None:
        """Put the job on the current app's queue (run at once in immediate mode)."""
        wrapper = queue(current_app._get_current_object())._facilitator_tasks[self.name]  # type: ignore[attr-defined]
        if delay:
            wrapper.schedule(args, delay=delay)
        else:
            wrapper(*args)


_registry: dict[str, Job] = {}


def task(*, retries: int = 0, retry_delay: int = 0) -> Callable[[Callable[..., Any]], Job]:
    """Declare a job (see the module's docstring)."""
    def declare(function: Callable[..., Any]) -> Job:
        return _declare(Job(function, _name(function), retries, retry_delay))
    return declare


def periodic(**when: str) -> Callable[[Callable[..., Any]], Job]:
    """Declare a job the workers run on a schedule: huey's `crontab(**when)`, in UTC."""
    def declare(function: Callable[..., Any]) -> Job:
        return _declare(Job(function, _name(function), schedule=dict(when)))
    return declare


def _name(function: Callable[..., Any]) -> str:
    return f"{function.__module__}.{function.__qualname__}"


def _declare(job: Job) -> Job:
    _registry[job.name] = job
    return job


def last_attempt() -> bool:
    """Inside a job: whether a failure now is final (no retry left)."""
    return _attempts_left.get() <= 0


def init_app(app: Flask) -> None:
    """Nothing is opened here; the queue is made on first use (`queue`)."""
    app.extensions[_EXTENSION] = None


def queue(app: Flask) -> Huey:
    """The app's Huey, made on first use, with every declared job registered on it."""
    huey = app.extensions.get(_EXTENSION)
    if huey is not None:
        return huey
    with _making:
        huey = app.extensions.get(_EXTENSION)
        if huey is None:
            huey = _make_queue(app)
            huey._facilitator_tasks = {name: _register(app, huey, job)
                                       for name, job in _registry.items()}
            app.extensions[_EXTENSION] = huey
    return huey


_making = threading.Lock()


def _make_queue(app: Flask) -> Huey:
    storage = app.config.get("JOBS_STORAGE") or _storage_for(app.config["DATABASE_URL"])
    immediate = bool(app.config.get("JOBS_IMMEDIATE"))
    if storage == "memory" or immediate:
        return MemoryHuey("facilitator", immediate=immediate, results=False)
    url = make_url(app.config["DATABASE_URL"])
    if storage == "sqlite":
        return SqliteHuey("facilitator", filename=str(_queue_file(url.database or "")),
                          results=False, timeout=20)
    return _postgres_queue(url)


def _storage_for(database_url: str) -> str:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        return "memory" if url.database in (None, "", ":memory:") else "sqlite"
    return "postgresql"


def _queue_file(database: str) -> Path:
    path = Path(database)
    return path.with_name(f"{path.stem}-jobs.sqlite3")


def _postgres_queue(url: Any) -> Huey:
    from huey.contrib.sql_huey import SqlStorage
    from peewee import PostgresqlDatabase

    class Storage(SqlStorage):
        """Huey's tables named job_*, so they never meet one of ours."""

        def create_models(self) -> tuple[Any, ...]:
            models = super().create_models()
            for model in models:
                model._meta.set_table_name(f"job_{model._meta.table_name}")
            task = models[2]  # its index was named from the old table name: made again
            task._meta.indexes = []
            task.add_index(task.priority.desc(), task.id)
            return models

    database = PostgresqlDatabase(
        url.database, user=url.username, password=url.password, host=url.host,
        port=url.port, prefer_psycopg3=True, **dict(url.query))
    return Huey("facilitator", storage_class=Storage, database=database, results=False)


def _register(app: Flask, huey: Huey, job: Job) -> Any:
    def run(*args: Any, task: Any = None) -> Any:
        attempts = _attempts_left.set(task.retries if task is not None else 0)
        try:
            with app.app_context():
                return job.function(*args)
        finally:
            _attempts_left.reset(attempts)

    run.__name__ = run.__qualname__ = job.name
    if job.schedule is not None:
        return huey.periodic_task(crontab(**job.schedule), name=job.name,
                                  context=True)(run)
    return huey.task(retries=job.retries, retry_delay=job.retry_delay, name=job.name,
                     context=True)(run)


def run_pending(app: Flask, limit: int = 1000) -> int:
    """Run what is on the queue in this thread, jobs enqueued meanwhile included, until
    it is empty; retries waiting for their delay are not run. How many ran."""
    huey = queue(app)
    ran = 0
    while ran < limit and (message := huey.dequeue()) is not None:
        huey.execute(message)
        ran += 1
    return ran


def _close_thread_connection(huey: Huey) -> None:
    """peewee (the PostgreSQL storage) keeps a connection per thread: close this one's.
    SQLite's storage shares one connection between threads, closed by `close`."""
    if hasattr(huey.storage, "database"):
        huey.storage.close()


class _Scheduler(Scheduler):
    def shutdown(self) -> None:
        _close_thread_connection(self.huey)


class _Worker(Worker):
    def shutdown(self) -> None:
        super().shutdown()
        _close_thread_connection(self.huey)


class _Consumer(Consumer):
    """Huey's consumer, each thread closing its database connection as it stops."""

    scheduler_class = _Scheduler
    worker_class = _Worker


class _QuietConsumer(_Consumer):
    """A consumer that leaves the process's signal handlers alone (a test's, a server's)."""

    def _set_signal_handlers(self) -> None:
        pass


def make_consumer(app: Flask, threads: int = 1, *, periodic: bool = True,
                  quiet: bool = False) -> Consumer:
    """A Huey consumer for the app's queue: `threads` worker threads and, with
    `periodic`, the scheduler that runs periodic jobs and due retries."""
    kind = _QuietConsumer if quiet else _Consumer
    return kind(queue(app), workers=threads, periodic=periodic, worker_type="thread",
                initial_delay=0.05, backoff=1.5, max_delay=POLL_SECONDS,
                scheduler_interval=1)


@contextlib.contextmanager
def running_worker(app: Flask, threads: int = 1, *, periodic: bool = False) -> Iterator[Consumer]:
    """A worker running in this process's threads for the block, stopped after it
    (waiting for the job in hand)."""
    consumer = make_consumer(app, threads, periodic=periodic, quiet=True)
    consumer.start()
    try:
        yield consumer
    finally:
        consumer.stop(graceful=True)


def close(app: Flask) -> None:
    """Close this thread's connection to the queue's storage, if it was opened."""
    huey = app.extensions.get(_EXTENSION)
    if huey is not None:
        huey.storage.close()
