"""Benchmark of comparing document versions: `make bench`, or alone
`.venv/bin/python -m bench.bench_documents`.

A document may be 100 KB. For each pair of texts this prints how long
`domain.text.diff` takes (best of three), beside difflib's SequenceMatcher (what
the diff used before) on the same kind of text cut to 2,000 lines, since on the full
text it searches for minutes. The first pair is an ordinary long document with one
line changed; the others are what a hostile leader could save.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from bench.bench_import import best_of
from bench.report import Figure
from bench.report import at_most
from facilitator.domain import text


def pairs() -> dict[str, tuple[str, str]]:
    """Pairs of texts of about 100 KB each."""
    ordinary = "\n".join(f"Line {i} of an ordinary document." for i in range(2_900))
    return {
        "ordinary, one line changed": (ordinary, ordinary.replace("Line 500 ", "Line five ")),
        "one repeated line, one more": ("a\n" * 50_000, "a\n" * 49_999 + "b\n"),
        "two lines alternating, shifted": ("a\nb\n" * 25_000, "b\na\n" * 25_000),
        "seven lines cycling vs five": ("".join(f"p{i % 7}\n" for i in range(33_000)),
                                        "".join(f"p{i % 5}\n" for i in range(33_000))),
    }


def figures(meetings: int = 0, groups: int = 0) -> Iterator[Figure]:
    """One figure per pair: our diff of the whole texts, beside difflib on the first
    2,000 lines of the same texts (the sizes of the meeting data do not matter here)."""
    for name, (old, new) in pairs().items():
        ours = best_of(3, lambda old=old, new=new: text.diff(old, new))
        a, b = (body.splitlines()[:2_000] for body in (old, new))
        theirs = best_of(1, lambda a=a, b=b: list(
            difflib.SequenceMatcher(None, a, b, autojunk=False).get_grouped_opcodes(3)))
        hostile = not name.startswith("ordinary")
        yield Figure(f"documents: diff, {name}", ours, "s", theirs,
                     "difflib on the first 2,000 lines", at_most(1) if hostile else None,
                     f"{len(old.encode()) // 1000} KB each")


def main() -> None:
    for figure in figures():
        print(f"{figure.name:50} {figure.value:7.2f}s  beside {figure.baseline:6.2f}s "
              f"({figure.baseline_is}), {figure.note}")


if __name__ == "__main__":
    main()
