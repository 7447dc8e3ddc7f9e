"""docs/deploy/nginx.conf in front of the app: nginx from Debian's package on 127.0.0.1, over
HTTPS, with its paths moved into a temporary directory. The app runs in a thread and
counts the requests that reach it."""

from __future__ import annotations

import gzip
import os
import shutil
import ssl
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from bench.server import free_port
from facilitator import create_app
from facilitator.config import ROOT
from facilitator.urls import trusted_hosts
from tests.conftest import app_config
from tests.conftest import token_requests
from tests.served import Published
from tests.served import published_org
from tests.served import rename_meeting

NGINX_CONF = ROOT / "docs" / "deploy" / "nginx.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
#: The feed lifetime the app announces here; production's is an hour.
MAX_AGE = 2
#: The site's address, as in the shipped file's server_name.
SITE = "https://meetings.example.org"

pytestmark = pytest.mark.skipif(
    not Path(NGINX).exists() and os.environ.get("FACILITATOR_REQUIRE_POSTGRES") != "1",
    reason="nginx is not installed (apt-get install nginx-light; make test does it as root)",
)


@dataclass
class Proxy:
    url: str
    app_hits: Counter[str]
    published: Published
    log: Path

    def get(self, path: str, method: str = "GET",
            **headers: str) -> tuple[int, dict[str, str], bytes]:
        request = urllib.request.Request(self.url + path, headers=headers, method=method,
                                         data=b"" if method == "POST" else None)
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE  # the test's own self-signed certificate
        try:
            with urllib.request.urlopen(request, context=context, timeout=10) as response:
                return response.status, _headers(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, _headers(error.headers), error.read()

    def logged(self, *lines: str) -> str:
        """The access log once it has every one of `lines`: nginx writes a request's line
        after it has sent the response, so the client can be a moment ahead of it."""
        deadline = time.monotonic() + 10
        while True:
            text = self.log.read_text()
            if all(line in text for line in lines) or time.monotonic() > deadline:
                return text
            time.sleep(0.05)


def _headers(message: Message) -> dict[str, str]:
    """The response's headers, a header sent twice (Vary: the app's and nginx's) as one
    comma-separated value."""
    return {name: ", ".join(message.get_all(name, [])) for name in dict.fromkeys(message)}


def serve_app(url: str, hits: Counter[str]) -> Iterator[int]:
    # As under `make serve`: only BASE_URL's host is answered, so every test here also
    # shows that nginx passes that host, whatever the client sent.
    app = create_app(app_config(url, FEED_MAX_AGE=MAX_AGE, PAGE_MAX_AGE=MAX_AGE,
                                BASE_URL=SITE, TRUSTED_HOSTS=trusted_hosts(SITE)))
    inner = app.wsgi_app

    def counting(environ, start_response):
        hits[environ["PATH_INFO"]] += 1
        return inner(environ, start_response)

    app.wsgi_app = counting
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        server.server_close()
        app.extensions["facilitator.db"].engine.dispose()


def site_config(folder: Path, app_port: int, https_port: int) -> str:
    """The shipped file with its host-specific lines pointed at the test's folder."""
    certificate, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=localhost", "-keyout", str(key), "-out", str(certificate)],
                   check=True, capture_output=True, timeout=30)
    text = NGINX_CONF.read_text()
    for line, replacement in {
        "/var/cache/nginx/facilitator": str(folder / "cache"),
        "server 127.0.0.1:8000;": f"server 127.0.0.1:{app_port};",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
        "listen 80;": f"listen 127.0.0.1:{free_port()};",
        "listen [::]:443 ssl http2;": "",
        "listen [::]:80;": "",
        "/etc/letsencrypt/live/meetings.example.org/fullchain.pem": str(certificate),
        "/etc/letsencrypt/live/meetings.example.org/privkey.pem": str(key),
        "/var/log/nginx/facilitator.access.log": str(folder / "access.log"),
    }.items():
        assert line in text, f"docs/deploy/nginx.conf no longer has {line!r}; update this test"
        text = text.replace(line, replacement)
    return text


