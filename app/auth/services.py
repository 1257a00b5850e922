"""Sign-in use cases: authenticate, record a sign-in and a sign-out, with their audit events.

The Flask session itself (clearing it, logging the user in or out) is app/auth/sessions.py's.
"""
import sqlalchemy as sa
import sqlalchemy.orm  # noqa: F401  (sa.orm.attributes)

from app import audit
from app.auth import accounts
from app.auth import notices
from app.auth import passwords
from app.auth import throttle
from app.extensions import db
from app.models import User
from app.models import normalize_email
from app.models import utcnow


class Throttled(Exception):
    """Too many failed attempts for this account or address; try again later."""


def authenticate(email: str, password: str) -> User | None:
    """The active user with these credentials, or None. Raises Throttled. Audits failures."""
    email = normalize_email(email)
    if throttle.is_blocked(email):
        raise Throttled()
    user = db.session.scalar(sa.select(User).where(User.email == email))
    valid = passwords.verify_password(user.password_hash if user else None, password)
    if not valid or user is None or not user.active:
        throttle.record_failure(email)
        audit.record(user, "auth.login_failed", user, object_type="user",
                     summary="unknown account" if user is None else "wrong password or inactive account")
        return None
    throttle.clear(email)
    if passwords.needs_rehash(user.password_hash):
        record_sign_in_fields(user, password_hash=passwords.hash_password(password))
    return user


def record_sign_in_fields(user: User, **values) -> int:
    """Sign-in bookkeeping (last sign-in, a password rehash, the last TOTP step) written with one
    UPDATE that neither checks nor bumps the user's version: two sign-ins of one account at once
    must not make each other (or an admin's edit of the account) stale. Returns the rows updated."""
    result = db.session.execute(sa.update(User).where(User.id == user.id).values(**values)
                                .execution_options(synchronize_session=False))
    for key, value in values.items():
        sa.orm.attributes.set_committed_value(user, key, value)
    return result.rowcount


def complete_login(user: User) -> None:
    """A sign-in completed (its session started by sessions.sign_in): last sign-in time, the new-device
    notice, the audit event."""
    record_sign_in_fields(user, last_login_at=utcnow())
    if notices.is_new_sign_in(user):
        notices.new_sign_in(user)
    # The browser is kept with the event: the next sign-in from this address and browser is not "new".
    audit.record(user, notices.SIGN_IN_ACTION, user, summary=notices.DEVICE_PREFIX + notices.device())


def logout(user: User) -> None:
    """End every session of the user (the token rotates); the caller then ends this one (sessions.sign_out)."""
    user.rotate_session_token()
    audit.record(user, "auth.logout", user)


class AccountError(ValueError):
    """A self-service account change that breaks a rule; `field` names the form field to flag."""

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.field = field


def change_password(user: User, current_password: str, new_password: str) -> None:
    """The user's own password change: the current password is checked, every session ends."""
    if throttle.is_blocked(user.email, scope="reauth"):
        raise Throttled()
    if not passwords.verify_password(user.password_hash, current_password):
        throttle.record_failure(user.email, scope="reauth")
        raise AccountError("That is not your current password.", field="current_password")
    if new_password == current_password:
        raise AccountError("Choose a password you have not been using.", field="new_password")
    try:
        accounts.set_password(user, user, new_password)  # also lifts a required change
    except accounts.UserError as exc:
        raise AccountError(str(exc), field="new_password") from exc


def change_time_zone(user: User, zone_name: str) -> bool:
    """The zone the user's pages show deadlines in; False when it is the one already set."""
    if zone_name == user.time_zone:
        return False
    old, user.time_zone = user.time_zone, zone_name
    audit.record(user, "user.time_zone_changed", user, summary=f"time zone: {old} → {zone_name}")
    return True


def change_email(user: User, new_email: str) -> None:
    """The user's own email change; the address stays unique regardless of case and spaces."""
    email = normalize_email(new_email)
    if email == user.email:
        raise AccountError("That is already your email address.", field="email")
    if accounts.email_taken(email, except_id=user.id):
        raise AccountError("Another account uses this email address.", field="email")
    old = user.email
    user.email = email
    audit.record(user, "user.email_changed", user, summary=f"email: {old} → {email}")
