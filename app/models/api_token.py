"""Personal access tokens for the API (/api/v1/) and the TAXII server: they act as their user.

Only the SHA-256 of a token is stored, with a short prefix to recognise it in lists; the token itself is
shown once, when it is created. A token is read-only or read-write, expires (at most a year after it was
made), can be revoked, and stops working the moment its user is deactivated.
"""
import hashlib
import secrets
from datetime import datetime
from datetime import timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.extensions import db
from app.models._common import LabelledEnum
from app.models._common import enum_column_type
from app.models._common import utcnow

TOKEN_PREFIX = "pal_"
MAX_LIFETIME = timedelta(days=365)
SHOWN_PREFIX_LENGTH = 12  # "pal_" and 8 characters of the secret: enough to tell tokens apart, useless to guess


class TokenScope(LabelledEnum):
    READ = "read", "Read only"
    READ_WRITE = "read_write", "Read and write"


def new_secret() -> str:
    """A token: 256 random bits, URL-safe, with a recognisable prefix (secret scanners find it)."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiToken(db.Model):
    __tablename__ = "api_tokens"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(80))
    scope: so.Mapped[TokenScope] = so.mapped_column(enum_column_type(TokenScope))
    prefix: so.Mapped[str] = so.mapped_column(sa.String(16))
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    expires_at: so.Mapped[datetime]
    last_used_at: so.Mapped[datetime | None]
    revoked_at: so.Mapped[datetime | None]

    user: so.Mapped["User"] = so.relationship()  # noqa: F821

    @property
    def can_write(self) -> bool:
        return self.scope is TokenScope.READ_WRITE

    def is_live(self, now: datetime | None = None) -> bool:
        """Not revoked, not expired, and its user still active."""
        now = now or utcnow()
        return self.revoked_at is None and self.expires_at > now and self.user.is_active

    def __repr__(self) -> str:
        return f"<ApiToken {self.prefix}… user={self.user_id}>"
