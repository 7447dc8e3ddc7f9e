"""Training pages as leaders, admins and auditors use them: uploads, who may open an
evidence file, the matrix and its CSV read back, the reminder feed, other orgs' 404s."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
from icalendar import Calendar
from pypdf import PdfReader
from sqlalchemy import func
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from facilitator import clock
from facilitator import demo
from facilitator.domain.choices import Role
from facilitator.models import AuditEntry
from facilitator.models import TrainingRecord
from facilitator.services import training
from facilitator.services.training import RecordValues
from facilitator.services.training import Upload
from facilitator.views import audit as audit_views
from tests.conftest import counted_selects
from tests.conftest import page_text
from tests.test_training import heic_bytes
from tests.test_training import image_bytes
from tests.test_training import pdf_bytes

TODAY = date(2026, 11, 23)


@pytest.fixture(autouse=True)
def frozen_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "today_in", lambda _zone: TODAY)


@pytest.fixture
def world(app, tenancy, session, tmp_path):
    app.config["EVIDENCE_DIR"] = str(tmp_path)
    a, b = tenancy["a"], tenancy["b"]
    cpr = training.create_type(session, a["admin"], a["org"], name="CPR and first aid",
                               validity_months=24, required_roles=["facilitator"])
    mhfa = training.create_type(session, a["admin"], a["org"], name="Mental Health First Aid",
                                validity_months=36, required_roles=["facilitator"])
    b_cpr = training.create_type(session, b["admin"], b["org"], name="CPR",
                                 validity_months=24, required_roles=["facilitator"])
    record = training.add_record(
        session, a["lead1"], RecordValues(cpr.id, date(2025, 6, 1), provider="Red Cross"),
        upload=Upload("card.pdf", pdf_bytes()), evidence_dir=tmp_path)
    b_record = training.add_record(session, b["lead1"], RecordValues(b_cpr.id, date(2025, 6, 1)))
    session.commit()
    return {**a, "b": b, "cpr": cpr, "mhfa": mhfa, "record": record, "b_record": b_record,
            "dir": tmp_path}


def said(response) -> str:
    """The page's text, without the space page_text leaves where a tag ends before a
    comma ("Current</span>, not verified")."""
    return page_text(response).replace(" ,", ",")


def stored(session) -> tuple[int, int]:
    session.expire_all()
    return (session.scalar(select(func.count(TrainingRecord.id))),
            session.scalar(select(func.count(AuditEntry.id))))


def post_record(client, world, **overrides):
    data = {"training_type_id": str(world["mhfa"].id), "provider": "County health",
            "completed_on": "2024-01-15", "expires_on_override": "", "certificate_number": "",
            "hours": "", "notes": ""} | overrides
    return post_multipart(client, "/manage/training/new", data)


def post_multipart(client, url, data):
    """Post a form with files given as (bytes, name). Encoded in memory: the test
    client's own encoder spools large bodies to a temporary file it never closes."""
    data = {k: FileStorage(io.BytesIO(v[0]), filename=v[1]) if isinstance(v, tuple) else v
            for k, v in data.items()}
    boundary, body = encode_multipart(data)
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


# ---- the leader ---------------------------------------------------------------------------

def test_leader_records_with_evidence_and_sees_what_is_due(client, auth, world, session):
    auth.login(world["lead1"])
    response = post_record(client, world, evidence=(image_bytes("JPEG"), "c.jpg"))
    assert response.status_code == 302
    text = said(client.get("/manage/training/"))
    # MHFA done 2024-01-15 counts until 2027-01-15: 53 days, within 60. Nobody has
    # verified either record yet, and the org counts such records (the default).
    assert ("Mental Health First Aid Expiring soon, not verified 2027-01-15 (in 53 days)"
            in text)
    assert "CPR and first aid Current, not verified 2027-06-01" in text
    record = session.scalars(select(TrainingRecord).where(
        TrainingRecord.training_type_id == world["mhfa"].id)).one()
    assert record.evidence_type == "image/jpeg"


