"""The job queue (facilitator/jobs.py) and the public PDFs it renders ahead
(facilitator/rendered.py), on each database with its real queue (a SQLite file,
PostgreSQL's tables) and a worker the test starts:
a change reaches the directory PDF with no request asking for it, a request before the
first render is told to come back, files are kept by content and old ones removed, and a
render that keeps failing is recorded for admins while the last good PDF is served."""

from __future__ import annotations

import io
import json
import re
import time
from collections.abc import Callable
from collections.abc import Iterator
from datetime import date
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask import current_app
from pypdf import PdfReader
from sqlalchemy import select

from facilitator import clock
from facilitator import create_app
from facilitator import jobs
from facilitator import migrate
from facilitator import pdf
from facilitator import rendered
from facilitator.db import get_session
from facilitator.db import make_engine
from facilitator.domain.choices import Role
from facilitator.domain.languages import Message
from facilitator.domain.meeting import CancelReason
from facilitator.models import Meeting
from facilitator.models import Organization
from facilitator.models import RenderedFile
from facilitator.services import accounts
from facilitator.services import meetings
from facilitator.services import organizations
from tests.conftest import PASSWORD
from tests.conftest import _password_hash
from tests.conftest import app_config
from tests.conftest import own_group
from tests.conftest import tuesday_meeting

seen: list[tuple[str, bool, str]] = []


@jobs.task(retries=1)
def note(value: str) -> None:
    seen.append((value, jobs.last_attempt(), current_app.name))
    if value == "fail":
        raise RuntimeError("refused on purpose")


def text_of(body: bytes) -> str:
    reader = PdfReader(io.BytesIO(body))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


@pytest.fixture(scope="module")
def queued_app(fresh_database_url: Callable[[], str], tmp_path_factory: pytest.TempPathFactory,
               ) -> Iterator[Flask]:
    """An app on a database of its own with the real queue beside it, rendering ahead
    in one paper only (each render takes a core for a while)."""
    url = fresh_database_url()
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    papers = rendered.PAPERS
    rendered.PAPERS = (pdf.Paper("letter"),)
    app = create_app(app_config(
        url, JOBS_STORAGE=None, JOBS_IMMEDIATE=False, RENDER_AHEAD=True, JOBS_RETRY_DELAY=0,
        RENDERED_DIR=str(tmp_path_factory.mktemp("rendered"))))
    yield app
    rendered.PAPERS = papers
    jobs.close(app)
    database_ = app.extensions["facilitator.db"]
    database_.engine.dispose()


def _org_with_a_meeting(app: Flask, slug: str) -> tuple[int, int]:
    with app.app_context():
        session = get_session()
        group = own_group(session, slug)
        meeting = tuesday_meeting(session, group)
        session.commit()
        return group.organization_id, meeting.id


def _row(app: Flask, key_start: str) -> RenderedFile | None:
    with app.app_context():
        return get_session().scalars(select(RenderedFile).where(
            RenderedFile.key.startswith(key_start))).first()


def _wait_for(check: Callable[[], bool], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "the worker did not get there in time"
        time.sleep(0.1)


def _next_tuesday() -> date:
    today = clock.today_in("America/Chicago")
    return today + timedelta(days=(1 - today.weekday()) % 7 or 7)


def test_a_cancelled_date_reaches_the_directory_pdf_with_no_request_asking(queued_app):
    app = queued_app
    with jobs.running_worker(app):
        org_id, meeting_id = _org_with_a_meeting(app, "ahead")
        directory = f"directory/{org_id}?"
        _wait_for(lambda: (row := _row(app, directory)) is not None and row.content_hash)
        first = _row(app, directory)
        assert first is not None and first.content_hash is not None
        day = _next_tuesday()
        with app.app_context():
            session = get_session()
            meeting = session.get(Meeting, meeting_id)
            meetings.cancel_date(session, None, meeting, day, CancelReason.HOLIDAY)
            session.commit()
        _wait_for(lambda: (row := _row(app, directory)) is not None
                  and row.content_hash != first.content_hash)
    row = _row(app, directory)
    folder = Path(app.config["RENDERED_DIR"])
    text = text_of((folder / f"{row.content_hash}.pdf").read_bytes())
    # (with its year when that is not this year's: the week after New Year's Eve)
    assert re.search(rf"cancelled {day:%a} {day.day} {day:%b}( {day.year})? — holiday",
                     text, re.IGNORECASE), text
    # The old version is gone, and what a member gets is the new one, dated.
    assert not (folder / f"{first.content_hash}.pdf").exists()
    response = app.test_client().get("/o/ahead/directory.pdf?paper=letter")
    assert response.status_code == 200
    assert response.data == (folder / f"{row.content_hash}.pdf").read_bytes()
    assert response.last_modified is not None
    assert app.test_client().get("/o/ahead/directory.pdf?paper=letter", headers={
        "If-None-Match": response.headers["ETag"]}).status_code == 304


def test_before_the_first_render_the_client_is_told_when_to_come_back(queued_app,
                                                                     monkeypatch):
    app = queued_app
    with app.app_context():
        org = organizations.create_organization(get_session(), None, slug="waiting",
                                                name="Waiting", timezone="Europe/Paris")
        get_session().commit()
        org_id = org.id
    jobs.queue(app).flush()  # what the change enqueued: nothing runs it
    response = app.test_client().get("/o/waiting/directory.pdf?region=Nowhere&day=2")
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) >= 5
    assert "being prepared" in response.get_data(as_text=True)
    # A stranger asking again and again, for other filters too, never grows the queue
    # past its bound: the requests beyond it are told to come back, and enqueue nothing.
    monkeypatch.setattr(rendered, "MAX_PENDING_FOR_REQUESTS", 3)
    for day in (3, 4, 5, 6, 0):
        assert app.test_client().get(
            f"/o/waiting/directory.pdf?region=Nowhere&day={day}").status_code == 503
    assert jobs.pending(app) == 3
    jobs.queue(app).flush()
    assert app.test_client().get(
        "/o/waiting/directory.pdf?region=Nowhere&day=2").status_code == 503
    assert jobs.run_pending(app) == 1  # the request enqueued its render
    response = app.test_client().get("/o/waiting/directory.pdf?region=Nowhere&day=2")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert "Waiting" in text_of(response.data)
    with app.app_context():
        assert get_session().get(Organization, org_id) is not None


