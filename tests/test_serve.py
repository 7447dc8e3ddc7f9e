"""`make serve`: gunicorn with several workers, and the settings it refuses to serve with."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from bench.server import gunicorn
from facilitator import create_app
from facilitator.config import DEFAULT_BASE_URL
from facilitator.config import DEFAULT_SECRET_KEY
from facilitator.serve import problems
from tests.conftest import token_requests
from tests.served import published_org

#: Shaped like crypto.new_token(): what a real link carries.
TOKEN = "SeCrEt-ToKeN_1234567890abcdefGH"

SERVE = [sys.executable, "-m", "facilitator.serve"]


def serve_with(tmp_path, **environ: str) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"FACILITATOR_BIND": "127.0.0.1:1"} | environ
    return subprocess.run(SERVE, env=env, capture_output=True, text=True, timeout=30,
                          check=False)


def test_refuses_the_public_default_secret_key(tmp_path):
    result = serve_with(
        tmp_path, FACILITATOR_SECRET_KEY=DEFAULT_SECRET_KEY, FACILITATOR_WORKERS="1",
        FACILITATOR_DATABASE_URL=f"sqlite:///{tmp_path}/app.sqlite3",
    )
    assert result.returncode == 2
    assert "FACILITATOR_SECRET_KEY is not set" in result.stderr
    assert "Traceback" not in result.stderr
    assert "Listening" not in result.stderr


def test_a_missing_secret_key_is_the_default_one(tmp_path):
    config = {"SECRET_KEY": DEFAULT_SECRET_KEY, "DATABASE_URL": "postgresql+psycopg://x/y",
              "BASE_URL": "https://meetings.example.org"}
    assert len(problems(config, workers=4)) == 1
    assert problems(config | {"SECRET_KEY": "k" * 64}, workers=4) == []


def test_refuses_several_workers_on_sqlite_and_says_why(tmp_path):
    result = serve_with(
        tmp_path, FACILITATOR_SECRET_KEY="a-real-secret-" * 4, FACILITATOR_WORKERS="3",
        FACILITATOR_DATABASE_URL=f"sqlite:///{tmp_path}/app.sqlite3",
    )
    assert result.returncode == 2
    assert "3 workers were asked for on SQLite" in result.stderr
    assert "before 3.51.3" in result.stderr and "corrupt" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "app.sqlite3").exists()  # refused before touching anything


def test_refuses_to_start_without_a_base_url_and_says_why(tmp_path):
    environ = {"FACILITATOR_SECRET_KEY": "a-real-secret-" * 4, "FACILITATOR_WORKERS": "1",
               "FACILITATOR_DATABASE_URL": f"sqlite:///{tmp_path}/app.sqlite3"}
    result = serve_with(tmp_path, **environ)
    assert result.returncode == 2
    assert "FACILITATOR_BASE_URL is not set" in result.stderr
    assert "Traceback" not in result.stderr and "Listening" not in result.stderr
    # The development default is no base URL for the public either.
    result = serve_with(tmp_path, **environ, FACILITATOR_BASE_URL=DEFAULT_BASE_URL)
    assert "FACILITATOR_BASE_URL is not set" in result.stderr


@pytest.mark.parametrize("base_url", ["meetings.example.org", "ftp://meetings.example.org",
                                      "https://meetings.example.org/app",
                                      "https://meetings.example.org:http"])
def test_a_base_url_that_is_not_a_sites_address_is_refused_plainly(tmp_path, base_url):
    result = serve_with(tmp_path, FACILITATOR_SECRET_KEY="s" * 64, FACILITATOR_WORKERS="1",
                        FACILITATOR_BASE_URL=base_url)
    assert result.returncode == 2
    assert "FACILITATOR_BASE_URL" in result.stderr and repr(base_url) in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("workers", ["0", "four"])
def test_a_nonsense_worker_count_is_refused_plainly(tmp_path, workers):
    result = serve_with(tmp_path, FACILITATOR_SECRET_KEY="s" * 64, FACILITATOR_WORKERS=workers)
    assert result.returncode == 2
    assert f"FACILITATOR_WORKERS must be a whole number from 1 up, not {workers!r}" \
        in result.stderr
    assert "Traceback" not in result.stderr


def test_several_workers_serve_feeds_and_log_no_token_on_postgresql(postgres_server):
    """`make serve` on PostgreSQL with two workers. Its access log masks each route with a
    <token>, found in the URL map, as tests/test_log_masking.py shows for the dev server."""
    published = published_org(postgres_server.create_database("serve_workers"))
    routes = create_app({"DATABASE_URL": "sqlite://", "SECRET_KEY": "routes only"}).url_map
    requests = token_requests(routes, TOKEN)
    with gunicorn(published.url, workers=2, start_seconds=20,
                  env={"FACILITATOR_ACCESS_LOG": "1"}) as server:
        assert len(server.worker_pids()) == 2
        with urllib.request.urlopen(f"{server.url}/o/riverside/meetings.ics",
                                    timeout=10) as response:
            body = response.read()
            assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
            assert response.headers["Cache-Control"].startswith("public, max-age=")
        assert b"SUMMARY:Step Study" in body
        assert b"Circle Meeting" not in body  # the private group's stays private
        with urllib.request.urlopen(f"{server.url}/healthz", timeout=5) as health:
            assert health.read() == b"ok"
        assert f"URL:{server.url}/g/tuesday/".encode() in body  # FACILITATOR_BASE_URL's

        for method, path in requests:
            request = urllib.request.Request(f"{server.url}{path}", method=method,
                                             data=b"" if method == "POST" else None)
            with contextlib.suppress(urllib.error.HTTPError):  # unknown tokens: 404
                urllib.request.urlopen(request, timeout=10).close()
        masked = [(method, path.replace(TOKEN, "…")) for method, path in requests]
        expected = [f'"{method} {path} HTTP/1.1"' for method, path in masked]
        deadline = time.monotonic() + 10
        while not all(line in server.output() for line in expected):
            assert time.monotonic() < deadline, server.output()
            time.sleep(0.1)
        assert TOKEN not in server.output()


def test_a_request_for_another_host_gets_400_and_nothing_else(postgres_server):
    """Only FACILITATOR_BASE_URL's host is served: a forged Host never reaches a view,
    so no feed can be built (and kept) with it."""
    published = published_org(postgres_server.create_database("serve_hosts"))
    with gunicorn(published.url, workers=1, start_seconds=20) as server:
        forged = urllib.request.Request(f"{server.url}/o/riverside/meetings.ics",
                                        headers={"Host": "attacker.example"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(forged, timeout=10)
        assert refused.value.code == 400
        assert b"attacker.example" not in refused.value.read()
        with urllib.request.urlopen(f"{server.url}/o/riverside/meetings.ics",
                                    timeout=10) as response:
            body = response.read()
        assert f"URL:{server.url}/g/tuesday/".encode() in body
        assert b"attacker.example" not in body


def test_behind_nginx_the_client_address_comes_from_x_forwarded_for(monkeypatch):
    from facilitator import serve

    served = {}
    monkeypatch.setattr(serve.Server, "run", lambda self: served.setdefault("app",
                                                                          self.application))
    monkeypatch.setenv("FACILITATOR_SECRET_KEY", "a-real-secret-for-this-test")
    monkeypatch.setenv("FACILITATOR_DATABASE_URL", "postgresql+psycopg://x@127.0.0.1/x")
    monkeypatch.setenv("FACILITATOR_WORKERS", "1")
    monkeypatch.setenv("FACILITATOR_BASE_URL", "http://localhost")  # the test client's host
    assert serve.main() == 0
    app = served["app"]
    seen = {}

    @app.get("/_address")
    def address() -> str:
        from flask import request
        seen["address"] = request.remote_addr
        return "ok"

    app.test_client().get("/_address", headers={"X-Forwarded-For": "203.0.113.7"},
                          environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert seen["address"] == "203.0.113.7"
    monkeypatch.setenv("FACILITATOR_PROXIES", "nope")
    assert serve.main() == 2
