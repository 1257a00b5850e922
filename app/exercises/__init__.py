from flask import Blueprint

bp = Blueprint("exercises", __name__, url_prefix="/exercises")

# The views attach to bp (its inbox section, "Exercises": app/kinds.py); references draws the links' other side
# on the linked records' pages.
from app.exercises import references, routes  # noqa: E402,F401
