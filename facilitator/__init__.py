"""facilitator: meeting management for leaders of peer support groups in recovery."""

from __future__ import annotations

import mimetypes
from itertools import chain
from typing import Any

from flask import Flask
from flask import Response
from flask import abort
from flask import render_template
from flask import request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import SecurityError

from facilitator import config
from facilitator import db
from facilitator import formatting
from facilitator import headers
from facilitator import i18n
from facilitator import jobs
from facilitator import log_masking
from facilitator import throttling
from facilitator import uploads
from facilitator import urls
from facilitator.config import ROOT
from facilitator.domain.languages import N_
from facilitator.extensions import csrf

# The web app manifest (static/manifest.webmanifest) that lets a leader add the site to a
# phone's home screen: not every system's MIME table knows its type.
mimetypes.add_type("application/manifest+json", ".webmanifest")


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create the app: config, database, CSRF, blueprints, error pages, CLI."""
    app = Flask(__name__, template_folder=str(ROOT / "templates"), instance_relative_config=True)
    app.config.from_mapping(config.defaults(app.instance_path))
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_mapping(config.from_environment())
    if test_config:
        app.config.from_mapping(test_config)

    urls.install(app)
    app.jinja_env.add_extension("jinja2.ext.do")
    formatting.register(app)
    i18n.install(app)
    db.init_app(app)
    jobs.init_app(app)
    uploads.install(app)  # before CSRF: it sets how much of the request may be read
    csrf.init_app(app)
    app.before_request(_refuse_nul_characters)
    headers.install(app)
    throttling.install(app)
    _register_blueprints(app)
    # After the blueprints: the masks are read from the routes they add.
    log_masking.install(app.url_map, "werkzeug", "gunicorn.access", app.logger.name)
    _register_error_pages(app)
    _register_cli(app)
    return app


def _refuse_nul_characters() -> None:
    """No text we store may hold NUL (PostgreSQL cannot); refuse it before any view runs."""
    values = [
        request.path,
        *chain.from_iterable(request.args.listvalues()),
        *chain.from_iterable(request.form.listvalues()),
    ]
    if any("\x00" in value for value in values):
        abort(400, N_("The request contains a character that cannot be stored (NUL)."))


def _register_blueprints(app: Flask) -> None:
    from facilitator.views import admin
    from facilitator.views import audit
    from facilitator.views import auth
    from facilitator.views import checkin
    from facilitator.views import handouts
    from facilitator.views import join
    from facilitator.views import manage
    from facilitator.views import public
    from facilitator.views import representative
    from facilitator.views import review

    for module in (public, handouts, join, auth, checkin, manage, admin, audit,
                   representative, review):
        app.register_blueprint(module.bp)


def _register_error_pages(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[str, int]:
        message = N_("This form has expired or was sent from elsewhere. Go back, reload the "
                     "page, and send it again; nothing was saved.")
        return render_template("errors/error.html", code=400, message=message), 400

    @app.errorhandler(SecurityError)
    def untrusted_host(error: SecurityError) -> Response:
        # A Host outside TRUSTED_HOSTS is refused before routing, so there is no URL
        # adapter to build the error page's links with: a plain answer, naming no host.
        return Response("This server does not answer for that host name.\n", status=400,
                        mimetype="text/plain")

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Any:
        if error.code is None or error.code < 400:
            return error
        # Keep what the error says in headers (Retry-After, Allow), not its content type.
        headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
        # What the view said (marked with N_), or None where it said nothing of its own.
        said = error.description if error.description != type(error).description else None
        return render_template(
            "errors/error.html", code=error.code, message=said
        ), error.code, headers


def _register_cli(app: Flask) -> None:
    from facilitator import cli

    cli.register(app)
