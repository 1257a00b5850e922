"""Error pages: one template per status, never a traceback; a 500 rolls the transaction back.

A 403, or a 404 from a matched route (an out-of-scope record), is logged as `authz_denied` with
the endpoint and the user id only (no parameters, form data or cookies).
"""
from flask import Flask, Response, render_template, request
from flask_login import current_user
from werkzeug.exceptions import HTTPException, InternalServerError, SecurityError

from app.extensions import db

PAGES = (400, 403, 404, 405, 409, 413, 429, 500)


def _log_denied(app: Flask, code: int) -> None:
    if code == 403 or (code == 404 and request.endpoint is not None):
        user_id = getattr(current_user, "id", None) if current_user else None
        app.logger.warning("authz_denied status=%s endpoint=%s method=%s user_id=%s",
                           code, request.endpoint or "-", request.method, user_id or "anonymous")


def _untrusted_host() -> bool:
    try:
        request.host  # noqa: B018  -- raises SecurityError when TRUSTED_HOSTS refuses it
    except SecurityError:
        return True
    return False


def register(app: Flask) -> None:
    def render_error(error: HTTPException):
        code = error.code or 500
        if code >= 500 or code not in PAGES:
            db.session.rollback()
        if code in (403, 404):
            _log_denied(app, code)
        template = f"errors/{code}.html" if code in PAGES else "errors/500.html"
        if request.url_rule is None and _untrusted_host():
            # An untrusted Host header: no URL can be built for the page, so answer in plain text.
            return Response(f"{code} {error.name}\n", status=code, mimetype="text/plain")
        return render_template(template, error=error), code

    for code in PAGES:
        app.register_error_handler(code, render_error)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        if isinstance(error, HTTPException):
            return render_error(error)
        db.session.rollback()
        app.logger.exception("Unhandled exception")
        return render_error(InternalServerError())

    from app import resilience  # database unavailable / storage full: their own 503 pages

    resilience.register(app)
