"""Every page fits a 320 px phone without scrolling sideways, and stays calm at 1280 px.

For each demo role the test signs in (or not), then walks the site as that person can: it
starts at the page the role lands on, follows the links of the site (GET pages only, no
downloads, no signing out), and adds the pages a person reaches through a form or a
button. On each page it measures the document's width; a failure names the page and the
elements that stick out.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable
from itertools import count
from urllib.parse import urljoin
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page
from playwright.sync_api import expect

from facilitator import demo
from tests.browser.conftest import serious_violations
from tests.browser.test_login import sign_in

# Layout does not depend on the database: every walk runs on the first backend only.
pytestmark = [pytest.mark.browser, pytest.mark.one_database]

#: At most this many pages per role: the demo has fewer, so the walk ends by itself.
MOST_PAGES = 300

#: Downloads and feeds, not pages; and the ways out.
SKIPPED_ENDINGS = (".pdf", ".csv", ".ics", ".svg", ".json", "/evidence")
SKIPPED_PATHS = ("/logout", "/static/", "/healthz")

#: Pages a role reaches through a form or a button rather than a link, or only by typing.
KNOWN_PAGES = {
    None: ["/", "/login", "/o/demo/", "/g/clean-and-serene-na/", "/no-such-page"],
    "facilitator@demo.example": [
        "/manage/", "/manage/training/", "/manage/training/new", "/account/password",
        "/manage/o/demo/agreement/", "/manage/g/tuesday-night-womens-aa/",
        "/manage/g/tuesday-night-womens-aa/meetings/new",
        "/manage/g/tuesday-night-womens-aa/edit",
        "/manage/g/tuesday-night-womens-aa/documents/guidelines/edit",
        "/manage/g/tuesday-night-womens-aa/documents/statement/",
    ],
    "admin@demo.example": [
        "/manage/", "/admin/demo/", "/admin/demo/settings", "/admin/demo/people/new",
        "/admin/demo/groups/new", "/admin/demo/training-types/",
        "/admin/demo/training-types/new", "/manage/o/demo/agreement/signatures",
        "/manage/o/demo/agreement/edit",
    ],
    "auditor@demo.example": [
        "/manage/", "/audit/demo/training/", "/audit/demo/log", "/audit/demo/attendance",
    ],
}

#: Pages reached by a token only: a meeting's check-in page, an invitation and a group's
#: representative link. The walk signed out gets their addresses from the pages leaders
#: copy them from.
TOKEN_PAGES = ("/c/", "/invite/", "/rep/")
_invited = count(1)

ROLES = list(KNOWN_PAGES)
ROLE_NAMES = ["signed-out", "facilitator", "admin", "auditor"]

Check = Callable[[Page], list[str]]

#: What sticks out past the viewport: the innermost elements wider than the page, unless a
#: box of their own that scrolls holds them in. Returns the document's width and them.
MEASURE = """() => {
  const width = document.documentElement.clientWidth;
  const describe = el => {
    let name = el.tagName.toLowerCase();
    if (el.id) name += '#' + el.id;
    if (el.classList.length) name += '.' + [...el.classList].join('.');
    const text = (el.innerText || el.value || '').trim().replace(/\\s+/g, ' ').slice(0, 50);
    const box = el.getBoundingClientRect();
    return `${name} (${Math.round(box.width)} px wide, right edge ${Math.round(box.right)} px)`
      + (text ? ` "${text}"` : '');
  };
  // A box that scrolls holds in what it contains, but not what is positioned against a
  // box outside it (a visually hidden label, say).
  const heldIn = el => {
    const positioned = ['absolute', 'fixed'].includes(getComputedStyle(el).position);
    for (let up = positioned ? el.offsetParent : el.parentElement;
         up && up !== document.body; up = up.parentElement) {
      const overflow = getComputedStyle(up).overflowX;
      if (overflow !== 'visible' && up.getBoundingClientRect().right <= width + 0.5) return true;
    }
    return false;
  };
  const sticking = [...document.body.querySelectorAll('*')].filter(el => {
    const box = el.getBoundingClientRect();
    return box.width > 0 && box.right > width + 0.5 && !heldIn(el);
  });
  const innermost = sticking.filter(el => !sticking.some(other => other !== el
                                                          && el.contains(other)));
  return {
    scrollWidth: document.documentElement.scrollWidth,
    widest: sticking.length ? describe(sticking.reduce(
      (a, b) => a.getBoundingClientRect().right >= b.getBoundingClientRect().right ? a : b))
      : null,
    culprits: innermost.slice(0, 4).map(describe),
  };
}"""


def shape(path: str) -> str:
    """What pages share a layout: one visit each. A filter's or a pager's query, another
    date of a meeting, another record, person or version shows the same page with other
    values. Each group and each meeting is visited: an online, hybrid or private one
    shows other things. A token's pages are one each."""
    path = re.sub(r"^/(c|invite|rep)/[^/]+", r"/\1/<token>", urlsplit(path).path)
    path = re.sub(r"\d{4}-\d{2}-\d{2}", "<date>", path)
    return re.sub(r"/(records|people|versions|invitations|training-types)/\d+", r"/\1/<n>",
                  path)


