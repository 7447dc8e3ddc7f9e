"""Handouts: what the PDFs say (pypdf), where their QR codes lead (decoded from the page
as an image), that a one-pager takes one sheet, and that nothing outside the app's static
files gets into one. tests/browser/test_subscribe.py opens the codes' pages on phones."""

from __future__ import annotations

import io
import re
import subprocess
import tempfile
import time
from datetime import date
from datetime import datetime
from datetime import time as time_of_day
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import zxingcpp
from flask import render_template_string
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select

from facilitator import clock
from facilitator import demo
from facilitator import pdf
from facilitator import rendered
from facilitator import renderer
from facilitator.db import get_session
from facilitator.domain.choices import DocumentKind
from facilitator.domain.choices import Role
from facilitator.domain.meeting import Attendance
from facilitator.domain.meeting import CancelReason
from facilitator.domain.meeting import DateChange
from facilitator.domain.recurrence import Recurrence
from facilitator.models import Group
from facilitator.models import Headcount
from facilitator.services import attendance
from facilitator.services import documents
from facilitator.services import feeds
from facilitator.services import headcounts
from facilitator.services import meetings
from tests.conftest import BASE_URL
from tests.conftest import page_text

PASSWD = "file:///etc/passwd"
#: Monday 23 November 2026, noon in Chicago.
NOW = datetime(2026, 11, 23, 12, tzinfo=ZoneInfo("America/Chicago"))


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)


def text_of(body: bytes) -> str:
    reader = PdfReader(io.BytesIO(body))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def text_of_lines(body: bytes) -> list[str]:
    """The PDF's text line by line, as a reader meets it."""
    reader = PdfReader(io.BytesIO(body))
    return [line for page in reader.pages for line in page.extract_text().splitlines()]


def pages_of(body: bytes) -> int:
    return len(PdfReader(io.BytesIO(body)).pages)


def on_site(url: str, base_url: str = BASE_URL) -> str:
    """`url`'s path, after checking that it is a page of the site BASE_URL names, with
    its scheme (http or https, which any phone's camera opens; never webcal://)."""
    assert url.startswith(f"{base_url}/"), url
    return url.removeprefix(base_url)


def page_images(body: bytes, dpi: int) -> list[Image.Image]:
    """Each page of the PDF as Poppler draws it, in grey at `dpi` (written as PGM: the
    PNG compression this skips took most of the time)."""
    with tempfile.TemporaryDirectory() as folder:
        document = Path(folder) / "document.pdf"
        document.write_bytes(body)
        subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", str(document),  # noqa: S607
                        str(Path(folder) / "page")], check=True)
        images = []
        for path in sorted(Path(folder).glob("page*.pgm")):
            with Image.open(path) as image:
                image.load()
                images.append(image)
        return images


def bars_in(page: Image.Image) -> list[tuple[int, int]]:
    """The chart's bars on a grey page image, left to right: where each starts and how
    tall it is, in pixels. A bar is at least 3 columns, each with a run of at least 10
    pixels of the grey either of the chart's colours prints as; text is thinner."""
    greys = [round(0.299 * int(colour[1:3], 16) + 0.587 * int(colour[3:5], 16)
                   + 0.114 * int(colour[5:7], 16))
             for colour in (attendance.PEOPLE_COLOUR, attendance.NEWCOMER_COLOUR)]
    low, high = min(greys) - 12, max(greys) + 12
    ink = page.point(lambda grey: 1 if low <= grey <= high else 0).tobytes()
    runs = [max(map(len, ink[x::page.width].split(b"\0"))) for x in range(page.width)]
    columns = [run if run >= 10 else 0 for run in runs]
    bars = []
    x = 0
    while x < len(columns):
        start = x
        while x < len(columns) and columns[x]:
            x += 1
        if x - start >= 3:
            bars.append((start, max(columns[start:x])))
        x += 1
    return bars


def codes_in(body: bytes) -> list[str]:
    """The QR codes printed on the PDF's pages, read from a 150 dpi image of each."""
    return [code.text for page in page_images(body, 150)
            for code in zxingcpp.read_barcodes(page)]


# -- The rendering module --------------------------------------------------------------


