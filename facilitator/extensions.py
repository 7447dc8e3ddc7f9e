"""Flask extensions made before the app, so that views can use them at import time (the
check-in view exempts itself from CSRF); `create_app()` binds each one to the app."""

from __future__ import annotations

from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
