"""Security headers on every response, whatever view (or error page) made it.

One after_request hook, so a route added later gets them without doing anything.
"""

from __future__ import annotations

from flask import Flask
from flask import g
from flask import request
from flask import session as cookie
from werkzeug import Response

#: No inline script or style anywhere, no plugins, no <base>, no framing, forms post home.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)
#: For what no browser or proxy may keep: a page for one signed-in person, or one
#: reached by a capability link.
PRIVATE = "private, no-store"
#: Two years, as the HSTS preload list asks; only ever sent over HTTPS.
HSTS = "max-age=63072000; includeSubDomains"


def install(app: Flask) -> None:
    """Add the security headers to every response of the app."""
    app.after_request(add_security_headers)


def holds_secret(response: Response) -> Response:
    """Mark a response that shows a capability link or comes from one: no cache keeps
    it, no referrer leaks its address, no search engine lists it."""
    response.headers["Cache-Control"] = PRIVATE
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def _signed_in() -> bool:
    """The request came with a working session, or its response starts one (sign-in)."""
    return g.get("user") is not None or "user_id" in cookie


def add_security_headers(response: Response) -> Response:
    """CSP, nosniff and a referrer policy unless the view chose one; HSTS over HTTPS.

    A page reached by a capability link (any route with a <token> in it, found or not)
    never sends its address on as a Referer: the address is the secret.

    Nothing a signed-in person is answered, and nothing a capability link opens, is
    kept by a browser or proxy: such a page names the person or shows what the link
    guards, and a shared computer's back button or a proxy's cache would hand it to the
    next person. Here rather than in each view, so a page added later cannot forget.
    Static files are the same bytes for everyone and stay cacheable.
    """
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    capability = "token" in (request.view_args or {})
    if capability:
        headers["Referrer-Policy"] = "no-referrer"
    else:
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    if (capability or _signed_in()) and request.endpoint != "static":
        headers["Cache-Control"] = PRIVATE
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", HSTS)
    return response