@pytest.mark.parametrize("url", [
    PASSWD,
    "http://example.org/style.css",
    "https://facilitator.invalid.evil.example/static/print.css",
    "https://facilitator.invalid/static/../../pyproject.toml",
    "https://facilitator.invalid/static/%2e%2e/%2e%2e/pyproject.toml",
    "https://facilitator.invalid/static/../pdf.py",
    "https://facilitator.invalid/etc/passwd",
    "data:text/css,body{color:red}",
    "ftp://facilitator.invalid/static/print.css",
])
def test_the_fetcher_refuses_everything_but_our_static_files(url):
    with pytest.raises(ValueError, match="not fetched"):
        renderer.static_file(url)


def test_the_fetcher_serves_our_own_stylesheet():
    body, mime_type = renderer.static_file(f"{renderer.BASE_URL}static/print.css")
    assert mime_type == "text/css" and b"DejaVu Sans" in body


def test_hostile_html_gives_a_pdf_with_nothing_from_the_file_system():
    html = (f'<p>Hello</p><img src="{PASSWD}"><link rel="attachment" href="{PASSWD}">'
            '<link rel="stylesheet" href="http://127.0.0.1:9/x.css">'
            '<iframe src="file:///etc/hostname"></iframe>')
    body = pdf.render(html)
    reader = PdfReader(io.BytesIO(body))
    assert "Hello" in text_of(body)
    assert "root:" not in text_of(body)
    assert not reader.attachments
    assert b"root:x:0" not in body


def test_a_huge_page_size_is_rendered_or_stopped_within_the_limit():
    started = time.monotonic()
    try:
        body = pdf.render("<style>@page { size: 100000in }</style><p>Big</p>", time_limit=20)
    except pdf.RenderError as error:
        assert "longer than" in str(error)
    else:
        assert "Big" in text_of(body)
    assert time.monotonic() - started < 25


def test_a_render_past_its_time_limit_is_stopped_and_the_next_one_works():
    many = "".join(f"<p>Line {n}</p>" for n in range(3000))
    with pytest.raises(pdf.RenderError, match="longer than 0.05 seconds"):
        pdf.render(many, time_limit=0.05)
    assert "Still here" in text_of(pdf.render("<p>Still here</p>"))


def test_a_leader_told_no_pdf_now_reads_why_in_their_language(app, client, auth, group,
                                                                monkeypatch):
    auth.login(group.lead)
    url, spanish = f"/manage/g/{group.slug}/handout.pdf", {"Accept-Language": "es"}
    limits = pdf.RenderLimits(Path(app.config["PDF_STATE_DIR"]), 2)
    with limits.slot(), limits.slot():
        busy = client.get(url, headers=spanish)
    assert busy.status_code == 503
    assert ("El servidor está preparando otros PDF en este momento, así que este no se "
            f"preparó. Vuelva a intentarlo en {pdf.BUSY_RETRY_SECONDS} segundos.") \
        in page_text(busy)
    # A render that runs out of time, then the same PDF asked again.
    real = pdf.render
    monkeypatch.setattr(pdf, "render", lambda html, time_limit: real(html, 0.001))
    slow = page_text(client.get(url, headers=spanish))
    assert "Preparar este PDF tomó más de 0.001 segundos" in slow, slow
    again = client.get(url, headers=spanish)
    assert again.status_code == 503
    assert "Este PDF no se pudo preparar hace unos minutos" in page_text(again)
    assert "Making this PDF took longer than 0.001 seconds" in page_text(client.get(url))


def test_pdfs_are_made_again_after_the_render_server_died():
    pdf.render("<p>First</p>")
    pdf._server._process.kill()
    assert "Second" in text_of(pdf.render("<p>Second</p>"))


def test_paper_sizes_and_print_size_follow_the_link_and_the_zone():
    assert pdf.Paper.from_args({}, "America/Chicago") == pdf.Paper("letter", False)
    assert pdf.Paper.from_args({}, "Europe/Dublin") == pdf.Paper("a4", False)
    assert pdf.Paper.from_args({"paper": "a4", "print": "large"}, "America/Chicago") == \
        pdf.Paper("a4", True)
    assert pdf.Paper.from_args({"paper": "tabloid"}, "Europe/Dublin").size == "a4"


# -- Handouts --------------------------------------------------------------------------


@pytest.fixture
def group(make_org, make_user, make_group, make_meeting):
    org = make_org(timezone="America/Chicago", contact="Intergroup (555) 555-0134")
    lead = make_user(org, Role.FACILITATOR)
    group = make_group(org, name="Tuesday Night Women's AA", facilitators=[lead],
                       description="A closed meeting for women.")
    make_meeting(group, title="Women's Step Study", types=["C", "W"])
    group.lead = lead
    return group


