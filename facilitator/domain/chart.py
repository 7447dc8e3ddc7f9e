"""A bar chart of counts by month, laid out and written as SVG, for the attendance
reports' pages and PDFs alike.

Pure: it takes the words already in the reader's language and a way to write a number,
and gives the same bytes for the same input. The SVG keeps its text as text and holds
no script and no style sheet: a browser's <img>, a browser tab and WeasyPrint read it
the same way. (Drawn here rather than by a charting library: matplotlib kept about 40 MiB
in each web worker, pygal writes a script into every chart, and leather has neither bars
side by side nor words on a chart.)
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Sequence
from dataclasses import dataclass
from xml.etree.ElementTree import Element
from xml.etree.ElementTree import SubElement
from xml.etree.ElementTree import tostring

#: The drawing's own units; printed 7 inches wide, which fits A4 and Letter.
WIDTH, HEIGHT = 720, 320
PRINTED = ("504pt", "224pt")
FONT = "DejaVu Sans, Verdana, sans-serif"
#: Text, the words of a month without numbers, and the grid: each at least 4.5:1 on
#: white but the grid, which only repeats the axis's numbers.
TEXT, MUTED, GRID = "#1f2328", "#57606a", "#d0d7de"
#: DejaVu Sans's widest common letters are about this share of the font size: room
#: kept for the axis's numbers and the legend's names, in any language.
LETTER = 0.65
#: At most this many steps between the axis's numbers.
STEPS = 5


@dataclass(frozen=True)
class Series:
    """One kind of count, a bar in each month: its name in the legend, and its colour."""

    name: str
    colour: str


@dataclass(frozen=True)
class Month:
    #: The lines of its label under the axis: "Nov", "2026", "so far".
    label: tuple[str, ...]
    #: One count per series; None where the small-count rule hides it.
    values: tuple[int | None, ...]
    #: Why the month has no numbers ("no meetings", "not counted yet"); "" when it has.
    missing: str = ""


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    colour: str


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    colour: str


@dataclass(frozen=True)
class Text:
    """A text whose baseline starts (anchor "start"), is centred ("middle") or ends at
    x, y; upright ones read from the bottom up, starting at y."""

    x: float
    y: float
    text: str
    size: float = 12
    anchor: str = "middle"
    colour: str = TEXT
    upright: bool = False


@dataclass(frozen=True)
class Chart:
    #: The axis's numbers, from 0 up.
    ticks: list[int]
    bars: list[Bar]
    lines: list[Line]
    texts: list[Text]


def ticks(highest: int) -> list[int]:
    """The y axis's numbers: whole numbers from 0 in equal steps of 1, 2 or 5 times a
    power of ten, at most STEPS of them, up to the first at or above `highest` and 5."""
    top = max(highest, 5)
    step = next(step for step in _steps() if -(-top // step) <= STEPS)
    return list(range(0, step * -(-top // step) + 1, step))


def _steps() -> Iterator[int]:
    power = 1
    while True:
        yield from (power, 2 * power, 5 * power)
        power *= 10


def layout(months: Sequence[Month], series: Sequence[Series], hidden: str,
           number: Callable[[int], str]) -> Chart:
    """The months' bars side by side, one per series, on an axis from 0; a hidden count
    is no bar but the word `hidden` standing where its bar would be, and a month without
    numbers says why (Month.missing) across its place, never a bar of 0. The legend
    names the series above the bars; `number` writes the axis's numbers."""
    marks = ticks(max((v for m in months if not m.missing for v in m.values if v), default=0))
    tick_size, label_size, note_size, line_height = 13, 12, 11, 14
    widest = max(len(number(tick)) for tick in marks) * LETTER * tick_size
    left = 10 + widest + 8
    # The last month's label is centred under its place: room for it, "so far" and all.
    last = max((len(line) for line in months[-1].label), default=0) if months else 0
    overhang = last * LETTER * label_size / 2 - (WIDTH - 10 - left) / max(len(months), 1) / 2
    right = WIDTH - 10 - max(overhang, 0)
    top = 44
    bottom = HEIGHT - 10 - line_height * max((len(m.label) for m in months), default=1)
    texts: list[Text] = []
    lines: list[Line] = []
    bars: list[Bar] = []

    def height_of(value: int) -> float:
        return (bottom - top) * value / marks[-1]

    for tick in marks:
        y = bottom - height_of(tick)
        lines.append(Line(left, y, right, y, MUTED if tick == 0 else GRID))
        texts.append(Text(left - 8, y + tick_size * 0.35, number(tick), tick_size, "end"))
    slot = (right - left) / max(len(months), 1)
    width = slot * 0.8 / max(len(series), 1)
    for n, month in enumerate(months):
        start, middle = left + n * slot, left + (n + 1 / 2) * slot
        for row, label in enumerate(month.label):
            texts.append(Text(middle, bottom + 16 + row * line_height, label, label_size))
        if month.missing:
            texts.append(_standing(middle, bottom, month.missing, note_size, MUTED))
            continue
        for place, (kind, value) in enumerate(zip(series, month.values, strict=True)):
            x = start + slot * 0.1 + place * width
            if value is None:
                texts.append(_standing(x + width / 2, bottom, hidden, note_size, TEXT))
            elif value:
                bars.append(Bar(x, bottom - height_of(value), width, height_of(value),
                                kind.colour))
    x = left
    for kind in series:
        bars.append(Bar(x, 12, 12, 12, kind.colour))
        texts.append(Text(x + 18, 23, kind.name, tick_size, "start"))
        x += 18 + len(kind.name) * LETTER * tick_size + 24
    return Chart(marks, bars, lines, texts)


def _standing(x: float, bottom: float, text: str, size: float, colour: str) -> Text:
    """A word upright from just above the axis, its letters centred on x."""
    return Text(x + size * 0.35, bottom - 4, text, size, "start", colour, upright=True)


def svg(chart: Chart) -> bytes:
    """The chart as an SVG document: shapes and text, no script, no style sheet."""
    root = Element("svg", {"xmlns": "http://www.w3.org/2000/svg", "version": "1.1",
                           "width": PRINTED[0], "height": PRINTED[1],
                           "viewBox": f"0 0 {WIDTH} {HEIGHT}", "font-family": FONT})
    SubElement(root, "rect", {"width": str(WIDTH), "height": str(HEIGHT), "fill": "#ffffff"})
    for line in chart.lines:
        SubElement(root, "line", {"x1": _at(line.x1), "y1": _at(line.y1), "x2": _at(line.x2),
                                  "y2": _at(line.y2), "stroke": line.colour})
    for bar in chart.bars:
        SubElement(root, "rect", {"x": _at(bar.x), "y": _at(bar.y), "width": _at(bar.width),
                                  "height": _at(bar.height), "fill": bar.colour})
    for text in chart.texts:
        attributes = {"x": _at(text.x), "y": _at(text.y), "font-size": _at(text.size),
                      "text-anchor": text.anchor, "fill": text.colour}
        if text.upright:
            attributes["transform"] = f"rotate(-90 {_at(text.x)} {_at(text.y)})"
        SubElement(root, "text", attributes).text = text.text
    return tostring(root, encoding="utf-8", xml_declaration=True)


def _at(value: float) -> str:
    """A coordinate to a tenth of a unit, written the same way every time."""
    return f"{value:.1f}".removesuffix(".0")
