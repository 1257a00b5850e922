"""The dashboard and the health check."""
import sqlalchemy as sa
from flask import jsonify, render_template
from flask_login import current_user

from app.decorators import public
from app.extensions import db
from app.main import bp
from app.main.dashboard import dashboard_for


@bp.get("/")
def index():
    return render_template("main/dashboard.html", **dashboard_for(current_user))


@bp.get("/healthz")
@public
def healthz():
    try:
        db.session.execute(sa.text("SELECT 1"))
    except Exception:  # any database failure means "not ready"
        db.session.rollback()
        return jsonify(status="unavailable", database="unreachable"), 503
    return jsonify(status="ok", database="ok")
