"""Security headers on every response, whatever view (or error page) made it.

One after_request hook, so a route added later gets them without doing anything.
"""

from __future__ import annotations

from flask import Flask
from flask import Response
from flask import request

#: No inline script or style anywhere, no plugins, no <base>, no framing, forms post home.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)
#: Two years, as the HSTS preload list asks; only ever sent over HTTPS.
HSTS = "max-age=63072000; includeSubDomains"


def install(app: Flask) -> None:
    """Add the security headers to every response of the app."""
    app.after_request(add_security_headers)


def holds_secret(response: Response) -> Response:
    """Mark a response that shows a capability link or comes from one: no cache keeps
    it, no referrer leaks its address, no search engine lists it."""
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def add_security_headers(response: Response) -> Response:
    """CSP, nosniff and a referrer policy unless the view chose one; HSTS over HTTPS.

    A page reached by a capability link (any route with a <token> in it, found or not)
    never sends its address on as a Referer: the address is the secret.
    """
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    if "token" in (request.view_args or {}):
        headers["Referrer-Policy"] = "no-referrer"
    else:
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", HSTS)
    return response