def walk(page: Page, base: str, start: list[str], check: Check) -> tuple[list[str], list[str]]:
    """Visit the site from `start` through its links, checking each page as it comes.

    Returns the paths of the pages seen and what `check` found wrong with them.
    """
    queue = deque(dict.fromkeys(start))
    seen_shapes = {shape(path) for path in start}
    pages: list[str] = []
    failures: list[str] = []
    while queue and len(pages) < MOST_PAGES:
        path = queue.popleft()
        response = page.goto(base + path)
        if response is None or "text/html" not in response.headers.get("content-type", ""):
            continue
        pages.append(path)
        failures.extend(f"{path}: {failure}" for failure in check(page))
        for href in page.eval_on_selector_all("a[href]", "els => els.map(a => a.href)"):
            url = urlsplit(urljoin(page.url, href))
            if (f"{url.scheme}://{url.netloc}" != base or shape(url.path) in seen_shapes
                    or url.path.endswith(SKIPPED_ENDINGS)
                    or url.path.startswith(SKIPPED_PATHS)):
                continue
            seen_shapes.add(shape(url.path))
            queue.append(url.path + (f"?{url.query}" if url.query else ""))
    return pages, failures


def fits(width: int) -> Check:
    """A check that the page is no wider than `width` pixels, naming what sticks out."""
    def check(page: Page) -> list[str]:
        measured = page.evaluate(MEASURE)
        if measured["scrollWidth"] <= width:
            return []
        return [f"{measured['scrollWidth']} px wide; widest: {measured['widest']}; "
                f"sticking out: {'; '.join(measured['culprits'])}"]
    return check


def calm(page: Page) -> list[str]:
    """On a wide screen: no sideways scrolling, a readable measure, tables as tables."""
    failures = fits(1280)(page)
    main_width = page.evaluate("document.querySelector('main').clientWidth")
    if main_width > 60 * 16:
        failures.append(f"lines as long as {main_width} px")
    stacked = page.evaluate(
        "[...document.querySelectorAll('main tbody tr')]"
        ".filter(tr => getComputedStyle(tr).display !== 'table-row').length")
    if stacked:
        failures.append(f"{stacked} table rows stacked on a wide screen")
    return failures + reads_well(page)


#: "Jordan P.." where a sentence ends on a name that ends on its own full stop.
DOUBLE_STOP = re.compile(r"\w\.\.(?!\.)")
#: "Friday 04 December": a day of the month is written without a leading zero.
LEADING_ZERO = re.compile(r"\b0\d (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)")


