"""Where a long handout is cut into parts, and what each part's HTML holds
(facilitator/domain/parts.py); that the PDF reads as one document is in
tests/test_handouts_fit.py."""

from __future__ import annotations

from facilitator.domain import parts

HEAD = "<html><head><style>@page { }</style></head><body>"
DOCUMENT = (
    f"{HEAD}<h1>Meetings</h1>\n"
    '<section class="day"><h2>Sunday</h2>\n<h3 class="time">7:00 pm</h3>\n'
    '<p class="listings">A · One\nB · Two</p></section>\n'
    '<section class="day"><h2>Monday</h2><h3 class="time">8:00 am</h3>'
    '<p class="listings">C · Three <span class="notice">Cancelled</span></p>'
    '<p class="listings">D · Four</p></section>\n'
    "<h2>Type codes</h2></body></html>")


def test_a_document_is_cut_between_the_blocks_of_its_sections_only():
    parted = parts.split(DOCUMENT)
    assert parted is not None
    assert parted.opening == "<h1>Meetings</h1>\n"
    assert [(block.section, block.html[:4]) for block in parted.blocks] == [
        (0, "<h2>"), (0, "<h3 "), (0, "<p c"), (1, "<h2>"), (1, "<h3 "), (1, "<p c"),
        (1, "<p c")]
    assert parted.blocks[2].html == '<p class="listings">A · One\nB · Two</p>'
    assert parted.closing == "\n<h2>Type codes</h2></body></html>"


def test_a_document_with_more_than_blocks_in_its_sections_is_not_cut():
    assert parts.split(DOCUMENT.replace("<h2>Sunday</h2>", "<div>Sunday</div>")) is None
    assert parts.split(f"{HEAD}<p>No meetings are listed.</p></body></html>") is None


def test_a_part_holds_as_many_blocks_as_fit_and_at_least_one():
    parted = parts.split(DOCUMENT)
    sizes = [len(block.html) for block in parted.blocks]
    assert parts.part_end(parted, 0, sizes[0] + sizes[1]) == 2
    assert parts.part_end(parted, 0, sizes[0] + sizes[1] - 1) == 1
    assert parts.part_end(parted, 2, 1) == 3
    assert parts.part_end(parted, 0, len(DOCUMENT)) == len(parted.blocks)


def test_the_parts_hold_every_block_once_in_order_with_the_opening_and_closing_once():
    parted = parts.split(DOCUMENT)
    first = parts.part_html(parted, 0, 2, 1)
    second = parts.part_html(parted, 2, 5, 3)
    last = parts.part_html(parted, 5, 7, 4)
    assert first.startswith(HEAD) and "<h1>Meetings</h1>" in first
    assert "Type codes" not in first + second and last.endswith(parted.closing)
    assert "<h1>" not in second + last
    assert [text.count("<section") for text in (first, second, last)] == [1, 2, 1]
    # A part that starts within a day repeats the day's section, not its heading, and its
    # first block takes the page's top as WeasyPrint's own break did: no margin above.
    assert second.count("<h2>") == 1  # Monday's, not Sunday's again
    assert '<p style="margin-top: 0" class="listings">A · One' in second
    assert '<p style="margin-top: 0" class="listings">C · Three' in last


def test_a_later_part_numbers_its_pages_on_from_the_last():
    parted = parts.split(DOCUMENT)
    assert "counter-set" not in parts.part_html(parted, 0, 2, 1)
    assert "@page :first { counter-set: page 12 }" in parts.part_html(parted, 2, 7, 12)
