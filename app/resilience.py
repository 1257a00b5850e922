"""Failing dependencies: timeouts on the database connection, and the 503 answers when it fails.

* `engine_options(config)`: PostgreSQL connect and statement timeouts and a pool wait limit, so a
  database that stops answering costs a request seconds and a 503, never a hung worker.
* `classify(error)`: "storage_full" (SQLite "database or disk is full", PostgreSQL DiskFull),
  "database_unavailable" (cannot connect, timed out, locked, shut down) or None (a bug: 500).
* `register(app)`: the 503 pages for both, and Flask-Limiter's "storage unreachable" warning
  raised to an error in the application log (sign-in goes on with per-process counters).
"""
import logging

import sqlalchemy as sa
from flask import Flask
from flask import current_app
from flask import g
from flask import has_app_context
from flask import render_template

from app import problems
from app.bearer import is_bearer_request
from app.extensions import db
from app.extensions import login_manager

STORAGE_FULL = "storage_full"
UNAVAILABLE = "database_unavailable"

# SQLite messages (sqlite3 gives no error codes through SQLAlchemy on every Python version).
_SQLITE_FULL = ("database or disk is full",)
_SQLITE_UNAVAILABLE = ("database is locked", "unable to open database file", "disk i/o error",
                       "database table is locked")
# PostgreSQL SQLSTATEs: 53100 disk full; 08 connection exceptions, 57P01-03 shutdown/cannot connect,
# 57014 statement timeout or cancel, 53300 too many connections, 55P03 lock not available.
_PG_FULL = {"53100"}
_PG_UNAVAILABLE_PREFIXES = ("08", "57P", "57014", "53300", "55P03")


def _on(value) -> bool:
    return str(value).strip().lower() in ("1", "on", "true", "yes")


def engine_options(config) -> dict:
    """SQLALCHEMY_ENGINE_OPTIONS with the timeouts for the configured database."""
    options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if str(config["SQLALCHEMY_DATABASE_URI"]).startswith("postgresql"):
        connect_args = dict(options.get("connect_args") or {})
        connect_args.setdefault("connect_timeout", max(2, int(config.get("DATABASE_CONNECT_TIMEOUT", 5))))
        settings = []
        statement_ms = int(config.get("DATABASE_STATEMENT_TIMEOUT_MS", 0) or 0)
        if statement_ms > 0:
            settings.append(f"-c statement_timeout={statement_ms}")
        if not _on(config.get("DATABASE_JIT", "off")):
            # A page's statements each run in milliseconds, but at scale the planner's cost estimate passes
            # jit_above_cost and compiling them costs far more than running them (about 1.4 s of 1.6 s for the
            # dashboard's main statement at 10,000 agreements and 50,000 tasks).
            settings.append("-c jit=off")
        if settings:
            connect_args.setdefault("options", " ".join(settings))
        # A server that vanishes mid-request: the kernel gives up on unacknowledged data after this.
        connect_args.setdefault("tcp_user_timeout", max(2, int(config.get("DATABASE_CONNECT_TIMEOUT", 5))) * 1000)
        threshold = str(config.get("DATABASE_PREPARE_THRESHOLD", "5")).strip().lower()
        connect_args.setdefault("prepare_threshold", None if threshold in ("off", "none", "") else int(threshold))
        options["connect_args"] = connect_args
        options.setdefault("pool_timeout", int(config.get("DATABASE_POOL_TIMEOUT", 10)))
        # One connection per request thread: no thread waits for another's connection, none is opened per request.
        options.setdefault("pool_size", max(1, int(config.get("DATABASE_POOL_SIZE", 8))))
        options.setdefault("max_overflow", max(0, int(config.get("DATABASE_MAX_OVERFLOW", 2))))
    elif str(config["SQLALCHEMY_DATABASE_URI"]).startswith("sqlite"):
        # A local file cannot drop a pooled connection: no ping before every request's first statement.
        options.pop("pool_pre_ping", None)
    return options


def classify(error: BaseException) -> str | None:
    """STORAGE_FULL, UNAVAILABLE, or None for a database error that is a bug (a 500)."""
    if isinstance(error, sa.exc.TimeoutError):  # no pooled connection came free in time
        return UNAVAILABLE
    if not isinstance(error, sa.exc.DBAPIError):
        return None
    orig = error.orig
    sqlstate = getattr(orig, "sqlstate", None) or getattr(getattr(orig, "diag", None), "sqlstate", None)
    message = str(orig).lower()
    if sqlstate in _PG_FULL or any(text in message for text in _SQLITE_FULL):
        return STORAGE_FULL
    if error.connection_invalidated:
        return UNAVAILABLE
    if sqlstate and sqlstate.startswith(_PG_UNAVAILABLE_PREFIXES):
        return UNAVAILABLE
    if isinstance(error, sa.exc.OperationalError):
        if any(text in message for text in _SQLITE_UNAVAILABLE):
            return UNAVAILABLE
        if sqlstate is None and type(orig).__module__.startswith("psycopg"):
            return UNAVAILABLE  # psycopg: could not connect / connection lost (no SQLSTATE)
    return None


def describe(error: BaseException) -> str:
    """One log line's worth: the driver error's class and first line (never parameters)."""
    orig = getattr(error, "orig", None) or error
    first = (str(orig).strip().splitlines() or [""])[0]
    return f"{type(orig).__name__}: {first[:200]}"


def _rollback_quietly() -> None:
    try:
        db.session.rollback()
    except Exception:  # the connection may be gone; the session is discarded at teardown anyway
        current_app.logger.debug("rollback after a database failure failed", exc_info=True)


def render_failure(kind: str, error: BaseException):
    """The 503 page for `kind`; the request's transaction is rolled back (nothing half-written)."""
    _rollback_quietly()
    current_app.logger.error("%s: %s", kind, describe(error))
    if kind == UNAVAILABLE and "_login_user" not in g:
        g._login_user = login_manager.anonymous_user()  # do not ask the failing database who is asking
    if is_bearer_request():
        return problems.problem_response(problems.ProblemError(503, headers={"Retry-After": "30"}))
    template = "errors/storage_full.html" if kind == STORAGE_FULL else "errors/database_unavailable.html"
    return render_template(template), 503, {"Retry-After": "30"}


class _LimiterStorageLog(logging.Filter):
    """Flask-Limiter warns once when its storage (Redis) fails and it falls back to memory: that
    is an operational error (limits now count per process), so it goes to the app log as one."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage().lower()
        if ("storage unreachable" in message or "swallowing error" in message) and has_app_context():
            error = record.exc_info[1] if record.exc_info else None
            current_app.logger.error("rate_limit_storage_unreachable: Redis did not answer (%s); rate limits "
                                     "and failed sign-ins are counted per process until it does",
                                     type(error).__name__ if error else "switching to memory")
            return False
        return True


_limiter_filter = _LimiterStorageLog()


def register(app: Flask) -> None:
    limiter_log = logging.getLogger("flask-limiter")
    limiter_log.setLevel(logging.WARNING)  # the warning must reach the filter whatever the root level
    limiter_log.addFilter(_limiter_filter)

    def database_error(error: Exception):
        kind = classify(error)
        if kind is None:
            return _unexpected(app, error)
        return render_failure(kind, error)

    app.register_error_handler(sa.exc.OperationalError, database_error)
    app.register_error_handler(sa.exc.TimeoutError, database_error)
    app.register_error_handler(sa.exc.InterfaceError, database_error)


def _unexpected(app: Flask, error: Exception):
    """Hand a database error that is a bug to the generic 500 handler of app/errors.py."""
    handler = app.error_handler_spec[None][None][Exception]
    return handler(error)
