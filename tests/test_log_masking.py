"""Capability tokens never reach a log, the app's or nginx's: every route with a
<token> is masked, found by walking app.url_map, so a route added later is covered or
these tests fail."""

from __future__ import annotations

import contextlib
import logging
import re
import threading
import urllib.error
import urllib.request

import pytest
from werkzeug.routing import Map
from werkzeug.routing import Rule
from werkzeug.serving import make_server

from facilitator.config import ROOT
from facilitator.log_masking import mask
from facilitator.log_masking import mask_tokens
from facilitator.log_masking import token_paths
from tests.conftest import token_requests

NGINX_CONF = ROOT / "docs" / "deploy" / "nginx.conf"
#: Shaped like crypto.new_token(): what a real link carries.
TOKEN = "SeCrEt-ToKeN_1234567890abcdefGH"


@pytest.mark.parametrize("line, expected", [
    ('"GET /invite/AbC-123_x HTTP/1.1" 200', '"GET /invite/… HTTP/1.1" 200'),
    ('"POST /reset/AbC-123_x HTTP/1.1" 302', '"POST /reset/… HTTP/1.1" 302'),
    ("GET /feeds/s3cret.ics", "GET /feeds/….ics"),
    ("GET /training-feeds/s3cret.ics 200", "GET /training-feeds/….ics 200"),
    ("POST /c/tok?first=1", "POST /c/…?first=1"),
    ("POST /c/tok/statement", "POST /c/…/statement"),
    ("GET /g/tuesday/ 200", "GET /g/tuesday/ 200"),
    ("GET /o/riverside/meetings.ics 200", "GET /o/riverside/meetings.ics 200"),
])
def test_tokens_are_masked(app, line, expected):
    assert mask_tokens(line, token_paths(app.url_map)) == expected


def test_client_addresses_are_masked(app):
    tokens = token_paths(app.url_map)
    line = '203.0.113.9 - - [23/Nov/2026 10:36:42] "GET /c/tok HTTP/1.1" 200 -'
    assert mask(line, tokens) == '- - - [23/Nov/2026 10:36:42] "GET /c/… HTTP/1.1" 200 -'
    assert mask("::1 - - [x] y", tokens) == "- - - [x] y"


def test_a_new_token_route_is_masked_without_being_listed():
    """Masks follow the routes: a route nobody has heard of, with its token between
    other arguments, is masked because it takes a <token>; its other parts are kept."""
    url_map = Map([Rule("/o/<org_slug>/badges/<token>.png", endpoint="badge"),
                   Rule("/g/<group_slug>/", endpoint="group")])
    tokens = token_paths(url_map)
    assert mask_tokens("GET /o/riverside/badges/Abc123.png 200", tokens) \
        == "GET /o/riverside/badges/….png 200"
    assert mask_tokens("GET /g/Abc123/ 200", tokens) == "GET /g/Abc123/ 200"
    assert mask_tokens("GET /g/Abc123/ 200", token_paths(Map([]))) == "GET /g/Abc123/ 200"


def test_the_app_has_the_token_routes_these_tests_expect(app):
    """If this shrinks, the walks below check less than they seem to."""
    paths = {path for _, path in token_requests(app.url_map, TOKEN)}
    assert {f"/invite/{TOKEN}", f"/reset/{TOKEN}", f"/feeds/{TOKEN}.ics",
            f"/training-feeds/{TOKEN}.ics", f"/c/{TOKEN}", f"/c/{TOKEN}/statement"} <= paths


def test_no_token_route_is_logged_in_clear(app, caplog):
    """Real requests through Werkzeug's server, one for each method of each route with a
    <token>: every access line has the token masked and no client address."""
    requests = token_requests(app.url_map, TOKEN)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        thread.start()
        try:
            for method, path in requests:
                request = urllib.request.Request(
                    f"http://127.0.0.1:{server.server_port}{path}", method=method,
                    data=b"" if method == "POST" else None)
                # A token nobody was given: 404, logged all the same.
                with contextlib.suppress(urllib.error.HTTPError):
                    urllib.request.urlopen(request, timeout=10).close()
        finally:
            server.shutdown()
            server.server_close()
    logged = [record.getMessage() for record in caplog.records
              if record.name == "werkzeug" and '"' in record.getMessage()]
    for method, path in requests:
        masked = path.replace(TOKEN, "…")
        assert any(f"{method} {masked} " in line for line in logged), (method, path)
    assert TOKEN not in caplog.text
    assert "127.0.0.1" not in caplog.text  # nor who asked


def nginx_logged_uri(uri: str) -> str:
    """What docs/deploy/nginx.conf's access log writes for a request URI, worked out as
    nginx does: the first regex of its map that matches, else the URI as it came."""
    text = NGINX_CONF.read_text()
    block = re.search(r"map \$request_uri \$facilitator_logged_uri \{(.*?)\n\}", text, re.S)
    assert block, "docs/deploy/nginx.conf no longer has its masking map; update this test"
    for regex, replacement in re.findall(r'"~([^"]+)"\s+"([^"]*)";', block.group(1)):
        if match := re.search(regex, uri):
            return match.expand(re.sub(r"\$(\d)", r"\\\1", replacement))
    return uri


def test_nginx_logs_only_the_masked_uri():
    log_format = re.search(r"log_format facilitator (.*?);", NGINX_CONF.read_text(), re.S)
    assert log_format and "$facilitator_logged_uri" in log_format.group(1)
    # No other variable that holds the path or query may be logged beside it.
    assert not re.search(r"\$(request_uri|uri|document_uri|request|args|query_string|arg_\w+)\b",
                         log_format.group(1))


def test_the_sign_in_page_an_invitation_sends_its_visitor_to_is_masked(app):
    """An existing account's invitation sends a signed-out visitor to sign in with the
    link in ?next= (tests/test_invitations.py): that token is masked too."""
    uri = f"/login?next=/invite/{TOKEN}"
    assert mask_tokens(f'"POST {uri} HTTP/1.1" 302', token_paths(app.url_map)) \
        == '"POST /login?next=/invite/… HTTP/1.1" 302'
    assert nginx_logged_uri(uri) == "/login?next=/invite/[token]"
    assert nginx_logged_uri(f"/login?x=1&next=/invite/{TOKEN}&y=2") \
        == "/login?x=1&next=/invite/[token]&y=2"
    assert nginx_logged_uri("/login?next=/manage/") == "/login?next=/manage/"


def test_nginx_masks_every_token_route(app):
    """Fails when the app gains a route with a <token> that the nginx map lets through:
    add its prefix to the map in docs/deploy/nginx.conf."""
    for _, path in token_requests(app.url_map, TOKEN):
        for uri in (path, f"{path}?first=1"):
            logged = nginx_logged_uri(uri)
            assert TOKEN not in logged and "[token]" in logged, uri
    # The check can fail: a token route the map does not know is reported.
    assert TOKEN in nginx_logged_uri(f"/badges/{TOKEN}.png")
    assert nginx_logged_uri("/g/tuesday/meetings.ics") == "/g/tuesday/meetings.ics"
