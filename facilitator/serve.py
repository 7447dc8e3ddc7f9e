"""The production server: `python -m facilitator.serve`, which `make serve` runs.

gunicorn with several worker processes, configured by the environment (besides the
FACILITATOR_* settings of config.py):

- FACILITATOR_WORKERS: how many worker processes (default 4);
- FACILITATOR_BIND: the address to listen on (default 127.0.0.1:8000; nginx in front);
- FACILITATOR_PROXIES: how many proxies in front set X-Forwarded-For (default 1, nginx);
  0 when clients connect to gunicorn directly, so they cannot choose their address.

It refuses to start without FACILITATOR_BASE_URL (the address every absolute URL is built
from), with the public default secret key, and with SQLite when more than one worker is
asked for. A request that names another host than FACILITATOR_BASE_URL's gets 400. The
app is created once in the master, which opens no database connection, and the workers
are forked from it.
"""

from __future__ import annotations

import gc
import os
import sqlite3
import sys
from collections.abc import Mapping
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication
from werkzeug.middleware.proxy_fix import ProxyFix

from facilitator import create_app
from facilitator import memory
from facilitator.config import DEFAULT_BASE_URL
from facilitator.config import DEFAULT_SECRET_KEY
from facilitator.urls import trusted_hosts

DEFAULT_WORKERS = 4
DEFAULT_BIND = "127.0.0.1:8000"
#: No client address and no user agent: members' requests pass through here too.
ACCESS_LOG_FORMAT = '%(t)s "%(r)s" %(s)s %(b)s %(M)sms'


class UnsafeSettings(Exception):
    """The settings would serve the app in a way that loses data or security."""


def server_settings(environ: Mapping[str, str]) -> dict[str, Any]:
    """gunicorn's settings from the environment; UnsafeSettings when they make no sense."""
    workers = environ.get("FACILITATOR_WORKERS", str(DEFAULT_WORKERS))
    if not workers.isdigit() or int(workers) < 1:
        raise UnsafeSettings(f"FACILITATOR_WORKERS must be a whole number from 1 up, "
                             f"not {workers!r}.")
    settings: dict[str, Any] = {
        "workers": int(workers),
        "bind": environ.get("FACILITATOR_BIND", DEFAULT_BIND),
        "access_log_format": ACCESS_LOG_FORMAT,
        # gunicorn 27 writes a control socket under ~/.gunicorn/ unless told not to.
        "control_socket_disable": True,
        # A worker may be rendering a large handout: pdf.TIME_LIMIT_SECONDS stops a render
        # first, with a clear page, before gunicorn would kill the worker.
        "timeout": 120,
    }
    if environ.get("FACILITATOR_ACCESS_LOG") == "1":
        settings["accesslog"] = "-"
    return settings


def problems(config: Mapping[str, Any], workers: int) -> list[str]:
    """What makes the app's settings unsafe to serve to the public; empty when nothing."""
    found = []
    if config.get("BASE_URL") in (None, "", DEFAULT_BASE_URL):
        found.append(
            "FACILITATOR_BASE_URL is not set. Feeds, QR codes, handouts and the links "
            "leaders hand out are built from it, and requests naming any other host are "
            "refused. Set it to the address members use, for example "
            "FACILITATOR_BASE_URL=https://meetings.example.org"
        )
    if config.get("SECRET_KEY") in (None, "", DEFAULT_SECRET_KEY):
        found.append(
            "FACILITATOR_SECRET_KEY is not set, and the default key is public: anyone could "
            "forge a session cookie and sign in as any leader. Set it to a long random value, "
            "for example the output of: python3 -c 'import secrets; print(secrets.token_hex(32))'"
        )
    if config["DATABASE_URL"].startswith("sqlite") and workers > 1:
        found.append(
            f"{workers} workers were asked for on SQLite. SQLite before 3.51.3 (this Python "
            f"has {sqlite3.sqlite_version}) can corrupt a WAL database written by several "
            "processes. Use PostgreSQL (FACILITATOR_DATABASE_URL=postgresql+psycopg://…) "
            "for several workers, or FACILITATOR_WORKERS=1."
        )
    return found


class Server(BaseApplication):
    """gunicorn serving one already created app."""

    def __init__(self, app: Flask, settings: Mapping[str, Any]) -> None:
        self.application = app
        self.settings = settings
        super().__init__()

    def load_config(self) -> None:
        for name, value in self.settings.items():
            self.cfg.set(name, value)

    def load(self) -> Flask:
        return self.application


def freeze_startup() -> None:
    """Keep what exists once the app is made (the modules, the app, its routes) out of
    the garbage collector's full passes, in the server and in every worker forked from
    it. A page of a big org (the training matrix of 2,000 leaders) allocates enough to
    set off full passes, and each one walked all of it: a tenth of a second or so."""
    gc.collect()
    gc.freeze()


def main() -> int:
    try:
        settings = server_settings(os.environ)
        app = create_app()
    except (UnsafeSettings, ValueError) as error:
        print(f"facilitator: not starting: {error}", file=sys.stderr)
        return 2
    found = problems(app.config, settings["workers"])
    if found:
        print("facilitator: not starting:", *(f"- {p}" for p in found), sep="\n",
              file=sys.stderr)
        return 2
    # A request for another host is a probe or a mistake: 400 before any view runs, so
    # nothing the app answers (nor anything a proxy keeps) can depend on it.
    app.config["TRUSTED_HOSTS"] = trusted_hosts(app.config["BASE_URL"])
    proxies = os.environ.get("FACILITATOR_PROXIES", "1")
    if not proxies.isdigit():
        print(f"facilitator: not starting: FACILITATOR_PROXIES must be a whole number, "
              f"not {proxies!r}.", file=sys.stderr)
        return 2
    if int(proxies):
        # Behind nginx every request comes from 127.0.0.1: take the client's address
        # from the proxies' X-Forwarded-For, or sign-in throttling would count every
        # member and leader as one address.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=int(proxies))  # type: ignore[method-assign]
    freeze_startup()
    memory.tune_malloc()  # before gunicorn forks the workers, which inherit it
    Server(app, settings).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
