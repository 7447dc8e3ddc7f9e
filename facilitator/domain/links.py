"""Which links may be published: the one rule for meetings' online links, feeds' URLs
and the Meeting Guide JSON."""

from __future__ import annotations

from urllib.parse import urlsplit


def web_link(url: str) -> str | None:
    """The link, without surrounding spaces, if it is an http(s) URL with a host and
    nothing a URI cannot hold (spaces, control or other unprintable characters); else
    None."""
    url = url.strip()
    if not url or not url.isprintable() or any(c.isspace() for c in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return url if parts.scheme in ("http", "https") and parts.netloc else None
