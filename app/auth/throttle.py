"""Failed-login throttling, keyed on the account and on the client address.

Counters live in the Flask-Limiter storage (Redis when REDIS_URL is set), so every gunicorn
worker and every host sees the same counts. When that storage does not answer, the counts go to
this process's memory (logged as an error) so that signing in keeps working.
"""
import hashlib

from flask import current_app
from limits import RateLimitItemPerSecond
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter

from app.extensions import client_address
from app.extensions import limiter


def _item(limit: int) -> RateLimitItemPerSecond:
    return RateLimitItemPerSecond(limit, current_app.config["LOGIN_FAILURE_WINDOW_SECONDS"])


def _keys(scope: str, email: str) -> list[tuple[str, int]]:
    config = current_app.config
    account = hashlib.sha256(email.encode()).hexdigest()[:32]  # no addresses in the store
    return [
        (f"{scope}:account:{account}", config["LOGIN_FAILURE_LIMIT"]),
        (f"{scope}:ip:{client_address()}", config.get("LOGIN_FAILURE_IP_LIMIT", 30)),
    ]


_fallback = FixedWindowRateLimiter(MemoryStorage())


def _call(method: str, item: RateLimitItemPerSecond, key: str):
    try:
        return getattr(limiter.limiter, method)(item, key)
    except Exception as exc:  # the shared storage (Redis) is unreachable or timed out
        current_app.logger.error("rate_limit_storage_unreachable: %s; failed sign-ins are counted per "
                                 "process until it answers", type(exc).__name__)
        return getattr(_fallback, method)(item, key)


def is_blocked(email: str, scope: str = "login") -> bool:
    return any(not _call("test", _item(limit), key) for key, limit in _keys(scope, email))


def record_failure(email: str, scope: str = "login") -> None:
    for key, limit in _keys(scope, email):
        _call("hit", _item(limit), key)


def clear(email: str, scope: str = "login") -> None:
    """A successful login clears the account's counter (not the address's)."""
    key, limit = _keys(scope, email)[0]
    _call("clear", _item(limit), key)
