"""AUTH-03: failed sign-ins are throttled per account and per client address, across workers."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from freezegun import freeze_time

from config import TestConfig
from tests import factories
from tests.conftest import make_app
from tests.security_world import PASSWORD
from tests.security_world import login

# In the future: the memory storage expires keys from a thread that sees the real clock.
START = "2031-03-02 09:00:05"
REDIS_URI = "redis://127.0.0.1:6379/15"
ROOT = Path(__file__).resolve().parent.parent


def _seed(app, email="victim@example.org"):
    with app.app_context():
        factories.user(email=email)


def _from(address: str) -> dict:
    return {"environ_base": {"REMOTE_ADDR": address}}


def test_auth03_ten_failures_then_429_even_with_the_right_password(app):
    _seed(app)
    with freeze_time(START) as clock:
        client = app.test_client()
        for _ in range(10):
            assert login(client, "victim@example.org", "wrong password!").status_code == 200
        response = login(client, "victim@example.org", PASSWORD)
        assert response.status_code == 429 and "Too many failed sign-in attempts" in response.get_data(as_text=True)
        clock.tick(14 * 60)
        assert login(client, "victim@example.org", PASSWORD).status_code == 429
        clock.tick(2 * 60)  # the 15-minute window has passed
        assert login(client, "victim@example.org", PASSWORD).status_code == 302


def test_auth03_the_account_key_holds_across_client_addresses(app):
    _seed(app)
    with freeze_time(START):
        for n in range(10):
            login(app.test_client(), "victim@example.org", "wrong password!", **_from(f"198.51.100.{n}"))
        response = login(app.test_client(), "Victim@Example.org ", PASSWORD, **_from("203.0.113.99"))
        assert response.status_code == 429


def test_auth03_the_address_key_holds_across_accounts(app):
    _seed(app, "bystander@example.org")
    with freeze_time(START):
        for n in range(app.config["LOGIN_FAILURE_IP_LIMIT"]):
            login(app.test_client(), f"guess{n}@example.org", "wrong password!", **_from("198.51.100.7"))
        assert login(app.test_client(), "bystander@example.org", PASSWORD, **_from("198.51.100.7")).status_code == 429
        # The same account from another address is not locked out by someone else's spraying.
        assert login(app.test_client(), "bystander@example.org", PASSWORD, **_from("203.0.113.5")).status_code == 302


def test_auth03_a_success_resets_the_account_count(app):
    _seed(app)
    with freeze_time(START):
        client = app.test_client()
        for _ in range(9):
            login(client, "victim@example.org", "wrong password!")
        assert login(client, "victim@example.org", PASSWORD).status_code == 302
        for _ in range(9):
            assert login(app.test_client(), "victim@example.org", "wrong password!").status_code == 200
        assert login(app.test_client(), "victim@example.org", PASSWORD).status_code == 302


WORKER = """
import json, sys
sys.path.insert(0, {root!r})
from config import TestConfig
from tests.conftest import make_app
from tests.security_world import login
cfg = type("Worker", (TestConfig,), {{"RATELIMIT_STORAGE_URI": {uri!r}, "SQLALCHEMY_DATABASE_URI": {db!r}}})
app = make_app(cfg) if {reset} else __import__("app").create_app(cfg)
codes = [login(app.test_client(), "victim@example.org", {password!r}).status_code for _ in range({n})]
print(json.dumps(codes))
"""


def _worker(uri: str, db: str, n: int, password: str, reset: bool = False) -> list[int]:
    """Another process: its own app, its own Limiter object, sharing only the storage and the DB."""
    script = WORKER.format(root=str(ROOT), uri=uri, db=db, n=n, password=password, reset=reset)
    output = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, cwd=str(ROOT))
    assert output.returncode == 0, output.stderr[-2000:]
    return json.loads(output.stdout.strip().splitlines()[-1])


def _redis_or_skip():
    redis = pytest.importorskip("redis")
    try:
        connection = redis.Redis.from_url(REDIS_URI, socket_connect_timeout=1)
        connection.ping()
    except Exception:  # unreachable Redis: the only reason to skip
        pytest.skip("Redis is not reachable on 127.0.0.1:6379")
    return connection


def test_auth03_the_count_is_shared_across_workers_through_redis(tmp_path):
    connection = _redis_or_skip()
    connection.flushdb()
    database = f"sqlite:///{tmp_path / 'shared.sqlite'}"
    config = type("Shared", (TestConfig,), {"RATELIMIT_STORAGE_URI": REDIS_URI, "SQLALCHEMY_DATABASE_URI": database})
    app = make_app(config)
    _seed(app)
    try:
        # Worker 1 and worker 2 (separate processes) each see five failures: under the limit each.
        assert _worker(REDIS_URI, database, 5, "wrong password!") == [200] * 5
        assert _worker(REDIS_URI, database, 5, "wrong password!") == [200] * 5
        # Together they reached ten: a third worker refuses even the right password.
        assert _worker(REDIS_URI, database, 1, PASSWORD) == [429]
        assert login(app.test_client(), "victim@example.org", PASSWORD).status_code == 429
    finally:
        connection.flushdb()


def test_auth03_memory_storage_would_not_share_counts(tmp_path):
    """The control for the test above: per-process memory counters let each worker allow ten."""
    database = f"sqlite:///{tmp_path / 'shared.sqlite'}"
    app = make_app(type("Shared", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": database}))
    _seed(app)
    assert _worker("memory://", database, 10, "wrong password!") == [200] * 10
    assert _worker("memory://", database, 1, PASSWORD) == [302]
