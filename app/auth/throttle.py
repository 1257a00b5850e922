"""Failed-login throttling, keyed on the account and on the client address.

Counters live in the Flask-Limiter storage (Redis when REDIS_URL is set), so every gunicorn
worker and every host sees the same counts.
"""
import hashlib

from flask import current_app
from limits import RateLimitItemPerSecond

from app.extensions import client_address, limiter


def _item(limit: int) -> RateLimitItemPerSecond:
    return RateLimitItemPerSecond(limit, current_app.config["LOGIN_FAILURE_WINDOW_SECONDS"])


def _keys(scope: str, email: str) -> list[tuple[str, int]]:
    config = current_app.config
    account = hashlib.sha256(email.encode()).hexdigest()[:32]  # no addresses in the store
    return [
        (f"{scope}:account:{account}", config["LOGIN_FAILURE_LIMIT"]),
        (f"{scope}:ip:{client_address()}", config.get("LOGIN_FAILURE_IP_LIMIT", 30)),
    ]


def is_blocked(email: str, scope: str = "login") -> bool:
    return any(not limiter.limiter.test(_item(limit), key) for key, limit in _keys(scope, email))


def record_failure(email: str, scope: str = "login") -> None:
    for key, limit in _keys(scope, email):
        limiter.limiter.hit(_item(limit), key)


def clear(email: str, scope: str = "login") -> None:
    """A successful login clears the account's counter (not the address's)."""
    key, limit = _keys(scope, email)[0]
    limiter.limiter.clear(_item(limit), key)
