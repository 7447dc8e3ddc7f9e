"""Documents as text: hostile Markdown comes out harmless, diffs and signature status."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from html.parser import HTMLParser

import pytest

from facilitator.domain import signatures
from facilitator.domain import starting_texts
from facilitator.domain import text
from facilitator.domain.signatures import AgreementText
from facilitator.domain.signatures import SignatureStatus
from facilitator.domain.signatures import SignedVersion

#: Hostile input and exactly the HTML it must become.
XSS = [
    ("<script>alert(1)</script>", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"),
    ('<img src=x onerror="alert(1)">', '<p>&lt;img src=x onerror="alert(1)"&gt;</p>'),
    ("<svg onload=alert(1)>", "<p>&lt;svg onload=alert(1)&gt;</p>"),
    ('<iframe src="https://evil.example"></iframe>',
     '<p>&lt;iframe src="https://evil.example"&gt;&lt;/iframe&gt;</p>'),
    ("[click](javascript:alert(1))", "<p>[click](javascript:alert(1))</p>"),
    ("[click](JaVaScRiPt:alert(1))", "<p>[click](JaVaScRiPt:alert(1))</p>"),
    ("[click](  javascript:alert(1))", "<p>[click](  javascript:alert(1))</p>"),
    ("[click](data:text/html;base64,PHNjcmlwdD4=)",
     "<p>[click](data:text/html;base64,PHNjcmlwdD4=)</p>"),
    ("[click](vbscript:msgbox)", "<p>[click](vbscript:msgbox)</p>"),
    ("[click](file:///etc/passwd)", "<p>[click](file:///etc/passwd)</p>"),
    ("<javascript:alert(1)>", "<p>&lt;javascript:alert(1)&gt;</p>"),
    ("![tracker](https://evil.example/pixel.png)", "<p>[image: tracker]</p>"),
    ("![](https://evil.example/pixel.png)", "<p>[image]</p>"),
    ("![x](data:image/png;base64,AAAA)", "<p>[image: x]</p>"),
    ('<a href="javascript:alert(1)">x</a>',
     '<p>&lt;a href="javascript:alert(1)"&gt;x&lt;/a&gt;</p>'),
    ("<style>body{display:none}</style>",
     "<p>&lt;style&gt;body{display:none}&lt;/style&gt;</p>"),
    ("<!-- hidden -->", "<p>&lt;!-- hidden --&gt;</p>"),
    ('[ok](https://example.org "Title")',
     '<p><a href="https://example.org" title="Title" rel="nofollow noopener noreferrer">ok'
     "</a></p>"),
    ('[x](https://example.org "a\\" onmouseover=\\"alert(1)")',
     '<p><a href="https://example.org" title="a&quot; onmouseover=&quot;alert(1)" '
     'rel="nofollow noopener noreferrer">x</a></p>'),
    ("[mail](mailto:office@example.org)",
     '<p><a href="mailto:office@example.org" rel="nofollow noopener noreferrer">mail</a></p>'),
]


class Elements(HTMLParser):
    """The elements of an HTML text, as a browser would see them."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, list[tuple[str, str]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str]]) -> None:
        self.found.append((tag, attrs))


@pytest.mark.parametrize(("markdown", "expected"), XSS, ids=[x for x, _ in XSS])
def test_hostile_markdown_becomes_harmless_html(markdown, expected):
    html = text.render(markdown)
    assert html.strip() == expected
    parser = Elements()
    parser.feed(html)
    assert {tag for tag, _ in parser.found} <= {"p", "a"}
    for _tag, attrs in parser.found:
        assert {name for name, _ in attrs} <= {"href", "title", "rel"}
        assert all(value.startswith(("https:", "mailto:")) for name, value in attrs
                   if name == "href")


def test_ordinary_markdown_keeps_its_shape():
    html = text.render("# Guidelines\n\n- **No crosstalk**\n- *Be brief*\n\n1. One\n2. Two"
                            "\n\n| a | b |\n|--:|---|\n| 1 | 2 |")
    assert "<h1>Guidelines</h1>" in html
    assert "<li><strong>No crosstalk</strong></li>" in html and "<em>Be brief</em>" in html
    assert "<ol>" in html and '<td style="text-align:right">1</td>' in html


def test_headings_move_under_the_page_heading():
    assert text.render("# A\n\n###### F", 2).split() == ["<h3>A</h3>", "<h6>F</h6>"]


