"""Every handout a member or a leader prints, for the demo and for a bigger org, on each
paper: every meeting's text is in the PDF and nothing is drawn past the right margin."""

from __future__ import annotations

import io
import time
from datetime import time as time_of_day

import pytest
from pypdf import PdfReader
from pypdf import PdfWriter
from sqlalchemy import select

from facilitator import demo
from facilitator import handouts
from facilitator import pdf
from facilitator.domain import parts
from facilitator.domain.choices import Visibility
from facilitator.domain.recurrence import Recurrence
from facilitator.models import Group
from facilitator.models import Meeting
from facilitator.models import Organization
from tests.test_handouts import page_images
from tests.test_training_print import assert_fits
from tests.test_training_print import page_texts

# What a PDF looks like does not depend on the database: these run on one backend.
pytestmark = pytest.mark.one_database

#: The two ends: Letter at the usual size, A4 (a little narrower) in large print.
PAPERS = [{}, {"paper": "a4", "print": "large"}]


def query(args: dict[str, str]) -> str:
    return "?" + "&".join(f"{k}={v}" for k, v in args.items()) if args else ""


def printed(client, url: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, url
    assert response.mimetype == "application/pdf"
    return response.data


@pytest.fixture
def demo_org(session) -> Organization:
    demo.load_demo(session)
    session.commit()
    return session.scalar(select(Organization).where(Organization.slug == "demo"))


@pytest.mark.parametrize("args", PAPERS, ids=query)
def test_every_public_handout_of_the_demo_fits_its_paper(client, session, demo_org, args):
    paper = pdf.Paper.from_args(args, demo_org.timezone)
    public = [g for g in demo_org.groups if g.visibility is Visibility.PUBLIC]

    directory = printed(client, f"/o/demo/directory.pdf{query(args)}")
    text = " ".join(page_texts(directory))
    for group in public:
        for meeting in group.meetings:
            assert meeting.title in text, (meeting.title, args)
    assert_fits(directory, paper)

    for group in public:
        one_pager = printed(client, f"/g/{group.slug}/handout.pdf{query(args)}")
        pages = page_texts(one_pager)
        if not paper.large:
            assert len(pages) == 1, (group.slug, args)
        for meeting in group.meetings:
            assert meeting.title in " ".join(pages), (meeting.title, args)
        assert_fits(one_pager, paper)


def test_the_leaders_handouts_of_the_demo_fit_their_paper(client, auth, session, demo_org):
    auth.login("facilitator@demo.example", demo.PASSWORD)
    groups = session.scalars(select(Group).where(Group.organization_id == demo_org.id)).all()
    meetings = [(g, m) for g in groups for m in g.meetings]
    assert meetings
    for args in ({}, {"paper": "a4"}):
        paper = pdf.Paper.from_args(args, demo_org.timezone)
        for group, meeting in meetings:
            response = client.get(f"/manage/g/{group.slug}/meetings/{meeting.id}"
                                  f"/checkin-card.pdf{query(args)}")
            if response.status_code == 404:  # not one of this facilitator's groups
                continue
            assert response.status_code == 200
            assert len(page_texts(response.data)) == 1
            assert_fits(response.data, paper)


@pytest.fixture
def big_org(make_org, make_group, make_meeting) -> Organization:
    """12 groups of 5 meetings each, with titles, places and addresses as long as real
    intergroups give them, over the whole week."""
    org = make_org(slug="big", name="Greater Riverside Intergroup of Alcoholics Anonymous")
    for g in range(12):
        group = make_group(org, slug=f"group-{g:02d}",
                           name=f"Group {g:02d} Serenity Seekers Big Book Study Fellowship")
        for m in range(5):
            make_meeting(
                group, title=f"G{g:02d}M{m} Tuesday Night Big Book and Step Study Meeting",
                recurrence=Recurrence.weekly((g + m) % 7), start_time=time_of_day(6 + m * 3, 30),
                location_name="Fellowship Hall of the First Congregational Church (basement)",
                address=f"{1000 + g * 10 + m} North Martin Luther King Jr. Boulevard, Suite 200",
                region="North Riverside Heights and Lakeshore")
    return org


@pytest.mark.parametrize("args", [{}, {"print": "large"}], ids=query)
def test_a_bigger_orgs_directory_prints_every_meeting_inside_the_page(client, session,
                                                                     big_org, args):
    paper = pdf.Paper.from_args(args, big_org.timezone)
    body = printed(client, f"/o/big/directory.pdf{query(args)}")
    text = " ".join(page_texts(body))
    titles = session.scalars(select(Meeting.title)).all()
    assert len(titles) == 60
    for title in titles:
        assert title in text, title
    assert_fits(body, paper)


def blank_pages(count: int) -> bytes:
    writer = PdfWriter()
    for _ in range(count):
        writer.add_blank_page(width=612, height=792)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize(("pages", "sides", "printed", "renders"), [
    ([1, 1, 1, 1, 1, 1], 1, 0, 1),  # the fullest fits: one render
    ([3, 2, 2, 1, 1, 1], 1, 0, 1),  # three pages of its own text: all of it
    ([2, 2, 2, 2, 2, 2], 1, 0, 2),  # nothing fits: the fullest, the shortest tried only
    ([2, 1, 1, 1, 1, 1], 1, 1, 4),
    ([2, 2, 2, 2, 1, 1], 1, 4, 5),
    ([2, 2, 2, 2, 2, 1], 1, 5, 5),
    ([3, 3, 2, 2], 2, 2, 4),  # a back page: two pages fit
])
def test_the_one_pager_prints_the_first_draft_that_fits_with_few_renders(
        pages, sides, printed, renders):
    drafts = [f"draft {n}" for n in range(len(pages))]
    bodies = {draft: blank_pages(count) + draft.encode()
              for draft, count in zip(drafts, pages, strict=True)}
    made = []

    def render(draft: str) -> bytes:
        made.append(draft)
        return bodies[draft]

    assert handouts.fit_one_page(drafts, render, sides=sides) == bodies[drafts[printed]]
    assert len(made) == renders and len(set(made)) == renders


def outline_of(body: bytes) -> list[tuple[int, str, int, float]]:
    """The PDF's bookmarks as a reader's sidebar lists them: depth, label, page, height."""
    reader = PdfReader(io.BytesIO(body))

    def walk(items: list, depth: int) -> list[tuple[int, str, int, float]]:
        found = []
        for item in items:
            if isinstance(item, list):
                found += walk(item, depth + 1)
            else:
                found.append((depth, item.title, reader.get_destination_page_number(item),
                              round(float(item.top), 1)))
        return found

    return walk(reader.outline, 0)


def test_a_directory_printed_in_parts_reads_as_the_one_document(app, big_org):
    """A long directory is laid out a part at a time, so no render child holds every
    page (facilitator/domain/parts.py); its reader gets the document one render made:
    the same pages, drawn alike, numbered on, with the same bookmarks, title and
    language, and the whole document within one time limit."""
    with app.test_request_context(), handouts.in_language("en"):
        html = handouts.directory_html(big_org, {"paper": "a4", "print": "large"})
    parted = parts.split(html)
    assert parted is not None
    most = sum(len(block.html) for block in parted.blocks) // 4  # four parts or five
    assert parts.part_end(parted, 0, most) < len(parted.blocks) / 3
    whole, in_parts = pdf.render(html), pdf.render_in_parts(html, most=most)

    texts = page_texts(in_parts)
    assert len(texts) == len(page_texts(whole)) >= 8
    assert texts == page_texts(whole)
    for number, text in enumerate(texts, start=1):
        assert text.rstrip().endswith(f"Page {number}"), number
    assert [image.tobytes() for image in page_images(in_parts, 30)] == \
        [image.tobytes() for image in page_images(whole, 30)]
    assert outline_of(in_parts) == outline_of(whole)
    assert [depth for depth, *_ in outline_of(in_parts)][:3] == [0, 1, 2]  # title, day, time
    original, joined = PdfReader(io.BytesIO(whole)), PdfReader(io.BytesIO(in_parts))
    assert joined.metadata.title == original.metadata.title == \
        "Meetings of Greater Riverside Intergroup of Alcoholics Anonymous"
    assert joined.root_object["/Lang"] == "en"

    # The parts share one limit: a quarter of what its dozen parts take is more than
    # any one of them takes, and too little for them all, even on a machine whose load
    # makes one render twice as fast as the other (a fixed half second no longer was).
    started = time.monotonic()
    pdf.render_in_parts(html, most=most // 3)
    limit = (time.monotonic() - started) / 4
    started = time.monotonic()
    with pytest.raises(pdf.TooSlow):
        pdf.render_in_parts(html, time_limit=limit, most=most // 3)
    assert time.monotonic() - started < limit + 2
