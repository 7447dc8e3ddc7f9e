"""Training types and records through the service: the rules a leader, an admin and an
auditor meet, evidence files checked by content, and nothing stored when refused."""

from __future__ import annotations

import io
from datetime import date
from datetime import timedelta

import pillow_heif
import pytest
from PIL import Image
from pypdf import PdfWriter
from sqlalchemy import func
from sqlalchemy import select

from facilitator import clock
from facilitator.domain import evidence
from facilitator.domain.compliance import Status
from facilitator.models import AuditEntry
from facilitator.models import TrainingRecord
from facilitator.services import ServiceError
from facilitator.services import training
from facilitator.services.training import RecordValues
from facilitator.services.training import Upload

TODAY = date(2026, 11, 23)


@pytest.fixture(autouse=True)
def frozen_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "today_in", lambda _zone: TODAY)


def pdf_bytes() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def image_bytes(kind: str = "PNG", size: tuple[int, int] = (20, 10)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "white").save(out, kind)
    return out.getvalue()


def heic_bytes(size: tuple[int, int] = (64, 48), orientation: int | None = None) -> bytes:
    """A real HEIC file, as an iPhone's camera makes: HEVC-coded, in an ISO media file,
    with the place it was taken in its EXIF, and how the camera was held if given."""
    image = Image.new("RGB", size, "white")
    image.paste((200, 30, 30), (0, 0, size[0] // 2, size[1] // 2))  # red top-left corner
    exif = Image.Exif()
    exif[0x010F] = "Apple"  # Make
    exif[0x8825] = {1: "N", 2: (41.0, 50.0, 6.0)}  # GPSInfo: where it was taken
    if orientation:
        exif[0x0112] = orientation
    out = io.BytesIO()
    pillow_heif.from_pillow(image).save(out, quality=90, exif=exif.tobytes())
    return out.getvalue()


# ---- evidence files, by content ---------------------------------------------------------

def test_evidence_known_by_content() -> None:
    assert evidence.media_type(pdf_bytes()) == evidence.PDF
    assert evidence.media_type(image_bytes("PNG")) == evidence.PNG
    assert evidence.media_type(image_bytes("JPEG")) == evidence.JPEG


@pytest.mark.parametrize(("data", "words"), [
    (b"", "empty"),
    (b"%PDF-1.7\nthis is not really a pdf", "cannot be read"),
    (b"\x89PNG\r\n\x1a\n" + b"garbage" * 10, "cannot be read"),
    (b"GIF89a" + b"\x00" * 20, "Only PDF, PNG or JPEG files"),
    (b"<html><script>alert(1)</script></html>", "Only PDF, PNG or JPEG files"),
])
def test_evidence_refused(data: bytes, words: str) -> None:
    with pytest.raises(evidence.EvidenceProblem, match=words):
        evidence.media_type(data)


def test_evidence_truncated_png_refused() -> None:
    data = image_bytes("PNG", (300, 300))
    with pytest.raises(evidence.EvidenceProblem):
        evidence.media_type(data[: len(data) // 2])


def test_an_iphone_photo_becomes_a_jpeg_without_its_metadata() -> None:
    data = heic_bytes()
    assert data[4:12] == b"ftypheic"
    kept, media = evidence.accept(data)
    assert media == evidence.JPEG and kept.startswith(b"\xff\xd8\xff")
    assert evidence.media_type(kept) == evidence.JPEG  # as good as any JPEG uploaded
    with Image.open(io.BytesIO(kept)) as photo:
        assert photo.size == (64, 48)
        assert not photo.getexif()  # neither the phone nor the place it was taken
        red, _, _ = photo.convert("RGB").getpixel((5, 5))
        assert red > 150


def test_an_iphone_photo_taken_sideways_is_turned_upright() -> None:
    # Orientation 6: the camera was turned a quarter clockwise; shown, it is portrait.
    kept, _ = evidence.accept(heic_bytes((64, 48), orientation=6))
    with Image.open(io.BytesIO(kept)) as photo:
        assert photo.size == (48, 64)


def test_a_large_iphone_photo_is_kept_at_a_readable_size() -> None:
    kept, _ = evidence.accept(heic_bytes((4032, 3024)))
    with Image.open(io.BytesIO(kept)) as photo:
        assert max(photo.size) == evidence.LONG_SIDE
    assert len(kept) < evidence.MAX_BYTES


@pytest.mark.parametrize("broken", ["header only", "cut short"])
def test_a_broken_iphone_photo_says_how_to_send_one_that_works(broken: str) -> None:
    data = (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 40
            if broken == "header only" else heic_bytes()[:200])
    with pytest.raises(evidence.EvidenceProblem, match="as a JPEG.*as a PDF"):
        evidence.accept(data)


def test_other_formats_are_told_how_to_send_a_pdf_or_jpeg() -> None:
    with pytest.raises(evidence.EvidenceProblem, match="Save or export the file as a PDF or "
                                                       "a JPEG"):
        evidence.accept(b"GIF89a" + b"\x00" * 20)


def test_evidence_over_5_mb_refused() -> None:
    data = pdf_bytes()
    data += b"%" * (evidence.MAX_BYTES + 1 - len(data))
    with pytest.raises(evidence.EvidenceProblem, match="5 MB"):
        evidence.media_type(data)


@pytest.mark.parametrize("name", ["../../etc/passwd.pdf", "a/b.pdf", "C:\\x\\y.pdf", "..pdf"])
def test_evidence_name_with_path_refused(name: str) -> None:
    with pytest.raises(evidence.EvidenceProblem, match="folder path"):
        evidence.check_file_name(name)


# ---- types and records --------------------------------------------------------------------

@pytest.fixture
def world(tenancy, session):
    org = tenancy["a"]["org"]
    cpr = training.create_type(session, tenancy["a"]["admin"], org, name="CPR",
                               validity_months=24, required_roles=["facilitator"])
    peer = training.create_type(session, tenancy["a"]["admin"], org, name="Peer credential",
                                validity_months=24, required_hours=20,
                                required_roles=["facilitator"])
    other = training.create_type(session, None, tenancy["b"]["org"], name="CPR",
                                 validity_months=24, required_roles=["facilitator"])
    session.commit()
    return {**tenancy["a"], "cpr": cpr, "peer": peer, "other_org_type": other, "b": tenancy["b"]}


def counts(session) -> tuple[int, int]:
    session.expire_all()
    return (session.scalar(select(func.count(TrainingRecord.id))),
            session.scalar(select(func.count(AuditEntry.id))))


def test_leader_records_training_and_it_is_audited(world, session, tmp_path) -> None:
    lead = world["lead1"]
    record = training.add_record(
        session, lead, RecordValues(world["cpr"].id, date(2025, 1, 10), provider="Red Cross"),
        upload=Upload("card.png", image_bytes()), evidence_dir=tmp_path)
    session.commit()
    assert record.evidence_type == evidence.PNG
    stored = training.evidence_path(tmp_path, record)
    assert stored is not None and stored.read_bytes() == image_bytes()
    assert "card" not in stored.name  # our own name, never the uploaded one
    assert oct(stored.stat().st_mode & 0o777) == "0o600"
    entry = session.scalars(select(AuditEntry).where(
        AuditEntry.entity_type == "trainingrecord")).one()
    assert entry.action == "create" and entry.after["provider"] == "Red Cross"


@pytest.mark.parametrize(("values", "field"), [
    (lambda w: RecordValues(w["cpr"].id, TODAY + timedelta(days=1)), "completed_on"),
    (lambda w: RecordValues(w["cpr"].id, date(2025, 1, 1),
                            expires_on_override=date(2024, 12, 31)), "expires_on_override"),
    (lambda w: RecordValues(w["cpr"].id, date(2025, 1, 1),
                            expires_on_override=date(9999, 12, 31)), "expires_on_override"),
    (lambda w: RecordValues(999_999, date(2025, 1, 1)), "training_type_id"),
    (lambda w: RecordValues(w["other_org_type"].id, date(2025, 1, 1)), "training_type_id"),
    (lambda w: RecordValues(w["cpr"].id, date(2025, 1, 1), hours=-1), "hours"),
    (lambda w: RecordValues(w["cpr"].id, date(2025, 1, 1), hours=10_000), "hours"),
    (lambda w: RecordValues(w["peer"].id, date(2025, 1, 1)), "hours"),
    (lambda w: RecordValues(w["cpr"].id, date(2025, 1, 1), provider="x" * 201), "provider"),
])
def test_bad_record_refused_nothing_stored(world, session, tmp_path, values, field) -> None:
    before = counts(session)
    with pytest.raises(ServiceError) as refused:
        training.add_record(session, world["lead1"], values(world), evidence_dir=tmp_path)
    session.rollback()
    assert refused.value.field == field
    assert counts(session) == before


@pytest.mark.parametrize(("upload", "words"), [
    (Upload("card.pdf", b"%PDF-1.4 not a pdf at all"), "cannot be read"),
    (Upload("card.pdf", b"hello"), "Only PDF"),
    (Upload("../card.png", image_bytes()), "folder path"),
])
def test_bad_evidence_refused_nothing_stored(world, session, tmp_path, upload, words) -> None:
    before = counts(session)
    with pytest.raises(ServiceError, match=words):
        training.add_record(session, world["lead1"], RecordValues(world["cpr"].id,
                                                                 date(2025, 1, 1)),
                            upload=upload, evidence_dir=tmp_path)
    session.rollback()
    assert counts(session) == before
    assert not list(tmp_path.iterdir())


def test_only_the_leader_changes_a_record_and_change_clears_verification(world, session) -> None:
    record = training.add_record(session, world["lead1"],
                                 RecordValues(world["cpr"].id, date(2025, 1, 10)))
    training.verify_record(session, world["auditor"], record)
    assert record.verified_by_id == world["auditor"].id
    for stranger in (world["lead2"], world["admin"], world["auditor"]):
        with pytest.raises(ServiceError):
            training.update_record(session, stranger, record,
                                   RecordValues(world["cpr"].id, date(2025, 2, 1)))
        with pytest.raises(ServiceError):
            training.delete_record(session, stranger, record)
    training.update_record(session, world["lead1"], record,
                           RecordValues(world["cpr"].id, date(2025, 2, 1)))
    assert record.verified_at is None


def test_verify_rules(world, session) -> None:
    record = training.add_record(session, world["lead1"],
                                 RecordValues(world["cpr"].id, date(2025, 1, 10)))
    with pytest.raises(ServiceError, match="admins and auditors"):
        training.verify_record(session, world["lead2"], record)
    with pytest.raises(ServiceError, match="admins and auditors"):
        training.verify_record(session, world["b"]["admin"], record)
    training.verify_record(session, world["admin"], record)
    assert record.verified_at is not None


def test_soft_delete_keeps_record_and_audit(world, session) -> None:
    record = training.add_record(session, world["lead1"],
                                 RecordValues(world["cpr"].id, date(2025, 1, 10)))
    training.delete_record(session, world["lead1"], record)
    session.commit()
    assert training.records_of(session, world["lead1"]) == []
    assert training.records_of(session, world["lead1"], with_deleted=True) == [record]
    history = training.history(session, world["org"], world["lead1"], "en")
    assert [line.action for line in history] == ["Removed", "Added"]


def test_type_name_unique_per_org_and_roles_checked(world, session) -> None:
    with pytest.raises(ServiceError, match="already"):
        training.create_type(session, world["admin"], world["org"], name="cpr")
    with pytest.raises(ServiceError):
        training.create_type(session, world["admin"], world["org"], name="X",
                             required_roles=["auditor"])


def test_compliance_matrix_and_filters(world, session, make_user) -> None:
    training.add_record(session, world["lead1"], RecordValues(world["cpr"].id,
                                                              date(2025, 6, 10)))
    training.add_record(session, world["lead2"], RecordValues(world["cpr"].id,
                                                              date(2024, 12, 1)))
    session.commit()
    matrix = training.compliance(session, world["org"], TODAY)
    by_name = {row.leader.name: row for row in matrix.rows}
    cpr = world["cpr"].id
    assert by_name[world["lead1"].display_name].cells[cpr].status is Status.CURRENT
    assert by_name[world["lead2"].display_name].cells[cpr].status is Status.EXPIRING
    assert world["auditor"].display_name not in by_name
    assert not matrix.show_signatures
    expiring = training.compliance(session, world["org"], TODAY, status=Status.EXPIRING,
                                   requirement=world["cpr"])
    assert [r.leader.name for r in expiring.rows] == [world["lead2"].display_name]
    in_group = training.compliance(session, world["org"], TODAY, group=world["group1"])
    assert [r.leader.name for r in in_group.rows] == [world["lead1"].display_name]
    # the other org's leaders never appear
    other = training.compliance(session, world["b"]["org"], TODAY)
    assert {r.leader.name for r in other.rows}.isdisjoint(by_name)


def test_expiry_warning_days_setting(world, session) -> None:
    training.add_record(session, world["lead1"], RecordValues(world["cpr"].id,
                                                              date(2025, 1, 10)))
    session.commit()
    assert world["org"].expiry_warning_days == 60  # the default
    cpr = world["cpr"].id
    def row():
        rows = training.compliance(session, world["org"], TODAY).rows
        return next(r for r in rows if r.leader.id == world["lead1"].id)

    assert row().cells[cpr].status is Status.EXPIRING  # due 2027-01-10: 48 days away
    assert row().cells[cpr].due == date(2027, 1, 10)
    world["org"].expiry_warning_days = 30
    assert row().cells[cpr].status is Status.CURRENT


def test_signature_hook_is_empty_until_documents(world, session) -> None:
    assert training.signature_status(session, world["org"]) == {}



def test_demo_org_leaders_cover_every_status(session) -> None:
    from facilitator import demo

    org = demo.load_demo(session, today=TODAY)
    session.commit()
    matrix = training.compliance(session, org, TODAY)
    statuses = {cell.status for row in matrix.rows for cell in row.cells.values() if cell}
    assert statuses == set(Status)
    assert len(matrix.requirements) == 5  # the continuing-education hours are optional
    verified = session.scalars(select(TrainingRecord).where(
        TrainingRecord.verified_at.is_not(None))).all()
    assert verified


def test_reminder_feed_is_stable_and_read_by_two_parsers() -> None:
    from datetime import UTC
    from datetime import datetime

    import vobject
    from icalendar import Calendar

    from facilitator.domain.ical import FeedCalendar
    from facilitator.domain.reminder_ical import DateEvent
    from facilitator.domain.reminder_ical import build_date_feed

    event = DateEvent(uid="training-1-2@facilitator", summary="CPR; first aid, expires",
                      day=date(2027, 2, 28), last_modified=datetime(2026, 1, 1, tzinfo=UTC),
                      description="Line one\nline two", url="https://example.org/manage/")
    calendar = FeedCalendar(name="Training reminders", url="https://example.org/manage/")
    data = build_date_feed(calendar, [event])
    assert data == build_date_feed(calendar, [event])
    parsed = Calendar.from_ical(data).walk("VEVENT")[0]
    assert str(parsed["SUMMARY"]) == "CPR; first aid, expires"
    assert parsed["DTSTART"].dt == date(2027, 2, 28)
    assert parsed.walk("VALARM")[0]["TRIGGER"].dt == -timedelta(days=30)
    again = vobject.readOne(data.decode())
    assert again.vevent.summary.value == "CPR; first aid, expires"
    assert again.vevent.description.value == "Line one\nline two"
