from flask import Blueprint

bp = Blueprint("advisories", __name__, url_prefix="/advisories")

# The views attach to bp; the jobs module schedules the reminders (its inbox sections: app/kinds.py).
from app.advisories import jobs  # noqa: E402,F401
from app.advisories import routes  # noqa: E402,F401
