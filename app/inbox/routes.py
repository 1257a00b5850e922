"""/inbox/: what awaits the signed-in user, section by section (app/inbox/providers.py)."""
from flask import render_template
from flask_login import current_user

from app.inbox import bp, providers
from app.inbox.navbar import counts

PAGE_LIMIT = 100  # entries shown per section on /inbox/; the heading says how many there are in all


def _counts() -> dict[str, int]:
    """How many entries each section holds, counted once per request with the bell (app/inbox/navbar.py)."""
    return counts().inbox


@bp.get("/")
def index():
    counts = _counts()  # first: the sections known empty are not asked
    return render_template("inbox/index.html", sections=providers.inbox_sections(current_user, PAGE_LIMIT, counts),
                           counts=counts)


@bp.app_template_global()
def inbox_count() -> int:
    return sum(_counts().values())


@bp.app_template_global()
def unread_notifications() -> int:
    """The bell's count in the navigation bar (one statement with the inbox badge: app/inbox/navbar.py)."""
    return counts().unread


@bp.app_template_global()
def inbox_preview(limit: int = 5) -> list:
    """The first entries across sections, in the inbox's order (for the dashboard)."""
    if not current_user.is_authenticated:
        return []
    sections = providers.inbox_sections(current_user, limit, counts=_counts())
    return [entry for _, entries in sections for entry in entries][:limit]
