"""Fixtures for browser tests: Debian's Chromium driven by Playwright, and a live server.

The live server is the real app (CSRF on, as a browser needs) on a fresh database of the
current backend with the demo organization loaded (a copy of one loaded once per run),
served by Werkzeug in a thread.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from contextlib import closing
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser
from playwright.sync_api import BrowserContext
from playwright.sync_api import Page
from playwright.sync_api import sync_playwright
from sqlalchemy.engine import make_url
from werkzeug.serving import make_server

from facilitator import clock
from facilitator import create_app
from facilitator import demo
from facilitator import migrate
from facilitator.db import get_session
from facilitator.db import make_engine
from tests.postgres import PostgresServer

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the whole run."""
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is not installed (apt-get install chromium)"
        if os.environ.get("FACILITATOR_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"Browser tests are required but {reason}.")
        pytest.skip(f"Browser tests need Chromium: {reason}.")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _static_files_read_whole(app: Any) -> Callable[..., Iterable[bytes]]:
    """The app, with each static file read whole before it is sent. Werkzeug's development
    server leaves a response unclosed when the browser drops the connection half-way (it
    does, for an icon, when a test moves on): the file would stay open until a later
    test's garbage collection reports it."""
    def serve(environ: dict, start_response: Callable) -> Iterable[bytes]:
        body = app(environ, start_response)
        if not environ.get("PATH_INFO", "").startswith("/static/"):
            return body
        try:
            return [b"".join(body)]
        finally:
            if hasattr(body, "close"):
                body.close()

    return serve


#: The app behind each running live server, by its base URL: a test that needs more data
#: than the demo adds it through the app's own services (see `with_live_app`).
LIVE_APPS: dict[str, Any] = {}


def with_live_app(base_url: str) -> Any:
    """The app context of the live server at `base_url`, to add data with services."""
    return LIVE_APPS[base_url].app_context()


def _not_yet_serving(environ: dict, start_response: Callable) -> list[bytes]:
    raise RuntimeError("the live server answered before its app was set")


#: The secret key of every live server (and of the app that loads the demo's template).
SECRET_KEY = "browser-test-secret-key"


def _demo_template(url: str) -> None:
    """Migrate the empty database at `url` and load the demo into it."""
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET_KEY, "TESTING": True,
                      "BASE_URL": "http://127.0.0.1", "JOBS_STORAGE": "memory",
                      "RENDER_AHEAD": False})
    with app.app_context():
        session = get_session()
        demo.load_demo(session)
        session.commit()
    app.extensions["facilitator.db"].engine.dispose()


def _copy(template: str, backend: str, fresh_database_url: Callable[[], str],
          request: pytest.FixtureRequest) -> str:
    """A new database holding what the database at `template` holds."""
    url = fresh_database_url()
    if backend == "sqlite":
        with (closing(sqlite3.connect(make_url(template).database)) as source,
              closing(sqlite3.connect(make_url(url).database)) as copy):
            source.backup(copy)
        return url
    server: PostgresServer = request.getfixturevalue("postgres_server")
    name = make_url(url).database
    assert name is not None
    return server.create_database(name, template=make_url(template).database or "")


@pytest.fixture(scope="session")
def demo_database(backend: str, fresh_database_url: Callable[[], str],
                  request: pytest.FixtureRequest) -> Callable[[], str]:
    """Return a function that makes a new database at the newest migration with the demo
    loaded, as `flask demo` loads it.

    Each is a copy of one loaded once per run (a file copy in SQLite, CREATE DATABASE …
    TEMPLATE in PostgreSQL), which saves every browser module a migration and a demo load.
    The demo's dates are relative to its org's date, so a new day where its meetings are
    (`make test-clock` runs over midnight in Chicago) loads a new one.
    """
    templates: dict[date, str] = {}

    def make() -> str:
        today = clock.today_in(demo.TZ)
        if today not in templates:
            templates[today] = fresh_database_url()
            _demo_template(templates[today])
        return _copy(templates[today], backend, fresh_database_url, request)

    return make


@pytest.fixture(scope="module")
def live_server(demo_database: Callable[[], str],
                tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Serve the app with the demo loaded on a fresh database; yield its base URL."""
    url = demo_database()

    # Bind first: the app's BASE_URL is the server's own address, so the links and QR
    # codes a test follows lead back here.
    server = make_server("127.0.0.1", 0, _not_yet_serving, threaded=True)
    # server_close() waits for the requests still running (a page's last poll), so none
    # holds a database connection when the engine is disposed.
    server.daemon_threads = False
    server.block_on_close = True
    base_url = f"http://127.0.0.1:{server.server_port}"
    app = create_app({
        "BASE_URL": base_url,
        "DATABASE_URL": url,
        "SECRET_KEY": SECRET_KEY,
        "TESTING": True,
        "WTF_CSRF_ENABLED": True,  # the default, said out loud: browsers send real tokens
        "EVIDENCE_DIR": str(tmp_path_factory.mktemp("evidence")),
        # As in tests/conftest.py's app_config: a public PDF is rendered by the job its
        # first request enqueues, run at once (the queue and its workers have tests of
        # their own), and changes enqueue no renders.
        "JOBS_STORAGE": "memory",
        "JOBS_IMMEDIATE": True,
        "RENDER_AHEAD": False,
        "RENDERED_DIR": str(tmp_path_factory.mktemp("rendered")),
        # As in app_config: a change shows in a public feed at the next request.
        "FEED_VALIDATOR_SECONDS": 0,
    })
    server.app = _static_files_read_whole(app)
    LIVE_APPS[base_url] = app
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield base_url
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)
    del LIVE_APPS[base_url]
    app.extensions["facilitator.db"].engine.dispose()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh browser profile (no cookies) per test."""
    context = browser.new_context()
    context.set_default_timeout(10_000)
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


#: axe-core impacts that fail a test.
BLOCKING = {"serious", "critical"}


def serious_violations(page: Page) -> list[str]:
    """Run axe-core on the page; describe each serious or critical violation."""
    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(" ".join(node["target"]) for node in v["nodes"])
        for v in results.response["violations"]
        if v["impact"] in BLOCKING
    ]