@pytest.mark.parametrize(("upload", "message"), [
    ((b"%PDF-1.4\nnot really", "fake.pdf"), "cannot be read as one"),
    ((b"MZ\x90\x00 an executable", "cert.pdf"), "Only PDF, PNG or JPEG"),
    (("png", "../../etc/cert.png"), "without a folder path"),
    (("big", "big.pdf"), "larger than 5 MB"),
])
def test_bad_uploads_refused_nothing_stored(client, auth, world, session, upload, message):
    data, name = upload
    if data == "png":
        data = image_bytes()
    elif data == "big":
        data = pdf_bytes() + b"%" * (5 * 1024 * 1024)
    before, files = stored(session), set(world["dir"].iterdir())
    auth.login(world["lead1"])
    response = post_record(client, world, evidence=(data, name))
    assert response.status_code == 200
    assert message in page_text(response)
    assert stored(session) == before
    assert set(world["dir"].iterdir()) == files


def test_a_phone_sized_file_gets_the_form_back_with_what_was_typed(
        client, auth, world, session):
    """7 MB is over the app's 6 MB request limit, but an evidence form reads it: the
    person learns the file is too large, and finds their other answers still there."""
    before, files = stored(session), set(world["dir"].iterdir())
    auth.login(world["lead1"])
    photo = image_bytes("JPEG") + b"\0" * (7 * 1024 * 1024)
    response = post_record(client, world, provider="Riverside Fire Department",
                           certificate_number="CPR-20931", notes="Evening class, 4 hours",
                           evidence=(photo, "IMG_0412.jpg"))
    assert response.status_code == 200
    text = page_text(response)
    assert "The file is larger than 5 MB" in text
    html = response.get_data(as_text=True)
    for kept in ("Riverside Fire Department", "CPR-20931", "Evening class, 4 hours",
                 "2024-01-15"):
        assert kept in html
    assert f'<option selected value="{world["mhfa"].id}">' in html
    assert stored(session) == before
    assert set(world["dir"].iterdir()) == files


def test_the_limit_is_stated_beside_the_file_field(client, auth, world):
    auth.login(world["lead1"])
    html = client.get("/manage/training/new").get_data(as_text=True)
    hint = html[html.index('id="evidence-hint"'):]
    assert "at most 5 MB" in hint[:400]
    assert 'aria-describedby="evidence-hint"' in html


def test_a_request_beyond_even_the_evidence_limit_is_sent_back_to_the_form(
        app, client, auth, world, session):
    app.config["EVIDENCE_MAX_CONTENT_LENGTH"] = 2 * 1024 * 1024
    before = stored(session)
    auth.login(world["lead1"])
    response = post_record(client, world, evidence=(b"%PDF-" + b"0" * (3 * 1024 * 1024),
                                                    "a.pdf"))
    assert response.status_code == 303
    assert response.location.endswith("/manage/training/new")
    text = page_text(client.get(response.location))
    assert "The file is larger than 5 MB" in text and "Nothing was saved" in text
    assert stored(session) == before


def test_other_forms_keep_the_smaller_request_limit(client, auth, world, session):
    auth.login(world["lead1"])
    body = (b"--x\r\nContent-Disposition: form-data; name=\"evidence\"; filename=\"a.pdf\""
            b"\r\n\r\n%PDF-" + b"0" * (7 * 1024 * 1024) + b"\r\n--x--\r\n")
    response = client.post("/account/password", data=body,
                           content_type="multipart/form-data; boundary=x")
    assert response.status_code == 413
    assert "too large" in page_text(response).lower()


