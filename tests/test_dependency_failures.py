"""Failing dependencies, for real: Redis refusing or never answering, a database that accepts
connections and never answers, a locked SQLite file, PostgreSQL statements over their timeout,
and a SQLite database on a full filesystem (a small tmpfs). Each gives a clear answer in seconds:
sign-in goes on, or a 503 page that says what happened; /healthz names what is down."""
import logging
import os
import socket
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from app import create_app
from app.auth import throttle
from app.extensions import db
from app.extensions import limiter
from app.models import AuditEvent
from app.models import Risk
from app.models import Role
from app.models import User
from config import TestConfig
from tests import factories as f
from tests.conftest import USING_POSTGRES
from tests.conftest import PalisadeClient
from tests.test_risks import risk_form


class BlackHole:
    """A TCP listener that accepts every connection and never sends a byte."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.held: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while True:
            try:
                connection, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(connection)

    def close(self):
        self.sock.close()
        for connection in self.held:
            connection.close()


@pytest.fixture
def black_hole():
    hole = BlackHole()
    yield hole
    hole.close()


@pytest.fixture
def restore_limiter():
    yield
    limiter._storage_dead = False  # the extension object is shared by every app of the test run
    throttle._fallback.storage.reset()


def _signed_in_client(app, session_token: str) -> PalisadeClient:
    client = app.test_client()
    now = time.time()
    with client.session_transaction() as session:
        session.update({"_user_id": session_token, "_fresh": True, "started_at": now, "seen_at": now,
                        "fresh_at": now})
    return client


def _app(app, **settings):
    """A second app on the test database with `settings` (Redis URLs, timeouts)."""
    config = type("Settings", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                                              **settings})
    other = create_app(config)
    other.test_client_class = PalisadeClient
    return other


# --- Redis ----------------------------------------------------------------------------------------


@pytest.fixture
def file_app(tmp_path):
    """The app on a SQLite file (or the PostgreSQL test database): shared by two app objects."""
    uri = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'palisade.sqlite'}"

    class FileDb(TestConfig):
        SQLALCHEMY_DATABASE_URI = uri

    app = create_app(FileDb)
    with app.app_context():
        if not USING_POSTGRES:
            db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize("down", ["refused", "black_hole"])
def test_sign_in_works_when_redis_is_down_and_healthz_says_so(file_app, restore_limiter, black_hole, caplog, down):
    with file_app.app_context():
        email = f.user(role=Role.MEMBER).email
    port = 1 if down == "refused" else black_hole.port  # nothing listens on port 1
    url = f"redis://127.0.0.1:{port}/9"
    app = _app(file_app, REDIS_URL=url, RATELIMIT_STORAGE_URI=url, HEALTH_CHECK_TIMEOUT=1.0)
    client = app.test_client()
    started = time.monotonic()
    with caplog.at_level(logging.ERROR):
        response = client.post("/auth/login", data={"email": email, "password": f.PASSWORD})
    assert response.status_code == 302 and response.headers["Location"].endswith("/")
    assert client.get("/").status_code == 200  # signed in
    assert time.monotonic() - started < 5
    assert any("rate_limit_storage_unreachable" in r.getMessage() for r in caplog.records)
    # A wrong password still counts (in this process) and still gets the usual answer.
    wrong = app.test_client().post("/auth/login", data={"email": email, "password": "not-the-password"})
    assert wrong.status_code == 200 and b"Incorrect email or password." in wrong.data

    started = time.monotonic()
    health = client.get("/healthz")
    assert time.monotonic() - started < 5
    assert health.status_code == 503
    assert health.get_json()["redis"] in {"unavailable", "timeout"} and health.get_json()["database"] == "ok"


def test_healthz_reports_redis_ok_when_it_answers(file_app):
    url = "redis://127.0.0.1:6379/9"
    app = _app(file_app, REDIS_URL=url)
    body = app.test_client().get("/healthz").get_json()
    assert body["redis"] == "ok" and body["status"] == "ok"


# --- A database that accepts connections and never answers --------------------------------------------


def test_database_that_never_answers_gives_healthz_503_and_pages_503_within_seconds(black_hole):
    class Hung(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"postgresql+psycopg://postgres@127.0.0.1:{black_hole.port}/palisade"
        DATABASE_CONNECT_TIMEOUT = 2
        HEALTH_CHECK_TIMEOUT = 2.0

    app = create_app(Hung)
    started = time.monotonic()
    health = app.test_client().get("/healthz")
    assert time.monotonic() - started < 5
    assert health.status_code == 503
    assert health.get_json()["database"] in {"timeout", "unavailable"}

    started = time.monotonic()
    page = _signed_in_client(app, "any-session-token").get("/risks/")
    assert time.monotonic() - started < 5
    assert page.status_code == 503 and page.headers["Retry-After"]
    text = page.get_data(as_text=True)
    assert "Database unavailable" in text and "nothing was saved" in text
    assert "Traceback" not in text and str(black_hole.port) not in text


@pytest.mark.skipif(not USING_POSTGRES, reason="PostgreSQL statement_timeout")
def test_postgres_statement_over_its_timeout_is_a_503_not_a_hang(app):
    with app.app_context():
        token = f.user(role=Role.MEMBER).session_token
    slow = _app(app, DATABASE_STATEMENT_TIMEOUT_MS=1000)
    locker = sa.create_engine(os.environ["TEST_DATABASE_URL"], poolclass=sa.pool.NullPool)
    with locker.connect() as connection:
        connection.execute(sa.text("LOCK TABLE users IN ACCESS EXCLUSIVE MODE"))  # held until rollback
        started = time.monotonic()
        page = _signed_in_client(slow, token).get("/risks/")
        elapsed = time.monotonic() - started
        health = slow.test_client().get("/healthz")
        connection.rollback()
    locker.dispose()
    with slow.app_context():
        db.engine.dispose()
    assert page.status_code == 503 and b"Database unavailable" in page.data
    assert elapsed < 5
    assert health.status_code == 200  # the database answers; only the users table was locked


@pytest.mark.skipif(USING_POSTGRES, reason="SQLite file locking")
def test_sqlite_locked_by_another_writer_is_a_503_and_writes_nothing(file_app):
    with file_app.app_context():
        user = f.user(role=Role.MEMBER)
        email = user.email
    app = _app(file_app, SQLITE_BUSY_TIMEOUT_MS=500)
    path = file_app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        started = time.monotonic()
        response = app.test_client().post("/auth/login", data={"email": email, "password": f.PASSWORD})
        elapsed = time.monotonic() - started
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert response.status_code == 503 and b"Database unavailable" in response.data
    assert elapsed < 5
    with file_app.app_context():
        assert db.session.scalar(sa.select(User.last_login_at).where(User.email == email)) is None
        assert not db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                                     .where(AuditEvent.action == "auth.login"))


# --- Storage full -----------------------------------------------------------------------------------


@pytest.fixture
def tiny_filesystem():
    """An 8 MB tmpfs: room for the schema and its write-ahead log (needs root; skipped where mounting is not
    permitted). It is mounted straight under the system temporary directory, not under pytest's private (0700) one, so that the PostgreSQL
    server's own user can reach it as a tablespace."""
    import tempfile

    mount_point = Path(tempfile.mkdtemp(prefix="palisade-tiny-"))
    mount_point.chmod(0o755)
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(mount_point)],
                            capture_output=True, text=True)
    if result.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {result.stderr.strip()}")
    yield mount_point
    subprocess.run(["umount", "-l", str(mount_point)], check=False)
    mount_point.rmdir()


