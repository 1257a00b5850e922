"""/inbox/: what awaits the signed-in user, section by section (app/inbox/providers.py)."""
from flask import g, render_template
from flask_login import current_user

from app.inbox import bp, providers


def _sections() -> list:
    """The signed-in user's inbox, built once per request (page, nav count, dashboard)."""
    if "inbox_sections" not in g:
        g.inbox_sections = providers.inbox_sections(current_user) if current_user.is_authenticated else []
    return g.inbox_sections


@bp.get("/")
def index():
    return render_template("inbox/index.html", sections=_sections())


@bp.app_template_global()
def inbox_count() -> int:
    return sum(len(entries) for _, entries in _sections())


@bp.app_template_global()
def inbox_preview(limit: int = 5) -> list:
    """The first entries across sections, in the inbox's order (for the dashboard)."""
    return [entry for _, entries in _sections() for entry in entries][:limit]
