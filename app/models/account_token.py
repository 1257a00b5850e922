"""Single-use, expiring account links: invitations (set a first password) and password resets.

Only the SHA-256 of a token is stored; the token itself exists in the e-mail alone. A token is
used once (`used_at`), and issuing a new one for the same purpose retires the older ones.
"""
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.extensions import db
from app.models._common import LabelledEnum
from app.models._common import enum_column_type
from app.models._common import utcnow


class TokenPurpose(LabelledEnum):
    INVITATION = "invitation"
    PASSWORD_RESET = "password_reset"


class AccountToken(db.Model):
    __tablename__ = "account_tokens"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: so.Mapped[TokenPurpose] = so.mapped_column(enum_column_type(TokenPurpose))
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    expires_at: so.Mapped[datetime]
    used_at: so.Mapped[datetime | None]

    user: so.Mapped["User"] = so.relationship()  # noqa: F821

    def __repr__(self) -> str:
        return f"<AccountToken {self.purpose} user={self.user_id}>"
