"""Pages for members, who never log in."""

from __future__ import annotations

from flask import Blueprint
from flask import render_template
from sqlalchemy import select

from facilitator.db import get_session
from facilitator.models import Organization

bp = Blueprint("public", __name__)


@bp.get("/")
def home() -> str:
    orgs = get_session().scalars(select(Organization).order_by(Organization.name)).all()
    return render_template("public/home.html", orgs=orgs)
