"""Security notices mailed to the account holder through the outbox: the password was changed, the account
was signed in from a device or address it had not used before. Each is written in the caller's transaction
(flush only) and says how to react when it was not the holder."""
import sqlalchemy as sa
from flask import current_app
from flask import has_request_context
from flask import request

from app.extensions import db
from app.models import AuditEvent
from app.models import User
from app.models import utcnow

SIGN_IN_ACTION = "auth.login"
DEVICE_PREFIX = "device: "


def _programme() -> str:
    return current_app.config.get("ORGANIZATION_NAME") or "Palisade"


def _address() -> str:
    return (request.remote_addr or "")[:64] if has_request_context() else ""


def device() -> str:
    """The browser a request comes from, as its User-Agent says (at most 200 characters)."""
    if not has_request_context():
        return ""
    return " ".join((request.headers.get("User-Agent") or "unknown browser").split())[:200]


def _send(user: User, subject: str, text: str) -> None:
    from app.notifications.mail import external_url
    from app.notifications.mail import queue_email

    queue_email(user.email, subject, text.format(account=external_url("auth.account"),
                                                 reset=external_url("auth.forgot_password")))


def password_changed(user: User, by_admin: bool) -> None:
    when = utcnow().strftime("%Y-%m-%d %H:%M UTC")
    who = "An administrator set a new password for" if by_admin else "The password was changed on"
    _send(user, "Your Palisade password was changed",
          f"Hello {user.name},\n\n{who} your Palisade account ({_programme()}) on {when}"
          + (f" from the address {_address()}" if _address() and not by_admin else "") + ".\n"
          "Every session of the account was signed out.\n\n"
          "If this was you, there is nothing to do. If it was not, choose a new password at once:\n"
          "{reset}\nand tell your Palisade administrator.\n")


def is_new_sign_in(user: User) -> bool:
    """True when the account signed in before, but never from this address with this browser."""
    earlier = sa.select(AuditEvent.ip, AuditEvent.summary).where(
        AuditEvent.actor_id == user.id, AuditEvent.action == SIGN_IN_ACTION).order_by(AuditEvent.id.desc()).limit(200)
    seen = db.session.execute(earlier).all()
    if not seen:
        return False  # the first sign-in of an account: its holder has just set the password
    known = {(ip, summary) for ip, summary in seen}
    # Sign-ins recorded before the browser was kept with them (empty summary) vouch for their address alone.
    return (_address(), DEVICE_PREFIX + device()) not in known and (_address(), "") not in known


def new_sign_in(user: User) -> None:
    when = utcnow().strftime("%Y-%m-%d %H:%M UTC")
    _send(user, "New sign-in to your Palisade account",
          f"Hello {user.name},\n\nYour Palisade account ({_programme()}) was signed in to on {when}\n"
          f"from the address {_address() or 'unknown'}\nwith {device()}.\n\n"
          "This address and browser had not been used with your account before. If this was you, there is "
          "nothing to do.\nIf it was not, change your password at once ({account}) or ask for a reset link "
          "({reset}), and tell your Palisade administrator.\n")