def reads_well(page: Page) -> list[str]:
    """No double full stops and no zero-padded days in what the page says."""
    text = page.inner_text("body")
    failures = []
    for pattern in (DOUBLE_STOP, LEADING_ZERO):
        if found := list(pattern.finditer(text)):
            first = found[0]
            failures.append(f"reads {first.group(0)!r} ({len(found)} times), first in "
                            f"“{text[max(first.start() - 30, 0):first.end() + 10]}”")
    return failures


def checkin_link(page: Page, base: str) -> str:
    """The check-in link of the demo's first meeting, as its facilitator copies it."""
    sign_in(page, base, "facilitator@demo.example", demo.PASSWORD)
    page.wait_for_url(lambda url: "/login" not in url)
    page.goto(f"{base}/manage/g/tuesday-night-womens-aa/")
    page.get_by_role("link", name=re.compile("^Check-in QR")).first.click()
    return page.locator("#checkin-link").input_value()


def invitation_link(page: Page, base: str) -> str:
    """A new invitation's link, as the demo's admin copies it to send."""
    sign_in(page, base, "admin@demo.example", demo.PASSWORD)
    page.wait_for_url(lambda url: "/login" not in url)
    page.goto(f"{base}/admin/demo/people/new")
    page.get_by_label("Email").fill(f"invited{next(_invited)}@demo.example")
    page.get_by_label("Name").fill("Robin Q.")
    page.get_by_label("Facilitator").check()
    page.get_by_role("button", name="Invite").click()
    return page.locator("#invite-link").input_value()


def representative_link(page: Page, base: str) -> str:
    """A group's representative link, as the demo's admin makes it to hand over."""
    sign_in(page, base, "admin@demo.example", demo.PASSWORD)
    page.wait_for_url(lambda url: "/login" not in url)
    page.goto(f"{base}/manage/g/tuesday-night-womens-aa/")
    # The first walk makes it; a later one replaces it with a new link.
    page.get_by_role("button", name=re.compile("^Make (the|a new) representative link")).click()
    return page.locator("#rep-link").inner_text()


def token_pages(page: Page, base: str) -> list[str]:
    """The paths of a check-in page, an invitation page and a representative's page,
    then signed out again."""
    paths = []
    for link in (checkin_link, invitation_link, representative_link):
        paths.append(urlsplit(link(page, base)).path)
        page.context.clear_cookies()
    assert [p[:p.index("/", 1) + 1] for p in paths] == list(TOKEN_PAGES)
    return paths


def walk_as(page: Page, base: str, email: str | None,
            check: Check) -> tuple[list[str], list[str]]:
    """Sign in as `email` (None: stay signed out, with the pages members reach by a
    token) and walk what that person can open."""
    start = list(KNOWN_PAGES[email])
    if email is None:
        start += token_pages(page, base)
    else:
        sign_in(page, base, email, demo.PASSWORD)
        page.wait_for_url(lambda url: "/login" not in url)
        start.insert(0, urlsplit(page.url).path)
    return walk(page, base, start, check)


def phone_and_wide(page: Page) -> list[str]:
    """The page at 320 px, then the same page at 1280 px: no sideways scrolling on a
    phone, calm on a wide screen. (Resizing lays the page out again, as a browser window
    resized does; loading it again at each width took twice as long.)"""
    page.set_viewport_size({"width": 320, "height": 800})
    failures = [f"at 320 px: {failure}" for failure in fits(320)(page)]
    page.set_viewport_size({"width": 1280, "height": 800})
    return failures + [f"at 1280 px: {failure}" for failure in calm(page)]


@pytest.mark.parametrize("email", ROLES, ids=ROLE_NAMES)
def test_no_page_scrolls_sideways_at_320px_and_each_stays_calm_at_1280px(
        page: Page, live_server: str, email: str | None) -> None:
    pages, failures = walk_as(page, live_server, email, phone_and_wide)
    assert len(KNOWN_PAGES[email]) <= len(pages) < MOST_PAGES
    if email is None:
        assert all(any(p.startswith(t) for p in pages) for t in TOKEN_PAGES), pages
    assert not failures, "\n".join(failures)


