"""Per-user secret iCalendar feeds of due dates (`/calendar/<token>.ics`)."""
from flask import Blueprint

bp = Blueprint("calendar", __name__, url_prefix="/calendar")


@bp.app_context_processor
def _feed_status():
    from flask_login import current_user

    from app.calendar.services import feed_of

    def calendar_feed():
        return feed_of(current_user) if current_user.is_authenticated else None

    return {"calendar_feed": calendar_feed}


from app.calendar import routes  # noqa: E402,F401  -- attach the views to bp