def test_the_same_content_is_one_file_and_a_failing_render_is_recorded_and_the_last_kept(
        queued_app, monkeypatch):
    app = queued_app
    org_id, _ = _org_with_a_meeting(app, "failing")
    jobs.run_pending(app)
    directory = f"directory/{org_id}?"
    before = _row(app, directory)
    assert before is not None and before.content_hash is not None
    folder = Path(app.config["RENDERED_DIR"])
    good = app.test_client().get("/o/failing/directory.pdf?paper=letter").data

    # A change whose job is lost (as with a killed worker) is found by the minutely
    # reconcile. It prints nothing new: the file is named by its HTML's hash, so nothing
    # of this org is rendered again and the one file serves.
    real_render, renders = pdf.render, []

    def counted(html: str, time_limit: float = pdf.TIME_LIMIT_SECONDS) -> bytes:
        renders.append(html)
        return real_render(html, time_limit)

    monkeypatch.setattr(pdf, "render", counted)
    with app.app_context():
        organizations.mark_changed(get_session().get(Organization, org_id))
        get_session().commit()
    jobs.queue(app).flush()
    with app.app_context():
        rendered.reconcile.enqueue()
    jobs.run_pending(app)
    again = _row(app, directory)
    assert again.stamp != before.stamp and again.content_hash == before.content_hash
    assert not [html for html in renders if "Failing" in html]
    assert (folder / f"{before.content_hash}.pdf").is_file()

    # A render that fails: tried three times, recorded, the last good PDF still served.
    tries = []

    def failing(html: str, time_limit: float = 0) -> bytes:
        tries.append(html)
        raise pdf.TooSlow(90)

    monkeypatch.setattr(pdf, "render", failing)
    with app.app_context():
        session = get_session()
        tuesday_meeting(session, session.get(Organization, org_id).groups[0],
                        title="Thursday Night")
        session.commit()
    jobs.run_pending(app)
    failed = _row(app, directory)
    # Kept as its message, to be worded in the language of the admin who reads it.
    assert str(Message.from_stored(json.loads(failed.error))).startswith(
        "Making this PDF took longer than 90 seconds")
    assert failed.content_hash == before.content_hash
    assert len([html for html in tries if "Meetings" in html]) >= 3
    response = app.test_client().get("/o/failing/directory.pdf?paper=letter")
    assert response.status_code == 200 and response.data == good

    # The org's admin sees it listed.
    with app.app_context():
        session = get_session()
        admin = accounts.create_user(session, None, email="admin@failing.example",
                                     display_name="Admin.")
        admin.password_hash = _password_hash(PASSWORD)
        accounts.grant_role(session, None, admin, session.get(Organization, org_id), Role.ADMIN)
        session.commit()
    client = app.test_client()
    client.post("/login", data={"email": "admin@failing.example", "password": PASSWORD})
    page = client.get("/admin/failing/").get_data(as_text=True)
    assert "PDFs that could not be made" in page
    assert "Meeting directory (paper=letter)" in page
    assert "took longer than 90 seconds, so it was stopped." in page
    # In the admin's language: which PDF, and why.
    page = client.get("/admin/failing/", headers={"Accept-Language": "es"}).get_data(
        as_text=True)
    assert "PDF que no se pudieron generar" in page
    assert "Directorio de reuniones (paper=letter)" in page
    assert "tomó más de 90 segundos, así que se detuvo." in page


def test_jobs_run_in_an_app_context_are_retried_and_picked_up_by_a_worker(queued_app):
    app = queued_app
    jobs.queue(app).flush()
    with app.app_context():
        note.enqueue("a")
        note.enqueue("fail")
    assert jobs.run_pending(app) == 3
    assert seen[-3:] == [("a", False, "facilitator"), ("fail", False, "facilitator"),
                         ("fail", True, "facilitator")]
    with app.app_context():
        note.enqueue("b")
    with jobs.running_worker(app):
        _wait_for(lambda: seen[-1][0] == "b", seconds=10)



def test_an_org_setting_its_groups_print_renders_their_handouts_again(queued_app):
    # The org's name is on every group's one-pager: renaming the org makes each group's
    # stored handouts out of date, so the workers render them again; a setting no
    # group's page shows leaves them be.
    app = queued_app
    org_id, _meeting_id = _org_with_a_meeting(app, "renamed")
    with app.app_context():
        session = get_session()
        org = session.get(Organization, org_id)
        group = org.groups[0]
        one_pager = next(handout for handout in rendered.ahead_handouts(org, [group])
                         if handout.kind == "group")

        def stamp() -> str:
            return rendered.stamp_of(session, one_pager, org, group)

        first = stamp()
        organizations.update_organization(session, None, org, small_count_threshold=7)
        session.commit()
        assert stamp() == first
        organizations.update_organization(session, None, org, name="Renamed Intergroup")
        session.commit()
        session.refresh(group)
        assert stamp() != first
