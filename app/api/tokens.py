"""Bearer tokens at request time: who a request's `Authorization: Bearer <token>` acts for.

Reusable by every bearer-authenticated surface (the API here, the TAXII server): it imports models and
app-level modules only.

    user = user_for_bearer(request)          # the token's user, or None (missing, unknown, expired,
                                             # revoked, or its user deactivated)
    token = authenticate(request, write=…)   # the live token, acting for its user in this request;
                                             # raises ProblemError 401 (no valid token), 403 (a read-only
                                             # token asked to write) or 429 (the token's rate limit)

A token never appears in a log or a URL: it is read from the header only, never from the query string.
"""
import math
import time
from datetime import timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Request
from flask import current_app
from flask import g
from limits import parse

from app.extensions import db
from app.extensions import limiter
from app.models import ApiToken
from app.models import User
from app.models import utcnow
from app.models.api_token import secret_hash
from app.problems import ProblemError

MAX_TOKEN_LENGTH = 200
LAST_USE_PRECISION = timedelta(minutes=1)  # "last used" is written at most once a minute per token


def bearer_secret(request: Request) -> str | None:
    """The token of `Authorization: Bearer <token>` (None when absent or malformed)."""
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    secret = secret.strip()
    if scheme.lower() != "bearer" or not secret or len(secret) > MAX_TOKEN_LENGTH:
        return None
    return secret


def token_for_bearer(request: Request) -> ApiToken | None:
    """The live token the request carries (with its user loaded), else None."""
    secret = bearer_secret(request)
    if secret is None:
        return None
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == secret_hash(secret))
                              .options(so.joinedload(ApiToken.user).joinedload(User.organization)))
    if token is None or not token.is_live():
        return None
    return token


def user_for_bearer(request: Request) -> User | None:
    token = token_for_bearer(request)
    return token.user if token is not None else None


def authenticate(request: Request, *, write: bool) -> ApiToken:
    """The request's live token, acting for its user from here on (current_user, the audit trail);
    ProblemError 401 without one, 429 over its rate limit, 403 for a write with a read-only token."""
    token = token_for_bearer(request)
    if token is None:
        raise ProblemError(401)
    _check_rate(token)
    _note_use(token)
    g._login_user = token.user  # Flask-Login's current_user for this request (the session is never read)
    g.api_token = token
    g.audit_via = f"API token “{token.name}” ({token.prefix})"
    if write and not token.can_write:
        raise ProblemError(403, "This token is read only: create a read-and-write token to change records.")
    return token


def _note_use(token: ApiToken) -> None:
    """Record the token's last use (at most once a minute), committed at once: a GET never commits its own
    transaction, and a write that fails must not hide that the token was used."""
    now = utcnow()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USE_PRECISION:
        return
    token.last_used_at = now
    db.session.commit()


def _check_rate(token: ApiToken) -> None:
    """One budget per token on the shared limiter storage (Redis in production): 429 with Retry-After."""
    item = parse(current_app.config["API_RATE_LIMIT"])
    key = f"api-token:{token.id}"
    try:
        allowed = limiter.limiter.hit(item, key)
        if allowed:
            return
        reset_at, _remaining = limiter.limiter.get_window_stats(item, key)
    except Exception as exc:  # the storage does not answer: serve rather than refuse everyone
        current_app.logger.error("rate_limit_storage_unreachable: %s; API tokens are not limited until it "
                                 "answers", type(exc).__name__)
        return
    retry_after = max(1, math.ceil(reset_at - time.time()))
    raise ProblemError(429, headers={"Retry-After": str(retry_after)})
