"""Every benchmark, one report: `python -m bench` (what `make bench` runs).

Runs each module `bench/bench_<name>.py` in turn, by name, on generated data of
5,000 meetings in 1,000 groups. A benchmark is any such module with a function

    def figures(meetings: int, groups: int) -> Iterator[bench.report.Figure]

that yields its figures, each beside a baseline measured in the same run; a new one
needs no change here. Each module runs in a fresh Python process of its own, as a
server starts: what one benchmark leaves in memory (its data, its caches, the garbage
collector's work over them) never slows the next one's figures. Writes
bench/results.md and bench/results.json and puts the table into README.md. A
benchmark that fails is reported, the others still run, and the exit status is 1.

    python -m bench [--meetings N] [--groups M] [--only NAME …]

`--only` runs the benchmarks named and writes nothing: results files always come
from a whole run.
"""

from __future__ import annotations

import argparse
import datetime
import os
import pkgutil
import platform
import sqlite3
import subprocess
import sys
import time
import traceback
from pathlib import Path

import bench
from bench.report import Figure
from bench.report import figures_of
from bench.report import in_new_process
from bench.report import markdown_table
from bench.report import write

FOLDER = Path(__file__).resolve().parent
README = FOLDER.parent / "README.md"
README_START = "<!-- bench results: written by make bench -->"
README_END = "<!-- end of bench results -->"


def benchmarks() -> list[str]:
    """The benchmark modules' short names (bench_feeds → feeds), in name order."""
    return sorted(module.name.removeprefix("bench_")
                  for module in pkgutil.iter_modules(bench.__path__)
                  if module.name.startswith("bench_"))


def run(name: str, meetings: int, groups: int) -> list[Figure]:
    """The figures of one benchmark, measured in a new process."""
    return in_new_process(figures_of, name, meetings, groups, list(bench.__path__))


def commit() -> str:
    found = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=FOLDER,  # noqa: S607
                           capture_output=True, text=True, check=False).stdout.strip()
    return found or "unknown"


def header(meetings: int, groups: int, started: datetime.datetime, code: str,
           seconds: float, load: float) -> str:
    """When, on what code and machine: figures from a busy machine are slower, and only
    their ratios to the same run's baselines compare across runs."""
    return (f"{started:%Y-%m-%d %H:%M} UTC, commit {code}, {seconds / 60:.0f} min; "
            f"{meetings:,} meetings in {groups:,} groups; {os.cpu_count()} CPUs, load "
            f"average {load:.1f} during the run; Python {platform.python_version()}, "
            f"SQLite {sqlite3.sqlite_version}. Each value is beside a baseline measured "
            "in the same run; the ratio is value ÷ baseline.")


def update_readme(table: str) -> None:
    text = README.read_text()
    if README_START not in text or README_END not in text:
        print(f"README.md has no {README_START!r} … {README_END!r}; table not copied.")
        return
    before, rest = text.split(README_START, 1)
    after = rest.split(README_END, 1)[1]
    README.write_text(f"{before}{README_START}\n{table}\n{README_END}{after}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--meetings", type=int, default=5000)
    parser.add_argument("--groups", type=int, default=1000)
    parser.add_argument("--only", nargs="+", choices=benchmarks(), metavar="NAME",
                        help=f"run only these ({', '.join(benchmarks())}); writes nothing")
    args = parser.parse_args()
    started, clock, code = datetime.datetime.now(datetime.UTC), time.monotonic(), commit()
    results: list[tuple[str, Figure]] = []
    failures: dict[str, str] = {}
    for name in args.only or benchmarks():
        print(f"\n== {name}", flush=True)
        try:
            results += [(name, figure) for figure in run(name, args.meetings, args.groups)]
        except Exception as error:  # one broken benchmark must not hide the others' figures
            traceback.print_exc()
            failures[name] = f"{type(error).__name__}: {error}"
    missed = [f"{name}: {figure.name}" for name, figure in results if figure.met is False]
    if args.only:
        print("\n--only: nothing written.")
    else:
        seconds = time.monotonic() - clock
        # The 15-minute load average, read at the end of a run of about ten minutes.
        summary = header(args.meetings, args.groups, started, code, seconds, os.getloadavg()[2])
        write(FOLDER, summary, results, failures)
        update_readme(f"{summary}\n\n{markdown_table(results)}")
        print(f"\nWrote {FOLDER / 'results.md'}, {FOLDER / 'results.json'} and the table "
              "in README.md.")
    if missed:
        print("Goals missed:", *missed, sep="\n- ")
    if failures:
        print("Failed:", *(f"{name}: {error}" for name, error in failures.items()), sep="\n- ")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
