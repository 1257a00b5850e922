"""ERR-01: a forced exception shows the generic 500 page and rolls the transaction back."""
import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Organization
from app.models import OrganizationKind
from config import ProductionConfig
from config import TestConfig
from tests import factories
from tests.conftest import make_app


def _app_with_failing_view():
    app = make_app(type("NoPropagate", (TestConfig,), {"PROPAGATE_EXCEPTIONS": False}))

    @app.post("/_test/explode")
    def explode():
        db.session.add(Organization(name="Half-written", short_name="HALF", kind=OrganizationKind.NGO_ACADEMIA,
                                    country="US"))
        db.session.flush()  # the row is in the transaction...
        raise RuntimeError("boom at /srv/palisade/secret/path.py SELECT * FROM users")  # ...then it fails

    app.view_functions["explode"].is_public = True
    return app


def test_err01_forced_exception_gives_the_generic_page_and_rolls_back(caplog):
    app = _app_with_failing_view()
    response = app.test_client().post("/_test/explode")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "Something went wrong" in html
    for leak in ("Traceback", "RuntimeError", "boom", "/srv/palisade", "SELECT", "path.py"):
        assert leak not in html
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Organization.id))) == 0
    assert "Unhandled exception" in caplog.text  # the detail goes to the log, not the visitor


def test_err01_debug_in_production_refuses_to_start():
    with pytest.raises(RuntimeError, match="DEBUG"):
        make_app(type("Prod", (ProductionConfig,), {
            "SECRET_KEY": "k" * 16 + "a real random production key", "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/15", "DEBUG": True}))


@pytest.mark.parametrize("path, status", [("/no-such-page", 404), ("/auth/logout", 405)])
def test_err01_error_pages_are_generic(client, path, status):
    response = client.get(path)
    assert response.status_code in (status, 302)
    assert "Traceback" not in response.get_data(as_text=True)


@pytest.mark.parametrize("method, path, status, title, text", [
    ("get", "/no-such-page", 404, "Not found", "Not found — it may not exist or not be shared with you."),
    ("get", "/risks/999999", 404, "Not found", "Not found — it may not exist or not be shared with you."),
    ("get", "/auth/logout", 405, "Not allowed this way", "That action cannot be done this way."),
    ("put", "/risks/", 405, "Not allowed this way", "That action cannot be done this way."),
])
def test_err01_signed_in_users_get_the_real_error_pages(app, client_as, method, path, status, title, text):
    with app.app_context():
        client = client_as(factories.user(name="Erin Error"))
    response = getattr(client, method)(path)
    assert response.status_code == status
    html = response.get_data(as_text=True)
    assert f"Error {status}" in html and text in html and f"<title>{title} · Palisade</title>" in html
    assert "Erin Error" in html  # the full page with the signed-in navigation, not a bare message
    assert 'href="/"' in html  # back to the dashboard
    for leak in ("Traceback", "werkzeug", "NotFound", "MethodNotAllowed"):
        assert leak not in html
