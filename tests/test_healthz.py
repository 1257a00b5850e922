"""/healthz: public, 200 with a database check, 503 when the database is unreachable."""
import pytest

from app import create_app
from config import TestConfig


def test_healthz_is_public_and_checks_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.is_json
    assert response.get_json() == {"status": "ok", "database": "ok"}


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
