"""An org admin imports a Meeting Guide feed from the web: the file is checked by a job
(a dry run that saves nothing), imported by another when the admin says so, all or
nothing, and the page shows how far it got and then the summary the command line prints."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import func
from sqlalchemy import select

from facilitator import clock
from facilitator import import_jobs
from facilitator import jobs
from facilitator.domain.choices import Role
from facilitator.domain.languages import N_
from facilitator.domain.languages import Message
from facilitator.models import Group
from facilitator.models import ImportRun
from facilitator.models import Meeting
from facilitator.services import import_runs
from facilitator.services import meeting_import
from tests.conftest import page_text
from tests.test_meeting_guide_import import FEED

SUMMARY = "Meetings (one per weekday): 17 created, 0 updated, 0 unchanged, 1 skipped."
SKIPPED = ("Skipped item 9 “Westside Closed Discussion” (slug westside-closed-discussion): "
           "The feed marks it inactive")


@pytest.fixture
def admin(app, make_org, make_user, auth):
    # Jobs wait on the queue until `work` runs them, as they wait for a worker.
    app.config["JOBS_IMMEDIATE"] = False
    org = make_org(slug="springfield", name="Springfield Intergroup")
    user = make_user(org, Role.ADMIN)
    auth.login(user)
    return org


def upload(client, org, data: bytes, name: str = "feed.json", **fields):
    return client.post(f"/admin/{org.slug}/imports/", data={
        "feed": (io.BytesIO(data), name), "timezone": org.timezone, "program": "aa",
        "program_map": "", **fields}, content_type="multipart/form-data")


def work(app) -> None:
    """Run the import jobs waiting, as a worker would (facilitator/jobs.py)."""
    jobs.run_pending(app)


def org_rows(session, org) -> tuple[int, int]:
    session.expire_all()
    groups = session.scalar(select(func.count()).select_from(Group)
                            .where(Group.organization_id == org.id))
    meetings = session.scalar(select(func.count()).select_from(Meeting).join(Meeting.group)
                              .where(Group.organization_id == org.id))
    return groups, meetings


def test_a_feed_is_checked_then_imported_with_the_summary_the_command_prints(
        app, client, session, admin):
    uploaded = upload(client, admin, FEED.read_bytes(), name="springfield.json")
    assert uploaded.status_code == 303
    page = client.get(uploaded.location)
    assert "Checking the file" in page_text(page)
    assert b'http-equiv="refresh"' in page.data

    work(app)
    checked = page_text(client.get(uploaded.location))
    assert "Dry run: nothing was saved." in checked
    assert SUMMARY in checked and SKIPPED in checked
    assert "What importing it would do" in checked
    assert org_rows(session, admin) == (0, 0)

    assert client.post(uploaded.location + "/import").status_code == 303
    assert "Importing" in page_text(client.get(uploaded.location))
    work(app)
    done = client.get(uploaded.location)
    text = page_text(done)
    assert "Status: Imported" in text and "What was imported" in text
    assert "Groups: 8 created, 0 unchanged." in text and SUMMARY in text and SKIPPED in text
    assert "Dry run" not in text and b'http-equiv="refresh"' not in done.data
    assert org_rows(session, admin) == (8, 17)
    # The uploaded file is not kept once it is imported; the summary is.
    run = session.scalars(select(ImportRun)).one()
    assert run.feed is None and run.summary
    # It cannot be imported twice from its page.
    client.post(uploaded.location + "/import")
    assert org_rows(session, admin) == (8, 17)
    assert "springfield.json" in page_text(client.get(f"/admin/{admin.slug}/imports/"))


def test_an_admin_reads_the_summary_and_progress_in_their_language(
        app, client, session, admin):
    spanish = {"Accept-Language": "es"}
    uploaded = upload(client, admin, FEED.read_bytes(), name="springfield.json")
    work(app)
    checked = page_text(client.get(uploaded.location, headers=spanish))
    assert "Simulación: no se guardó nada. Importar este feed haría lo siguiente:" in checked
    # A count after its word, so one reads as well as many ("omitidas: 1").
    assert ("Reuniones (una por día de la semana) creadas: 17; actualizadas: 0; sin cambios: "
            "0; omitidas: 1.") in checked
    assert ("Se omitió el elemento 9 “Westside Closed Discussion” (slug "
            "westside-closed-discussion): El feed la marca como inactiva") in checked
    assert "Dry run" not in checked and "Skipped" not in checked
    # The same run, read by an English-speaking admin.
    assert SUMMARY in page_text(client.get(uploaded.location))
    # How far a job got, its numbers as each language writes them.
    client.post(uploaded.location + "/import")
    run = session.scalars(select(ImportRun)).one()
    run.progress = Message(N_("Checked %(done)s of %(count)s meetings…"),
                           {"done": 3, "count": 12000}).stored()
    session.commit()
    assert "Se revisaron 3 de 12.000 reuniones…" in page_text(
        client.get(uploaded.location, headers=spanish))
    assert "Checked 3 of 12,000 meetings…" in page_text(client.get(uploaded.location))
    # A run summed up before summaries were stored as messages shows its English as it is.
    run.summary = ["Groups: 8 created, 0 unchanged."]
    session.commit()
    assert "Groups: 8 created, 0 unchanged." in page_text(
        client.get(uploaded.location, headers=spanish))


#: Files that are no Meeting Guide feed, and what their sender is told.
NO_FEEDS = [
    (b"<html>not a feed</html>", "The file is not valid JSON: Expecting value at line 1"),
    (b'{"name": "a meeting"}', "The file is JSON but not a Meeting Guide feed"),
    (b"[1, 2, 3]", "The file is JSON but lists no meetings"),
    (b"[]", "The feed lists no meetings."),
    (b"\xff\xfe[]", "The file is not UTF-8 text"),
]


def test_a_file_that_is_no_feed_is_refused_with_the_reason(client, session, admin,
                                                           monkeypatch):
    for data, message in NO_FEEDS:
        answer = upload(client, admin, data)
        assert answer.status_code == 200
        assert message in page_text(answer)
    answer = client.post(f"/admin/{admin.slug}/imports/", data={
        "timezone": admin.timezone, "program": "aa"}, content_type="multipart/form-data")
    assert "Choose a Meeting Guide JSON file." in page_text(answer)
    answer = upload(client, admin, FEED.read_bytes(), program_map="RD dharma")
    assert "Line 1 should read" in page_text(answer)
    monkeypatch.setattr(import_runs, "MAX_UPLOAD_BYTES", 100)
    assert "The file is larger than" in page_text(upload(client, admin, b" " * 101))
    assert session.scalar(select(func.count()).select_from(ImportRun)) == 0


def test_an_import_that_fails_saves_nothing_and_says_why(app, client, session, admin,
                                                         monkeypatch):
    uploaded = upload(client, admin, FEED.read_bytes())
    work(app)
    client.post(uploaded.location + "/import")
    copy = meeting_import._copy

    def fail_after_the_groups(connection, table, *args, **kwargs):
        copy(connection, table, *args, **kwargs)
        if table.name == "groups":
            raise RuntimeError("disk full")

    monkeypatch.setattr(meeting_import, "_copy", fail_after_the_groups)
    # Its last attempt, which the queue makes after the retries' delays: the error stays.
    monkeypatch.setattr(jobs, "last_attempt", lambda: True)
    work(app)
    text = page_text(client.get(uploaded.location))
    assert "Failed: nothing was saved" in text
    assert "The import failed and nothing was saved (RuntimeError: disk full)." in text
    assert "La importación falló y no se guardó nada (RuntimeError: disk full)." in page_text(
        client.get(uploaded.location, headers={"Accept-Language": "es"}))
    assert org_rows(session, admin) == (0, 0)
    assert session.scalars(select(ImportRun)).one().feed is None


def test_only_the_orgs_admins_reach_its_imports(app, client, auth, tenancy):
    a, b = tenancy["a"], tenancy["b"]
    auth.login(a["admin"])
    location = upload(client, a["org"], FEED.read_bytes()).location
    run_path = location.removeprefix("http://localhost")
    auth.logout()
    for person in (a["lead1"], b["admin"]):
        auth.login(person)
        assert client.get("/admin/org-a/imports/").status_code == 404
        assert client.get(run_path).status_code == 404
        assert client.post(run_path + "/import").status_code == 404
        assert client.post(run_path + "/discard").status_code == 404
        auth.logout()
    # Org B's admin, through their own org's address, finds no such import either.
    auth.login(b["admin"])
    assert client.get(run_path.replace("/org-a/", "/org-b/")).status_code == 404
    auth.logout()
    assert client.get("/admin/org-a/imports/").status_code == 302


def test_a_run_whose_worker_was_lost_is_queued_again_and_imported_once(
        app, client, session, admin):
    uploaded = upload(client, admin, FEED.read_bytes())
    work(app)
    client.post(uploaded.location + "/import")
    jobs.queue(app).flush()  # the worker took the job and was killed mid-way
    run = session.scalars(select(ImportRun)).one()
    run.progress = "Checked 3 of 17 meetings…"
    run.updated_at = clock.now() - import_runs.LOST_AFTER - timedelta(seconds=1)
    session.commit()
    with app.app_context():
        import_jobs.requeue_lost()
        import_jobs.requeue_lost()  # queued twice: the second finds nothing to do
    work(app)
    assert "Status: Imported" in page_text(client.get(uploaded.location))
    assert org_rows(session, admin) == (8, 17)
