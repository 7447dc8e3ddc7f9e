"""Default settings; the instance config and the environment override them."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

#: The source checkout: `templates/` and `migrations/` sit here, beside the package.
ROOT = Path(__file__).resolve().parent.parent
#: The key `make run` replaces with a random one in instance/config.py.
DEFAULT_SECRET_KEY = "dev-only-not-secret"  # noqa: S105 (public on purpose: development only)
#: The development server's own address; `make serve` refuses it (see facilitator/urls.py).
DEFAULT_BASE_URL = "http://127.0.0.1:5000"


def defaults(instance_path: str) -> dict[str, Any]:
    """Return the settings an app starts from, before instance config and tests."""
    return {
        "SECRET_KEY": DEFAULT_SECRET_KEY,
        #: Where members reach the site: every absolute URL (feeds, QR codes, PDFs, links
        #: handed out) is built from it, never from the request's Host header.
        "BASE_URL": DEFAULT_BASE_URL,
        "DATABASE_URL": f"sqlite:///{Path(instance_path) / 'facilitator.sqlite3'}",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": False,
        "WTF_CSRF_TIME_LIMIT": None,  # a form left open during a meeting still submits
        # Evidence files are at most 5 MB; the rest is the form around them.
        "MAX_CONTENT_LENGTH": 6 * 1024 * 1024,
        #: The forms that take an evidence file read more, so that a file over 5 MB (a
        #: phone's photo) gets the form back with a clear word rather than a 413 page.
        "EVIDENCE_MAX_CONTENT_LENGTH": 30 * 1024 * 1024,
        #: Seconds a proxy, a CDN or a calendar app may keep a public feed before asking again.
        "FEED_MAX_AGE": 3600,
        #: Seconds a worker answers a public feed from the validators it last read (its
        #: version, ETag and Last-Modified): a feed asked many times a second then costs
        #: no database round trip. Far below FEED_MAX_AGE, which lets any cache keep the
        #: feed an hour; a private (token) feed's are read every time, so a replaced
        #: token stops working at once. 0: read every time.
        "FEED_VALIDATOR_SECONDS": 1.0,
        #: Seconds a proxy may keep a public page (the directory) shown to visitors.
        "PAGE_MAX_AGE": 300,
        #: Training evidence files: outside the web root, served only through views
        #: that check who is asking.
        "EVIDENCE_DIR": str(Path(instance_path) / "evidence"),
        #: PDFs rendered at once by this server, across its worker processes; more
        #: requests are answered 503 at once. Each render takes a core for a second or more.
        "PDF_RENDERS_AT_ONCE": 2,
        #: Bytes of PDFs a web worker keeps, rendered for leaders and auditors (public
        #: PDFs are files: RENDERED_DIR): a one-pager is 30 to 100 KB, so a few hundred.
        "PDF_CACHE_BYTES": 8 * 1024 * 1024,
        #: Where render slots (lock files) and recent render failures are kept: a folder
        #: on this server's own disk (flock is unreliable over NFS), shared by its workers.
        "PDF_STATE_DIR": str(Path(instance_path) / "pdf"),
        #: Public PDFs rendered ahead by the job workers, one file per content hash
        #: (facilitator/rendered.py): outside the web root, never backed up (rebuilt).
        #: Shared by every web and job worker: on several machines, a shared folder.
        "RENDERED_DIR": str(Path(instance_path) / "rendered"),
        #: Whether a change enqueues the renders it makes stale at once (else the
        #: workers' minutely reconcile finds them).
        "RENDER_AHEAD": True,
        #: Where the job queue lives: None for beside the database (a SQLite file, or
        #: PostgreSQL's own tables), "memory" for this process only (facilitator/jobs.py).
        "JOBS_STORAGE": None,
    }


def from_environment() -> dict[str, Any]:
    """Return the settings given as FACILITATOR_* environment variables."""
    settings: dict[str, Any] = {}
    if url := os.environ.get("FACILITATOR_DATABASE_URL"):
        settings["DATABASE_URL"] = url
    if key := os.environ.get("FACILITATOR_SECRET_KEY"):
        settings["SECRET_KEY"] = key
    if base := os.environ.get("FACILITATOR_BASE_URL"):
        settings["BASE_URL"] = base
    if folder := os.environ.get("FACILITATOR_EVIDENCE_DIR"):
        settings["EVIDENCE_DIR"] = folder
    if folder := os.environ.get("FACILITATOR_RENDERED_DIR"):
        settings["RENDERED_DIR"] = folder
    if os.environ.get("FACILITATOR_SECURE_COOKIES") == "1":
        settings["SESSION_COOKIE_SECURE"] = True
    for name in ("FEED_MAX_AGE", "PAGE_MAX_AGE"):
        if seconds := os.environ.get(f"FACILITATOR_{name}"):
            settings[name] = _seconds(f"FACILITATOR_{name}", seconds)
    if renders := os.environ.get("FACILITATOR_PDF_RENDERS_AT_ONCE"):
        if not renders.isdigit() or int(renders) < 1:
            raise ValueError("FACILITATOR_PDF_RENDERS_AT_ONCE must be a whole number from 1 "
                             f"up, not {renders!r}.")
        settings["PDF_RENDERS_AT_ONCE"] = int(renders)
    return settings


def _seconds(variable: str, value: str) -> int:
    if not value.isdigit():
        raise ValueError(f"{variable} must be a whole number of seconds, not {value!r}.")
    return int(value)
