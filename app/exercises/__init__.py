from flask import Blueprint

bp = Blueprint("exercises", __name__, url_prefix="/exercises")

# The views attach to bp; inbox adds the "Exercises" section.
from app.exercises import inbox, routes  # noqa: E402,F401
