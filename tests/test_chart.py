"""The attendance chart's layout (domain.chart), without a server: the axis's numbers,
a bar per count in proportion, a hidden count and a month without meetings as words and
never as bars, and an SVG of shapes and text only, the same bytes every time.
tests/test_attendance.py and tests/test_handouts.py read the chart a report draws."""

from __future__ import annotations

from xml.etree import ElementTree

import pytest
from hypothesis import given
from hypothesis import strategies as st

from facilitator.domain import chart

SVG = "{http://www.w3.org/2000/svg}"
SERIES = [chart.Series("People", "#1d5c8c"), chart.Series("First meeting", "#a34700")]


def english(value: int) -> str:
    return f"{value:,}"


def spanish(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def month(values: tuple[int | None, ...], missing: str = "", label: str = "Oct") -> chart.Month:
    return chart.Month((label, "2026"), values, missing)


def laid_out(*months: chart.Month, number=english) -> chart.Chart:
    return chart.layout(list(months), SERIES, "hidden", number)


def bars_of(drawn: chart.Chart, colour: str) -> list[chart.Bar]:
    return [bar for bar in drawn.bars if bar.colour == colour and bar.y > 30]  # not the legend


@pytest.mark.parametrize(("highest", "numbers"), [
    (0, [0, 1, 2, 3, 4, 5]),
    (3, [0, 1, 2, 3, 4, 5]),
    (6, [0, 2, 4, 6]),
    (12, [0, 5, 10, 15]),
    (15, [0, 5, 10, 15]),
    (445, [0, 100, 200, 300, 400, 500]),
    (1000, [0, 200, 400, 600, 800, 1000]),
    (1001, [0, 500, 1000, 1500]),
])
def test_the_axis_counts_in_whole_round_steps_from_0_to_at_least_5(highest, numbers):
    assert chart.ticks(highest) == numbers


@given(st.integers(0, 10**7))
def test_the_axis_always_reaches_the_highest_count_within_one_step(highest):
    numbers = chart.ticks(highest)
    step = numbers[1]
    assert numbers == list(range(0, numbers[-1] + 1, step))
    assert 3 <= len(numbers) <= chart.STEPS + 1
    assert numbers[-1] >= max(highest, 5) > numbers[-1] - step
    assert int(str(step)[0]) in (1, 2, 5) and set(str(step)[1:]) <= {"0"}


def test_each_count_is_a_bar_in_proportion_on_its_months_place():
    drawn = laid_out(month((15, 3)), month((9, 0), label="Nov"))
    assert drawn.ticks == [0, 5, 10, 15]
    people, first = bars_of(drawn, "#1d5c8c"), bars_of(drawn, "#a34700")
    # A count of 0 is no bar but no word either; the others stand on the same axis.
    assert len(people) == 2 and len(first) == 1
    axis = max(line.y1 for line in drawn.lines)
    assert all(bar.y + bar.height == pytest.approx(axis) for bar in people + first)
    assert people[1].height / people[0].height == pytest.approx(9 / 15)
    assert first[0].height / people[0].height == pytest.approx(3 / 15)
    # Side by side within the month, and the months in order.
    assert people[0].x + people[0].width <= first[0].x < people[1].x
    # The top of the axis is the highest count's.
    top = min(line.y1 for line in drawn.lines)
    assert people[0].y == pytest.approx(top)


def test_a_hidden_count_is_no_bar_but_the_word_where_its_bar_would_stand():
    drawn = laid_out(month((12, None)), month((None, None), label="Nov"))
    people = bars_of(drawn, "#1d5c8c")
    assert len(people) == 1 and not bars_of(drawn, "#a34700")
    hidden = [text for text in drawn.texts if text.text == "hidden"]
    assert len(hidden) == 3 and all(text.upright for text in hidden)
    # Oct's word stands right of its people's bar, inside October's place.
    beside = min(hidden, key=lambda text: text.x)
    assert people[0].x + people[0].width < beside.x < label_x(drawn, "Nov")
    # The axis does not grow for what it hides.
    assert drawn.ticks == [0, 5, 10, 15]


def test_a_month_without_numbers_says_why_and_draws_nothing():
    drawn = laid_out(month((None, None), "no meetings", "Sep"),
                     month((None, None), "not counted yet"), month((2, 1), label="Nov"))
    words = {text.text: text for text in drawn.texts}
    assert words["no meetings"].upright and words["not counted yet"].upright
    assert words["no meetings"].x < label_x(drawn, "Oct") < words["not counted yet"].x
    assert "hidden" not in words
    assert len(bars_of(drawn, "#1d5c8c")) == len(bars_of(drawn, "#a34700")) == 1
    # Nothing counted at all: still an axis to 5 (no division by zero).
    empty = laid_out(month((None, None), "no meetings"))
    assert empty.ticks == [0, 1, 2, 3, 4, 5] and not bars_of(empty, "#1d5c8c")


def label_x(drawn: chart.Chart, word: str) -> float:
    return next(text.x for text in drawn.texts if text.text == word)


def test_the_svg_is_text_and_shapes_only_and_the_same_bytes_every_time():
    months = [month((1200, None)), month((None, None), "sin reuniones", "nov"),
              chart.Month(("dic", "2026", "hasta ahora"), (3, 1))]
    series = [chart.Series("Personas", "#1d5c8c"), chart.Series("Primera <reunión>", "#a34700")]
    document = chart.svg(chart.layout(months, series, "oculta", spanish))
    assert document == chart.svg(chart.layout(months, series, "oculta", spanish))
    root = ElementTree.fromstring(document)  # noqa: S314 (our own drawing)
    assert {element.tag.removeprefix(SVG) for element in root.iter()} == {
        "svg", "rect", "line", "text"}
    assert not [name for element in root.iter() for name in element.attrib
                if name.startswith("on") or "href" in name]
    texts = [text.text for text in root.iter(f"{SVG}text")]
    # The axis's numbers as the page's language writes them, the words as given.
    assert "1.500" in texts and "1,500" not in texts
    assert {"Personas", "Primera <reunión>", "oculta", "sin reuniones", "hasta ahora"} <= set(
        texts)
    assert texts.count("2026") == 3


def test_a_long_label_under_the_last_month_stays_inside_the_drawing():
    months = [month((4, 1), label=name) for name in ("ene", "feb", "mar", "abr", "may", "jun",
                                                     "jul", "ago", "sept", "oct", "nov")]
    months.append(chart.Month(("dic", "2026", "hasta ahora"), (3, 1)))
    drawn = chart.layout(months, SERIES, "oculta", spanish)
    so_far = next(text for text in drawn.texts if text.text == "hasta ahora")
    assert so_far.x + len(so_far.text) * chart.LETTER * so_far.size / 2 <= chart.WIDTH
