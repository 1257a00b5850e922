"""In-app notifications, e-mail through the outbox, preferences, and the admin outbox page."""
from flask import Blueprint

bp = Blueprint("notifications", __name__, url_prefix="/notifications")

from app.notifications import jobs  # noqa: E402,F401  -- views and background jobs
from app.notifications import routes  # noqa: E402,F401  -- views and background jobs