def test_the_agreement_reads_first_and_its_checkbox_sits_before_its_label(
        page: Page, live_server: str) -> None:
    """On a phone: the text, then the signing box; the box and its label on one line, and
    a tap on the label ticks the box."""
    page.set_viewport_size({"width": 320, "height": 640})
    sign_in(page, live_server, "facilitator@demo.example", demo.PASSWORD)
    page.goto(f"{live_server}/manage/o/demo/agreement/")
    text = page.get_by_role("article").bounding_box()
    signing = page.get_by_role("region", name="Sign version 2").bounding_box()
    assert text and signing and signing["y"] >= text["y"] + text["height"]

    box = page.get_by_role("checkbox", name="I have read this agreement")
    label = page.locator("label", has_text="I have read this agreement")
    box_at, label_at = box.bounding_box(), label.bounding_box()
    assert box_at and label_at
    assert label_at["x"] >= box_at["x"] + box_at["width"]  # beside it, after it
    assert label_at["y"] < box_at["y"] + box_at["height"]  # on the same line
    label.click()
    expect(box).to_be_checked()


LONG_URL = "https://recovery.example/" + "meeting-guidelines-and-readings-" * 6 + "final.pdf"
LONG_WORD = "Supercalifragilistic" * 6


def test_long_words_and_addresses_wrap_on_a_phone(page: Page, live_server: str) -> None:
    """What leaders type is not always in short words: a long address, a long word, a
    line of code in the guidelines, a long provider's name. None of it widens the page."""
    sign_in(page, live_server, "facilitator@demo.example", demo.PASSWORD)
    group = "/manage/g/young-people-online"
    page.goto(f"{live_server}{group}/edit")
    page.get_by_label("Description").fill(f"Readings at {LONG_URL} and {LONG_WORD}.")
    page.get_by_role("button", name="Save group").click()
    expect(page).to_have_url(f"{live_server}{group}/")
    page.goto(f"{live_server}{group}/documents/guidelines/edit")
    page.locator("textarea#body").fill(
        f"# Guidelines\n\nRead {LONG_URL} before the meeting.\n\n{LONG_WORD}\n\n"
        f"    {'x = 1; ' * 40}\n\n| Reading | Where |\n|---|---|\n| Step one | {LONG_URL} |\n")
    page.get_by_role("button", name=re.compile("Save")).click()
    page.goto(f"{live_server}/manage/training/new")
    page.get_by_label("Training", exact=True).select_option(label="Naloxone administration")
    page.get_by_label("Provider").fill("The " + "Very" * 30 + " Long Provider")
    page.get_by_label("Completed on").fill("2026-01-05")
    page.get_by_role("button", name="Record it").click()
    expect(page).to_have_url(f"{live_server}/manage/training/")

    page.set_viewport_size({"width": 320, "height": 640})
    failures = []
    for path in (f"{group}/", f"{group}/documents/guidelines/", "/g/young-people-online/",
                 "/manage/training/"):
        page.goto(live_server + path)
        failures.extend(f"{path}: {failure}" for failure in fits(320)(page))
    expect(page.get_by_text(re.compile("VeryVeryVery"))).to_be_visible()
    assert not failures, "\n".join(failures)


def test_stacked_tables_and_the_signing_box_stay_accessible_on_a_phone(
        page: Page, live_server: str) -> None:
    """At 320 px the tables read as cards: axe-core still finds nothing serious, and each
    value still says its column."""
    page.set_viewport_size({"width": 320, "height": 640})
    sign_in(page, live_server, "facilitator@demo.example", demo.PASSWORD)
    for path in ("/manage/training/", "/manage/o/demo/agreement/"):
        page.goto(live_server + path)
        assert serious_violations(page) == [], path
    page.goto(f"{live_server}/manage/training/")
    label = page.locator("table.stack td[data-label=Provider]").first.evaluate(
        "td => getComputedStyle(td, '::before').content")
    assert label == '"Provider: "'
