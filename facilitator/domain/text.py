"""Documents as text: Markdown made into safe HTML, and the difference between two
versions. Knows neither Flask nor the database."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from typing import Any
from typing import Literal

import nh3
from diff_match_patch import diff_match_patch
from markdown_it import MarkdownIt
from markupsafe import Markup

#: The most a document may hold, in bytes of UTF-8: ground rules fit in a page or two,
#: and a limit keeps pages, diffs and printed handouts quick.
MAX_BYTES = 100_000

#: Tags a document may become. No images (members' browsers must not fetch from
#: anywhere a writer chooses), no frames, forms, scripts or styles.
ALLOWED_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "code", "pre",
    "blockquote", "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"style"},
                      "td": {"style"}}
#: Only links a person can follow safely: no javascript:, data:, file: or vbscript:.
URL_SCHEMES = {"http", "https", "mailto"}


def _markdown() -> MarkdownIt:
    # CommonMark with raw HTML switched off: <script> and friends stay visible text.
    md = MarkdownIt("commonmark", {"html": False}).enable("table")

    def image_as_text(_renderer: Any, tokens: list[Any], idx: int, _options: Any,
                      _env: Any) -> str:
        # A remote image would tell its host who reads the group's page; show its words.
        alt = "".join(child.content for child in tokens[idx].children or [])
        return escape(f"[image: {alt}]" if alt else "[image]")

    md.add_render_rule("image", image_as_text)
    return md


_MD = _markdown()


def too_big(text: str) -> bool:
    return len(text.encode("utf-8")) > MAX_BYTES


#: A document is at most 100 KB, so the cache holds at most a few MB.
@lru_cache(maxsize=64)
def render(text: str, shift_headings: int = 0) -> str:
    """Return the Markdown text as HTML that is safe to put in any page.

    markdown-it-py escapes raw HTML and refuses unsafe link targets; nh3 then keeps only
    the allow-listed tags, attributes and URL schemes, whatever slipped through.
    Headings move down `shift_headings` levels, to sit under the page's own.
    """
    tokens = _MD.parse(text)
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(6, int(token.tag[1]) + shift_headings)}"
    html = _MD.renderer.render(tokens, _MD.options, {})
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow noopener noreferrer",
        # Table cells' alignment only: text-align, nothing that could position or hide.
        filter_style_properties={"text-align"},
        strip_comments=True,
    )


def safe_html(text: str, shift_headings: int = 0) -> Markup:
    """The rendered text, marked safe for templates: render() sanitized it."""
    return Markup(render(text, shift_headings))  # noqa: S704 (sanitized by nh3)


@dataclass(frozen=True)
class DiffLine:
    """One line of a comparison: kept, removed (only in the older text) or added."""

    kind: str  # "same", "removed" or "added"
    text: str
    old_number: int | None
    new_number: int | None


@dataclass(frozen=True)
class Hunk:
    """A run of changed lines with a few unchanged lines around them."""

    old_start: int
    new_start: int
    lines: list[DiffLine]


#: How long one comparison may look for the fewest changed lines. Past it, what is still
#: unmatched shows as removed and added: correct, only less tidy. (difflib has no limit,
#: and 100 KB of a few repeated lines kept it busy for minutes.)
DIFF_SECONDS = 0.5


class _DeadlineDiff(diff_match_patch):
    """Myers' diff with a deadline, without the "half match" shortcut: that one has no
    deadline, and on 100 KB of two alternating lines it took seconds."""

    def diff_halfMatch(self, text1: str, text2: str) -> None:  # noqa: N802 (its name)
        return None


#: What difflib calls the operations of an opcode.
Opcode = Literal["replace", "delete", "insert", "equal"]


class _LineMatcher(difflib.SequenceMatcher):
    """difflib's grouping of changes with context, over the changes diff-match-patch
    found: its Myers diff stops at a deadline, where difflib's search can take
    minutes on hostile input."""

    def __init__(self, old_lines: list[str], new_lines: list[str]) -> None:
        super().__init__(None, (), ())
        # One character per distinct line (above the surrogates), so that the
        # character diff is a line diff.
        codes: dict[str, str] = {}

        def as_chars(lines: list[str]) -> str:
            return "".join(codes.setdefault(line, chr(0x10000 + len(codes)))
                           for line in lines)

        finder = _DeadlineDiff()
        finder.Diff_Timeout = DIFF_SECONDS
        found = finder.diff_main(as_chars(old_lines), as_chars(new_lines), checklines=False)
        self._found: list[tuple[Opcode, int, int, int, int]] = []
        i = j = 0
        for operation, chars in found:
            n = len(chars)
            if operation == finder.DIFF_EQUAL:
                self._found.append(("equal", i, i + n, j, j + n))
                i, j = i + n, j + n
            elif operation == finder.DIFF_DELETE:
                self._found.append(("delete", i, i + n, j, j))
                i += n
            else:
                self._found.append(("insert", i, i, j, j + n))
                j += n

    def get_opcodes(self) -> list[tuple[Opcode, int, int, int, int]]:
        return list(self._found)


def diff(old: str, new: str, context: int = 3) -> list[Hunk]:
    """Compare two texts line by line; an empty list means they say the same."""
    old_lines, new_lines = old.splitlines(), new.splitlines()
    matcher = _LineMatcher(old_lines, new_lines)
    hunks = []
    for group in matcher.get_grouped_opcodes(context):
        lines: list[DiffLine] = []
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                lines += [DiffLine("same", old_lines[i], i + 1, j1 + (i - i1) + 1)
                          for i in range(i1, i2)]
                continue
            lines += [DiffLine("removed", old_lines[i], i + 1, None) for i in range(i1, i2)]
            lines += [DiffLine("added", new_lines[j], None, j + 1) for j in range(j1, j2)]
        hunks.append(Hunk(group[0][1] + 1, group[0][3] + 1, lines))
    return hunks


#: The most lines of a comparison a page shows: a whole 100 KB text rewritten would be
#: 100,000 lines and some 19 MB of HTML.
MOST_SHOWN = 2_000


def shown(hunks: list[Hunk], most: int = MOST_SHOWN) -> tuple[list[Hunk], int]:
    """The first hunks, up to `most` lines in all, and how many lines are left out."""
    kept: list[Hunk] = []
    room = most
    for hunk in hunks:
        if room > 0:
            kept.append(hunk if len(hunk.lines) <= room else
                        Hunk(hunk.old_start, hunk.new_start, hunk.lines[:room]))
        room -= len(hunk.lines)
    return kept, max(0, -room)


def changed_lines(hunks: Iterable[Hunk]) -> tuple[int, int]:
    """How many lines were removed and added."""
    lines = [line for hunk in hunks for line in hunk.lines]
    return (sum(1 for line in lines if line.kind == "removed"),
            sum(1 for line in lines if line.kind == "added"))
