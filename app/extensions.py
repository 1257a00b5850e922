"""Extension objects, created unbound and initialised in create_app().

Import them from here (never from app/__init__.py) so modules don't import the factory.
"""
from datetime import UTC
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm  # noqa: F401  (sa.orm.registry)
from flask import request
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase


class UTCDateTime(sa.types.TypeDecorator):
    """Aware UTC datetimes on every backend (SQLite hands back naive values otherwise)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                value = value.replace(tzinfo=UTC)
            value = value.astimezone(UTC)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    registry = sa.orm.registry(
        # Named constraints keep Alembic migrations deterministic (and SQLite batch mode working).
        metadata=sa.MetaData(
            naming_convention={
                "ix": "ix_%(column_0_label)s",
                "uq": "uq_%(table_name)s_%(column_0_name)s",
                "ck": "ck_%(table_name)s_%(constraint_name)s",
                "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
                "pk": "pk_%(table_name)s",
            }
        ),
        # Mapped[datetime] -> TIMESTAMP WITH TIME ZONE; we only ever store aware UTC values.
        type_annotation_map={datetime: UTCDateTime()},
    )


def client_address() -> str:
    """The client address as ProxyFix resolved it (only trusted hops are honoured)."""
    return request.remote_addr or "unknown"


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Please sign in to continue."
login_manager.login_message_category = "info"
login_manager.refresh_view = "auth.reauthenticate"
login_manager.needs_refresh_message = "Please confirm your password to continue."
login_manager.needs_refresh_message_category = "info"
limiter = Limiter(key_func=client_address, default_limits=[])
