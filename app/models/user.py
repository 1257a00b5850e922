"""Users, their roles, two-factor backup codes."""
import secrets
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_login import UserMixin

from app.extensions import db
from app.models._common import LabelledEnum
from app.models._common import TimestampMixin
from app.models._common import enum_column_type


class Role(LabelledEnum):
    ADMIN = "admin"
    COORDINATOR = "coordinator"
    MEMBER = "member"
    EXECUTIVE = "executive"


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


class User(UserMixin, TimestampMixin, db.Model):
    __tablename__ = "users"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    email: so.Mapped[str] = so.mapped_column(sa.String(254), unique=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(120))
    title: so.Mapped[str] = so.mapped_column(sa.String(120), default="")
    phone: so.Mapped[str] = so.mapped_column(sa.String(40), default="")
    organization_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("organizations.id"), index=True)
    role: so.Mapped[Role] = so.mapped_column(enum_column_type(Role), index=True)
    password_hash: so.Mapped[str] = so.mapped_column(sa.String(255))
    active: so.Mapped[bool] = so.mapped_column(default=True)
    # Flask-Login identifies the session by this token; rotating it ends every session at once.
    session_token: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True, default=new_session_token)
    password_changed_at: so.Mapped[datetime | None]
    last_login_at: so.Mapped[datetime | None]
    totp_secret_encrypted: so.Mapped[str | None] = so.mapped_column(sa.String(255))
    totp_enabled: so.Mapped[bool] = so.mapped_column(default=False)
    totp_last_timecode: so.Mapped[int | None]
    # Set when an administrator chose the password: the user must replace it before anything else.
    must_change_password: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())
    # IANA zone the pages show clocks in (incident stage deadlines); times are stored in UTC.
    time_zone: so.Mapped[str] = so.mapped_column(sa.String(64), default="UTC", server_default="UTC")
    version: so.Mapped[int] = so.mapped_column(default=1)

    organization: so.Mapped["Organization"] = so.relationship(back_populates="users")  # noqa: F821
    backup_codes: so.Mapped[list["BackupCode"]] = so.relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}

    def __init__(self, **kwargs):
        if "email" in kwargs:
            kwargs["email"] = normalize_email(kwargs["email"])
        kwargs.setdefault("session_token", new_session_token())
        kwargs.setdefault("active", True)
        super().__init__(**kwargs)

    def get_id(self) -> str:
        return self.session_token

    @property
    def is_active(self) -> bool:
        return bool(self.active)

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    def rotate_session_token(self) -> None:
        self.session_token = new_session_token()

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role}>"


class BackupCode(db.Model):
    """A one-time two-factor backup code, stored as an argon2 hash."""

    __tablename__ = "backup_codes"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: so.Mapped[str] = so.mapped_column(sa.String(255))
    used_at: so.Mapped[datetime | None]

    user: so.Mapped[User] = so.relationship(back_populates="backup_codes")
