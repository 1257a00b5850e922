"""Personal access tokens: create one for yourself (its secret returned once), revoke it.

A user only ever sees and revokes their own tokens (an administrator never sees another user's);
deactivating a user stops all their tokens at once (ApiToken.is_live reads the user's state).
"""
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta

import sqlalchemy as sa

from app import audit
from app import permissions
from app.extensions import db
from app.models import ApiToken
from app.models import TokenScope
from app.models import User
from app.models import today
from app.models import utcnow
from app.models.api_token import MAX_LIFETIME
from app.models.api_token import SHOWN_PREFIX_LENGTH
from app.models.api_token import new_secret
from app.models.api_token import secret_hash

DEFAULT_DAYS = 90


class TokenError(ValueError):
    """A token request breaks a rule (no name, an expiry in the past or more than a year away)."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def default_expiry() -> date:
    return today() + timedelta(days=DEFAULT_DAYS)


def latest_expiry(on: date | None = None) -> date:
    return (on or today()) + timedelta(days=MAX_LIFETIME.days)


def tokens_of(user: User) -> list[ApiToken]:
    """The user's tokens, newest first (revoked and expired ones too: the list says so)."""
    return list(db.session.scalars(sa.select(ApiToken).where(ApiToken.user_id == user.id)
                                   .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def create_token(actor: User, *, name: str, scope: TokenScope, expires_on: date) -> tuple[ApiToken, str]:
    """A new token of `actor`, valid until the end of `expires_on` (UTC); returns it and its secret."""
    permissions.authorize(actor.is_active)
    name = (name or "").strip()
    if not name or len(name) > 80:
        raise TokenError("name", "Give the token a name of at most 80 characters.")
    if expires_on <= today() or expires_on > latest_expiry():
        raise TokenError("expires_on", f"Choose an expiry after today and no later than {latest_expiry():%d %B %Y}.")
    secret = new_secret()
    token = ApiToken(user_id=actor.id, name=name, scope=scope, prefix=secret[:SHOWN_PREFIX_LENGTH],
                     token_hash=secret_hash(secret), created_at=utcnow(),
                     expires_at=datetime.combine(expires_on, time.max, tzinfo=UTC))
    db.session.add(token)
    db.session.flush()
    audit.record(actor, "api_token.created", actor,
                 summary=f"name: {audit.display(name)}; scope: {scope.label}; prefix: {token.prefix}; "
                         f"expires: {expires_on.isoformat()}")
    return token, secret


def revoke_token(actor: User, token: ApiToken) -> bool:
    """Revoke one of the actor's own tokens; False when it was already revoked."""
    permissions.authorize(token.user_id == actor.id)
    if token.revoked_at is not None:
        return False
    token.revoked_at = utcnow()
    db.session.flush()
    audit.record(actor, "api_token.revoked", actor,
                 summary=f"name: {audit.display(token.name)}; prefix: {token.prefix}")
    return True


def own_token(user: User, token_id: int) -> ApiToken | None:
    return db.session.scalar(sa.select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id))
