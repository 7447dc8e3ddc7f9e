"""The forms that take a file read larger requests than the rest of the app.

A phone's photo of a certificate is easily over 5 MB, and a meeting feed may be larger.
Cut off at the app's request limit (MAX_CONTENT_LENGTH), its sender would get a bare 413
page and lose what they typed. These forms read requests up to
EVIDENCE_MAX_CONTENT_LENGTH instead, so the form comes back with its fields kept and the
file's limit in words ("The file is larger than 5 MB"). A request larger still is not
read at all: its sender is sent back to the form and told why.
"""

from __future__ import annotations

from flask import Flask
from flask import current_app
from flask import flash
from flask import redirect
from flask import request
from flask_babel import gettext
from werkzeug import Response

from facilitator.domain.evidence import TOO_LARGE
from facilitator.formatting import message_words
from facilitator.services.import_runs import TOO_LARGE as FEED_TOO_LARGE

#: The endpoints whose form has a file field, and what a file too large for it is told.
FILE_FORMS = {"manage.new_training_record": TOO_LARGE,
              "manage.edit_training_record": TOO_LARGE,
              "admin.imports": FEED_TOO_LARGE}


def install(app: Flask) -> None:
    """Set the file forms' limit. Call it before CSRFProtect, which reads the form."""
    app.before_request(_file_limit)


def _file_limit() -> Response | None:
    too_large = FILE_FORMS.get(request.endpoint or "")
    if too_large is None or request.method != "POST":
        return None
    limit = current_app.config["EVIDENCE_MAX_CONTENT_LENGTH"]
    if (request.content_length or 0) > limit:
        # Nothing is read, so nothing changes: no CSRF check is needed to say so.
        flash(gettext("%(problem)s Nothing was saved: fill in the form again with a smaller "
                      "file.", problem=message_words(too_large)), "error")
        return redirect(request.url, code=303)
    request.max_content_length = limit
    return None
