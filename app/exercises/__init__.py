from flask import Blueprint

bp = Blueprint("exercises", __name__, url_prefix="/exercises")

# The views attach to bp (its inbox section, "Exercises": app/kinds.py); references draws the links' other side
# on the linked records' pages.
from app.exercises import references  # noqa: E402,F401
from app.exercises import routes  # noqa: E402,F401
