"""CFG-01 (production configuration guard) and VAL-02 (body limits)."""
from importlib.metadata import version

import pytest
from packaging.version import Version

from config import Config
from config import ProductionConfig
from tests import factories
from tests.conftest import make_app
from tests.security_world import PASSWORD
from tests.security_world import login

PRODUCTION = {"SECRET_KEY": "k" * 16 + "a real random production key", "SQLALCHEMY_DATABASE_URI": "sqlite://",
              "RATELIMIT_STORAGE_URI": "memory://"}


def _production_app(**overrides):
    cls = type("Prod", (ProductionConfig,), {**PRODUCTION, "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/15",
                                             **overrides})
    return make_app(cls)


def test_cfg01_production_config_guard():
    assert ProductionConfig.DEBUG is False
    assert ProductionConfig.SESSION_COOKIE_SECURE is True
    assert ProductionConfig.SESSION_COOKIE_HTTPONLY is True
    assert ProductionConfig.SESSION_COOKIE_SAMESITE in ("Lax", "Strict")
    assert ProductionConfig.SESSION_COOKIE_NAME.startswith("__Host-")
    assert ProductionConfig.SESSION_COOKIE_PATH == "/" and ProductionConfig.SESSION_COOKIE_DOMAIN is None
    assert ProductionConfig.REMEMBER_COOKIE_SECURE and ProductionConfig.REMEMBER_COOKIE_SAMESITE == "Lax"
    assert 0 < ProductionConfig.MAX_CONTENT_LENGTH <= 25 * 1024 * 1024
    assert ProductionConfig.PROXY_FIX_HOPS == 1  # one nginx in front (README's topology)
    assert Version(version("weasyprint")) >= Version("70")
    # The limiter store must be shared: memory:// is refused at start-up.
    with pytest.raises(RuntimeError, match="REDIS_URL"):
        make_app(type("Prod", (ProductionConfig,), PRODUCTION))


def test_cfg01_trusted_hosts_refuse_a_foreign_host():
    app = _production_app(TRUSTED_HOSTS=["palisade.example.gov"], PUBLIC_BASE_URL="https://palisade.example.gov")
    client = app.test_client()
    assert client.get("/healthz", base_url="https://palisade.example.gov").status_code == 200
    assert client.get("/healthz", base_url="https://evil.example").status_code == 400


def test_cfg01_a_spoofed_x_forwarded_for_does_not_change_the_rate_limit_key():
    app = _production_app(RATELIMIT_STORAGE_URI="memory://", TRUSTED_HOSTS=["localhost"], WTF_CSRF_ENABLED=False,
                          validate=classmethod(lambda cls, config: None))
    with app.app_context():
        factories.user(email="bystander@example.org")
    limit = app.config["LOGIN_FAILURE_IP_LIMIT"]
    for n in range(limit):
        # The client forges the first hop; nginx (the one trusted hop) appends the real address.
        login(app.test_client(), f"guess{n}@example.org", "wrong password!", base_url="https://localhost",
              headers={"X-Forwarded-For": f"10.9.{n}.1, 198.51.100.7"})
    response = login(app.test_client(), "bystander@example.org", PASSWORD, base_url="https://localhost",
                     headers={"X-Forwarded-For": "10.0.0.1, 198.51.100.7"})
    assert response.status_code == 429


def test_cfg01_development_defaults_are_not_production():
    assert Config.SECRET_KEY == "dev-only-not-secret" or len(Config.SECRET_KEY) >= 32


def test_val02_an_oversized_body_gets_413(app, client):
    limit = app.config["MAX_CONTENT_LENGTH"]
    response = client.post("/auth/login", data={"email": "a@example.org", "password": "x" * (limit + 1)})
    assert response.status_code == 413
    assert "Traceback" not in response.get_data(as_text=True)


def test_val02_too_many_form_parts_or_a_huge_field_is_refused(app, client):
    parts = {f"f{n}": "x" for n in range(app.config["MAX_FORM_PARTS"] + 10)}
    assert client.post("/auth/login", data=parts, content_type="multipart/form-data").status_code == 413
    huge = {"email": "a@example.org", "password": "x" * (app.config["MAX_FORM_MEMORY_SIZE"] + 1)}
    assert client.post("/auth/login", data=huge, content_type="multipart/form-data").status_code == 413