def test_an_iphone_photo_is_kept_as_a_jpeg(client, auth, world, session):
    auth.login(world["lead1"])
    response = post_record(client, world, evidence=(heic_bytes(), "IMG_0413.HEIC"))
    assert response.status_code == 302
    record = session.scalars(select(TrainingRecord).where(
        TrainingRecord.training_type_id == world["mhfa"].id)).one()
    assert record.evidence_type == "image/jpeg"
    served = client.get(f"/manage/training/records/{record.id}/evidence")
    assert served.mimetype == "image/jpeg" and served.data.startswith(b"\xff\xd8\xff")
    assert 'filename=training-' in served.headers["Content-Disposition"]
    assert served.headers["Content-Disposition"].endswith(".jpg")


@pytest.mark.parametrize(("fields", "message"), [
    ({"completed_on": "2026-11-24"}, "in the future"),
    ({"expires_on_override": "2023-01-01"}, "before the completion date"),
    ({"hours": "-3"}, "between 0 and 500"),
    ({"hours": "1e9"}, "between 0 and 500"),
    ({"training_type_id": "999999"}, "Choose a training from the list"),
])
def test_bad_record_fields_refused(client, auth, world, session, fields, message):
    before = stored(session)
    auth.login(world["lead1"])
    response = post_record(client, world, **fields)
    assert response.status_code == 200
    assert message in page_text(response)
    assert stored(session) == before


def test_another_orgs_type_cannot_be_chosen(client, auth, world, session):
    before = stored(session)
    auth.login(world["lead1"])
    b_type = training.types_of(session, world["b"]["org"])[0]
    response = post_record(client, world, training_type_id=str(b_type.id))
    assert "Choose a training from the list" in page_text(response)
    assert stored(session) == before


def test_leader_changes_and_soft_deletes_own_record(client, auth, world, session):
    auth.login(world["lead1"])
    record_id = world["record"].id
    response = client.post(f"/manage/training/records/{record_id}/delete")
    assert response.status_code == 302
    session.expire_all()
    assert session.get(TrainingRecord, record_id).deleted_at is not None
    assert "No training recorded yet" in page_text(client.get("/manage/training/"))


# ---- who may see and change what ------------------------------------------------------------

def test_evidence_served_only_to_leader_admins_auditors(client, auth, world):
    url = f"/manage/training/records/{world['record'].id}/evidence"
    assert client.get(url).status_code == 302  # to the sign-in page
    for person in (world["lead1"], world["admin"], world["auditor"]):
        auth.login(person)
        response = client.get(url)
        assert response.status_code == 200, person.display_name
        assert response.data == pdf_bytes()
        assert response.mimetype == "application/pdf"
        assert response.headers["Cache-Control"] == "private, no-store"
        auth.logout()
    for person in (world["lead2"], world["b"]["admin"], world["b"]["auditor"]):
        auth.login(person)
        assert client.get(url).status_code == 404, person.display_name
        auth.logout()


def test_nobody_edits_another_leaders_record(client, auth, world, session):
    record = world["record"]
    before = stored(session)
    for person in (world["lead2"], world["admin"], world["auditor"], world["b"]["admin"]):
        auth.login(person)
        edit = client.post(f"/manage/training/records/{record.id}",
                           data={"training_type_id": str(world["cpr"].id),
                                 "completed_on": "2020-01-01"})
        assert edit.status_code == 404
        assert client.post(f"/manage/training/records/{record.id}/delete").status_code == 404
        auth.logout()
    assert stored(session) == before


def test_auditor_cannot_define_types_or_reach_another_org(client, auth, world):
    auth.login(world["auditor"])
    assert client.get("/admin/org-a/training-types/").status_code == 404
    assert client.post("/admin/org-a/training-types/new", data={"name": "X"}).status_code == 404
    assert client.get("/audit/org-b/training/").status_code == 404
    assert client.get("/audit/org-b/training.csv").status_code == 404
    b_lead = world["b"]["lead1"].id
    assert client.get(f"/audit/org-a/training/people/{b_lead}").status_code == 404
    b_record = world["b_record"].id
    assert client.post(f"/audit/org-a/training/records/{b_record}/verify").status_code == 404
    assert client.post(f"/audit/org-b/training/records/{b_record}/verify").status_code == 404


