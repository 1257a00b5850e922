"""View decorators that mark how the global guards treat a view, and the session freshness they check."""
from functools import wraps
from urllib.parse import urlsplit

from flask import current_app
from flask import redirect
from flask import request
from flask import session
from flask import url_for

from app.models import utcnow


def mark_fresh() -> None:
    """The password was just confirmed (sign-in or re-authentication)."""
    session["fresh_at"] = utcnow().timestamp()


def is_fresh() -> bool:
    fresh_at = session.get("fresh_at")
    if not isinstance(fresh_at, int | float):
        return False
    return utcnow().timestamp() - fresh_at <= current_app.config["FRESH_LOGIN_MINUTES"] * 60


def public(view):
    """Mark a view as reachable without signing in (see register_session_guard)."""
    view.is_public = True
    return view


def fresh_login_required(view):
    """Sensitive changes (email, password, two-factor, roles) need the password confirmed recently."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not is_fresh():
            target = request.full_path if request.method == "GET" else request.referrer or request.path
            return redirect(url_for("auth.reauthenticate", next=_local_path(target)))
        return view(*args, **kwargs)

    return wrapped


def _local_path(target: str | None) -> str:
    parts = urlsplit(target or "/")
    path = parts.path or "/"
    return path + (f"?{parts.query}" if parts.query else "")
