from flask import Blueprint

bp = Blueprint("incident_plans", __name__, url_prefix="/incident-plans")

from app.incident_plans import routes  # noqa: E402,F401  -- attach the views to bp