def test_leader_without_audit_role_gets_404_on_matrix(client, auth, world):
    auth.login(world["lead1"])
    assert client.get("/audit/org-a/training/").status_code == 404


def test_auditor_verifies_and_history_shows_it(client, auth, world, session):
    auth.login(world["auditor"])
    url = f"/audit/org-a/training/records/{world['record'].id}/verify"
    assert client.post(url).status_code == 302
    session.expire_all()
    record = session.get(TrainingRecord, world["record"].id)
    assert record.verified_by_id == world["auditor"].id
    text = page_text(client.get(f"/audit/org-a/training/people/{world['lead1'].id}"))
    assert f"By {world['auditor'].display_name}" in text
    lead = world["lead1"].display_name
    assert f"Changed Training record CPR and first aid of {lead} verified" in text
    assert f"Added Training record CPR and first aid of {lead}" in text


def test_admin_defines_a_type_and_bad_values_are_refused(client, auth, world, session):
    auth.login(world["admin"])
    response = client.post("/admin/org-a/training-types/new", data={
        "name": "Naloxone", "validity_months": "24", "required_roles": ["facilitator"]})
    assert response.status_code == 302
    assert [k.name for k in training.types_of(session, world["org"])].count("Naloxone") == 1
    for data in ({"name": "CPR and first aid"}, {"name": "X", "validity_months": "9999"},
                 {"name": "X", "required_roles": ["auditor"]}, {"name": ""}):
        before = stored(session)
        response = client.post("/admin/org-a/training-types/new", data=data)
        assert response.status_code == 200, data
        assert stored(session) == before


def test_expiry_warning_days_setting(client, auth, world, session):
    auth.login(world["admin"])
    form = {"name": "Org A", "timezone": "America/Chicago", "contact": "",
            "small_count_threshold": "5", "expiry_warning_days": "400",
            "listing_reminder_days": "90", "listing_out_of_date_days": "90"}
    assert "between 0 and 365" in page_text(client.post("/admin/org-a/settings", data=form))
    form["expiry_warning_days"] = ""
    assert client.post("/admin/org-a/settings", data=form).status_code == 200
    form["expiry_warning_days"] = "250"
    assert client.post("/admin/org-a/settings", data=form).status_code == 302
    session.expire_all()
    assert world["org"].expiry_warning_days == 250


# ---- the matrix and its export ------------------------------------------------------------

def test_matrix_says_status_in_words_and_filters(client, auth, world):
    auth.login(world["auditor"])
    text = page_text(client.get("/audit/org-a/training/"))
    lead1, lead2 = world["lead1"].display_name, world["lead2"].display_name
    assert "Current until 2027-06-01" in text and "Missing" in text
    assert lead1 in text and lead2 in text
    assert world["b"]["lead1"].display_name not in text
    assert "Leader agreement" not in text  # the documents issue is not here yet
    only_missing = page_text(client.get(
        f"/audit/org-a/training/?status=missing&requirement={world['cpr'].id}"))
    assert lead2 in only_missing and lead1 not in only_missing
    by_group = page_text(client.get("/audit/org-a/training/?group=a-one"))
    assert lead1 in by_group and lead2 not in by_group
    for junk in ("?status=nope", "?requirement=abc", "?requirement=99999999999999999999",
                 "?group=%00", "?requirement=%C2%B2", "?status=%FF",
                 f"?requirement={world['b_record'].training_type_id}"):
        assert client.get("/audit/org-a/training/" + junk).status_code in (200, 400)
        assert client.get("/audit/org-a/training.csv" + junk).status_code in (200, 400)


