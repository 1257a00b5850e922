from flask import Blueprint

bp = Blueprint("incidents", __name__, url_prefix="/incidents")

# The views attach to bp; jobs schedules the stage reminders (its inbox, calendar, dashboard: app/kinds.py).
from app.incidents import jobs  # noqa: E402,F401
from app.incidents import routes  # noqa: E402,F401
