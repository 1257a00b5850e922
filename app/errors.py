"""Error pages: one template per status, never a traceback; a 500 rolls the transaction back."""
from flask import Flask, render_template
from werkzeug.exceptions import HTTPException, InternalServerError

from app.extensions import db

PAGES = (400, 403, 404, 405, 409, 413, 429, 500)


def register(app: Flask) -> None:
    def render_error(error: HTTPException):
        code = error.code or 500
        if code >= 500 or code not in PAGES:
            db.session.rollback()
        template = f"errors/{code}.html" if code in PAGES else "errors/500.html"
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
