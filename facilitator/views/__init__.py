"""Blueprints, one per audience: public, auth, manage (facilitators), admin, audit."""

from __future__ import annotations

import functools
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Sequence
from typing import Any
from typing import TypeVar

from flask import Response
from flask import flash
from flask import g
from flask import redirect
from flask import request
from flask import url_for
from flask_wtf import FlaskForm
from sqlalchemy.exc import IntegrityError

from facilitator.db import get_session
from facilitator.domain.spreadsheet import Cell
from facilitator.domain.spreadsheet import csv_text
from facilitator.services import ServiceError
from facilitator.services import attendance


def show_error(form: FlaskForm, error: ServiceError) -> None:
    """Put a service's refusal beside the field it concerns, or at the top of the page."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        flash(error.message, "error")


def commit(form: FlaskForm) -> bool:
    """Commit the request's changes; on a lost race for a unique value, roll back and
    say so on the form."""
    session = get_session()
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        flash("Someone else just saved a conflicting change; nothing was saved. "
              "Please check and try again.", "error")
        return False
    return True


def csv_response(filename: str, header: Sequence[str],
                 rows: Iterable[Sequence[Cell]]) -> Response:
    """Answer with a CSV download whose cells are safe to open in a spreadsheet."""
    return Response(csv_text(header, rows), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "Cache-Control": "private, no-store"})


def chart_response(report: attendance.Report) -> Response:
    """Answer with a report's attendance chart as SVG, for the page that shows it."""
    response = Response(attendance.chart_svg(report), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "private, no-store"
    return response


#: A view function, as login_required takes and gives it back.
View = TypeVar("View", bound=Callable[..., Any])


def login_required(view: View) -> View:
    """View decorator that redirects anonymous users to the login page."""

    @functools.wraps(view)
    def wrapped(**kwargs: Any) -> Any:
        if g.user is None:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        return view(**kwargs)

    return wrapped  # type: ignore[return-value]
