"""The dashboard and the health check."""
from flask import current_app
from flask import jsonify
from flask import render_template
from flask_login import current_user

from app import health
from app.decorators import public
from app.main import bp
from app.main.dashboard import dashboard_for
from app.template_helpers import has_endpoint
from app.template_helpers import row_url


@bp.get("/")
def index():
    return render_template("main/dashboard.html", **dashboard_for(current_user))


def _nowhere(_id) -> str:
    return "#"


@bp.context_processor
def _row_links() -> dict:
    """row_link(endpoint, arg): a list's id -> its record's URL, one url_for per list (row_url); "#" where the
    feature is not installed."""
    return {"row_link": lambda endpoint, arg: row_url(endpoint, arg) if has_endpoint(endpoint) else _nowhere}


@bp.get("/healthz")
@public
def healthz():
    """JSON naming each check (app/health.py): 200 when every one is "ok", 503 otherwise."""
    results, healthy = health.run(current_app._get_current_object())
    response = jsonify(status="ok" if healthy else "unavailable", **results)
    response.headers["Cache-Control"] = "no-store"
    return response, 200 if healthy else 503