def _fill(directory: Path) -> None:
    """Write a file until the filesystem refuses another byte."""
    fd = os.open(directory / "filler", os.O_WRONLY | os.O_CREAT)
    try:
        for size in (1 << 20, 1 << 16, 1 << 12, 512, 1):
            while True:
                try:
                    if os.write(fd, b"\0" * size) < size:
                        break
                except OSError:
                    break
    finally:
        os.close(fd)


def test_sqlite_disk_full_is_a_503_storage_full_page_and_nothing_is_half_written(tiny_filesystem):
    class Tiny(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tiny_filesystem / 'palisade.sqlite'}"
        HEALTH_MIN_FREE_DISK_MB = 1

    app = create_app(Tiny)
    with app.app_context():
        db.create_all()
        coordinator = f.user(role=Role.COORDINATOR)
        token = coordinator.session_token
        db.session.execute(sa.text("PRAGMA wal_checkpoint(TRUNCATE)"))
        risks_before = db.session.scalar(sa.select(sa.func.count()).select_from(Risk))
        events_before = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
        db.session.remove()
    _fill(tiny_filesystem)
    client = _signed_in_client(app, token)
    response = client.post("/risks/new", data=risk_form(description="word " * 20_000))
    assert response.status_code == 503
    text = response.get_data(as_text=True)
    assert "Storage full, nothing was saved" in text and "Traceback" not in text
    health = client.get("/healthz")
    assert health.status_code == 503 and health.get_json()["disk"] == "full"
    assert client.get("/risks/").status_code == 200  # reading still works

    (tiny_filesystem / "filler").unlink()
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Risk)) == risks_before
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == events_before
        assert db.session.execute(sa.text("PRAGMA integrity_check")).scalar() == "ok"
        db.session.remove()
    assert client.get("/healthz").status_code == 200
    assert client.post("/risks/new", data=risk_form()).status_code == 302  # space again: saved
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Risk)) == risks_before + 1
        db.engine.dispose()


