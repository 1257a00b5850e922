"""Secret feed URLs (the calendar's .ics, the sharing feed's .atom): one long random token per user, stored only
as its SHA-256, shown once, regenerated or revoked by its owner, and refused once the account is deactivated."""
import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from flask import Response
from flask import abort
from flask import render_template
from flask_login import current_user

from app import audit
from app import lifecycle
from app.extensions import db
from app.models import User
from app.models import utcnow

TOKEN_BYTES = 32  # 256 bits, 43 URL-safe characters


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class FeedTokens:
    model: type  # a table of (user_id, token_hash, created_at), one row per user
    action: str  # audit prefix: "calendar_feed" -> calendar_feed.created / .regenerated / .revoked

    def feed_of(self, user: User):
        return db.session.scalar(sa.select(self.model).where(self.model.user_id == user.id))

    def create_or_regenerate(self, user: User) -> str:
        """A new token for the user (the old URL stops working); returns the token, shown once."""
        token = secrets.token_urlsafe(TOKEN_BYTES)
        feed = self.feed_of(user)
        action = f"{self.action}.regenerated" if feed else f"{self.action}.created"
        if feed is None:
            feed = self.model(user_id=user.id)
            db.session.add(feed)
        feed.token_hash, feed.created_at = token_hash(token), utcnow()
        db.session.flush()
        audit.record(user, action, user)
        return token

    def revoke(self, user: User) -> bool:
        feed = self.feed_of(user)
        if feed is None:
            return False
        db.session.delete(feed)
        db.session.flush()
        audit.record(user, f"{self.action}.revoked", user)
        return True

    def user_for_token(self, token: str) -> User | None:
        """The token's owner while the account is active, else None (unknown, revoked or overlong tokens)."""
        if not token or len(token) > 100:
            return None
        feed = db.session.scalar(sa.select(self.model).where(self.model.token_hash == token_hash(token)))
        if feed is None or not feed.user.is_active:
            return None
        return feed.user


def serve(owner: User | None, document: Callable[[User], bytes], mimetype: str, filename: str | None = None):
    """The feed's document for its token's owner (404 for an unknown, revoked or deactivated token): kept out of
    shared caches, and its address, the credential, never sent on as a referrer."""
    if owner is None:
        abort(404)
    response = Response(document(owner), mimetype=mimetype)
    if filename:
        response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def created(create_or_regenerate: Callable[[User], str], template: str, feed_url: Callable[[str], str]):
    """A new feed address for the signed-in user (the old one stops working), shown once on `template`."""
    return render_template(template, feed_url=feed_url(create_or_regenerate(current_user)))


def revoked(revoke: Callable[[User], bool], name: str, back: str):
    """The signed-in user's feed (`name`: "Calendar feed") revoked, or the news that they had none."""
    return lifecycle.saved(f"{name} revoked: its address no longer works." if revoke(current_user)
                           else f"You have no {name.lower()}.", back)
