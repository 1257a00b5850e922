"""Account links by e-mail: invitations (the first password) and self-service password resets.

A link carries a random token; only its SHA-256 is stored. A token is single use, expires
(INVITATION_TTL_HOURS, PASSWORD_RESET_TTL_MINUTES), and a newer link of the same kind retires
the older ones. Reset requests are throttled per account and per address, and get the same
answer whether or not the address belongs to an account. Setting the password through a link
rotates the session token, so every session of the account ends.
"""
import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from limits import RateLimitItemPerHour

from app import audit
from app.auth import accounts
from app.extensions import client_address
from app.extensions import db
from app.extensions import limiter
from app.jobs import job
from app.models import AccountToken
from app.models import TokenPurpose
from app.models import User
from app.models import normalize_email
from app.models import utcnow

RESET_IP_LIMIT_PER_HOUR = 20


class LinkError(ValueError):
    """The link is unknown, used, expired or its account inactive."""


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _lifetime(purpose: TokenPurpose) -> timedelta:
    config = current_app.config
    if purpose is TokenPurpose.INVITATION:
        return timedelta(hours=config.get("INVITATION_TTL_HOURS", 72))
    return timedelta(minutes=config.get("PASSWORD_RESET_TTL_MINUTES", 60))


def issue(user: User, purpose: TokenPurpose) -> str:
    """A new token for the user; older unused ones of the same purpose stop working."""
    now = utcnow()
    db.session.execute(sa.update(AccountToken)
                       .where(AccountToken.user_id == user.id, AccountToken.purpose == purpose,
                              AccountToken.used_at.is_(None))
                       .values(used_at=now))
    token = secrets.token_urlsafe(32)
    db.session.add(AccountToken(user_id=user.id, purpose=purpose, token_hash=_digest(token), created_at=now,
                                expires_at=now + _lifetime(purpose)))
    db.session.flush()
    return token


def valid_token(token: str | None) -> AccountToken | None:
    """The usable token row for this link, or None (unknown, used, expired, inactive account)."""
    if not token or not isinstance(token, str) or len(token) > 200:
        return None
    row = db.session.scalar(sa.select(AccountToken).where(AccountToken.token_hash == _digest(token)))
    if row is None or row.used_at is not None or not row.user.active:
        return None
    expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=utcnow().tzinfo)
    if expires <= utcnow():
        return None
    return row


def link_url(token: str) -> str:
    from app.notifications.mail import external_url

    return external_url("auth.set_password", token=token)


def _send(to: str, subject: str, text: str) -> None:
    from app.notifications.mail import queue_email

    queue_email(to, subject, text)


def send_invitation(actor: User | None, user: User) -> None:
    """Queue the invitation e-mail (in the caller's transaction); the admin never sees the token."""
    token = issue(user, TokenPurpose.INVITATION)
    hours = _lifetime(TokenPurpose.INVITATION).total_seconds() / 3600
    name = current_app.config.get("ORGANIZATION_NAME", "Palisade")
    _send(user.email, "Your Palisade account: choose a password",
          f"Hello {user.name},\n\nAn account was created for you on Palisade ({name}).\n"
          f"Choose your password here (the link works once, for {hours:g} hours):\n\n{link_url(token)}\n\n"
          "If you did not expect this message, ignore it.\n")
    audit.record(actor, "user.invitation_sent", user)


def _reset_throttled(email: str) -> bool:
    """Counts this request; True when the account or the address asked too often this hour."""
    account = hashlib.sha256(email.encode()).hexdigest()[:32]
    limits = [(RateLimitItemPerHour(current_app.config.get("PASSWORD_RESET_LIMIT_PER_HOUR", 3)),
               f"reset:account:{account}"),
              (RateLimitItemPerHour(RESET_IP_LIMIT_PER_HOUR), f"reset:ip:{client_address()}")]
    return not all(limiter.limiter.hit(item, key) for item, key in limits)


def request_password_reset(email: str) -> None:
    """Ask the background worker to mail a reset link if the address is an active account. The request does
    the same work whatever the address (count the throttles, queue a job): its answer and its timing say
    nothing about whether an account exists (the lookup, token and mail happen in the worker)."""
    email = normalize_email(email)
    if _reset_throttled(email):
        return
    from app.jobs import enqueue_after_commit

    enqueue_after_commit(send_password_reset, email)


@job()
def send_password_reset(email: str) -> None:
    """Background job: the reset link for an active account of that address; nothing for any other."""
    mail_reset_link(email)
    db.session.commit()


def mail_reset_link(email: str) -> None:
    """Queue the reset mail when `email` is an active account's (flushes; the caller commits)."""
    user = db.session.scalar(sa.select(User).where(User.email == email))
    if user is None or not user.active:
        return
    token = issue(user, TokenPurpose.PASSWORD_RESET)
    minutes = int(_lifetime(TokenPurpose.PASSWORD_RESET).total_seconds() // 60)
    _send(user.email, "Reset your Palisade password",
          f"Hello {user.name},\n\nSomeone (we hope you) asked to reset the password of your Palisade account.\n"
          f"Choose a new password here (the link works once, for {minutes} minutes):\n\n{link_url(token)}\n\n"
          "If you did not ask for this, ignore this message: your password stays as it is.\n")
    audit.record(None, "user.password_reset_requested", user)


def complete(row: AccountToken, new_password: str) -> User:
    """Set the password through a link: the token is spent, every session of the account ends."""
    user = row.user
    # Spend the token with a conditional update: of two simultaneous uses, only one wins. Then the password
    # (which retires every other link of the account, rotates the session token; UserError if weak: the
    # caller rolls the whole transaction back, the token with it).
    spent = db.session.execute(sa.update(AccountToken)
                               .where(AccountToken.id == row.id, AccountToken.used_at.is_(None))
                               .values(used_at=utcnow()).execution_options(synchronize_session=False))
    if spent.rowcount != 1:
        raise LinkError("This link was already used.")
    accounts.set_password(user, user, new_password, first=row.purpose is TokenPurpose.INVITATION)
    user.must_change_password = False
    action = "user.invitation_accepted" if row.purpose is TokenPurpose.INVITATION else "user.password_reset"
    audit.record(user, action, user)
    return user