def test_size_limit_is_in_bytes_of_utf8():
    assert not text.too_big("a" * text.MAX_BYTES)
    assert text.too_big("a" * (text.MAX_BYTES + 1))
    assert text.too_big("é" * (text.MAX_BYTES // 2 + 1))  # two bytes each


def test_diff_marks_removed_and_added_lines_with_context():
    old = "\n".join(f"line {n}" for n in range(1, 21))
    new = old.replace("line 10", "line ten") + "\nline 21"
    hunks = text.diff(old, new)
    assert len(hunks) == 2
    first = hunks[0]
    assert [(line.kind, line.text) for line in first.lines] == [
        ("same", "line 7"), ("same", "line 8"), ("same", "line 9"),
        ("removed", "line 10"), ("added", "line ten"),
        ("same", "line 11"), ("same", "line 12"), ("same", "line 13"),
    ]
    assert (first.old_start, first.new_start) == (7, 7)
    assert text.changed_lines(hunks) == (1, 2)
    assert text.diff(old, old) == []


def test_signature_status_asks_everyone_to_sign_a_new_version():
    at = datetime(2026, 11, 1, tzinfo=UTC)
    texts = [AgreementText("en", 2, at)]
    statuses = signatures.signature_status(
        [1, 2, 3], {1: [SignedVersion("en", 1, at), SignedVersion("en", 2, at)],
                    2: [SignedVersion("en", 1, at)]}, texts, "en")
    assert statuses == {1: SignatureStatus(True, 2, at, "en"),
                        2: SignatureStatus(False, 1, at, "en"), 3: SignatureStatus(False)}
    assert not any(s.signed for s in signatures.signature_status([1], {}, [], None).values())


def test_a_translation_keeps_its_signers_signed_until_the_main_text_changes():
    """The one rule of domain.signatures.in_force: the main text is always in force; a
    translation while it is no older than the main text's newest version."""
    day = [datetime(2026, 11, d, tzinfo=UTC) for d in range(1, 6)]
    ana, ben = SignedVersion("es", 1, day[1]), SignedVersion("en", 1, day[1])

    def status(*texts: AgreementText) -> dict[int, bool]:
        return {leader: s.signed for leader, s in signatures.signature_status(
            [1, 2], {1: [ana], 2: [ben]}, texts, "en").items()}

    # English v1, then its Spanish translation: both signers are signed.
    assert status(AgreementText("en", 1, day[0]), AgreementText("es", 1, day[1])) == \
        {1: True, 2: True}
    # A new Spanish version (a better translation) asks only its own signers again.
    assert status(AgreementText("en", 1, day[0]), AgreementText("es", 2, day[2])) == \
        {1: False, 2: True}
    # A new English version asks everyone, Spanish signers too: their text is behind…
    behind = (AgreementText("en", 2, day[3]), AgreementText("es", 1, day[1]))
    assert status(*behind) == {1: False, 2: False}
    assert signatures.in_force(behind, "en") == {"en"}
    # …until the translation is brought up to date; then signing it counts again.
    assert signatures.in_force([AgreementText("en", 2, day[3]),
                                AgreementText("es", 2, day[4])], "en") == {"en", "es"}
    # With no main text (none written), nothing is in force.
    assert signatures.in_force([AgreementText("es", 1, day[0])], "en") == set()


@pytest.mark.parametrize(("typed", "name", "same"), [
    ("Sam T.", "Sam T.", True), ("sam t", "Sam T.", True), ("  SAM   T ", "Sam T.", True),
    ("María L.", "María L.", True), ("Sam", "Sam T.", False), ("...", "...", False),
])
def test_a_typed_signature_must_be_the_name(typed, name, same):
    assert signatures.same_name(typed, name) is same


@pytest.mark.parametrize(("program", "key"), [
    ("aa", "twelve-step"), ("na", "twelve-step"), ("smart", "smart"),
    ("celebrate", "celebrate"), ("dharma", "secular"), ("other", "secular"),
])
def test_each_program_gets_a_fitting_starting_text(program, key):
    texts, suggested = starting_texts.starting_points("guidelines", program)
    assert suggested == key and suggested in {t.key for t in texts}


def test_smart_starting_text_says_what_smart_groups_ask():
    smart = starting_texts.SMART_GUIDELINES.lower()
    for rule in ("no advice-giving", "no lengthy statements", "stay on topic"):
        assert rule in smart


@pytest.mark.parametrize(("old", "new", "changed"), [
    ("a\n" * 49_999, "a\n" * 49_998 + "b\n", (1, 1)),
    ("a\nb\n" * 24_999, "b\na\n" * 24_999, (1, 1)),
    ("a\n" * 49_999, "b\n" * 49_999, (49_999, 49_999)),
])
def test_diff_of_100_kb_of_repeated_lines_is_right_and_ends(old, new, changed):
    """Inputs on which difflib searched for minutes: the diff has a deadline
    (`bench.bench_documents` prints the times)."""
    assert text.changed_lines(text.diff(old, new)) == changed


def test_diff_keeps_the_same_lines_between_changes():
    old = "# Rules\n\n- Be kind\n- No crosstalk\n\n## Phones\n\nSilence them."
    new = "# Rules\n\n- Be kind\n- Keep it brief\n\n## Phones\n\nSilence them, please."
    lines = [(line.kind, line.text) for hunk in text.diff(old, new) for line in hunk.lines]
    assert ("removed", "- No crosstalk") in lines and ("added", "- Keep it brief") in lines
    assert ("same", "## Phones") in lines
    assert ("removed", "Silence them.") in lines and ("added", "Silence them, please.") in lines


def test_a_long_comparison_is_shown_in_part_and_says_so():
    hunks = text.diff("a\n" * 3_000, "b\n" * 3_000)
    kept, hidden = text.shown(hunks, most=2_000)
    assert sum(len(h.lines) for h in kept) == 2_000 and hidden == 4_000
    assert text.shown(hunks, most=10_000) == (hunks, 0)
    assert text.shown([], most=5) == ([], 0)
