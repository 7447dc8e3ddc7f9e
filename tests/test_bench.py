"""`make bench` (python -m bench): finds every bench/bench_*.py by its name and writes one
report. The real benchmarks take minutes; here the runner runs two small stand-ins."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

import bench
from bench import __main__ as runner

FIGURES = '''
from bench.report import Figure, at_least, at_most


def figures(meetings, groups):
    yield Figure("handout: render", 0.5, "s", 0.25, "one page", at_most(3), f"{meetings} meetings")
    yield Figure("handout: pages per second", 2, "pages/s", 4, "one page", at_least(1))
'''
BROKEN = '''
def figures(meetings, groups):
    raise RuntimeError("no printer")
    yield
'''


@pytest.fixture
def benchmarks(tmp_path, monkeypatch):
    """A bench package holding only the modules written into it, results and README in
    tmp_path; returns a function that runs `python -m bench ARGS` and its exit status."""
    modules = tmp_path / "modules"
    modules.mkdir()
    monkeypatch.setattr(bench, "__path__", [str(modules)])
    monkeypatch.setattr(runner, "FOLDER", tmp_path)
    readme = tmp_path / "README.md"
    readme.write_text(f"# Title\n\n{runner.README_START}\nold table\n{runner.README_END}\nrest\n")
    monkeypatch.setattr(runner, "README", readme)

    def run(*args: str, **files: str) -> int:
        for name, source in files.items():
            (modules / f"bench_{name}.py").write_text(source)
            monkeypatch.delitem(sys.modules, f"bench.bench_{name}", raising=False)
        monkeypatch.setattr(sys, "argv", ["bench", "--meetings", "50", *args])
        return runner.main()

    return run


def test_a_new_benchmark_is_run_and_reported_without_changing_the_runner(benchmarks, tmp_path):
    assert benchmarks(handouts=FIGURES) == 0
    figures = json.loads((tmp_path / "results.json").read_text())["figures"]
    assert [f["name"] for f in figures] == ["handout: render", "handout: pages per second"]
    render, rate = figures
    assert {key: render[key] for key in ("value", "baseline", "ratio", "goal", "unit")} == {
        "value": 0.5, "baseline": 0.25, "ratio": 2.0, "goal": "≤ 3× baseline", "unit": "s"}
    assert render["met"] is True and render["note"] == "50 meetings"
    assert rate["ratio"] == 0.5 and rate["met"] is False  # 0.5× is below the 1× goal
    table = (tmp_path / "results.md").read_text()
    assert "| handouts | handout: render (50 meetings) | 0.5 s | one page: 0.25 s | 2.00× " \
           "| ≤ 3× baseline: ok |" in table
    assert "≥ 1× baseline: MISSED" in table
    readme = (tmp_path / "README.md").read_text()
    assert "old table" not in readme
    assert "| handouts | handout: render" in readme
    assert readme.startswith("# Title\n") and readme.endswith(f"{runner.README_END}\nrest\n")


def test_a_failing_benchmark_is_reported_and_the_others_still_run(benchmarks, tmp_path):
    assert benchmarks(handouts=FIGURES, headcounts=BROKEN) == 1
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["failures"] == {"headcounts": "RuntimeError: no printer"}
    assert len(results["figures"]) == 2
    assert "**headcounts failed:** RuntimeError: no printer" in \
        (tmp_path / "results.md").read_text()


def test_only_runs_the_benchmarks_named_and_writes_nothing(benchmarks, tmp_path):
    assert benchmarks("--only", "handouts", handouts=FIGURES, headcounts=BROKEN) == 0
    assert not (tmp_path / "results.json").exists()
    assert "old table" in (tmp_path / "README.md").read_text()


def test_the_shipped_benchmarks_all_have_figures():
    names = runner.benchmarks()
    assert {"directory", "feeds", "import", "serve"} <= set(names)
    for name in names:
        module = __import__(f"bench.bench_{name}", fromlist=["figures"])
        assert callable(module.figures), name
    assert Path(bench.__file__).parent == runner.FOLDER
