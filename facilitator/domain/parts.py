"""A long handout printed in parts, so that no render holds the whole laid-out document.

WeasyPrint keeps every page of a document laid out until its PDF is written: the
5,000-meeting directory took ~100 MiB in its render child (~190 MiB in large print).
Printed in parts of at most `most` characters of HTML each, one child at a time, it
takes what one part takes, and the parts are joined into the PDF a reader would have
had from one render (facilitator/pdf.py `render_in_parts`):

- **Where a part may end**: between the blocks of the document's sections, the
  children of each `<section>` of its body (the directory's day headings, times and
  paragraphs of at most five meetings), never inside one, so no meeting is cut.
- **The same pages.** A part's last page may end early where the part ends, so it
  is not kept: the renderer keeps the pages before the last page that starts with
  one of the part's blocks, and the next part starts with that block, on a new page,
  as it did in the whole document. Its top margin is dropped, as WeasyPrint drops the
  margin at a break it chose, and its page number continues the last part's.

Pure: takes and returns strings and numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SECTION = re.compile(r"<section\b[^>]*>(.*?)</section>", re.S)
#: A section's blocks as our handout templates write them: a heading or a paragraph,
#: none holding another of its own kind.
_BLOCK = re.compile(r"<(h[1-6]|p)\b[^>]*>.*?</\1>", re.S)
_TAG_NAME = re.compile(r"^<\w+")


@dataclass(frozen=True)
class Block:
    """One child of a section: where a part may start or end."""

    section: int
    html: str


@dataclass(frozen=True)
class Parted:
    """A document as its parts are made from it: `head` up to and with `<body>`,
    `opening` before its first section, its sections' `blocks`, and `closing`, what
    follows its last section (to `</html>`). Each section's own tag is `section_tags`'."""

    head: str
    opening: str
    section_tags: tuple[str, ...]
    blocks: tuple[Block, ...]
    closing: str


def split(html: str) -> Parted | None:
    """The document in blocks; None when it has no section to split, or anything between
    or inside its sections besides blocks (it is then printed whole)."""
    sections = list(_SECTION.finditer(html))
    if not sections or "<body>" not in html:
        return None
    body = html.index("<body>") + len("<body>")
    tags: list[str] = []
    blocks: list[Block] = []
    for number, section in enumerate(sections):
        between = html[sections[number - 1].end():section.start()] if number else ""
        inner = section.group(1)
        found = list(_BLOCK.finditer(inner))
        if between.strip() or _BLOCK.sub("", inner).strip():
            return None
        tags.append(section.group(0)[:section.group(0).index(">") + 1])
        blocks.extend(Block(number, block.group(0)) for block in found)
    return Parted(html[:body], html[body:sections[0].start()], tuple(tags), tuple(blocks),
                  html[sections[-1].end():])


def part_end(parted: Parted, start: int, most: int) -> int:
    """Where the part that starts with block `start` ends (the index after its last
    block): as many blocks as hold at most `most` characters, and at least one."""
    end, size = start + 1, len(parted.blocks[start].html)
    while end < len(parted.blocks) and size + len(parted.blocks[end].html) <= most:
        size += len(parted.blocks[end].html)
        end += 1
    return end


def part_html(parted: Parted, start: int, end: int, first_page: int) -> str:
    """The HTML of the part of blocks `start` to `end`, its first page numbered
    `first_page`: the opening in the first part, the closing in the last; a part that
    starts inside a section repeats the section's tag, not its heading."""
    head = parted.head
    if first_page > 1:
        head = head.replace("</head>", "<style>@page :first { counter-set: page "
                            f"{first_page} }}</style></head>", 1)
    out = [head, parted.opening if start == 0 else ""]
    section = None
    for number in range(start, end):
        block = parted.blocks[number]
        if block.section != section:
            out.append("</section>" if section is not None else "")
            out.append(parted.section_tags[block.section])
            section = block.section
        html = block.html
        if number == start and start > 0:
            html = _TAG_NAME.sub(lambda tag: f'{tag.group(0)} style="margin-top: 0"', html, 1)
        out.append(html)
    out.append("</section>")
    out.append(parted.closing if end == len(parted.blocks) else "</body></html>")
    return "".join(out)
