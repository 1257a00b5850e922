from flask import Blueprint

bp = Blueprint("working_groups", __name__, url_prefix="/working-groups")

from app.working_groups import routes  # noqa: E402,F401  -- attach the views to bp
