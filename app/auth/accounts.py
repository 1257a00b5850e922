"""Account credentials, shared by self-service (app/auth) and administration (app/users): the email
address's uniqueness, the password rules, setting a password (every session and unused link of the
account ends, the holder is told) and ending every session. Flush only, never commit."""
import sqlalchemy as sa

from app import audit
from app import permissions
from app.auth import notices
from app.auth import passwords
from app.extensions import db
from app.models import AccountToken
from app.models import User
from app.models import normalize_email
from app.models import utcnow


class UserError(ValueError):
    """A user change that breaks a rule (duplicate email, weak password…)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def email_taken(email: str, except_id: int | None = None) -> bool:
    stmt = sa.select(User.id).where(User.email == normalize_email(email))
    if except_id is not None:
        stmt = stmt.where(User.id != except_id)
    return db.session.scalar(stmt) is not None


def check_password_rules(password: str, email: str, name: str) -> None:
    problems = passwords.password_problems(password, email=email, name=name)
    if problems:
        raise UserError(" ".join(problems), field="password")


def set_password(actor: User | None, user: User, password: str, *, first: bool = False) -> None:
    """Set a new password; every existing session of the user ends. The holder is mailed that it changed,
    except for the account's `first` password (an invitation accepted)."""
    if actor is not None and actor.id != user.id:
        permissions.authorize(permissions.can_manage_users(actor))
    check_password_rules(password, user.email, user.name)
    user.password_hash = passwords.hash_password(password)
    user.password_changed_at = utcnow()
    # An administrator's choice is a one-off: the user replaces it at their next sign-in.
    user.must_change_password = actor is not None and actor.id != user.id
    user.rotate_session_token()
    retire_account_links(user)
    audit.record(actor, "user.password_changed", user)
    if not first:
        notices.password_changed(user, by_admin=actor is not None and actor.id != user.id)


def retire_account_links(user: User) -> None:
    """Every unused invitation or reset link of the user stops working (a password change, by anyone)."""
    db.session.execute(sa.update(AccountToken)
                       .where(AccountToken.user_id == user.id, AccountToken.used_at.is_(None))
                       .values(used_at=utcnow()).execution_options(synchronize_session=False))


def end_sessions(actor: User, user: User) -> None:
    permissions.authorize(permissions.can_manage_users(actor) or actor.id == user.id)
    user.rotate_session_token()
    audit.record(actor, "user.sessions_ended", user)