def test_a_public_group_one_pager_says_when_and_where_and_its_codes_lead_there(client, group):
    response = client.get(f"/g/{group.slug}/handout.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"].startswith("public")
    text = text_of(response.data)
    for expected in ("Tuesday Night Women's AA", "Alcoholics Anonymous (AA)",
                     "Women's Step Study", "Every Tuesday, 7:00 pm – 8:30 pm",
                     "Community Centre, 90 Main Street", "Tue 24 Nov", "Closed · Women",
                     "Printed Monday 23 November 2026"):
        assert expected in text, expected
    assert sorted(on_site(url) for url in codes_in(response.data)) == \
        [f"/g/{group.slug}/", f"/g/{group.slug}/subscribe"]
    assert PdfReader(io.BytesIO(response.data)).pages[0].mediabox.width == 612  # Letter
    # The calendar's code leads to a page any phone opens, with every app's button for
    # the group's feed.
    subscribe = client.get(f"/g/{group.slug}/subscribe")
    assert subscribe.status_code == 200
    assert subscribe.headers["Cache-Control"].startswith("public")
    page = subscribe.get_data(as_text=True)
    assert f'value="{BASE_URL}/g/{group.slug}/meetings.ics"' in page
    assert f"webcal://facilitator.test/g/{group.slug}/meetings.ics" in page
    assert "Tuesday Night Women&#39;s AA" in page


def test_every_code_on_paper_is_an_https_page_of_the_site(app, client, auth, group,
                                                           monkeypatch):
    """Served over https, every printed code says https: an Android camera opens it."""
    monkeypatch.setitem(app.config, "BASE_URL", "https://facilitator.test")
    org = group.organization.slug
    auth.login(group.lead)
    meeting = group.meetings[0]
    printed = [f"/g/{group.slug}/handout.pdf", f"/o/{org}/directory.pdf",
               f"/manage/g/{group.slug}/handout.pdf",
               f"/manage/g/{group.slug}/meetings/{meeting.id}/checkin-card.pdf"]
    codes = [code for path in printed for code in codes_in(client.get(path).data)]
    assert len(codes) == 7
    paths = {on_site(code, "https://facilitator.test") for code in codes}
    assert paths == {f"/g/{group.slug}/", f"/g/{group.slug}/subscribe", f"/o/{org}/",
                     f"/o/{org}/subscribe",
                     f"/c/{headcounts.checkin_token(app.config['SECRET_KEY'], meeting)}"}


