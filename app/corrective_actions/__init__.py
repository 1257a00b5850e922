"""/corrective-actions/: the improvement plans of every exercise the user may read, tracked to verified
closure. The use cases live in app/exercises/improvement.py."""
from flask import Blueprint

bp = Blueprint("corrective_actions", __name__, url_prefix="/corrective-actions")

from app.corrective_actions import routes  # noqa: E402,F401
