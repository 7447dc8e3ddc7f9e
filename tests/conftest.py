"""Fixtures: the app on SQLite and on PostgreSQL, per-test isolation, factories, login.

Every test that touches the database runs twice, once per backend ([sqlite] and
[postgresql] in its id). Each test runs inside a transaction that is rolled back at
its end; the app's own commits only release savepoints within it.
"""

from __future__ import annotations

import atexit
import html
import itertools
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from functools import cache
from pathlib import Path
from types import CodeType
from typing import Any

import pytest
from argon2 import PasswordHasher
from argon2 import profiles
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient
from jinja2.bccache import Bucket
from jinja2.bccache import BytecodeCache
from sqlalchemy import event
from sqlalchemy.orm import Session
from werkzeug.routing import Map
from werkzeug.routing import Rule

from facilitator import clock
from facilitator import create_app
from facilitator import crypto
from facilitator import migrate
from facilitator.db import make_engine
from facilitator.domain.choices import Role
from facilitator.domain.meeting import MeetingValues
from facilitator.domain.recurrence import Recurrence
from facilitator.domain.recurrence import Schedule
from facilitator.formatting import TRANSLATIONS
from facilitator.models import Group
from facilitator.models import Meeting
from facilitator.models import Organization
from facilitator.models import User
from facilitator.services import accounts
from facilitator.services import meetings
from facilitator.services import organizations
from tests.postgres import PostgresServer
from tests.postgres import PostgresUnavailable

#: The app's own argon2 hasher (64 MiB, t=3: a tenth of a second a hash, seconds on a busy
#: machine), kept for the test that checks its strength. The suite signs in thousands of
#: times, so every process of it hashes and verifies with argon2's cheapest parameters, as
#: Django's documentation advises for test runs. Servers the tests start as programs
#: (gunicorn, `flask serve`) keep the real ones.
APP_PASSWORD_HASHER = crypto._hasher
crypto._hasher = PasswordHasher.from_parameters(profiles.CHEAPEST)
crypto._DUMMY_HASH = crypto._hasher.hash("no account has this password")


def _compile_builder_once(compile_builder: Callable[..., Any]) -> Callable[..., Any]:
    """Werkzeug's `Rule._compile_builder`, kept per rule shape.

    Each test makes its own app, and half of making one is Werkzeug writing and compiling
    a URL-building function for each of the app's routes, the same functions every time:
    a builder's code depends only on the rule's text, parts, defaults and converters, and
    reaches the rule it builds for only through its `.self` argument. The suite keeps each
    the first time it is made (tests/test_platform.py checks that every URL of the app comes
    out as Werkzeug's own builders make it).
    """
    made: dict[tuple[Any, ...], Any] = {}

    def builder(rule: Rule, append_unknown: bool = True) -> Any:
        key: tuple[Any, ...] = (rule.rule, tuple(rule._trace), append_unknown)
        if rule.defaults:  # resolved through the converters into the code
            key += (repr(sorted(rule.defaults.items())),
                    *((name, type(converter),
                       repr({k: v for k, v in vars(converter).items() if k != "map"}))
                      for name, converter in rule._converters.items()))
        if key not in made:
            made[key] = compile_builder(rule, append_unknown)
        return made[key]

    return builder


WERKZEUG_COMPILE_BUILDER = Rule._compile_builder
Rule._compile_builder = _compile_builder_once(Rule._compile_builder)  # type: ignore[method-assign]


class CompiledTemplates(BytecodeCache):
    """Each template compiled once per test process, not once per test.

    Each test's app has its own Jinja environment, which compiled every template the test
    rendered again: about a quarter of a typical test's time. Jinja's bytecode cache
    exists for this (its file-system cache shares compiled templates between processes);
    this one keeps them in memory, by template, source checksum and the environment's
    extensions, which change the compiled code.
    """

    def __init__(self) -> None:
        self.codes: dict[tuple[str, str, tuple[str, ...]], CodeType] = {}

    def _key(self, bucket: Bucket) -> tuple[str, str, tuple[str, ...]]:
        return bucket.key, bucket.checksum, tuple(sorted(bucket.environment.extensions))

    def load_bytecode(self, bucket: Bucket) -> None:
        bucket.code = self.codes.get(self._key(bucket))

    def dump_bytecode(self, bucket: Bucket) -> None:
        if bucket.code is not None:
            self.codes[self._key(bucket)] = bucket.code


