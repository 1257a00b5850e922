from flask import Blueprint

bp = Blueprint("incidents", __name__, url_prefix="/incidents")

# The views attach to bp; the jobs module registers the stage reminders' periodic schedule.
from app.incidents import jobs, routes  # noqa: E402,F401
