"""The forms that take an evidence file read larger requests than the rest of the app.

A phone's photo of a certificate is easily over 5 MB. Cut off at the app's request limit
(MAX_CONTENT_LENGTH), its sender would get a bare 413 page and lose what they typed.
The evidence forms read requests up to EVIDENCE_MAX_CONTENT_LENGTH instead, so the form
comes back with its fields kept and the words "The file is larger than 5 MB". A request
larger still is not read at all: its sender is sent back to the form and told why.
"""

from __future__ import annotations

from flask import Flask
from flask import current_app
from flask import flash
from flask import redirect
from flask import request
from werkzeug import Response

from facilitator.domain.evidence import TOO_LARGE

#: The endpoints whose form has an evidence file field.
EVIDENCE_FORMS = frozenset({"manage.new_training_record", "manage.edit_training_record"})


def install(app: Flask) -> None:
    """Set the evidence forms' limit. Call it before CSRFProtect, which reads the form."""
    app.before_request(_evidence_limit)


def _evidence_limit() -> Response | None:
    if request.endpoint not in EVIDENCE_FORMS or request.method != "POST":
        return None
    limit = current_app.config["EVIDENCE_MAX_CONTENT_LENGTH"]
    if (request.content_length or 0) > limit:
        # Nothing is read, so nothing changes: no CSRF check is needed to say so.
        flash(f"{TOO_LARGE} Nothing was saved: fill in the form again with a smaller file.",
              "error")
        return redirect(request.url, code=303)
    request.max_content_length = limit
    return None
