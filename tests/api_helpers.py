"""Helpers of the API tests: a token for a user, its Authorization header."""
from datetime import timedelta

from app.api_tokens import services
from app.extensions import db
from app.models import TokenScope
from app.models import today


def token_for(user, *, write: bool = True, days: int = 30, name: str = "test") -> str:
    """A new token of `user` (inside an app context); committed. Returns the secret."""
    _token, secret = services.create_token(user, name=name, scope=TokenScope.READ_WRITE if write else TokenScope.READ,
                                           expires_on=today() + timedelta(days=days))
    db.session.commit()
    return secret


def bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}
