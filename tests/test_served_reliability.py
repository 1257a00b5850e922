"""Reliability against a real gunicorn-served app (tests/served.py), on SQLite or PostgreSQL:
simultaneous sign-ins of one account, Redis unreachable, a database that never answers, and
SIGTERM while requests are in progress."""
import signal
import sqlite3
import threading
import time
from contextlib import contextmanager

import requests
import sqlalchemy as sa

from app.models import Role
from tests import factories as f
from tests.test_dependency_failures import BlackHole


def _sign_in(served, email: str) -> tuple[int, int]:
    """(status of the sign-in POST, status of the dashboard afterwards) for a fresh browser."""
    session = served.session()
    data = served.form(session, "/auth/login")
    data.update(email=email, password=f.PASSWORD)
    answer = session.post(served.url + "/auth/login", data=data, timeout=30, allow_redirects=False)
    home = session.get(served.url + "/", timeout=30, allow_redirects=False)
    return answer.status_code, home.status_code


def test_simultaneous_sign_ins_of_one_account_all_succeed(served):
    with served.app.app_context():
        email = f.user(role=Role.COORDINATOR).email
    for n in (2, 2, 2, 10):
        results = served.parallel(n, lambda _i: _sign_in(served, email))
        assert results == [(302, 200)] * n, (results, served.log())
    assert " 500 " not in served.log() and "StaleDataError" not in served.log()


def test_sign_in_works_with_redis_unreachable_and_healthz_names_it(served):
    with served.app.app_context():
        email = f.user(role=Role.MEMBER).email
    hole = BlackHole()
    try:
        for url in ("redis://127.0.0.1:1/9", f"redis://127.0.0.1:{hole.port}/9"):  # refused; never answers
            served.restart(REDIS_URL=url, TEST_RATELIMIT_STORAGE_URI=url)
            started = time.monotonic()
            results = served.parallel(4, lambda _i: _sign_in(served, email))
            assert results == [(302, 200)] * 4, (url, results, served.log())
            assert time.monotonic() - started < 30  # four argon2 sign-ins on a busy machine; no Redis wait
            started = time.monotonic()
            health = requests.get(served.url + "/healthz", timeout=10)
            assert time.monotonic() - started < 5
            assert health.status_code == 503
            assert health.json()["redis"] in {"unavailable", "timeout"} and health.json()["database"] == "ok"
            assert "rate_limit_storage_unreachable" in served.log()
    finally:
        hole.close()


def test_database_that_never_answers_gets_503s_in_seconds_and_no_worker_is_killed(served):
    with served.app.app_context():
        email = f.user(role=Role.MEMBER).email
    session = served.login(email, f.PASSWORD)
    hole = BlackHole()
    try:
        served.restart(TEST_DATABASE_URL=f"postgresql+psycopg://postgres@127.0.0.1:{hole.port}/palisade",
                       DATABASE_CONNECT_TIMEOUT=2, HEALTH_CHECK_TIMEOUT=2)
        started = time.monotonic()
        health = requests.get(served.url + "/healthz", timeout=30)
        assert time.monotonic() - started < 5
        assert health.status_code == 503 and health.json()["database"] in {"timeout", "unavailable"}

        def page(_i):
            begun = time.monotonic()
            answer = session.get(served.url + "/risks/", timeout=60)
            return answer.status_code, "Database unavailable" in answer.text, time.monotonic() - begun

        results = served.parallel(8, page)
        assert all(status == 503 and named for status, named, _ in results), results
        assert max(seconds for *_, seconds in results) < 10
        assert "WORKER TIMEOUT" not in served.log()
        assert "database_unavailable" in served.log()
    finally:
        hole.close()


@contextmanager
def writes_blocked(served):
    """Hold a lock that makes every sign-in wait at its write (SQLite: an exclusive transaction;
    PostgreSQL: an EXCLUSIVE lock on users, which still lets reads through)."""
    if served.database_url.startswith("postgresql"):
        engine = sa.create_engine(served.database_url, poolclass=sa.pool.NullPool)
        with engine.connect() as connection:
            connection.execute(sa.text("LOCK TABLE users IN EXCLUSIVE MODE"))
            yield connection.rollback
        engine.dispose()
    else:
        connection = sqlite3.connect(served.database_url.removeprefix("sqlite:///"), isolation_level=None)
        connection.execute("BEGIN EXCLUSIVE")
        yield lambda: connection.execute("ROLLBACK")
        connection.close()


def test_sigterm_lets_requests_in_progress_finish(served):
    """gunicorn's graceful stop: on SIGTERM the master closes the listening socket, the workers finish
    the requests they hold (up to graceful_timeout, 10 s here), then exit. The requests are held at
    their database write by a lock that is released one second after the SIGTERM."""
    with served.app.app_context():
        email = f.user(role=Role.COORDINATOR).email
    served.restart(SQLITE_BUSY_TIMEOUT_MS=30000)
    results: list = [None] * 6

    def sign_in(i):
        try:
            answer = requests.post(served.url + "/auth/login", data={"email": email, "password": f.PASSWORD},
                                   timeout=60, allow_redirects=False)
            results[i] = (answer.status_code, time.monotonic())
        except requests.RequestException as exc:
            results[i] = (type(exc).__name__, time.monotonic())

    with writes_blocked(served) as release:
        threads = [threading.Thread(target=sign_in, args=(i,)) for i in range(len(results))]
        for thread in threads:
            thread.start()
        time.sleep(3)  # accepted by the workers, waiting on the lock
        assert results == [None] * len(results)
        sigterm_at = time.monotonic()
        served.process.send_signal(signal.SIGTERM)
        time.sleep(1)
        try:  # the kernel may still queue it on the workers' copy of the socket, but nobody serves it
            late = requests.get(served.url + "/healthz", timeout=2).status_code
        except requests.RequestException as exc:
            late = type(exc).__name__
        release()
        for thread in threads:
            thread.join(60)
    served.process.wait(30)
    stopped_at = time.monotonic()
    assert [status for status, _ in results] == [302] * len(results), (results, served.log())
    assert late in {"ConnectionError", "ReadTimeout"}  # no new work once the stop began
    assert stopped_at - sigterm_at < 15  # the master waits at most graceful_timeout (10 s) for its workers
    last = max(finished for _, finished in results)
    print(f"SIGTERM: {len(results)} in-flight sign-ins finished {last - sigterm_at:.1f} s after the signal; "
          f"gunicorn exited after {stopped_at - sigterm_at:.1f} s")