def test_csv_export_parses_back_and_is_formula_safe(client, auth, world, session):
    world["lead2"].display_name = "=HYPERLINK(\"http://x\")"
    session.commit()
    auth.login(world["admin"])
    response = client.get("/audit/org-a/training.csv?status=missing")
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert {r["Status"] for r in rows} == {"Missing"}
    leaders = {r["Leader"] for r in rows}
    assert "'=HYPERLINK(\"http://x\")" in leaders
    full = list(csv.DictReader(io.StringIO(
        client.get("/audit/org-a/training.csv").get_data(as_text=True))))
    cpr = next(r for r in full if r["Leader"] == world["lead1"].display_name
               and r["Requirement"] == "CPR and first aid")
    # Nobody has verified the record yet; by default it counts, and says so.
    assert cpr["Status"] == "Current, not verified" and cpr["Counts until"] == "2027-06-01"


def test_signature_column_appears_when_the_hook_answers(client, auth, world, monkeypatch):
    monkeypatch.setattr(training, "signature_status",
                        lambda _session, _org: {world["lead1"].id: True,
                                                world["lead2"].id: "outdated_version"})
    auth.login(world["auditor"])
    text = page_text(client.get("/audit/org-a/training/"))
    assert "Leader agreement" in text and "Signed" in text and "Not signed" in text
    assert "Outdated version" in text
    rows = list(csv.DictReader(io.StringIO(
        client.get("/audit/org-a/training.csv").get_data(as_text=True))))
    assert {r["Leader agreement"] for r in rows} == {"Signed", "Outdated version"}


# ---- the reminder feed --------------------------------------------------------------------

def test_reminder_feed_link_rotates_and_only_the_hash_is_kept(client, auth, world, session):
    auth.login(world["lead1"])
    page = client.post("/manage/training/feed-link")
    assert page.headers["Cache-Control"] == "private, no-store"
    link = page.get_data(as_text=True).split("/training-feeds/")[1].split(".ics")[0]
    assert len(link) >= 22  # 128 bits and more, URL-safe base64
    session.expire_all()
    user = session.get(type(world["lead1"]), world["lead1"].id)
    assert user.training_feed_token_hash and link not in user.training_feed_token_hash
    client.get("/logout")
    feed = client.get(f"/training-feeds/{link}.ics")
    assert feed.status_code == 200
    events = Calendar.from_ical(feed.data).walk("VEVENT")
    assert [(str(e["SUMMARY"]), e["DTSTART"].dt) for e in events] == [
        ("CPR and first aid expires", date(2027, 6, 1))]
    auth.login(world["lead1"])
    client.post("/manage/training/feed-link")
    assert client.get(f"/training-feeds/{link}.ics").status_code == 404
    assert client.get("/training-feeds/not-a-token.ics").status_code == 404


def test_reminder_feed_from_a_spanish_page_speaks_spanish(client, auth, world):
    auth.login(world["lead1"])
    page = client.post("/manage/training/feed-link", headers={"Accept-Language": "es"})
    link = re.search(r'value="(http://[^"]+/training-feeds/[^"]+)"', page.text).group(1)
    assert link.endswith(".ics?lang=es")
    client.get("/logout")
    spanish = client.get(link.removeprefix("http://facilitator.test"))
    calendar = Calendar.from_ical(spanish.data)
    assert calendar.calendar_name == (
        f"Recordatorios de capacitación de {world['lead1'].display_name}")
    assert calendar.description == "Cuándo vencen sus capacitaciones"
    (event,) = calendar.walk("VEVENT")
    assert str(event["SUMMARY"]) == "CPR and first aid vence"
    assert str(event["DESCRIPTION"]).startswith("El último día en que cuenta su CPR and first aid.")
    english = client.get(link.removeprefix("http://facilitator.test").removesuffix("?lang=es"))
    assert english.headers["ETag"] != spanish.headers["ETag"]
    assert [str(e["SUMMARY"]) for e in Calendar.from_ical(english.data).walk("VEVENT")] == [
        "CPR and first aid expires"]