def test_the_same_handout_twice_renders_once_and_the_etag_gives_a_304(
        client, group, monkeypatch):
    first = client.get(f"/g/{group.slug}/handout.pdf?paper=a4&print=large")
    monkeypatch.setattr(pdf, "render", lambda *args: pytest.fail("rendered again"))
    second = client.get(f"/g/{group.slug}/handout.pdf?paper=a4&print=large")
    assert second.data == first.data
    assert client.get(f"/g/{group.slug}/handout.pdf?paper=a4&print=large",
                      headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    assert round(PdfReader(io.BytesIO(first.data)).pages[0].mediabox.width) == 595  # A4


def test_hostile_text_from_leaders_is_printed_as_text_and_fetches_nothing(
        client, session, group, make_meeting):
    group.description = f'<img src="{PASSWD}"> @page {{size: 100000in}}'
    session.commit()
    make_meeting(group, title=f'<link rel="attachment" href="{PASSWD}">',
                 notes="</style><style>@page{size:100000in}</style>")
    response = client.get(f"/g/{group.slug}/handout.pdf")
    assert response.status_code == 200
    text = text_of(response.data)
    assert f'<img src="{PASSWD}">' in text and "@page {size: 100000in}" in text
    assert not PdfReader(io.BytesIO(response.data)).attachments
    assert b"root:x:0" not in response.data
    assert PdfReader(io.BytesIO(response.data)).pages[0].mediabox.width == 612


def test_a_private_group_handout_is_only_for_its_leaders_with_the_link_they_give(
        client, auth, session, group, make_user):
    group.visibility = "private"
    session.commit()
    assert client.get(f"/g/{group.slug}/handout.pdf").status_code == 404
    auth.login(group.lead)
    plain = client.get(f"/manage/g/{group.slug}/handout.pdf")
    assert plain.status_code == 200 and plain.headers["Cache-Control"] == "private, no-store"
    assert codes_in(plain.data) == []
    token = feeds.rotate_feed_token(session, None, group)
    session.commit()
    wrong = client.post(f"/manage/g/{group.slug}/handout.pdf",
                        data={"feed_link": "http://facilitator.test/feeds/not-the-token.ics"},
                        follow_redirects=True)
    assert "not this group's current private calendar link" in page_text(wrong)
    right = client.post(f"/manage/g/{group.slug}/handout.pdf",
                        data={"feed_link": f"http://facilitator.test/feeds/{token}.ics"})
    assert [on_site(url) for url in codes_in(right.data)] == [f"/feeds/{token}/subscribe"]
    # The subscribe page's own address, pasted instead, prints the same code.
    again = client.post(f"/manage/g/{group.slug}/handout.pdf",
                        data={"feed_link": f"{BASE_URL}/feeds/{token}/subscribe"})
    assert codes_in(again.data) == codes_in(right.data)
    auth.logout()
    # Its page is behind the token only: never kept, never listed, no referrer; no
    # public address of the group shows it.
    page = client.get(f"/feeds/{token}/subscribe")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "private, no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert page.headers["X-Robots-Tag"] == "noindex"
    html = page.get_data(as_text=True)
    assert f'value="{BASE_URL}/feeds/{token}.ics"' in html
    assert "Community Centre" not in html and f"/g/{group.slug}/" not in html
    wrong = token[:-1] + ("y" if token.endswith("x") else "x")  # one character off
    assert client.get(f"/feeds/{wrong}/subscribe").status_code == 404
    assert client.get(f"/g/{group.slug}/subscribe").status_code == 404
    assert client.get(f"/o/{group.organization.slug}/subscribe").status_code == 200
    assert token not in client.get(f"/o/{group.organization.slug}/subscribe").get_data(
        as_text=True)
    # A new link cuts off the old page with the old feed.
    feeds.rotate_feed_token(session, None, group)
    session.commit()
    assert client.get(f"/feeds/{token}/subscribe").status_code == 404
    stranger = make_user(group.organization, Role.FACILITATOR)
    auth.login(stranger)
    assert client.get(f"/manage/g/{group.slug}/handout.pdf").status_code == 404


def test_the_check_in_card_carries_the_meetings_check_in_link(app, client, auth, group):
    meeting = group.meetings[0]
    auth.login(group.lead)
    response = client.get(f"/manage/g/{group.slug}/meetings/{meeting.id}/checkin-card.pdf")
    assert response.headers["Cache-Control"] == "private, no-store"
    token = headcounts.checkin_token(app.config["SECRET_KEY"], meeting)
    assert [on_site(url) for url in codes_in(response.data)] == [f"/c/{token}"]
    assert "Check in" in text_of(response.data)


def test_the_org_directory_lists_each_day_with_a_legend_and_follows_the_filters(
        client, group, make_group, make_meeting):
    na = make_group(group.organization, name="Clean and Serene", program="na")
    make_meeting(na, title="Noon Clean and Serene", types=["O", "D"],
                 attendance=Attendance.ONLINE, online_url="https://meet.example/na",
                 location_name="")
    org = group.organization.slug
    text = text_of(client.get(f"/o/{org}/directory.pdf").data)
    assert "Tuesday" in text and "Women's Step Study" in text and "Noon Clean and Serene" in text
    assert "Intergroup (555) 555-0134" in text
    assert "W Women" in text and "D Discussion" in text
    only_na_pdf = client.get(f"/o/{org}/directory.pdf?program=na").data
    only_na = text_of(only_na_pdf)
    assert "Noon Clean and Serene" in only_na and "Women's Step Study" not in only_na
    assert "D Discussion" in only_na and "W Women" not in only_na
    # Its codes: the same selection online, and the calendar, which says it has all.
    assert sorted(on_site(url) for url in codes_in(only_na_pdf)) == \
        [f"/o/{org}/?program=na", f"/o/{org}/subscribe"]
    assert f"Scan to add all of {group.organization.name}'s meetings" in only_na
    assert client.get("/o/no-such-org/directory.pdf").status_code == 404


@pytest.mark.one_database
def test_a_one_pager_prints_in_the_page_language_or_the_one_asked_for(app, client, group):
    spanish = client.get(f"/g/{group.slug}/handout.pdf", headers={"Accept-Language": "es"})
    assert spanish.status_code == 200 and "Accept-Language" in spanish.headers["Vary"]
    text = text_of(spanish.data)
    for expected in ("Reuniones", "Próximas fechas:", "Cada martes", "Cerrada · Mujer",
                     "Impreso el lunes 23 de noviembre de 2026", "Escanee para añadir",
                     "Página 1"):
        assert expected in text, expected
    assert "Next dates" not in text and "Printed" not in text
    # ?lang=es asks for the same file (no second render); English is rendered ahead,
    # another language when first asked for.
    assert client.get(f"/g/{group.slug}/handout.pdf?lang=es").data == spanish.data
    with app.test_request_context(headers={"Accept-Language": "es"}):
        asked = rendered.group_handout("group", group, {"lang": "en"})
        assert asked.key.endswith("?paper=letter") and asked.ahead
        asked = rendered.group_handout("group", group, {"lang": "xx", "print": "large"})
        assert asked.key.endswith("?paper=letter&print=large&lang=es") and not asked.ahead


@pytest.mark.one_database
def test_the_print_options_offer_each_other_language_and_both(app):
    source = ('{% from "handouts/_print_options.html" import other_languages with context %}'
              '{{ other_languages("/o/x/directory.pdf?paper=a4", bilingual=true) }}')
    with app.test_request_context(headers={"Accept-Language": "es"}):
        html = render_template_string(source)
    assert '<a href="/o/x/directory.pdf?paper=a4&amp;lang=en" hreflang="en" lang="en">' \
        'English</a>' in html
    assert '<a href="/o/x/directory.pdf?paper=a4&amp;lang=en,es">Inglés y español</a>' in html
    assert "lang=es\"" not in html


@pytest.mark.one_database
def test_the_directory_prints_its_headings_and_type_names_in_both_languages(client, group):
    text = text_of(client.get(
        f"/o/{group.organization.slug}/directory.pdf?lang=en,es").data)
    for expected in (f"{group.organization.name}: meetings / "
                     f"{group.organization.name}: reuniones",
                     "Tuesday / martes", "Type codes / Códigos de tipo", "W Women / Mujer",
                     "Printed Monday 23 November 2026"):
        assert expected in text, expected


def test_the_directory_prints_one_region_and_says_so(client, group, make_meeting):
    make_meeting(group, title="Downtown Noon", start_time=time_of_day(12), region="Downtown")
    make_meeting(group, title="Riverside Evening", region="Riverside")
    org = group.organization.slug
    lines = [line.strip() for line in text_of_lines(
        client.get(f"/o/{org}/directory.pdf?region=downtown").data)]
    assert "Only: Downtown (1 of 3 meetings)." in " ".join(lines)
    assert "Downtown Noon · Tuesday Night Women's AA" in lines
    assert "In person · Downtown: Community Centre, 90 Main Street" in lines
    assert not any("Riverside Evening" in line or "Women's Step Study" in line
                   for line in lines)
    # The list it points to online is the same selection (the address may wrap).
    assert f"/o/{org}/?region=Downtown" in "".join(lines)
    everything = text_of(client.get(f"/o/{org}/directory.pdf").data)
    assert "Riverside Evening" in everything and "Only:" not in everything


def test_the_directory_prints_the_online_meetings_in_a_members_own_zone(
        client, group, make_meeting):
    make_meeting(group, title="Noon Online", start_time=time_of_day(12), location_name="",
                 address="", attendance=Attendance.ONLINE, online_url="https://meet.example/1")
    make_meeting(group, title="Late Hybrid", recurrence=Recurrence.weekly(0),
                 start_time=time_of_day(23, 30), attendance=Attendance.HYBRID,
                 online_url="https://meet.example/2")
    org = group.organization.slug

    def lines(query: str) -> list[str]:
        return [line.strip() for line in text_of_lines(
            client.get(f"/o/{org}/directory.pdf?{query}").data)]

    pacific = lines("zone=America/Los_Angeles")
    text = " ".join(pacific)
    assert "Times are Pacific Time (America/Los_Angeles)." in text
    assert "Only: Online (and hybrid) (2 of 3 meetings)." in text
    # Without spaces: where a line breaks depends on the org's name (a zone can break
    # after its slash).
    flat = "".join(text.split())
    assert "attheirtimesinPacificTime(America/Los_Angeles),formemberswhojoinfromthere." \
        in flat and "listsitsmeetingsinCentralTime(America/Chicago)" in flat
    # Noon in Chicago is 10:00 am in Los Angeles; the meeting held in person only is left
    # out (its time elsewhere means nothing).
    assert pacific[pacific.index("10:00 am") + 1] == "Noon Online · Tuesday Night Women's AA"
    assert "Women's Step Study" not in text
    # 11:30 pm on a Monday in Chicago is 12:30 am on Tuesday in New York.
    eastern = lines("zone=America/New_York")
    tuesday = eastern[eastern.index("Tuesday"):]
    assert tuesday[1:3] == ["12:30 am", "Late Hybrid · Tuesday Night Women's AA"]
    assert "Monday" not in eastern
    # In person and another zone: the hybrid meetings, which one can join from there.
    hybrid = " ".join(lines("zone=America/New_York&attendance=in_person"))
    assert "Late Hybrid" in hybrid and "Noon Online" not in hybrid
    assert "Only: Hybrid only (1 of 3 meetings)." in hybrid
    # A zone we do not know, or the org's own, is ignored like any other filter.
    for ignored in ("zone=Mars/Olympus_Mons", "zone=America/Chicago", "zone=",
                    "zone=../../etc/passwd"):
        text = " ".join(lines(ignored))
        assert "Times are Central Time (America/Chicago)." in text, ignored
        assert "Women's Step Study" in text and "Only:" not in text


def test_the_directory_page_offers_the_print_in_another_zone_with_its_filters(client, group):
    org = group.organization.slug
    page = client.get(f"/o/{org}/?program=aa").get_data(as_text=True)
    form = page[page.index(f'action="/o/{org}/directory.pdf"'):]
    form = form[:form.index("</form>")]
    assert '<input type="hidden" name="program" value="aa">' in form
    assert '<option value="America/Los_Angeles">Pacific Time (America/Los_Angeles)</option>' \
        in form
    assert 'value="America/Chicago"' not in form  # the org's own zone is the list's


def test_the_directory_lists_a_days_meetings_under_their_time_with_changes_marked(
        session, client, group, make_meeting):
    early = make_meeting(group, title="Early Bird", start_time=time_of_day(18, 30))
    make_meeting(group, title="Big Book Study", location_name="Hall", address="1 Oak Street")
    make_meeting(group, title="Open House", recurrence=Recurrence.once(),
                 first_date=date(2026, 12, 1))
    meetings.cancel_date(session, None, early, date(2026, 12, 1), CancelReason.HOLIDAY,
                         "See you next week.")
    session.commit()
    lines = [line.strip() for line in
             text_of_lines(client.get(f"/o/{group.organization.slug}/directory.pdf").data)]
    tuesday = lines[lines.index("Tuesday"):]
    assert tuesday[1:3] == ["6:30 pm", "Early Bird · Tuesday Night Women's AA"]
    assert tuesday[3] == "In person: Community Centre, 90 Main Street"
    assert tuesday[4].startswith("CANCELLED Tue 1 Dec — Holiday: See you next week.")
    # One heading for 7:00 pm, with its three meetings under it (titles in order).
    assert tuesday.count("7:00 pm") == 1
    at_seven = tuesday[tuesday.index("7:00 pm"):]
    titles = [line.split(" · ")[0] for line in at_seven if " · " in line]
    assert titles == ["Big Book Study", "Open House", "Women's Step Study"]
    assert "In person: Hall, 1 Oak Street" in at_seven
    assert "One date only: Tuesday 1 December 2026" in at_seven


@pytest.mark.one_database
def test_a_directory_rendered_by_a_worker_is_laid_out_like_one_rendered_in_a_request(
        app, client, group):
    """A worker renders ahead outside any request, where the stylesheet's address is
    built absolute on the site's host: the fetcher refuses that, and the PDF came out
    unstyled (meetings run together, codes a page wide)."""
    org = group.organization
    with app.app_context():
        handout = rendered.directory_handout(get_session(), org, {"paper": "letter"})
        rendered.render(handout.key)
    body = client.get(f"/o/{org.slug}/directory.pdf?paper=letter").data
    lines = [line.strip() for line in text_of_lines(body)]
    assert "Women's Step Study · Tuesday Night Women's AA · C W" in lines
    assert "In person: Community Centre, 90 Main Street" in lines
    assert pages_of(body) == 1


def test_the_auditor_prints_the_attendance_report_with_its_chart_and_small_counts_hidden(
        client, auth, session, group, make_user, make_org):
    meeting = group.meetings[0]
    for day, people, checkins in ((date(2026, 10, 6), 12, 0), (date(2026, 10, 13), 3, 0),
                                  (date(2026, 11, 10), 9, 11)):
        session.add(Headcount(meeting_id=meeting.id, occurrence_date=day, people=people,
                              newcomers=1, in_person=0, online=0, counted_by_facilitator=True,
                              checkins=checkins))
    session.commit()
    auth.login(make_user(group.organization, Role.AUDITOR))
    response = client.get(f"/audit/{group.organization.slug}/attendance.pdf")
    assert response.status_code == 200 and response.headers["Cache-Control"] == \
        "private, no-store"
    text = text_of(response.data)
    assert "Attendance: " in text and "Tuesday Night Women's AA" in text
    assert "Counts below 5, and counts that would let one be worked out, read “hidden”." in text
    assert "Oct 2026 2 2 15 hidden 7.5" in text and "<5" not in text
    # 11 checked in on 10 November, where the facilitator counted 9: the facilitator's
    # count stands, and the meeting is marked by a word, its meaning said once.
    assert "Nov 2026 (so far) 1 2 9 hidden 9.0" in text
    assert text.count("“More check-ins” marks a meeting where more members checked in") == 1
    assert "Meetings marked “More check-ins” Date Group Meeting Tue 10 Nov 2026" in text
    # The chart is drawn in the PDF, with its month labels and legend as text, and its
    # bars as a reader sees them: October's 15 people and November's 9, in proportion
    # (the first meetings are hidden: no bar).
    assert "People First meeting" in text or ("People" in text and "First meeting" in text)
    assert " Nov " in text
    heights = [height for _, height in bars_in(page_images(response.data, 72)[0])]
    assert len(heights) == 2 and heights[1] / heights[0] == pytest.approx(9 / 15, abs=0.03)
    auth.logout()
    auth.login(make_user(make_org(), Role.AUDITOR))
    assert client.get(f"/audit/{group.organization.slug}/attendance.pdf").status_code == 404


def test_guidelines_and_statement_print_with_their_versions_and_the_one_pager_has_a_short_part(
        client, auth, session, group):
    org = group.organization
    documents.save_version(session, None, org, DocumentKind.GUIDELINES,
                           "# Our guidelines\n\n- One person shares at a time.\n- No advice.\n"
                           + "".join(f"- Rule number {n} for the long tail.\n"
                                     for n in range(80)),
                           based_on=0, group=group)
    documents.save_version(session, None, org, DocumentKind.STATEMENT,
                           "Who you see here, what is said here, stays here.", based_on=0,
                           group=group)
    session.commit()
    text = text_of(client.get(f"/g/{group.slug}/guidelines.pdf").data)
    assert "Group guidelines Version 1, Monday 23 November 2026" in text
    assert "One person shares at a time." in text and "Rule number 79" in text
    assert "Confidentiality statement Version 1" in text
    assert "what is said here, stays here." in text
    short = text_of(client.get(f"/g/{group.slug}/handout.pdf").data)
    assert "Our guidelines, in short" in short and "One person shares at a time." in short
    assert "Rule number 79" not in short
    group.visibility = "private"
    session.commit()
    assert client.get(f"/g/{group.slug}/guidelines.pdf").status_code == 404
    auth.login(group.lead)
    assert "Confidentiality statement" in text_of(
        client.get(f"/manage/g/{group.slug}/guidelines.pdf").data)


def test_the_training_matrix_prints_with_each_status_in_words(client, auth, session):
    demo.load_demo(session)
    session.commit()
    auth.login("auditor@demo.example", demo.PASSWORD)
    response = client.get("/audit/demo/training.pdf")
    assert response.status_code == 200
    text = text_of(response.data)
    assert "Leaders' training: Riverside Recovery Community" in text
    for words in ("Current", "Expiring", "Expired", "Missing", "Leader agreement",
                  "Signed an older version"):
        assert words.lower() in text.lower(), words


# -- The one-pager takes one sheet -----------------------------------------------------


def x_of_runs(body: bytes, *pieces: str) -> dict[str, float]:
    """Where on the first page (points from the left) the text runs with each piece
    start."""
    found: dict[str, float] = {}

    def visit(text, cm, tm, font, size):
        for piece in pieces:
            if piece in text and piece not in found:
                found[piece] = tm[4] * cm[0] + cm[4]

    PdfReader(io.BytesIO(body)).pages[0].extract_text(visitor_text=visit)
    return found


@pytest.mark.one_database  # the layout of a PDF
def test_the_demos_one_pagers_each_fit_one_sheet_with_every_meeting(client, session):
    demo.load_demo(session)
    session.commit()
    groups = [g for g in session.scalars(select(Group)) if g.visibility.value == "public"]
    assert len(groups) >= 6
    for group in groups:
        body = client.get(f"/g/{group.slug}/handout.pdf").data
        assert pages_of(body) == 1, group.slug
        text = text_of(body)
        for meeting in group.meetings:
            assert meeting.title in text, (group.slug, meeting.title)
        assert len(codes_in(body)) == 2, group.slug


@pytest.mark.one_database  # the layout of a PDF
def test_a_group_with_several_meetings_and_changes_keeps_to_one_sheet(
        client, session, group, make_meeting):
    step_study = group.meetings[0]
    noon = make_meeting(group, title="Noon Reflection", recurrence=Recurrence.weekly(0, 2, 4),
                        start_time=time_of_day(12), duration_minutes=60,
                        attendance=Attendance.HYBRID, online_url="https://meet.example/noon",
                        location_notes="Side door by the parking lot; basement, room 3.")
    make_meeting(group, title="Big Book Saturday", recurrence=Recurrence.monthly(5, 1),
                 start_time=time_of_day(10), location_name="St. Mark's Church Hall",
                 address="412 River Road, Riverside, IL")
    early = "Early start this week: the hall is booked at noon for a funeral lunch."
    meetings.change_date(session, None, noon, date(2026, 11, 30),
                         DateChange(start_time=time_of_day(10), note=early))
    meetings.cancel_date(session, None, step_study, date(2026, 12, 1), CancelReason.HOLIDAY,
                         "See you next week.")
    documents.save_version(session, None, group.organization, DocumentKind.GUIDELINES,
                           "# Our guidelines\n\n" + "".join(
                               f"- Rule number {n}: one person shares at a time.\n"
                               for n in range(40)), based_on=0, group=group)
    session.commit()
    for paper in ("letter", "a4"):
        body = client.get(f"/g/{group.slug}/handout.pdf?paper={paper}").data
        assert pages_of(body) == 1, paper
        text = text_of(body)
        for title in ("Women's Step Study", "Noon Reflection", "Big Book Saturday"):
            assert title in text, (paper, title)
        # However few dates fit, the changed and cancelled ones are printed, whole.
        assert f"CHANGED Mon 30 Nov: starts 10:00 am instead of 12:00 pm. {early}" in text
        assert "CANCELLED Tue 1 Dec — Holiday: See you next week." in text
        assert len(codes_in(body)) == 2
        assert "Our guidelines are on a sheet of their own and on the group's page." in text


@pytest.mark.one_database  # the layout of a PDF
def test_a_changed_dates_note_stays_in_its_column(client, session, group):
    """The one-pager lists a meeting's dates in two columns; a date's note never starts
    in one and ends in the other."""
    step_study = group.meetings[0]
    note = ("The hall is being painted, so this week we meet next door in the library: "
            "take the lift or the stairs by the front desk to the second floor, and follow "
            "the signs to the upstairs room.")
    meetings.change_date(session, None, step_study, date(2026, 12, 15),
                         DateChange(location_name="Public Library", note=note))
    session.commit()
    body = client.get(f"/g/{group.slug}/handout.pdf").data
    assert pages_of(body) == 1
    where = x_of_runs(body, "CHANGED", "signs")
    assert set(where) == {"CHANGED", "signs"}
    middle = float(PdfReader(io.BytesIO(body)).pages[0].mediabox.width) / 2
    assert (where["CHANGED"] < middle) == (where["signs"] < middle), where


# -- The group page and the directory say what they link -------------------------------


def test_the_group_page_links_the_guidelines_pdf_only_when_there_are_some(
        client, session, group):
    page = page_text(client.get(f"/g/{group.slug}/"))
    assert "(PDF)" in page and "guidelines" not in page.lower()
    assert f"/g/{group.slug}/guidelines.pdf" not in client.get(f"/g/{group.slug}/").get_data(
        as_text=True)
    documents.save_version(session, None, group.organization, DocumentKind.STATEMENT,
                           "What is said here stays here.", based_on=0, group=group)
    session.commit()
    html = client.get(f"/g/{group.slug}/").get_data(as_text=True)
    assert f"/g/{group.slug}/guidelines.pdf" in html
    assert "confidentiality statement (PDF)" in page_text(html)


def test_a_filtered_directory_says_its_calendar_has_every_meeting(client, group):
    org = group.organization
    filtered = page_text(client.get(f"/o/{org.slug}/?program=aa"))
    assert f"Add all of {org.name}'s meetings to your calendar" in filtered
    assert "not only the ones shown here" in filtered
    everything = page_text(client.get(f"/o/{org.slug}/"))
    assert "Add these meetings to your calendar" in everything
    assert "not only the ones shown here" not in everything
