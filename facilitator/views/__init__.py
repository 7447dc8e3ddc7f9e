"""Blueprints, one per audience: public, auth, manage (facilitators), admin, audit."""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Sequence

from flask import Response
from flask import flash
from flask_wtf import FlaskForm
from sqlalchemy.exc import IntegrityError

from facilitator.db import get_session
from facilitator.domain.spreadsheet import Cell
from facilitator.domain.spreadsheet import csv_text
from facilitator.services import ServiceError


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
