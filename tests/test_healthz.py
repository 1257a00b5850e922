"""/healthz: public JSON naming each check (database, queue, and disk/redis when they apply), 200 when
all are ok, 503 when the database is unreachable. Failing Redis, a hung database and a full disk:
tests/test_dependency_failures.py."""
import pytest

from app import create_app
from config import TestConfig


def test_healthz_is_public_and_checks_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.is_json
    assert response.get_json() == {"status": "ok", "database": "ok", "queue": "ok"}  # in-memory SQLite: no disk check
    assert response.headers["Cache-Control"] == "no-store"


def test_healthz_checks_free_disk_space_for_a_sqlite_file(tmp_path):
    class OnFile(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'palisade.sqlite'}"

    app = create_app(OnFile)
    assert app.test_client().get("/healthz").get_json()["disk"] == "ok"
    app.config["HEALTH_MIN_FREE_DISK_MB"] = 10 ** 12  # more than any disk has: reported as full
    response = app.test_client().get("/healthz")
    assert response.status_code == 503 and response.get_json()["disk"] == "full"


def test_healthz_answers_signed_in_users_too(app, client_as):
    from tests import factories

    with app.app_context():
        client = client_as(factories.user())
    assert client.get("/healthz").get_json()["database"] == "ok"


@pytest.mark.parametrize("uri", [
    "postgresql+psycopg://postgres@127.0.0.1:1/palisade?connect_timeout=2",  # nothing listens on port 1
    "sqlite:////nonexistent-directory/palisade/palisade.sqlite",
])
def test_healthz_is_503_when_the_database_is_unreachable(uri):
    class Unreachable(TestConfig):
        SQLALCHEMY_DATABASE_URI = uri

    response = create_app(Unreachable).test_client().get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["database"] != "ok" and body["status"] != "ok"
    text = response.get_data(as_text=True)
    assert "Traceback" not in text and "127.0.0.1" not in text and "nonexistent" not in text  # no details leak


def test_healthz_serves_no_other_method(client):
    assert client.post("/healthz").status_code in (302, 405)  # never served
