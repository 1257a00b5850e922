from flask import Blueprint

bp = Blueprint("exercises", __name__, url_prefix="/exercises")

# The views attach to bp (its inbox section, "Exercises": app/kinds.py).
from app.exercises import routes  # noqa: E402,F401
