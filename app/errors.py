"""Error pages: one template per status, never a traceback; a 500 rolls the transaction back.

A 403, or a 404 from a matched route (an out-of-scope record), is logged as `authz_denied` with
the endpoint and the user id only (no parameters, form data or cookies).
"""
from flask import Flask
from flask import Request
from flask import Response
from flask import abort
from flask import render_template
from flask import request
from flask_login import current_user
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import InternalServerError
from werkzeug.exceptions import SecurityError
from werkzeug.routing import IntegerConverter

from app import problems
from app.bearer import is_bearer_request
from app.extensions import db

PAGES = (400, 403, 404, 405, 409, 413, 429, 500)
# Every id column is a 32-bit INTEGER (PostgreSQL refuses larger values; SQLite's driver overflows at 2^63).
MAX_ID = 2**31 - 1


class DatabaseIdConverter(IntegerConverter):
    """`<int:…>` routes: a number no row can have (0, or 2^31 and above) does not match, so a 404."""

    def __init__(self, map, fixed_digits=0, min=1, max=MAX_ID, signed=False):  # noqa: A002 -- werkzeug's names
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


class BoundedArgs(ImmutableMultiDict):
    """Query and form values: `.get(name, type=int)` treats a number outside the 32-bit range as not
    given (the default), like any other value that is not a number. ?page=10^30 or ?organization=2^63
    would otherwise reach the database as an overflow (a 500)."""

    def get(self, key, default=None, type=None):  # noqa: A002 -- werkzeug's signature
        value = super().get(key, default, type)
        if type is int and isinstance(value, int) and value is not default and not -MAX_ID - 1 <= value <= MAX_ID:
            return default
        return value


class PalisadeRequest(Request):
    parameter_storage_class = BoundedArgs


def install_converters(app: Flask) -> None:
    """Called before any blueprint is registered (rules pick their converter when added)."""
    app.url_map.converters["int"] = DatabaseIdConverter
    app.request_class = PalisadeRequest


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


def _holds_nul() -> bool:
    if "\x00" in request.path:
        return True
    return any("\x00" in key or any("\x00" in v for v in values) for key, values in request.args.lists())


def register(app: Flask) -> None:
    @app.before_request
    def refuse_nul_characters():
        # No id, token or filter contains a NUL; PostgreSQL refuses it in text (a 500 with the SQL).
        if _holds_nul():
            abort(400, description="The address holds a NUL character, which no Palisade link contains.")

    def render_error(error: HTTPException):
        code = error.code or 500
        if code >= 500 or code not in PAGES:
            db.session.rollback()
        if code in (403, 404):
            _log_denied(app, code)
        if is_bearer_request():  # the API: problem details, never a page
            return problems.problem_response(error)
        template = f"errors/{code}.html" if code in PAGES else "errors/500.html"
        if request.url_rule is None and _untrusted_host():
            # An untrusted Host header: no URL can be built for the page, so answer in plain text.
            return Response(f"{code} {error.name}\n", status=code, mimetype="text/plain")
        return render_template(template, error=error), code

    for code in PAGES:
        app.register_error_handler(code, render_error)
    for code in (401, 406, 412, 415, 422, 428):  # only the API answers these
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
