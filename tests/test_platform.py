"""What the app promises about its platform: SQLite settings, cookies, logs."""

from __future__ import annotations

import io
import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from PIL import Image
from sqlalchemy import select
from sqlalchemy import text
from werkzeug.routing import AnyConverter
from werkzeug.routing import BaseConverter
from werkzeug.routing import IntegerConverter

from facilitator import create_app
from facilitator.db import get_session
from facilitator.db import make_engine
from facilitator.domain.choices import Role
from facilitator.models import Group
from facilitator.services import accounts
from facilitator.services import organizations
from tests.conftest import PASSWORD
from tests.conftest import WERKZEUG_COMPILE_BUILDER
from tests.conftest import _password_hash
from tests.conftest import app_config
from tests.served import published_org

LEADERS, SAVES = 8, 10


def test_sqlite_gets_foreign_keys_wal_and_busy_timeout(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() >= 1000
    engine.dispose()


def test_session_cookie_is_httponly_and_samesite(client, auth, make_org, make_user):
    user = make_user(make_org(), Role.FACILITATOR)
    response = auth.login(user)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_session_cookie_holds_no_email_or_password(client, auth, make_org, make_user):
    user = make_user(make_org(), Role.FACILITATOR, email="private.person@example.org")
    auth.login(user)
    with client.session_transaction() as cookie:
        assert set(cookie) == {"user_id", "session_version"}


def test_every_form_carries_a_csrf_token(database_url, tenancy, session, make_meeting):
    """With CSRF on, as in production, every page with a form includes its token."""
    from facilitator import create_app
    from tests.conftest import PASSWORD
    from tests.conftest import app_config

    app = create_app(app_config(database_url, WTF_CSRF_ENABLED=True))
    app.extensions["facilitator.db"].sessionmaker.configure(
        bind=session.connection(), join_transaction_mode="create_savepoint")
    client = app.test_client()
    meeting = make_meeting(tenancy["a"]["group1"])
    login_page = client.get("/login").get_data(as_text=True)
    token = login_page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = client.post("/login", data={"email": tenancy["a"]["admin"].email,
                                           "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    base = f"/manage/g/a-one/meetings/{meeting.id}"
    for path in ["/account/password", "/admin/org-a/settings", "/admin/org-a/groups/new",
                 "/admin/org-a/people/new", "/admin/org-a/groups/a-one/facilitators",
                 "/admin/org-a/groups/a-one/delete",
                 f"/admin/org-a/people/{tenancy['a']['lead1'].id}", "/manage/g/a-one/edit",
                 "/manage/g/a-one/meetings/new", f"{base}/edit", f"{base}/end",
                 f"{base}/delete", f"{base}/dates/2026-01-06",
                 "/manage/g/a-one/documents/guidelines/edit", "/manage/o/org-a/agreement/edit"]:
        page = client.get(path).get_data(as_text=True)
        forms = page.count('<form method="post"')
        assert forms >= 1, path
        assert page.count('name="csrf_token"') >= forms, path


def test_leaders_saving_at_the_same_moment_all_get_saved(fresh_database_url):
    """On SQLite a save that read before another save committed used to fail at once
    with "database is locked" (a 500) instead of waiting its turn."""
    published = published_org(fresh_database_url())
    app = create_app(app_config(published.url))
    with app.app_context():
        session = get_session()
        group = session.scalars(select(Group).where(Group.slug == "tuesday")).one()
        leads = []
        for n in range(LEADERS):
            lead = accounts.create_user(session, None, email=f"lead{n}@example.org",
                                        display_name=f"Lead {n}.")
            lead.password_hash = _password_hash(PASSWORD)
            accounts.grant_role(session, None, lead, group.organization, Role.FACILITATOR)
            leads.append(lead)
        organizations.set_facilitators(session, None, group, leads)
        session.commit()
        emails = [lead.email for lead in leads]

    def saves(email: str) -> list[int]:
        client = app.test_client()
        assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code \
            == 302
        return [client.post("/manage/g/tuesday/edit", data={
            "name": f"Tuesday Group ({email}, save {n})", "program": "aa",
            "audience": "everyone", "languages": ["en"], "visibility": "public",
        }).status_code for n in range(SAVES)]

    with ThreadPoolExecutor(max_workers=LEADERS) as pool:
        answers = [code for codes in pool.map(saves, emails) for code in codes]
    assert answers == [302] * LEADERS * SAVES  # each saved and sent back to the group
    with app.app_context():
        name = get_session().scalars(select(Group.name).where(Group.slug == "tuesday")).one()
        assert name.endswith(f"save {SAVES - 1})")
    app.extensions["facilitator.db"].engine.dispose()


def test_a_leader_can_put_the_site_on_a_phones_home_screen(client, auth, make_org, make_user):
    """Every page names a favicon and a web app manifest whose icons are served at the
    sizes they claim, so a phone can add the site to its home screen."""
    auth.login(make_user(make_org(), Role.FACILITATOR))
    for page in ("/", "/manage/"):
        body = client.get(page).get_data(as_text=True)
        assert '<link rel="icon" href="/static/icon.svg" type="image/svg+xml">' in body, page
        assert '<link rel="manifest" href="/static/manifest.webmanifest">' in body, page
    # buffered: the test client closes each static file it sends
    response = client.get("/static/manifest.webmanifest", buffered=True)
    assert response.mimetype == "application/manifest+json"
    manifest = json.loads(response.data)
    assert manifest["display"] == "standalone" and client.get(
        manifest["start_url"], buffered=True).status_code == 200
    declared = [icon for icon in manifest["icons"] if icon["type"] == "image/png"]
    assert {icon["sizes"] for icon in declared} >= {"192x192", "512x512"}
    for icon in declared + [{"src": "/static/apple-touch-icon.png", "sizes": "180x180"}]:
        with Image.open(io.BytesIO(client.get(icon["src"], buffered=True).data)) as image:
            assert "{}x{}".format(*image.size) == icon["sizes"]
    assert client.get("/static/icon.svg", buffered=True).mimetype == "image/svg+xml"


def sample(converter: BaseConverter) -> object:
    """A value the converter turns into a URL part."""
    if isinstance(converter, AnyConverter):
        return min(converter.items)
    return 7 if isinstance(converter, IntegerConverter) else "a-b c/é"


@pytest.mark.one_database  # routing: the same on every database
def test_every_url_is_built_as_werkzeugs_own_builders_build_it(database_url):
    """The suite keeps Werkzeug's URL builders from one app to the next (tests/conftest.py):
    every route of a second app, with values in every argument, with and without a query
    string, gives the URL a builder Werkzeug makes afresh for that rule gives."""
    create_app(app_config(database_url))
    app = create_app(app_config(database_url))
    rules = list(app.url_map.iter_rules())
    assert len(rules) > 100
    for rule in rules:
        values = {name: sample(converter) for name, converter in rule._converters.items()
                  if name not in (rule.defaults or {})}
        for append_unknown, extra in ((True, {"lang": "es", "page": "2"}), (False, {})):
            fresh = WERKZEUG_COMPILE_BUILDER(rule, append_unknown).__get__(rule, None)
            kept = rule._build_unknown if append_unknown else rule._build
            assert kept(**values, **extra) == fresh(**values, **extra), rule.rule
