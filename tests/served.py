"""A real served Palisade for concurrency and failure tests: gunicorn on a free port.

`served` starts gunicorn (2 workers × 4 threads, the test configuration: CSRF off unless asked) in a
subprocess against a fresh SQLite file, or against the PostgreSQL test database when
TEST_DATABASE_URL is set. Seed it in-process with `with served.app.app_context(): ...` (commit!), then
send real parallel requests:

    def test_x(served):
        with served.app.app_context():
            user = factories.user(...)
        sessions = [served.login(user.email, PASSWORD) for _ in range(20)]
        results = served.parallel(20, lambda i: sessions[i].post(served.url + "/…", data=…))

`served.restart(**env)` starts it again with extra environment (e.g. to inject a fault).
"""
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from pathlib import Path

import pytest
import requests

from tests.conftest import USING_POSTGRES
from tests.conftest import make_app

ROOT = Path(__file__).resolve().parent.parent


class _HiddenInputs(HTMLParser):
    """Hidden inputs of every form on a page, keyed by the form's action."""

    def __init__(self):
        super().__init__()
        self.forms: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append((attrs.get("action") or "", {}))
        elif tag == "input" and self.forms and (attrs.get("type") or "").lower() == "hidden" and attrs.get("name"):
            self.forms[-1][1][attrs["name"]] = attrs.get("value") or ""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServedApp:
    def __init__(self, database_url: str, tmp_path: Path, workers: int = 2, threads: int = 4):
        self.database_url = database_url
        self.tmp_path = tmp_path
        self.workers, self.threads = workers, threads
        self.process: subprocess.Popen | None = None
        self.port = 0
        self.log_path = tmp_path / "gunicorn.log"
        self.app = self._make_app()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _make_app(self):
        from config import TestConfig

        config = type("ServedTestConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": self.database_url})
        return make_app(config)

    def environment(self, **extra) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
        env.update(PALISADE_CONFIG="test", TEST_DATABASE_URL=self.database_url, PYTHONPATH=str(ROOT),
                   HUEY_SQLITE_PATH=str(self.tmp_path / "huey.sqlite"))
        env.update({k: str(v) for k, v in extra.items()})
        return env

    def start(self, **extra_env) -> "ServedApp":
        self.port = free_port()
        command = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{self.port}",
                   "--workers", str(self.workers), "--threads", str(self.threads), "--timeout", "60",
                   "--graceful-timeout", "10", "wsgi:app"]
        self._log = open(self.log_path, "ab")
        self.process = subprocess.Popen(command, cwd=ROOT, env=self.environment(**extra_env),
                                        stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.log()}")
            try:
                requests.get(self.url + "/auth/login", timeout=10)
                return self
            except (requests.ConnectionError, requests.Timeout):
                time.sleep(0.2)
        self.stop()  # never leave a server behind
        raise RuntimeError(f"gunicorn did not answer within 60 s: {self.log()}")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, sig)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        if getattr(self, "_log", None):
            self._log.close()

    def restart(self, **extra_env) -> "ServedApp":
        self.stop()
        return self.start(**extra_env)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:] if self.log_path.exists() else ""

    # --- clients -------------------------------------------------------------------------------
    def session(self) -> requests.Session:
        return requests.Session()

    def form(self, session: requests.Session, path: str, action: str | None = None) -> dict:
        """Hidden fields (csrf_token, version, …) of the form on `path` whose action contains `action`."""
        page = session.get(self.url + path, timeout=30)
        page.raise_for_status()
        parser = _HiddenInputs()
        parser.feed(page.text)
        for form_action, fields in parser.forms:
            if action is None or action in form_action:
                return dict(fields)
        raise AssertionError(f"No form with action containing {action!r} on {path}")

    def login(self, email: str, password: str) -> requests.Session:
        session = self.session()
        data = self.form(session, "/auth/login")
        data.update(email=email, password=password)
        answer = session.post(self.url + "/auth/login", data=data, timeout=30, allow_redirects=False)
        assert answer.status_code in (302, 303), f"sign-in failed: {answer.status_code} {answer.text[:300]}"
        return session

    @staticmethod
    def parallel(n: int, fn) -> list:
        """Call fn(i) for i in range(n) from n threads released together; results in order."""
        barrier = threading.Barrier(n)

        def run(i):
            barrier.wait()
            return fn(i)

        with ThreadPoolExecutor(max_workers=n) as pool:
            return list(pool.map(run, range(n)))


class LiveApp(ServedApp):
    """The same app and database served in this process by werkzeug's threaded server: ready in milliseconds
    (gunicorn's start imports the app twice and warms up the PDF renderer). For what a browser does with the
    pages (layout, scripts, forms); tests of processes, workers and concurrency keep gunicorn (`served`)."""

    _server = None

    def start(self, **extra_env) -> "LiveApp":
        if extra_env:
            raise TypeError("the in-process server takes no environment: use the `served` fixture")
        from werkzeug.serving import make_server

        self._server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.port = self._server.server_port
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


def database_url(tmp_path) -> str:
    return os.environ["TEST_DATABASE_URL"] if USING_POSTGRES else f"sqlite:///{tmp_path / 'served.sqlite'}"


@pytest.fixture
def live_app(tmp_path, _postgres_schema):
    """Like `served` (same .app, .url, .login, .form), served in this process by werkzeug: for browser tests."""
    server = LiveApp(database_url(tmp_path), tmp_path).start()
    yield server
    server.stop()
    from app.extensions import db

    with server.app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def served(tmp_path, _postgres_schema):
    """A gunicorn-served app on a fresh database (see module docstring)."""
    server = ServedApp(database_url(tmp_path), tmp_path)
    server.start()
    yield server
    server.stop()
    from app.extensions import db

    with server.app.app_context():
        db.session.remove()
        db.engine.dispose()
