"""/healthz checks: the database, Redis (when configured), the background queue (when there is one),
and free disk space for a SQLite database. Each check runs in its own thread with a short time
budget (HEALTH_CHECK_TIMEOUT), so a dependency that hangs makes the answer "timeout", never a hang.

Each check answers "ok" or a word saying what is wrong ("unavailable", "timeout", "full"); the
body names every check and never carries error details (the endpoint is public).
"""
import importlib.util
import logging
import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path

import sqlalchemy as sa
from flask import Flask
from flask import current_app

from app.extensions import db

log = logging.getLogger(__name__)
OK = "ok"


def _database() -> str:
    engine = _health_engine()
    with engine.connect() as connection:
        connection.execute(sa.text("SELECT 1"))
    return OK


def _health_engine() -> sa.Engine:
    """PostgreSQL: a separate unpooled engine with the check's own short timeouts (a hung check must
    not hold one of the pool's connections). SQLite: the app's engine (its pragmas apply)."""
    engine = db.engine
    if engine.dialect.name != "postgresql":
        return engine
    cache = current_app.extensions.setdefault("palisade_health", {})
    if "engine" not in cache:
        budget = float(current_app.config.get("HEALTH_CHECK_TIMEOUT", 2))
        cache["engine"] = sa.create_engine(
            engine.url, poolclass=sa.pool.NullPool,
            connect_args={"connect_timeout": max(2, int(budget)), "options": f"-c statement_timeout={int(budget * 1000)}",
                          "tcp_user_timeout": int(budget * 1000)})
    return cache["engine"]


def sqlite_path() -> Path | None:
    """The SQLite database file, or None (PostgreSQL, or an in-memory database)."""
    url = db.engine.url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database).resolve()


def _disk() -> str:
    path = sqlite_path()
    free_mb = shutil.disk_usage(path.parent).free / (1024 * 1024)
    return OK if free_mb >= current_app.config.get("HEALTH_MIN_FREE_DISK_MB", 50) else "full"


def _redis() -> str:
    import redis

    cache = current_app.extensions.setdefault("palisade_health", {})
    if "redis" not in cache:
        budget = float(current_app.config.get("HEALTH_CHECK_TIMEOUT", 2))
        cache["redis"] = redis.Redis.from_url(current_app.config["REDIS_URL"], socket_connect_timeout=budget,
                                              socket_timeout=budget)
    cache["redis"].ping()
    return OK


def _queue() -> str:
    from app.jobs import queue_size

    queue_size()  # one read of the queue's storage (SQLite file or Redis)
    return OK


def checks_for(app: Flask) -> dict:
    checks = {"database": _database}
    if app.config.get("REDIS_URL"):
        checks["redis"] = _redis
    if importlib.util.find_spec("app.jobs") is not None:
        checks["queue"] = _queue
    with app.app_context():
        if sqlite_path() is not None:
            checks["disk"] = _disk
    return checks


def _run(app: Flask, name: str, check) -> str:
    with app.app_context():
        try:
            return check()
        except Exception as exc:  # any failure of the dependency means "not ready"
            log.error("healthz_check_failed check=%s error=%s", name, type(exc).__name__)
            return "unavailable"
        finally:
            db.session.remove()


def run(app: Flask) -> tuple[dict, bool]:
    """({"database": "ok", ...}, all_ok); returns within about HEALTH_CHECK_TIMEOUT seconds."""
    checks = checks_for(app)
    budget = float(app.config.get("HEALTH_CHECK_TIMEOUT", 2))
    pool = ThreadPoolExecutor(max_workers=len(checks), thread_name_prefix="healthz")
    futures = {name: pool.submit(_run, app, name, check) for name, check in checks.items()}
    deadline = time.monotonic() + budget
    results = {}
    for name, future in futures.items():
        try:
            results[name] = future.result(timeout=max(0.0, deadline - time.monotonic()))
        except FutureTimeout:
            log.error("healthz_check_failed check=%s error=timeout after %.1f s", name, budget)
            results[name] = "timeout"
    pool.shutdown(wait=False, cancel_futures=True)  # a hung check's thread ends with its own timeout
    return results, all(value == OK for value in results.values())
