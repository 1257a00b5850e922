"""In-app notifications, e-mail through the outbox, preferences, and the admin outbox page."""
from flask import Blueprint

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.app_context_processor
def _bell():
    """`unread_notifications()` for the bell in the navigation bar (one COUNT, only when rendered)."""
    from flask_login import current_user

    from app.notifications.display import unread_count

    def unread_notifications() -> int:
        return unread_count(current_user) if current_user.is_authenticated else 0

    return {"unread_notifications": unread_notifications}

from app.notifications import jobs, routes  # noqa: E402,F401  -- views and background jobs