def test_replacing_evidence_removes_the_old_file_after_the_commit(client, auth, world, session):
    record = world["record"]
    old = world["dir"] / record.evidence_file
    assert old.exists()
    auth.login(world["lead1"])
    data = {"training_type_id": str(world["cpr"].id), "provider": "Red Cross",
            "completed_on": "2025-06-01", "expires_on_override": "", "certificate_number": "A1",
            "hours": "", "notes": "", "evidence": (image_bytes(), "scan.png")}
    response = post_multipart(client, f"/manage/training/records/{record.id}", data)
    assert response.status_code == 302
    session.expire_all()
    record = session.get(TrainingRecord, record.id)
    assert record.evidence_type == "image/png" and record.certificate_number == "A1"
    assert not old.exists()
    assert [p.name for p in world["dir"].iterdir()] == [record.evidence_file]


def test_evidence_is_kept_outside_the_static_folder(app):
    from pathlib import Path

    from facilitator.config import defaults

    folder = Path(defaults(app.instance_path)["EVIDENCE_DIR"]).resolve()
    static = Path(app.static_folder).resolve()
    assert static not in folder.parents and folder != static


def test_the_matrix_shows_each_leaders_standing_with_the_leader_agreement(client, auth,
                                                                        session):
    demo.load_demo(session)
    session.commit()
    auth.login("auditor@demo.example", demo.PASSWORD)
    text = page_text(client.get("/audit/demo/training/"))
    assert "Leader agreement" in text
    for standing in ("Signed", "Signed an older version", "Not signed"):
        assert standing in text
    rows = list(csv.reader(io.StringIO(client.get("/audit/demo/training.csv").text)))
    assert rows[0][-1] == "Leader agreement"
    assert {row[-1] for row in rows[1:]} >= {"Signed", "Signed an older version", "Not signed"}


# ---- records nobody has verified yet ------------------------------------------------------

def pdf_text(body: bytes) -> str:
    reader = PdfReader(io.BytesIO(body))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def cpr_status(client, world) -> str:
    rows = csv.DictReader(io.StringIO(client.get("/audit/org-a/training.csv").text))
    return next(r["Status"] for r in rows if r["Leader"] == world["lead1"].display_name
                and r["Requirement"] == "CPR and first aid")


@pytest.mark.parametrize(("counts", "matrix", "own", "csv_status", "printed"), [
    (True, "Current until 2027-06-01, not verified",
     "CPR and first aid Current, not verified 2027-06-01 (in 190 days)",
     "Current, not verified", "CURRENT until 2027-06-01, not verified"),
    (False, "Missing, a record awaits verification",
     "CPR and first aid Missing, a record awaits verification Once verified",
     "Missing, a record awaits verification", "MISSING, a record awaits verification"),
])
def test_an_unverified_record_says_so_everywhere_and_counts_as_the_org_chose(
        client, auth, world, session, counts, matrix, own, csv_status, printed):
    world["org"].unverified_training_counts = counts
    session.commit()
    auth.login(world["lead1"])
    assert own in said(client.get("/manage/training/"))
    auth.logout()
    auth.login(world["auditor"])
    assert matrix in said(client.get("/audit/org-a/training/"))
    assert cpr_status(client, world) == csv_status
    assert printed in pdf_text(client.get("/audit/org-a/training.pdf").data)
    person = f"/audit/org-a/training/people/{world['lead1'].id}"
    assert f"CPR and first aid: {matrix}" in said(client.get(person))
    # Only what counts is filtered on: a leader waiting for verification is missing.
    missing = said(client.get(
        f"/audit/org-a/training/?status=missing&requirement={world['cpr'].id}"))
    assert (world["lead1"].display_name in missing) is not counts

    # Once verified, the record counts either way and nothing more is said.
    assert client.post(f"/audit/org-a/training/records/{world['record'].id}/verify"
                       ).status_code == 302
    assert "CPR and first aid: Current until 2027-06-01 Records" in said(client.get(person))
    assert cpr_status(client, world) == "Current"
    text = pdf_text(client.get("/audit/org-a/training.pdf").data)
    assert "CURRENT until 2027-06-01 MISSING" in text
    auth.logout()
    auth.login(world["lead1"])
    assert "CPR and first aid Current 2027-06-01" in said(client.get("/manage/training/"))


