"""A leader's own training records: what is due, the records and their evidence, and
the private calendar link of expiry dates."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from flask import abort
from flask import current_app
from flask import flash
from flask import g
from flask import make_response
from flask import redirect
from flask import render_template
from flask import url_for
from flask_babel import gettext
from werkzeug import Response
from werkzeug.datastructures import FileStorage

from facilitator import i18n
from facilitator.db import get_session
from facilitator.domain import evidence
from facilitator.forms import ConfirmForm
from facilitator.forms import TrainingRecordForm
from facilitator.forms import options
from facilitator.headers import holds_secret
from facilitator.models import TrainingRecord
from facilitator.security import get_training_record_for
from facilitator.services import training
from facilitator.services import training_feed
from facilitator.services.training import RecordValues
from facilitator.services.training import Upload
from facilitator.views import Saved
from facilitator.views import T
from facilitator.views import save
from facilitator.views.manage import bp

_ID = "int(max=2147483647)"


def evidence_dir() -> Path:
    return Path(current_app.config["EVIDENCE_DIR"])


def _leader_only() -> None:
    if not training.leader_orgs(g.user):
        abort(404)


@bp.get("/training/")
def training_home() -> str:
    _leader_only()
    session = get_session()
    today = training.leader_today(g.user)
    return render_template(
        "manage/training.html",
        standings=training.standings_of(session, g.user, today),
        records=training.records_of(session, g.user),
        has_feed=g.user.training_feed_token_hash is not None,
        confirm=ConfirmForm(), today=today,
    )


def _record_form(record: TrainingRecord | None = None) -> TrainingRecordForm:
    form = TrainingRecordForm(obj=record)
    orgs = {o.id: o.name for o in training.leader_orgs(g.user)}
    kinds = training.types_for_leader(get_session(), g.user)
    # Someone who leads in two orgs sees whose training each is.
    form.training_type_id.choices = options(
        (k.id, k.name if len(orgs) == 1 else f"{k.name} ({orgs[k.organization_id]})")
        for k in kinds)
    return form


def _values(form: TrainingRecordForm) -> RecordValues:
    return RecordValues(
        training_type_id=form.training_type_id.data, completed_on=form.completed_on.data,
        provider=form.provider.data, expires_on_override=form.expires_on_override.data,
        certificate_number=form.certificate_number.data, hours=form.hours.data,
        notes=form.notes.data)


def _upload(form: TrainingRecordForm) -> Upload | None:
    file = form.evidence.data
    if not isinstance(file, FileStorage) or not file.filename:
        return None
    # One byte past the limit is enough to say it is too large.
    return Upload(file.filename, file.stream.read(evidence.MAX_BYTES + 1))


def _save_with_file(form: TrainingRecordForm, change: Callable[[], T],
                    new_file: Callable[[T], str | None]) -> Saved[T] | None:
    """save(); if the commit fails after the change wrote a file, the file has no row
    and goes."""
    written: list[str | None] = []

    def change_and_note_the_file() -> T:
        value = change()
        written.append(new_file(value))
        return value

    saved = save(form, change_and_note_the_file)
    if saved is None and written:
        training.discard_evidence(evidence_dir(), written[0])
    return saved


@bp.route("/training/new", methods=["GET", "POST"])
def new_training_record() -> str | Response:
    _leader_only()
    session = get_session()
    form = _record_form()
    if form.validate_on_submit() and (added := _save_with_file(
            form, lambda: training.add_record(session, g.user, _values(form),
                                              upload=_upload(form), evidence_dir=evidence_dir()),
            lambda record: record.evidence_file)):
        flash(gettext("%(training)s is recorded.", training=added.value.training_type.name),
              "info")
        return redirect(url_for("manage.training_home"))
    return render_template("manage/training_record.html", form=form, record=None)


@bp.route(f"/training/records/<{_ID}:record_id>", methods=["GET", "POST"])
def edit_training_record(record_id: int) -> str | Response:
    session = get_session()
    record = get_training_record_for(session, g.user, record_id)
    form = _record_form(record)
    if form.validate_on_submit():
        upload = _upload(form)
        updated = _save_with_file(
            form, lambda: training.update_record(session, g.user, record, _values(form),
                                                 upload=upload, evidence_dir=evidence_dir()),
            lambda _replaced: record.evidence_file if upload is not None else None)
        if updated is not None:
            training.discard_evidence(evidence_dir(), updated.value)
            flash(gettext("%(training)s is saved.", training=record.training_type.name), "info")
            return redirect(url_for("manage.training_home"))
    return render_template("manage/training_record.html", form=form, record=record,
                           confirm=ConfirmForm())


@bp.post(f"/training/records/<{_ID}:record_id>/delete")
def delete_training_record(record_id: int) -> Response:
    session = get_session()
    record = get_training_record_for(session, g.user, record_id)
    form = ConfirmForm()
    if form.validate_on_submit() and save(form, lambda: training.delete_record(
            session, g.user, record)):
        flash(gettext("%(training)s of %(date)s is deleted. The audit keeps it.",
                      training=record.training_type.name,
                      date=record.completed_on.isoformat()), "info")
    return redirect(url_for("manage.training_home"))


@bp.get(f"/training/records/<{_ID}:record_id>/evidence")
def training_evidence(record_id: int) -> Response:
    """The evidence file, for its leader and the org's admins and auditors only."""
    record = get_training_record_for(get_session(), g.user, record_id, manage=False)
    path = training.evidence_path(evidence_dir(), record)
    if path is None or record.evidence_type not in evidence.EXTENSIONS:
        abort(404)
    # At most 5 MB: read whole, so no file handle outlives the request.
    response = Response(path.read_bytes(), mimetype=record.evidence_type)
    extension = evidence.EXTENSIONS[record.evidence_type]
    response.headers.set("Content-Disposition", "inline",
                         filename=f"training-{record.id}.{extension}")
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    # A PDF viewer runs in the page's origin: no script, no form, no plugin.
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.post("/training/feed-link")
def training_feed_link() -> str | Response:
    """Make (or replace) the leader's private link of expiry dates; shown once."""
    _leader_only()
    form = ConfirmForm()
    if not form.validate_on_submit():
        return redirect(url_for("manage.training_home"))
    replaced = g.user.training_feed_token_hash is not None
    rotated = save(form, lambda: training_feed.rotate_feed_token(get_session(), g.user))
    if rotated is None:
        return redirect(url_for("manage.training_home"))
    token = rotated.value
    link = i18n.feed_url("public.training_reminders", token=token)
    response = make_response(render_template("manage/training_feed_link.html", link=link,
                                             replaced=replaced))
    return holds_secret(response)
