"""`make bench` (python -m bench): finds every bench/bench_*.py by its name and writes one
report. The real benchmarks take minutes; here the runner runs two small stand-ins."""

from __future__ import annotations

import json
import shutil
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest

import bench
from bench import __main__ as runner
from bench import server

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


def test_a_median_is_shown_with_the_range_of_its_runs(benchmarks, tmp_path):
    spread = '''
from bench.report import Figure, at_most


def figures(meetings, groups):
    yield Figure("print", 16.9, "s", 15.2, "minimal", at_most(1.3), spread=(16.5, 18.2),
                 baseline_spread=(15.1, 15.9))
'''
    assert benchmarks(handouts=spread) == 0
    table = (tmp_path / "results.md").read_text()
    assert "| 16.9 s (16.5–18.2) | minimal: 15.2 s (15.1–15.9) | 1.11× |" in table
    (figure,) = json.loads((tmp_path / "results.json").read_text())["figures"]
    assert figure["spread"] == [16.5, 18.2] and figure["baseline_spread"] == [15.1, 15.9]


WRK_REPORT = """Running 5s test @ http://127.0.0.1:8000/o/big/meetings.ics
  1 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     7.71ms    1.61ms  11.44ms   84.45%
  Latency Distribution
     50%  812.00us
     75%    2.77ms
     90%    4.87ms
     99%    1.20s
  2691 requests in 5.01s, 5.26GB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 4
Requests/sec:    537.15
Transfer/sec:      1.05GB
"""


def test_wrks_report_is_read_with_its_units_and_errors():
    load = server.parse_wrk(WRK_REPORT)
    assert (load.rate, load.requests, load.errors) == (537.15, 2691, 7)
    assert load.p50 == pytest.approx(0.812) and load.p99 == pytest.approx(1200)
    with pytest.raises(ValueError, match="not a wrk report"):
        server.parse_wrk("unable to connect to 127.0.0.1:1 Connection refused")


class Phones(BaseHTTPRequestHandler):
    """A check-in that takes SLOW seconds to answer, and the page it leads to."""

    SLOW = 0.3
    posts: list[float] = []
    cookies: list[str | None] = []

    def do_POST(self):  # noqa: N802 (http.server's name)
        Phones.posts.append(time.monotonic())
        time.sleep(self.SLOW)
        self.send_response(303)
        self.send_header("Location", f"http://127.0.0.1:{self.server.server_port}/page")
        self.send_header("Set-Cookie", "checked_in=yes; Path=/; HttpOnly")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self):  # noqa: N802
        Phones.cookies.append(self.headers.get("Cookie"))
        body = b"counted"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def phones():
    Phones.posts, Phones.cookies = [], []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Phones)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    httpd.server_close()


@pytest.mark.skipif(not shutil.which("node"), reason="Node.js is not installed")
def test_the_open_loop_client_sends_on_time_however_slow_the_answers(phones):
    """10 phones in half a second, each answered after 0.3 s: all ten arrive within the
    half second (a closed loop of one client would take 3 s), each follows the redirect
    with its cookie, and each visit counts the whole wait."""
    visits = server.open_loop(phones, ["/c/token"], rate=20, seconds=0.5, post=True)
    assert visits.sent == 10 and visits.wrong == []
    assert max(Phones.posts) - min(Phones.posts) < 0.45 + 0.15
    assert Phones.cookies == ["checked_in=yes"] * 10
    pairs = zip(visits.first, visits.whole, strict=True)
    assert all(whole >= first >= 300 for first, whole in pairs)


@pytest.mark.skipif(not shutil.which("node"), reason="Node.js is not installed")
def test_the_open_loop_client_reports_what_went_wrong(phones):
    visits = server.open_loop(phones, ["/nowhere"], rate=10, seconds=0.2, post=False)
    assert visits.sent == 2 and visits.wrong == []  # this server answers any GET
    refused = server.open_loop("http://127.0.0.1:1", ["/healthz"], rate=10, seconds=0.2,
                               post=True)
    assert refused.sent == 2 and len(refused.wrong) == 2
    assert refused.wrong[0].startswith("POST answered 0")


@pytest.mark.skipif(not shutil.which("wrk") or not Path(server.NGINX).exists(),
                    reason="wrk or nginx is not installed")
def test_nginx_hands_out_the_files_wrk_asks_for(tmp_path):
    folder = tmp_path / "static"
    folder.mkdir()
    folder.chmod(0o755)
    tmp_path.chmod(0o755)
    (folder / "feed.ics").write_bytes(b"BEGIN:VCALENDAR\r\n" * 1000)
    with server.nginx_static(folder) as url:
        with urllib.request.urlopen(url + "/feed.ics") as response:  # noqa: S310
            assert response.read() == b"BEGIN:VCALENDAR\r\n" * 1000
            assert response.headers["Content-Type"] == "text/calendar"
        load = server.wrk(url + "/feed.ics", seconds=1, connections=1)
    assert load.rate > 0 and load.requests > 0 and load.errors == 0


def test_the_bench_routes_are_the_bench_servers_own_not_the_apps(app, monkeypatch, tmp_path):
    """The bench's server hands out the bytes it was given and tells its caches' fill;
    the app itself has no such route."""
    assert not [rule.rule for rule in app.url_map.iter_rules()
                if rule.rule.startswith("/bench")]
    from bench import served

    held = tmp_path / "feed.ics"
    held.write_bytes(b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
    monkeypatch.setenv("FACILITATOR_BENCH_BYTES", str(held))
    monkeypatch.setattr(served, "_kept", {})
    monkeypatch.setattr(served, "create_app", lambda: app)
    client = served.with_bench_routes().test_client()
    assert client.get("/bench/bytes").data == held.read_bytes()
    app.extensions["facilitator.feed_cache"] = cache = served.BytesCache(1000)
    cache.get_or_build("one", lambda: b"x" * 300)
    answer = client.get("/bench/caches").get_json()
    assert answer["caches"] == {"feed_cache": {"bytes": 300, "budget": 1000, "builds": 1}}
