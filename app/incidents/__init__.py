from flask import Blueprint

bp = Blueprint("incidents", __name__, url_prefix="/incidents")

# The views attach to bp; inbox adds the "Incident clocks" section; jobs runs the stage reminders.
from app.incidents import inbox, jobs, routes  # noqa: E402,F401