COMPILED_TEMPLATES = CompiledTemplates()
_create_jinja_environment = Flask.create_jinja_environment


def _jinja_environment_sharing_compiled_templates(app: Flask) -> Any:
    environment = _create_jinja_environment(app)
    environment.bytecode_cache = COMPILED_TEMPLATES
    return environment


Flask.create_jinja_environment = _jinja_environment_sharing_compiled_templates  # type: ignore[method-assign]

BACKENDS = ("sqlite", "postgresql")


def _compile_catalogs() -> None:
    """The compiled catalogs (.mo, not in git) from the translated ones, as `make catalogs`
    does, for a pytest run started without make."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    from facilitator.formatting import TRANSLATIONS

    for po in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            with po.open("rb") as source:
                catalog = read_po(source)
            partial = mo.with_suffix(f".{os.getpid()}.tmp")  # xdist workers: never half a file
            with partial.open("wb") as target:
                write_mo(target, catalog)
            partial.replace(mo)


_compile_catalogs()


@contextmanager
def counted_selects(app: Flask) -> Iterator[list[str]]:
    """The SELECT statements the app's engine runs inside the block."""
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    engine = app.extensions["facilitator.db"].engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def page_text(response: Any) -> str:
    """The page as a person reads it: tags dropped, entities decoded, spaces collapsed."""
    html_text = response.get_data(as_text=True) if hasattr(response, "get_data") else response
    html_text = re.sub(r"<(script|style)\b.*?</\1>", " ", html_text, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", html_text)).split())


@cache
def english_sentences() -> tuple[str, ...]:
    """The app's English sentences (the catalog's msgids, in runs of three words or more
    between placeholders and markup) whose Spanish differs."""
    with (TRANSLATIONS / "es" / "LC_MESSAGES" / "messages.po").open("rb") as source:
        catalog = read_po(source)
    found = set()
    for message in catalog:
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for english in ids:
            if not english or english in strings:
                continue
            for run in re.split(r"%\(\w+\)\w|\{\w+\}|<[^>]*>", english):
                run = run.strip(" .,:;()")
                if len(run.split()) >= 3:
                    found.add(run)
    return tuple(sorted(found))


def token_requests(url_map: Map, token: str) -> list[tuple[str, str]]:
    """(method, path) of every route that takes a <token>, with `token` in it: what the
    masking tests send, so a route added later is checked without a change to them."""
    requests = []
    for rule in url_map.iter_rules():
        if "token" in rule.arguments:
            built = rule.build({name: token if name == "token" else "1"
                                for name in rule.arguments})
            assert built is not None, rule.rule
            methods = sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
            requests.extend((method, built[1]) for method in methods)
    return requests


PASSWORD = "correct horse battery"


def pytest_report_header() -> str:
    """Say when the suite thinks it is: `make test-clock` moves the machine's clock."""
    zone = os.environ.get("TZ") or "(system default)"
    return f"clock: {clock.now():%Y-%m-%d %H:%M:%S} UTC, machine zone {zone}"


@pytest.fixture
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> datetime:
    """Stop the app's clock at this instant for the test, so what the app computed and
    what the test expects agree on "today" even when midnight passes in between."""
    instant = clock.now()
    monkeypatch.setattr(clock, "now", lambda: instant)
    return instant


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--backend", choices=[*BACKENDS, "both"], default="both",
        help="Database(s) to run the suite against (default: both).",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        chosen = metafunc.config.getoption("backend")
        backends = BACKENDS if chosen == "both" else (chosen,)
        if metafunc.definition.get_closest_marker("one_database") and len(backends) > 1:
            # What it checks (a page's layout, a PDF's) is the same on every database.
            backends = backends[:1]
        metafunc.parametrize("backend", backends, scope="session")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A PostgreSQL server started for this run and stopped at its end."""
    try:
        server = PostgresServer().start()
    except PostgresUnavailable as error:
        if os.environ.get("FACILITATOR_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL is required but could not start: {error}")
        pytest.skip(f"PostgreSQL not available: {error}")
    yield server
    server.stop()


_database_names = itertools.count(1)


@pytest.fixture(scope="session")
def fresh_database_url(
    backend: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Callable[[], str]:
    """Return a function that makes a new, empty database of this backend."""

    def make() -> str:
        name = f"facilitator_{next(_database_names)}"
        if backend == "sqlite":
            return f"sqlite:///{tmp_path_factory.mktemp('db') / name}.sqlite3"
        server: PostgresServer = request.getfixturevalue("postgres_server")
        return server.create_database(name)

    return make


@pytest.fixture(scope="session")
def database_url(fresh_database_url: Callable[[], str]) -> str:
    """A database at the newest migration, shared by the tests of one backend."""
    url = fresh_database_url()
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    return url


#: The site the tests' app says it is: links and QR codes name it, whatever the request's
#: Host (the test client sends this one unless told otherwise).
BASE_URL = "http://facilitator.test"
#: Its host: where the test client's cookies live.
HOST = "facilitator.test"
#: Each test app keeps its PDF render slots and remembered failures in a folder of its
#: own, so no test sees another's failures; all of them go when the run ends.
_PDF_STATE = Path(tempfile.mkdtemp(prefix="facilitator-pdf-"))
atexit.register(shutil.rmtree, _PDF_STATE, ignore_errors=True)
_pdf_folders = itertools.count(1)


def app_config(database_url: str, **overrides: Any) -> dict[str, Any]:
    return {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret-key",
        "BASE_URL": BASE_URL,
        "PDF_STATE_DIR": str(_PDF_STATE / str(next(_pdf_folders))),
        "WTF_CSRF_ENABLED": False,
        # Jobs run at once where enqueued, in memory, and changes enqueue no renders: a
        # public PDF is rendered by the request that asks for it (tests/test_rendered.py
        # runs a real queue and worker).
        "JOBS_STORAGE": "memory",
        "JOBS_IMMEDIATE": True,
        "RENDER_AHEAD": False,
        # A change shows in the public feeds at the next request, not a second later
        # (tests/test_feeds.py has the second's own test).
        "FEED_VALIDATOR_SECONDS": 0,
        "RENDERED_DIR": str(_PDF_STATE / f"rendered-{next(_pdf_folders)}"),
        **overrides,
    }


@contextmanager
def app_of_its_own(url: str) -> Iterator[Flask]:
    """The app on the new database `url`, brought to the newest migration, through its
    own pool as in production: its sessions commit for real (the `app` fixture's share
    one connection in a transaction that is never committed)."""
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    app = create_app(app_config(url))
    try:
        yield app
    finally:
        app.extensions["facilitator.db"].engine.dispose()


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    app = create_app(app_config(database_url))
    database = app.extensions["facilitator.db"]
    connection = database.engine.connect()
    transaction = connection.begin()
    database.sessionmaker.configure(bind=connection, join_transaction_mode="create_savepoint")
    yield app
    transaction.rollback()
    connection.close()
    database.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


@pytest.fixture
def session(app: Flask) -> Iterator[Session]:
    """A session for arranging and checking data, separate from the requests' own.

    It pushes no app context on purpose: each test request then gets its own app context
    and its own session, as in production, and sees this session's committed data.
    """
    session = app.extensions["facilitator.db"].sessionmaker()
    yield session
    session.close()


@cache
def _password_hash(password: str) -> str:
    return crypto.hash_password(password)


_counter = itertools.count(1)


@pytest.fixture
def make_org(session: Session) -> Callable[..., Organization]:
    def make(**overrides: Any) -> Organization:
        n = next(_counter)
        values = {"slug": f"org-{n}", "name": f"Organization {n}", "timezone": "America/Chicago"}
        org = organizations.create_organization(session, None, **(values | overrides))
        session.commit()
        return org

    return make


@pytest.fixture
def make_user(session: Session) -> Callable[..., User]:
    def make(
        org: Organization | None = None,
        role: Role | None = None,
        *,
        password: str = PASSWORD,
        **overrides: Any,
    ) -> User:
        n = next(_counter)
        values = {"email": f"person{n}@example.org", "display_name": f"Person {n}."}
        user = accounts.create_user(session, None, **(values | overrides))
        user.password_hash = _password_hash(password)
        if org is not None and role is not None:
            accounts.grant_role(session, None, user, org, role)
        session.commit()
        return user

    return make


@pytest.fixture
def make_group(session: Session) -> Callable[..., Group]:
    def make(org: Organization, *, facilitators: list[User] = (), **overrides: Any) -> Group:
        n = next(_counter)
        values = {"slug": f"group-{n}", "name": f"Group {n}", "program": "aa",
                  "audience": "everyone", "languages": ["en"], "visibility": "public"}
        group = organizations.create_group(session, None, org, **(values | overrides))
        if facilitators:
            organizations.set_facilitators(session, None, group, list(facilitators))
        session.commit()
        return group

    return make


def schedule_fields(schedule: Schedule) -> dict[str, Any]:
    """The MeetingValues fields that make up a schedule, for a test that builds a
    MeetingSeries from a Schedule."""
    return {"recurrence": schedule.recurrence, "first_date": schedule.first_date,
            "last_date": schedule.last_date, "start_time": schedule.start_time,
            "duration_minutes": schedule.duration // timedelta(minutes=1),
            "timezone": schedule.timezone}


def tuesday_meeting(session: Session, group: Group, **overrides: Any) -> Meeting:
    """Add a weekly Tuesday 19:00 meeting in Chicago to the group unless told otherwise,
    through the service, on any session (flushed, not committed)."""
    values = MeetingValues(
        title="Tuesday Night", recurrence=Recurrence.weekly(1), first_date=date(2026, 1, 6),
        start_time=time(19), duration_minutes=90, timezone="America/Chicago",
        location_name="Community Centre", address="90 Main Street",
    )
    return meetings.create_meeting(session, None, group, replace(values, **overrides))


def own_group(session: Session, slug: str) -> Group:
    """A new org in Chicago with one group, both named after `slug`: for a test on a
    database of its own, where the factories' session is not (flushed, not committed)."""
    org = organizations.create_organization(session, None, slug=slug, name=slug.title(),
                                            timezone="America/Chicago")
    return organizations.create_group(session, None, org, slug=f"{slug}-group",
                                      name=f"{slug.title()} group", program="aa")


@pytest.fixture
def make_meeting(session: Session) -> Callable[..., Meeting]:
    """A weekly Tuesday 19:00 meeting in Chicago unless told otherwise."""

    def make(group: Group, **overrides: Any) -> Meeting:
        meeting = tuesday_meeting(session, group, **overrides)
        session.commit()
        return meeting

    return make


class Auth:
    """Logs the test client in and out, as a person would."""

    def __init__(self, client: FlaskClient) -> None:
        self._client = client

    def login(self, user_or_email: User | str, password: str = PASSWORD):
        email = user_or_email if isinstance(user_or_email, str) else user_or_email.email
        return self._client.post("/login", data={"email": email, "password": password})

    def logout(self):
        return self._client.post("/logout")


@pytest.fixture
def auth(client: FlaskClient) -> Auth:
    return Auth(client)


@pytest.fixture
def tenancy(make_org, make_user, make_group) -> dict[str, Any]:
    """Two organizations, each with an admin, an auditor, two facilitators and two groups."""
    world: dict[str, Any] = {}
    for name in ("a", "b"):
        org = make_org(slug=f"org-{name}", name=f"Org {name.upper()}")
        admin = make_user(org, Role.ADMIN)
        auditor = make_user(org, Role.AUDITOR)
        lead1 = make_user(org, Role.FACILITATOR)
        lead2 = make_user(org, Role.FACILITATOR)
        world[name] = {
            "org": org, "admin": admin, "auditor": auditor, "lead1": lead1, "lead2": lead2,
            "group1": make_group(org, slug=f"{name}-one", facilitators=[lead1]),
            "group2": make_group(org, slug=f"{name}-two", facilitators=[lead2],
                                 visibility="private"),
        }
    return world
