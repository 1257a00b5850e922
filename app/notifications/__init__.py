"""In-app notifications, e-mail through the outbox, preferences, and the admin outbox page."""
from flask import Blueprint

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.app_context_processor
def _bell():
    """`unread_notifications()` for the bell in the navigation bar (counted with the inbox badge: app/navbar.py)."""
    from app.navbar import counts

    def unread_notifications() -> int:
        return counts().unread

    return {"unread_notifications": unread_notifications}

from app.notifications import jobs, routes  # noqa: E402,F401  -- views and background jobs
