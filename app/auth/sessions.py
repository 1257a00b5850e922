"""Server-side session rules: who the session belongs to, the login guard, idle and absolute limits.

The session cookie carries the user's `session_token` (not the user id), so rotating the token
(logout, password change, two-factor reset, deactivation) ends every session of that user at once.
"""
import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Flask
from flask import current_app
from flask import redirect
from flask import request
from flask import session
from flask import url_for
from flask_login import current_user
from flask_login import login_user
from flask_login import logout_user

from app.bearer import is_bearer_request
from app.extensions import db
from app.extensions import login_manager
from app.models import User
from app.models import utcnow

# With its organisation: every page's scopes need it (amber_org_ids), one statement instead of two. Built once:
# a statement built on every request is walked again to find its compiled form.
_USER_BY_TOKEN = (sa.select(User).options(so.joinedload(User.organization))
                  .where(User.session_token == sa.bindparam("token", type_=sa.String)))


def load_user(session_token: str) -> User | None:
    if not session_token:
        return None
    user = db.session.scalar(_USER_BY_TOKEN, {"token": session_token})
    if user is None or not user.active:
        return None
    return user


def start_session(user: User) -> None:
    """Called right after login_user(): stamp the session's start and activity times."""
    now = utcnow().timestamp()
    session["started_at"] = now
    session["seen_at"] = now
    session["fresh_at"] = now
    session.permanent = True


def sign_in(user: User) -> None:
    """A fresh session for the user: nothing planted before login survives."""
    session.clear()
    login_user(user)
    start_session(user)


def sign_out() -> None:
    logout_user()
    session.clear()


def renew_session(user: User) -> None:
    """After the user's token rotated (password change, sign out elsewhere): keep only this session.

    The absolute lifetime still counts from the original sign-in."""
    started = session.get("started_at")
    sign_in(user)
    if isinstance(started, int | float):
        session["started_at"] = started


def _expired() -> bool:
    now = utcnow().timestamp()
    started, seen = session.get("started_at"), session.get("seen_at")
    if not isinstance(started, int | float) or not isinstance(seen, int | float):
        return True
    config = current_app.config
    return (now - started > config["SESSION_ABSOLUTE_LIFETIME"].total_seconds()
            or now - seen > config["SESSION_IDLE_TIMEOUT"].total_seconds())


# The activity time is written at most this often: a session unchanged by a request is not signed and sent again
# (SESSION_REFRESH_EACH_REQUEST is off). The time kept is then up to a minute older than the last request, so the
# idle limit may end a session up to a minute early, never late.
ACTIVITY_STEP_SECONDS = 60


def _note_activity() -> None:
    now = utcnow().timestamp()
    if now - session["seen_at"] >= ACTIVITY_STEP_SECONDS:  # a number: _expired() checked it
        session["seen_at"] = now


def register_session_guard(app: Flask) -> None:
    """Deny by default: every endpoint needs a login unless its view is marked @public."""

    @app.before_request
    def require_login():
        if request.endpoint == "static":
            return None
        if is_bearer_request():  # the API authenticates its bearer token itself (app/api/tokens.py)
            return None
        if current_user.is_authenticated:
            if _expired():
                sign_out()
                if _is_public():
                    return None
                return login_manager.unauthorized()
            _note_activity()
            if getattr(current_user, "must_change_password", False):
                return _require_password_change()  # first the password, then (if due) two-factor enrolment
            return _require_two_factor_enrolment()
        if _is_public():
            return None
        return login_manager.unauthorized()


# Reachable by a signed-in user who must still enrol in two-factor (and nothing else is).
ENROLMENT_ENDPOINTS = {"auth.two_factor_setup", "auth.logout", "auth.reauthenticate", "static"}


# Reachable by a signed-in user whose password an administrator set (they must replace it first).
PASSWORD_CHANGE_ENDPOINTS = {"auth.account", "auth.change_password", "auth.set_password", "auth.logout",
                             "auth.reauthenticate", "static"}


def _require_password_change():
    if request.endpoint in PASSWORD_CHANGE_ENDPOINTS:
        return None
    from flask import flash

    flash("An administrator set your password: choose your own before you continue.", "warning")
    return redirect(url_for("auth.account", _anchor="password"))


def _require_two_factor_enrolment():
    """Roles in TOTP_REQUIRED_ROLES are sent to the enrolment page until two-factor is on."""
    from app.auth.two_factor import must_enrol

    if request.endpoint in ENROLMENT_ENDPOINTS or not must_enrol(current_user):
        return None
    return redirect(url_for("auth.two_factor_setup"))


def _is_public() -> bool:
    view = current_app.view_functions.get(request.endpoint)
    # An unknown URL has no endpoint: let routing answer 404/405 (after the login check below).
    return getattr(view, "is_public", False)