@pytest.fixture(scope="module")
def proxy(tmp_path_factory) -> Iterator[Proxy]:
    folder = tmp_path_factory.mktemp("nginx")
    folder.chmod(0o755)  # nginx's workers run as nobody when we are root
    published = published_org(f"sqlite:///{folder}/app.sqlite3")
    hits: Counter[str] = Counter()
    app = serve_app(published.url, hits)
    app_port = next(app)
    https_port = free_port()
    (folder / "facilitator.conf").write_text(site_config(folder, app_port, https_port))
    temp = {name: folder / name for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
    (folder / "nginx.conf").write_text(f"""
        {"user root;" if os.geteuid() == 0 else ""}
        daemon off;
        worker_processes 1;
        pid {folder}/nginx.pid;
        error_log {folder}/error.log;
        events {{ worker_connections 64; }}
        http {{
            client_body_temp_path {temp["body"]};
            proxy_temp_path {temp["proxy"]};
            fastcgi_temp_path {temp["fastcgi"]};
            uwsgi_temp_path {temp["uwsgi"]};
            scgi_temp_path {temp["scgi"]};
            include {folder}/facilitator.conf;
        }}
    """)
    nginx = subprocess.Popen([NGINX, "-p", str(folder), "-c", str(folder / "nginx.conf"),  # noqa: S603
                              "-e", str(folder / "error.log")],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    proxy = Proxy(f"https://127.0.0.1:{https_port}", hits, published, folder / "access.log")
    try:
        _wait_for(proxy, nginx)
        yield proxy
    finally:
        nginx.terminate()
        nginx.wait(timeout=10)
        next(app, None)


def _wait_for(proxy: Proxy, nginx: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if nginx.poll() is not None:
            pytest.fail(f"nginx did not start: {(proxy.log.parent / 'error.log').read_text()}")
        try:
            proxy.get("/healthz")
            return
        except OSError:
            time.sleep(0.05)
    pytest.fail("nginx did not answer within 10 s")


def test_a_second_feed_request_is_served_by_nginx_and_a_change_shows_after_max_age(proxy):
    feed = "/o/riverside/meetings.ics"
    status, headers, first = proxy.get(feed)
    stored_at = time.monotonic()
    assert status == 200 and b"SUMMARY:Step Study" in first
    assert headers["X-Cache-Status"] == "MISS"
    assert headers["Strict-Transport-Security"].startswith("max-age=")

    status, headers, second = proxy.get(feed)
    assert (status, second, headers["X-Cache-Status"]) == (200, first, "HIT")
    assert proxy.app_hits[feed] == 1  # the app never saw the second request

    # A calendar app that has the feed gets 304 from nginx, still without the app.
    status, _, body = proxy.get(feed, **{"If-None-Match": headers["ETag"]})
    assert (status, body, proxy.app_hits[feed]) == (304, b"", 1)

    rename_meeting(proxy.published.url, proxy.published.meeting_id, "Big Book Study")
    assert b"Step Study" in proxy.get(feed)[2]  # within max-age: the kept copy
    time.sleep(max(0.0, stored_at + MAX_AGE + 1.1 - time.monotonic()))
    status, headers, after = proxy.get(feed)
    assert status == 200 and b"SUMMARY:Big Book Study" in after
    assert headers["X-Cache-Status"] == "EXPIRED"
    assert proxy.app_hits[feed] == 2


def test_a_private_feed_is_never_kept_and_its_token_never_logged(proxy):
    feed = f"/feeds/{proxy.published.private_token}.ics"
    for n in (1, 2):
        status, headers, body = proxy.get(feed)
        assert status == 200 and b"Circle Meeting" in body
        assert headers["Cache-Control"] == "private, no-store"
        assert proxy.app_hits[feed] == n
    # Validators pass through to the app, which answers 304 itself.
    status, _, _ = proxy.get(feed, **{"If-None-Match": headers["ETag"]})
    assert (status, proxy.app_hits[feed]) == (304, 3)
    kept = b"".join(p.read_bytes() for p in (proxy.log.parent / "cache").rglob("*")
                    if p.is_file())
    assert b"Circle Meeting" not in kept
    logged = proxy.logged("/feeds/[token].ics")
    assert "/feeds/[token].ics" in logged
    assert proxy.published.private_token not in logged
    assert "127.0.0.1" not in logged


def test_no_token_route_is_logged_in_clear_by_nginx(proxy):
    """Every route of the app with a <token>, found by walking its url_map, sent through
    nginx: the access log has each request, with the token masked."""
    token = "SeCrEt-ToKeN_1234567890abcdefGH"
    url_map = create_app(app_config(proxy.published.url)).url_map
    requests = token_requests(url_map, token)
    # An existing account's invitation sends a signed-out visitor to sign in with the
    # link in ?next=: that token is masked too.
    requests.append(("GET", f"/login?next=/invite/{token}"))
    for method, path in requests:
        proxy.get(path, method)
    expected = [f'"{method} {path.replace(token, "[token]")}"' for method, path in requests]
    logged = proxy.logged(*expected)
    assert token not in logged
    for line in expected:
        assert line in logged, line


def test_the_directory_is_kept_for_visitors_but_never_for_a_signed_in_leader(proxy):
    directory = "/o/riverside/"
    proxy.get(directory)
    status, headers, _ = proxy.get(directory)
    assert (status, headers["X-Cache-Status"], proxy.app_hits[directory]) == (200, "HIT", 1)
    # With a session cookie the request goes to the app, and its answer is not stored.
    status, headers, _ = proxy.get(directory, Cookie="session=a-leaders-session")
    assert headers["X-Cache-Status"] == "BYPASS"
    assert proxy.app_hits[directory] == 2


def test_a_forged_host_reaches_neither_the_app_nor_the_kept_copy(proxy):
    """nginx passes its own server name as Host and drops X-Forwarded-Host, so the app
    (which would refuse another host) answers, and what nginx keeps names the real site."""
    feed = "/o/riverside/meetings.json"
    forged = {"Host": "attacker.example", "X-Forwarded-Host": "attacker.example"}
    status, headers, body = proxy.get(feed, **forged)
    assert status == 200 and f"{SITE}/g/tuesday/".encode() in body
    assert b"attacker.example" not in body
    assert "attacker.example" not in str(headers)
    status, headers, kept = proxy.get(feed)
    assert (status, headers["X-Cache-Status"], kept) == (200, "HIT", body)


#: What a browser or calendar app that takes gzip sends.
GZIP = {"Accept-Encoding": "gzip, deflate, br"}


def vary(headers: dict[str, str]) -> set[str]:
    return {name.strip().lower() for name in headers.get("Vary", "").split(",")}


@pytest.mark.parametrize("path", ["/o/riverside/", "/o/riverside/meetings.json",
                                  "/o/riverside/meetings.ics"])
def test_pages_json_and_feeds_are_gzipped_for_clients_that_take_it(proxy, path):
    status, plain_headers, plain = proxy.get(path)
    assert status == 200 and "Content-Encoding" not in plain_headers
    assert "accept-encoding" in vary(plain_headers)
    status, headers, packed = proxy.get(path, **GZIP)
    assert (status, headers["Content-Encoding"]) == (200, "gzip")
    assert "accept-encoding" in vary(headers)
    assert gzip.decompress(packed) == plain
    assert len(packed) < len(plain)


@pytest.mark.parametrize("first", ["gzip", "plain"])
def test_one_kept_copy_serves_both_gzip_and_plain_clients(proxy, first):
    """Whichever client fills the cache, the other gets its own encoding from the same
    copy: the app is asked once."""
    path = f"/o/riverside/meetings.ics?filled-by={first}"
    clients = [GZIP, {}] if first == "gzip" else [{}, GZIP]
    asked = proxy.app_hits["/o/riverside/meetings.ics"]
    answers = [proxy.get(path, **client) for client in clients]
    gzipped, plain = answers if first == "gzip" else answers[::-1]
    assert [a[1]["X-Cache-Status"] for a in answers] == ["MISS", "HIT"]
    assert proxy.app_hits["/o/riverside/meetings.ics"] == asked + 1
    assert gzipped[1]["Content-Encoding"] == "gzip"
    assert "Content-Encoding" not in plain[1]
    assert plain[2].startswith(b"BEGIN:VCALENDAR")
    assert gzip.decompress(gzipped[2]) == plain[2]


def test_a_calendar_app_taking_gzip_gets_304_with_the_etag_it_was_given(proxy):
    feed = "/o/riverside/meetings.ics?etag=gzip"
    _, headers, _ = proxy.get(feed, **GZIP)
    assert headers["Content-Encoding"] == "gzip"
    status, _, body = proxy.get(feed, **GZIP, **{"If-None-Match": headers["ETag"]})
    assert (status, body) == (304, b"")


def test_a_signed_in_leaders_pages_are_not_compressed(proxy):
    """They hold a CSRF token beside what the leader typed: compressed, their length
    could give the token away (BREACH)."""
    status, headers, body = proxy.get("/o/riverside/", Cookie="session=a-leaders-session",
                                      **GZIP)
    assert status == 200 and "Content-Encoding" not in headers
    assert body.lstrip().lower().startswith(b"<!doctype html")
