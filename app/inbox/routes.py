"""/inbox/: what awaits the signed-in user, every section's first entries in one statement (app/inbox/providers.py),
the long sections counted with the navigation bar's counts (app/inbox/navbar.py); the navigation bar."""
import secrets

from flask import current_app
from flask import render_template
from flask import request
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from app import permissions
from app.inbox import bp
from app.inbox import providers
from app.inbox.navbar import NavbarCounts
from app.inbox.navbar import counts
from app.inbox.navbar import counts_for_inbox

PAGE_LIMIT = 100  # entries shown per section on /inbox/; the heading says how many there are in all


def _counts() -> dict[str, int]:
    """How many entries each section holds, counted once per request with the bell (app/inbox/navbar.py)."""
    return counts().inbox


@bp.get("/")
def index():
    sections, exact, at_least = providers.page_sections(current_user, PAGE_LIMIT)
    return render_template("inbox/index.html", sections=sections, counts=counts_for_inbox(exact, at_least).inbox)


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
    return providers.first_entries(current_user, limit, _counts())


# templates/_partials/nav.html as rendered, per app: {(user, section, counts…): HTML with _TOKEN for the CSRF token}
NAVIGATION_BARS_KEPT = 2048
_TOKEN = secrets.token_hex(16)  # unguessable: nothing a user writes can contain it


@bp.app_template_global()
def navigation_bar() -> Markup:
    """The signed-in user's navigation bar. Its HTML is the same for the same person (name, e-mail, role,
    organisation), section and counts, so it is rendered once per such key and process and kept; only the
    sign-out form's CSRF token is put in on every page. Any change of what it shows is a different key."""
    user = current_user
    shown = NavbarCounts()
    if any(name in current_app.view_functions for name in ("inbox.index", "notifications.index", "sharing.index")):
        shown = counts()
    organization = user.organization.display_name if user.organization is not None else None
    key = (request.script_root, request.blueprint, user.id, user.name, user.email, user.role, organization,
           permissions.can_manage_organizations(user), shown.unread, shown.waiting, tuple(sorted(shown.extra.items())))
    kept = current_app.extensions.setdefault("palisade.navigation_bars", {})
    html = kept.get(key)
    if html is None:
        html = render_template("_partials/nav.html", csrf_token=lambda: _TOKEN)
        if len(kept) >= NAVIGATION_BARS_KEPT:
            kept.clear()
        kept[key] = html
    return Markup(html.replace(_TOKEN, generate_csrf()))
