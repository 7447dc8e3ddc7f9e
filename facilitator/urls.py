"""Absolute URLs, built from the BASE_URL setting and never from the request.

Feeds are built once per data version and kept by the app, by nginx and by every
calendar app; handouts and their QR codes are printed; invitation, check-in and private
calendar links are handed on. Were they built from the request's Host header (as
`url_for(_external=True)` does), one request with a forged Host would put an attacker's
server into what every later subscriber gets. So an absolute URL is always BASE_URL's
scheme and host with the route's path, and Werkzeug's own redirects (a missing trailing
slash) name BASE_URL's host through SERVER_NAME.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Flask
from flask import current_app


class BadBaseUrl(ValueError):
    """BASE_URL is not an http(s) address of a site's root."""


def parse_base_url(value: str) -> tuple[str, str]:
    """The scheme and host (with any port) of a site's root address such as
    https://meetings.example.org; BadBaseUrl for anything else."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or "@" in parts.netloc \
            or parts.path not in ("", "/") or parts.query or parts.fragment:
        raise BadBaseUrl(
            f"FACILITATOR_BASE_URL must be the site's address as members reach it, such as "
            f"https://meetings.example.org (http or https, a host, no path), not {value!r}."
        )
    try:
        parts.port  # noqa: B018 (raises on a port that is not a number from 0 to 65535)
    except ValueError as error:
        raise BadBaseUrl(f"FACILITATOR_BASE_URL has a bad port: {value!r}.") from error
    return parts.scheme, parts.netloc.lower()


def trusted_hosts(base_url: str) -> list[str]:
    """The one host name requests may name (Flask's TRUSTED_HOSTS): BASE_URL's."""
    return [urlsplit(base_url.strip()).hostname or ""]


def install(app: Flask) -> None:
    """Check BASE_URL, point Werkzeug's own absolute URLs at it, and give templates
    `absolute_url`."""
    scheme, host = parse_base_url(app.config["BASE_URL"])
    # Flask 3.1 still answers requests for other hosts; SERVER_NAME only makes the
    # URL adapter (the trailing-slash redirect among others) use this host.
    app.config["SERVER_NAME"] = host
    app.config["PREFERRED_URL_SCHEME"] = scheme
    app.add_template_global(absolute_url)


def absolute_url(endpoint: str, **values: Any) -> str:
    """The route's full address on the site BASE_URL names, e.g. for a feed or a QR code.

    The URL map is bound to BASE_URL itself, not to the request, so neither its Host,
    its scheme nor its script root can show in the result.
    """
    app = current_app
    scheme, host = parse_base_url(app.config["BASE_URL"])
    app.inject_url_defaults(endpoint, values)
    adapter = app.url_map.bind(host, url_scheme=scheme)
    return adapter.build(endpoint, values, force_external=True)
