"""What a benchmark measures, and how the figures are shown and written.

A benchmark module yields `Figure`s: each a value beside a baseline measured in the
same run, with an optional goal. `show()` prints one as it comes; `write()` turns a
run's figures into bench/results.md and bench/results.json.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import importlib
import json
import math
import multiprocessing
from collections.abc import Callable
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from typing import ParamSpec
from typing import TypeVar

import bench

WIDTH = 52
P = ParamSpec("P")
T = TypeVar("T")


@dataclass(frozen=True)
class Goal:
    """A limit on a figure: on its value (`of="value"`) or on its ratio to the baseline
    (`of="ratio"`), at most (`"<="`) or at least (`">="`) `limit`."""

    limit: float
    of: str = "ratio"
    at: str = "<="

    def met(self, figure: Figure) -> bool:
        measured = figure.ratio if self.of == "ratio" else figure.value
        if measured is None:
            return False
        return measured <= self.limit if self.at == "<=" else measured >= self.limit

    def text(self, unit: str) -> str:
        sign = "≤" if self.at == "<=" else "≥"
        if self.of == "ratio":
            return f"{sign} {self.limit:g}× baseline"
        return f"{sign} {self.limit:g} {unit}"


def at_most(limit: float, of: str = "ratio") -> Goal:
    return Goal(limit, of, "<=")


def at_least(limit: float, of: str = "ratio") -> Goal:
    return Goal(limit, of, ">=")


@dataclass(frozen=True)
class Figure:
    """One measurement. `baseline` is the same quantity for something simpler (the
    small org, the library, a static file, /healthz), measured in the same run."""

    name: str
    value: float
    unit: str
    baseline: float
    baseline_is: str
    goal: Goal | None = None
    note: str = ""
    #: The fastest and slowest of several runs, when `value` is their median.
    spread: tuple[float, float] | None = None
    baseline_spread: tuple[float, float] | None = None

    @property
    def ratio(self) -> float | None:
        return self.value / self.baseline if self.baseline else None

    @property
    def met(self) -> bool | None:
        return None if self.goal is None else self.goal.met(self)

    def as_json(self, benchmark: str) -> dict[str, Any]:
        return {
            "benchmark": benchmark,
            "name": self.name,
            "value": _rounded(self.value),
            "baseline": _rounded(self.baseline),
            "ratio": None if self.ratio is None else round(self.ratio, 3),
            "goal": None if self.goal is None else self.goal.text(self.unit),
            "met": self.met,
            "unit": self.unit,
            "baseline_is": self.baseline_is,
            "note": self.note,
            "spread": None if self.spread is None else [_rounded(n) for n in self.spread],
            "baseline_spread": None if self.baseline_spread is None
            else [_rounded(n) for n in self.baseline_spread],
        }


def _rounded(number: float) -> float:
    if number == 0 or not math.isfinite(number):
        return number
    digits = max(0, 3 - int(math.floor(math.log10(abs(number)))))
    return round(number, digits)


def amount(number: float, unit: str = "") -> str:
    """A figure as people read it: three significant digits at most, thousands marked."""
    if number >= 100 or number == int(number):
        text = f"{number:,.0f}"
    elif number >= 10:
        text = f"{number:.1f}"
    else:
        text = f"{number:.2f}" if number >= 1 else f"{number:.3g}"
    return f"{text} {unit}".strip()


def measured(number: float, unit: str, spread: tuple[float, float] | None) -> str:
    """A figure, and when it is a median the range of its runs: "16.9 s (16.5–18.2)"."""
    if spread is None:
        return amount(number, unit)
    low, high = (amount(n) for n in spread)
    return f"{amount(number, unit)} ({low}–{high})"


def times(ratio: float | None) -> str:
    if ratio is None:
        return ""
    return f"{ratio:.2g}×" if ratio < 0.1 else f"{ratio:.2f}×" if ratio < 10 else f"{ratio:.0f}×"


def verdict(figure: Figure) -> str:
    if figure.goal is None:
        return ""
    return f"{figure.goal.text(figure.unit)}: {'ok' if figure.met else 'MISSED'}"


def show(figure: Figure) -> None:
    ratio = "" if figure.ratio is None else f" ({times(figure.ratio)})"
    print(f"{figure.name:<{WIDTH}} {measured(figure.value, figure.unit, figure.spread):>14}   "
          f"{figure.baseline_is}: "
          f"{measured(figure.baseline, figure.unit, figure.baseline_spread)}{ratio}"
          f"{'; ' + verdict(figure) if figure.goal else ''}"
          f"{'; ' + figure.note if figure.note else ''}", flush=True)


def markdown_table(results: list[tuple[str, Figure]]) -> str:
    rows = ["| benchmark | figure | value | baseline (same run) | ratio | goal |",
            "|---|---|---:|---|---:|---|"]
    for benchmark, figure in results:
        rows.append(
            f"| {benchmark} | {figure.name}{' (' + figure.note + ')' if figure.note else ''} "
            f"| {measured(figure.value, figure.unit, figure.spread)} "
            f"| {figure.baseline_is}: "
            f"{measured(figure.baseline, figure.unit, figure.baseline_spread)} "
            f"| {times(figure.ratio)} "
            f"| {verdict(figure)} |"
        )
    return "\n".join(rows)


def write(folder: Path, header: str, results: list[tuple[str, Figure]],
          failures: dict[str, str]) -> None:
    """bench/results.md (for people) and bench/results.json (for programs)."""
    lines = ["# Benchmark results", "", "Written by `make bench` (`python -m bench`); do not edit.",
             "", header, "", markdown_table(results), ""]
    for benchmark, error in failures.items():
        lines += [f"**{benchmark} failed:** {error}", ""]
    (folder / "results.md").write_text("\n".join(lines))
    document = {"header": header, "failures": failures,
                "figures": [figure.as_json(benchmark) for benchmark, figure in results]}
    (folder / "results.json").write_text(json.dumps(document, indent=1, ensure_ascii=False)
                                         + "\n")


def standalone(figures: Callable[..., Iterable[Figure]], doc: str) -> None:
    """A benchmark module run on its own (`python -m bench.bench_<name>`): its figures
    printed as they come, nothing written."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--meetings", type=int, default=5000)
    parser.add_argument("--groups", type=int, default=1000)
    args = parser.parse_args()
    for figure in figures(meetings=args.meetings, groups=args.groups):
        show(figure)


def in_new_process(function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """`function(*args)` run in a new Python process (spawned, not forked: nothing of
    this one's imports or memory), as a server starts; its result or its exception."""
    spawn = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=spawn) as fresh:
        return fresh.submit(function, *args, **kwargs).result()


def figures_of(name: str, meetings: int, groups: int,
               folders: list[str] | None = None) -> list[Figure]:
    """The figures of the benchmark `bench/bench_<name>.py`, each shown as it comes;
    found in `folders` when given (the runner's bench.__path__, in a new process)."""
    if folders is not None:
        bench.__path__[:] = folders
    module = importlib.import_module(f"bench.bench_{name}")
    if not hasattr(module, "figures"):
        raise TypeError(f"bench/bench_{name}.py has no figures(meetings, groups) function")
    found = []
    for figure in module.figures(meetings=meetings, groups=groups):
        show(figure)
        found.append(figure)
    return found
