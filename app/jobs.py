"""Background jobs on Huey: one queue, embedded on one machine and distributed on many.

Storage follows the configuration: Redis when `REDIS_URL` is set (every web host and worker share it),
otherwise a SQLite file in the instance folder next to the database; `HUEY_IMMEDIATE` (tests) runs
each job at once in the calling process. `flask --app wsgi worker` consumes the queue and runs the
periodic schedule.

Every job runs in an application context of its own, so it has a database session of its own: a job
sees only committed data. A change that a job must act on queues it with `enqueue_after_commit`, which
holds the job until the request's transaction commits and drops it on a rollback.
"""
import functools
import gc
import logging
import os
from pathlib import Path

import click
import redis
import sqlalchemy as sa
from flask import Flask
from flask import current_app
from flask import has_app_context
from flask.cli import with_appcontext
from huey import Huey  # noqa: F401  -- crontab re-exported for @periodic_job schedules
from huey import crontab  # noqa: F401  -- crontab re-exported for @periodic_job schedules
from huey.storage import MemoryStorage
from huey.storage import RedisStorage
from huey.storage import SqliteStorage

log = logging.getLogger(__name__)

huey = Huey("palisade", storage_class=MemoryStorage)
_state: dict = {"app": None, "listening": False}
_PENDING = "palisade_jobs_after_commit"


def init_jobs(app: Flask) -> None:
    """Point the queue at this app's storage; called by create_app()."""
    _state["app"] = app
    if app.config.get("HUEY_IMMEDIATE"):
        huey.storage_class, huey.storage_kwargs = MemoryStorage, {}
        huey.immediate = True
    else:
        huey.immediate = False
        if app.config.get("REDIS_URL"):
            timeout = app.config.get("JOBS_REDIS_TIMEOUT", 2)
            huey.storage_class = RedisStorage
            pool = redis.ConnectionPool.from_url(app.config["REDIS_URL"], socket_timeout=timeout + 5,
                                                 socket_connect_timeout=timeout)
            huey.storage_kwargs = {"connection_pool": pool}
        else:
            path = app.config.get("HUEY_SQLITE_PATH") or str(Path(app.instance_path) / "huey.sqlite")
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            huey.storage_class, huey.storage_kwargs = SqliteStorage, {"filename": path}
        huey.storage = huey.create_storage()
    if not _state["listening"]:
        sa.event.listen(sa.orm.Session, "after_commit", _run_pending)
        sa.event.listen(sa.orm.Session, "after_soft_rollback", _drop_pending)
        _state["listening"] = True


def _app() -> Flask:
    if has_app_context():
        return current_app._get_current_object()
    if _state["app"] is None:
        raise RuntimeError("init_jobs() has not run: create the app before running jobs.")
    return _state["app"]


def in_app_context(func):
    """Run func in a fresh app context (its own session), whether in a worker or immediate mode."""

    @functools.wraps(func)
    def run(*args, **kwargs):
        with _app().app_context():
            return func(*args, **kwargs)

    return run


def job(**options):
    """Like huey.task(), but the function runs inside an app context of its own."""

    def decorator(func):
        return huey.task(name=f"{func.__module__}.{func.__name__}", **options)(in_app_context(func))

    return decorator


def periodic_job(schedule, **options):
    """Like huey.periodic_task(schedule), inside an app context of its own."""

    def decorator(func):
        name = f"{func.__module__}.{func.__name__}"
        return huey.periodic_task(schedule, name=name, **options)(in_app_context(func))

    return decorator


def enqueue_after_commit(task, *args, **kwargs) -> None:
    """Queue `task(*args, **kwargs)` once the current transaction commits; nothing on rollback."""
    from app.extensions import db

    db.session.info.setdefault(_PENDING, []).append((task, args, kwargs))


def _run_pending(session) -> None:
    pending = session.info.pop(_PENDING, None)
    for task, args, kwargs in pending or ():
        try:
            task(*args, **kwargs)
        except Exception:  # a queue outage must not turn a committed change into an error page
            log.exception("Could not queue job %s", getattr(task, "name", task))


def _drop_pending(session, previous_transaction) -> None:
    if previous_transaction.parent is None:  # the outermost transaction rolled back
        session.info.pop(_PENDING, None)


def queue_size() -> int:
    """Jobs waiting in the queue (raises when the storage cannot be reached)."""
    return huey.pending_count()


def lower_priority(niceness: int) -> None:
    """Run `niceness` below the web processes, renders included (their process is a child of this one).

    Linux's autogroup scheduling weighs a nice value only against processes of the same session: a worker in
    a session of its own (started with setsid, as a service manager or a supervisor does) would compete with
    the web server as an equal whatever its nice value. Such a worker lowers its session's group too. A worker
    that shares its session with the web server (`make run`) leaves the group alone: that would slow both."""
    os.nice(niceness)
    if os.getsid(0) != os.getpid():
        return
    try:
        with open("/proc/self/autogroup", "w") as group:
            group.write(str(min(19, niceness)))
    except OSError:  # no autogroup scheduling (not Linux, or turned off): the nice value is enough
        pass


@click.command("worker")
@click.option("--workers", default=2, show_default=True, help="Worker threads.")
@with_appcontext
def worker(workers: int) -> None:
    """Run background jobs and the periodic schedule until stopped (SIGINT/SIGTERM)."""
    if huey.immediate:
        raise click.ClickException("HUEY_IMMEDIATE is set: jobs run in the web process, no worker needed.")
    click.echo(f"Worker: {workers} threads on {huey.storage_class.__name__}.")
    niceness = int(current_app.config.get("WORKER_NICENESS", 10))
    if niceness:
        lower_priority(niceness)  # background work yields the CPU to the web workers on a shared host
    # A queue that cannot block on a read (SQLite) is polled: at most every HUEY_MAX_DELAY seconds when idle
    # (Huey's default backs off to 10 s, so the first document after a quiet spell would wait that long).
    max_delay = float(current_app.config.get("HUEY_MAX_DELAY", 0.025))
    consumer = huey.create_consumer(workers=workers, worker_type="thread", periodic=True,
                                    check_worker_health=True, initial_delay=min(0.01, max_delay),
                                    max_delay=max_delay)
    gc.collect()
    gc.freeze()  # modules, mappers, templates live as long as the worker: full collections skip them
    consumer.run()
