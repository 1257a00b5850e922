from flask import Blueprint

bp = Blueprint("advisories", __name__, url_prefix="/advisories")

# The views attach to bp; the inbox module adds its sections; the jobs module schedules the reminders.
from app.advisories import inbox, jobs, routes  # noqa: E402,F401