@pytest.mark.skipif(not USING_POSTGRES, reason="PostgreSQL tablespace on a full filesystem")
def test_postgres_disk_full_is_a_503_storage_full_page_and_nothing_is_half_written(app, client_as, tiny_filesystem):
    """The risks table moved to a tablespace on a tiny tmpfs, which is then filled: PostgreSQL cannot
    extend the table's file and answers DiskFull (SQLSTATE 53100)."""
    import shutil

    shutil.chown(tiny_filesystem, "postgres", "postgres")
    name = f"palisade_tiny_{os.getpid()}"
    admin = sa.create_engine(os.environ["TEST_DATABASE_URL"], isolation_level="AUTOCOMMIT",
                             poolclass=sa.pool.NullPool)
    with app.app_context():
        coordinator = f.user(role=Role.COORDINATOR)
        client = client_as(coordinator)
        db.session.remove()
        db.engine.dispose()
    with admin.connect() as connection:
        connection.execute(sa.text(f"CREATE TABLESPACE {name} LOCATION '{tiny_filesystem}'"))
        # Empty files (earlier tests emptied the table with DELETE, which keeps its pages and their free
        # space): the new risk must extend the table's files on the full filesystem.
        connection.execute(sa.text("TRUNCATE risks CASCADE"))
        connection.execute(sa.text(f"ALTER TABLE risks SET TABLESPACE {name}"))
    try:
        _fill(tiny_filesystem)
        response = client.post("/risks/new", data=risk_form(description="word " * 20_000))
        assert response.status_code == 503
        assert "Storage full, nothing was saved" in response.get_data(as_text=True)
        with app.app_context():
            assert db.session.scalar(sa.select(sa.func.count()).select_from(Risk)) == 0
            assert not db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                                         .where(AuditEvent.action == "risk.created"))
            db.session.remove()
            db.engine.dispose()
    finally:
        (tiny_filesystem / "filler").unlink(missing_ok=True)
        with admin.connect() as connection:
            connection.execute(sa.text("ALTER TABLE risks SET TABLESPACE pg_default"))
            connection.execute(sa.text(f"DROP TABLESPACE {name}"))
        admin.dispose()