def test_the_admin_chooses_whether_unverified_records_count(client, auth, world, session):
    auth.login(world["admin"])
    page = client.get("/admin/org-a/settings")
    box = re.search(r'<input[^>]*name="unverified_training_counts"[^>]*>', page.text).group()
    assert "checked" in box  # today's behaviour by default
    assert "Training records nobody has verified yet count" in said(page)
    form = {"name": "Org A", "timezone": "America/Chicago", "contact": "",
            "small_count_threshold": "5", "expiry_warning_days": "60",
            "listing_reminder_days": "90", "listing_out_of_date_days": "90"}
    assert client.post("/admin/org-a/settings", data=form).status_code == 302  # unticked
    session.expire_all()
    assert world["org"].unverified_training_counts is False
    entry = session.scalars(select(AuditEntry).where(AuditEntry.entity_type == "organization")
                            .order_by(AuditEntry.id.desc())).first()
    assert entry.after == {"unverified_training_counts": False}
    assert "Only verified records count" in said(client.get("/audit/org-a/training/"))
    form["unverified_training_counts"] = "y"
    assert client.post("/admin/org-a/settings", data=form).status_code == 302
    session.expire_all()
    assert world["org"].unverified_training_counts is True


def _leaders(session, make_user, make_group, org, kind, count: int) -> None:
    """`count` facilitators, each leading a group of their own, each with a record."""
    for _ in range(count):
        lead = make_user(org, Role.FACILITATOR)
        make_group(org, facilitators=[lead])
        training.add_record(session, lead, RecordValues(kind.id, date(2025, 6, 1)))
    session.commit()


def test_the_matrix_of_more_leaders_takes_no_more_queries(app, client, auth, session,
                                                          make_org, make_user, make_group):
    """The auditor's matrix asks the database the same number of questions for 2
    leaders and for 10 (it once asked two per leader: thousands for a big intergroup),
    and still names each leader's groups."""
    counts = []
    for leaders in (2, 10):
        org = make_org()
        kind = training.create_type(session, None, org, name="CPR", validity_months=24,
                                    required_roles=["facilitator"])
        _leaders(session, make_user, make_group, org, kind, leaders)
        auth.login(make_user(org, Role.AUDITOR))
        with counted_selects(app) as selects:
            text = said(client.get(f"/audit/{org.slug}/training/"))
        assert text.count("Current until 2027-06-01") == leaders
        assert text.count("Group ") >= leaders
        counts.append(len(selects))
        auth.logout()
    assert counts[1] == counts[0]


def test_a_matrix_of_many_leaders_comes_in_pages_and_its_csv_holds_everyone(
        client, auth, session, make_org, make_user, make_group, monkeypatch):
    monkeypatch.setattr(audit_views, "MATRIX_PAGE_SIZE", 3)
    org = make_org()
    kind = training.create_type(session, None, org, name="CPR", validity_months=24,
                                required_roles=["facilitator"])
    _leaders(session, make_user, make_group, org, kind, 7)
    auth.login(make_user(org, Role.AUDITOR))
    first = said(client.get(f"/audit/{org.slug}/training/?status=current"))
    assert first.count("Current until") == 3
    assert "Leaders 1–3 of 7." in first
    html = client.get(f"/audit/{org.slug}/training/?status=current").get_data(as_text=True)
    assert "page=2" in html and "status=current" in html
    last = said(client.get(f"/audit/{org.slug}/training/?status=current&page=3"))
    assert last.count("Current until") == 1
    assert "Leaders 7–7 of 7." in last
    assert "Next leaders" not in last
    # A page past the end shows the last one, not an empty table.
    assert said(client.get(f"/audit/{org.slug}/training/?page=99")).count("Current until") == 1
    rows = list(csv.reader(io.StringIO(client.get(f"/audit/{org.slug}/training.csv").text)))
    assert len(rows) == 1 + 7
