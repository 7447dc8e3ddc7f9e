"""The printed training matrix (and the org's other printed reports) fit the paper: every
column on the page, inside its right margin, whatever the number of training types; no
row split across two pages; every leader, type and status there in words."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select

from facilitator import clock
from facilitator import demo
from facilitator import pdf
from facilitator.domain.choices import Role
from facilitator.handouts import even_parts
from facilitator.models import Organization
from facilitator.models import TrainingRecord
from facilitator.services import training
from tests.test_handouts import page_images

# What a PDF looks like does not depend on the database: these run on one backend.
pytestmark = pytest.mark.one_database

TODAY = date(2026, 11, 23)
DPI = 50
PAPER_WIDTH_MM = {"letter": 215.9, "a4": 210.0}


@pytest.fixture(autouse=True)
def frozen_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "today_in", lambda _zone: TODAY)


def page_texts(body: bytes) -> list[str]:
    """Each page's text, spaces collapsed."""
    return [re.sub(r"\s+", " ", page.extract_text())
            for page in PdfReader(io.BytesIO(body)).pages]


def ink_past_right_margin(image: Image.Image, paper: pdf.Paper) -> list[int]:
    """The rows of pixels with anything drawn right of the page's right margin (a pixel
    of tolerance for anti-aliasing)."""
    width = PAPER_WIDTH_MM[paper.size]
    margin = float(paper.margin.removesuffix("mm"))
    scale = image.width / width
    edge = round((width - margin) * scale) + 2
    ink = image.crop((edge, 0, image.width, image.height)).point(
        lambda grey: 255 if grey < 200 else 0)
    # Each row squeezed to one pixel, the mean of its own: not black where any was ink.
    rows = ink.resize((1, ink.height), Image.Resampling.BOX)
    return [y for y in range(rows.height) if rows.getpixel((0, y))]


def assert_fits(body: bytes, paper: pdf.Paper) -> None:
    for number, image in enumerate(page_images(body, DPI), start=1):
        assert ink_past_right_margin(image, paper) == [], f"page {number}"


def test_columns_are_split_into_even_runs() -> None:
    assert even_parts(list(range(6)), 4) == [[0, 1, 2], [3, 4, 5]]
    assert even_parts(list(range(12)), 4) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]]
    assert even_parts(list(range(3)), 4) == [[0, 1, 2]]
    assert even_parts([], 4) == []


@pytest.fixture
def demo_auditor(client, auth, session):
    demo.load_demo(session)
    session.commit()
    auth.login("auditor@demo.example", demo.PASSWORD)
    return client


@pytest.mark.parametrize(("query", "paper", "most_pages"), [
    ("", pdf.Paper("letter"), 2), ("?paper=a4&print=large", pdf.Paper("a4", large=True), 5)])
def test_the_demo_matrix_prints_every_column_inside_the_page(demo_auditor, session, query,
                                                             paper, most_pages):
    response = demo_auditor.get(f"/audit/demo/training.pdf{query}")
    assert response.status_code == 200
    pages = page_texts(response.data)
    assert 1 <= len(pages) <= most_pages
    text = " ".join(pages)
    org = session.scalars(select(Organization).where(Organization.slug == "demo")).one()
    kinds = [k.name for k in training.types_of(session, org) if k.required_roles]
    assert len(kinds) == 5
    for name in (*kinds, "Leader agreement", "Dana R.", "Jordan P.", "María L.", "Sam T."):
        assert name in text, name
    for words in ("CURRENT until", "EXPIRING SOON until", "EXPIRED since", "MISSING",
                  "not verified", "Not required", "Signed an older version", "Not signed"):
        assert words in text, words
    assert_fits(response.data, paper)


@pytest.mark.parametrize(("query", "paper"), [
    ("", pdf.Paper("letter")), ("?print=large", pdf.Paper("letter", large=True))])
def test_the_attendance_report_prints_every_column_inside_the_page(demo_auditor, query,
                                                                   paper):
    response = demo_auditor.get(f"/audit/demo/attendance.pdf{query}")
    assert response.status_code == 200
    assert "People per meeting" in " ".join(page_texts(response.data))
    assert_fits(response.data, paper)


# ---- a bigger org: 12 training types, 60 leaders ---------------------------------------------

#: Completion dates that give each standing on TODAY with a validity of 24 months.
COMPLETED = (date(2026, 1, 5), date(2024, 12, 10), date(2024, 6, 1), None)


@pytest.fixture
def big_org(make_org, make_user, session):
    """12 required types and 60 facilitators, with names long enough to wrap in their
    column: current, expiring, expired or missing by turns, half the records verified."""
    org = make_org(slug="big", name="Big Intergroup")
    kinds = [training.create_type(session, None, org, name=f"Course {n:02d} safety",
                                  validity_months=24, required_roles=["facilitator"])
             for n in range(1, 13)]
    # A name of five lines in its column, the tallest cell of its row: a row split
    # across pages splits the name.
    leaders = [make_user(org, Role.FACILITATOR, display_name=f"Leader {n:02d} Anne Marie "
                         "Louise Catherine Josephine Beaumont")
               for n in range(1, 61)]
    for i, leader in enumerate(leaders):
        for j, kind in enumerate(kinds):
            completed = COMPLETED[(i + j) % len(COMPLETED)]
            if completed is not None:
                session.add(TrainingRecord(organization_id=org.id, user_id=leader.id,
                                           training_type_id=kind.id, completed_on=completed,
                                           verified_at=clock.now() if j % 2 else None))
    auditor = make_user(org, Role.AUDITOR)
    session.commit()
    return {"org": org, "kinds": kinds, "leaders": leaders, "auditor": auditor}


def test_a_matrix_of_twelve_types_and_sixty_leaders_fits_and_keeps_rows_whole(
        client, auth, big_org):
    auth.login(big_org["auditor"])
    response = client.get("/audit/big/training.pdf")
    assert response.status_code == 200
    pages = page_texts(response.data)
    # Three tables of four types, 60 rows of five lines each.
    assert 9 <= len(pages) <= 24
    text = " ".join(pages)
    for kind in big_org["kinds"]:
        assert text.count(kind.name) >= 1, kind.name
    for words in ("CURRENT until 2028-01-05", "EXPIRING SOON until 2026-12-10",
                  "EXPIRED since 2026-06-01", "MISSING", "not verified", "Table 1 of 3",
                  "Table 3 of 3"):
        assert words in text, words
    for leader in big_org["leaders"]:
        # Once in each of the three tables, and each time whole on one page: a row
        # split across pages would leave the name's lines on two.
        assert sum(page.count(leader.display_name) for page in pages) == 3, \
            leader.display_name
    assert_fits(response.data, pdf.Paper("letter"))
    large = client.get("/audit/big/training.pdf?paper=a4&print=large")
    assert_fits(large.data, pdf.Paper("a4", large=True))
