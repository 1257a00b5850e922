"""Configuration: the production guard, session cookie flags, request limits, SQLite pragmas."""
import os
import secrets
import subprocess
import sys

import pytest
import sqlalchemy as sa

from app import PROJECT_ROOT
from app import create_app
from app.extensions import db
from config import Config
from config import ProductionConfig
from config import TestConfig
from config import config_from_env
from tests.conftest import USING_POSTGRES

GOOD_KEY = secrets.token_urlsafe(48)


def production(**overrides) -> type[ProductionConfig]:
    """A production config that passes every check unless overridden (with a throwaway SQLite DB)."""
    attrs = {"SECRET_KEY": GOOD_KEY, "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/15",
             "SQLALCHEMY_DATABASE_URI": "sqlite://", "PROXY_FIX_HOPS": 0}
    attrs.update(overrides)
    return type("ProductionForTest", (ProductionConfig,), attrs)


@pytest.mark.parametrize("key", [None, "", "short-key", "x" * 31, "dev-only-not-secret", "change-me",
                                 "please-change-this-secret-key-in-production",
                                 "dev-" + "a" * 40])
def test_production_refuses_a_missing_short_or_sample_secret_key(key):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(production(SECRET_KEY=key))


def test_a_32_byte_key_counts_bytes_not_characters():
    create_app(production(SECRET_KEY="k" * 32))
    with pytest.raises(RuntimeError):
        create_app(production(SECRET_KEY="é" * 15))  # 30 bytes


def test_production_refuses_debug():
    with pytest.raises(RuntimeError, match="DEBUG"):
        create_app(production(DEBUG=True))


@pytest.mark.parametrize("storage", ["memory://", ""])
def test_production_refuses_per_process_rate_limit_storage(storage):
    with pytest.raises(RuntimeError):
        create_app(production(RATELIMIT_STORAGE_URI=storage))


@pytest.mark.parametrize("overrides", [
    {"SIGNING_PKCS12_PATH": ""},
    {"SIGNING_PKCS12_PASSWORD": ""},
    {"SIGNING_PKCS12_PASSWORD": "dev-only-signing-key"},  # the development default
    {"SIGNING_PKCS12_PATH": "/nonexistent/signing.p12"},
    {"SIGNING_PKCS12_PASSWORD": "not-the-password-of-the-file"},
])
def test_production_refuses_to_start_without_a_usable_signing_key(overrides):
    with pytest.raises(RuntimeError, match="SIGNING_PKCS12|signing key"):
        create_app(production(**overrides))


def test_production_refuses_a_file_that_is_not_pkcs12(tmp_path):
    bogus = tmp_path / "signing.p12"
    bogus.write_bytes(b"-----BEGIN CERTIFICATE-----\nnot a key\n")
    with pytest.raises(RuntimeError, match="cannot be opened"):
        create_app(production(SIGNING_PKCS12_PATH=str(bogus)))


def test_production_defaults_without_environment_have_no_signing_key():
    # What a deployment gets when it sets nothing: no path, the development password -> refused.
    assert Config.SIGNING_PKCS12_PATH == "" or os.environ.get("SIGNING_PKCS12_PATH")
    with pytest.raises(RuntimeError, match="SIGNING_PKCS12"):
        create_app(production(SIGNING_PKCS12_PATH=Config.SIGNING_PKCS12_PATH,
                              SIGNING_PKCS12_PASSWORD=Config.SIGNING_PKCS12_PASSWORD))


def test_production_accepts_a_proper_configuration():
    app = create_app(production())
    assert app.config["ENV_NAME"] == "production"
    assert not app.debug and not app.testing


def test_production_session_cookie_flags():
    app = create_app(production())
    config = app.config
    assert config["SESSION_COOKIE_NAME"] == "__Host-session"
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["SESSION_COOKIE_HTTPONLY"] is True
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert config["SESSION_COOKIE_PATH"] == "/"
    assert config["SESSION_COOKIE_DOMAIN"] is None  # __Host- cookies must not name a domain
    assert config["MAX_CONTENT_LENGTH"] and config["MAX_CONTENT_LENGTH"] <= 10 * 1024 * 1024

    # What a browser actually receives: the sign-in page stores the CSRF token in the session.
    with app.app_context():
        db.create_all()
    response = app.test_client().get("/auth/login", base_url="https://localhost")
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("__Host-session="))
    attributes = {part.strip().split("=")[0].lower(): part.strip() for part in cookie.split(";")[1:]}
    assert {"secure", "httponly", "path", "samesite"} <= set(attributes)
    assert attributes["path"] == "Path=/" and attributes["samesite"] == "SameSite=Lax"
    assert "domain" not in attributes


def test_too_large_requests_get_413():
    class Small(TestConfig):
        MAX_CONTENT_LENGTH = 1024

    app = create_app(Small)
    response = app.test_client().post("/auth/login", data={"email": "x" * 5000, "password": "y"})
    assert response.status_code == 413


def test_config_from_env_picks_the_named_configuration(monkeypatch):
    monkeypatch.setenv("PALISADE_CONFIG", "production")
    assert config_from_env() is ProductionConfig
    monkeypatch.setenv("PALISADE_CONFIG", "test")
    assert config_from_env() is TestConfig
    monkeypatch.delenv("PALISADE_CONFIG")
    assert config_from_env() is Config


@pytest.mark.skipif(USING_POSTGRES, reason="reads the configuration in fresh interpreters, whatever the test database: "
                                           "the SQLite pass covers it")
def test_the_default_database_is_a_sqlite_file_in_the_instance_folder_and_database_url_overrides_it():
    """Config reads the environment at import: check it in a fresh interpreter."""
    script = ("from app import create_app; from app.extensions import db; from config import Config\n"
              "app = create_app(Config)\n"
              "with app.app_context(): print(db.engine.url.render_as_string(hide_password=True))")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "PALISADE_CONFIG")}
    default = subprocess.run([sys.executable, "-c", script], env=env, cwd=PROJECT_ROOT, capture_output=True,
                             text=True, check=True).stdout.strip()
    assert default == f"sqlite:///{PROJECT_ROOT / 'instance' / 'palisade.sqlite'}"
    env["DATABASE_URL"] = "postgresql+psycopg://palisade:secret@db.internal/palisade"
    chosen = subprocess.run([sys.executable, "-c", script], env=env, cwd=PROJECT_ROOT, capture_output=True,
                            text=True, check=True).stdout.strip()
    assert chosen == "postgresql+psycopg://palisade:***@db.internal/palisade"


def _pragmas(app) -> dict:
    with app.app_context():
        with db.engine.connect() as connection:
            return {name: connection.execute(sa.text(f"PRAGMA {name}")).scalar()
                    for name in ("foreign_keys", "journal_mode", "busy_timeout")}


def test_sqlite_file_database_pragmas(tmp_path):
    class FileDb(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'palisade.sqlite'}"
        SQLITE_BUSY_TIMEOUT_MS = 7000

    app = create_app(FileDb)
    pragmas = _pragmas(app)
    assert pragmas["foreign_keys"] == 1
    assert pragmas["journal_mode"].lower() == "wal"
    assert pragmas["busy_timeout"] == 7000
    with app.app_context():
        db.engine.dispose()


def test_sqlite_foreign_keys_are_enforced(tmp_path):
    class FileDb(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'fk.sqlite'}"

    app = create_app(FileDb)
    from app.models import Role
    from app.models import User

    with app.app_context():
        db.create_all()
        db.session.add(User(email="orphan@example.com", name="Orphan", role=Role.MEMBER, password_hash="x",
                            organization_id=424242))
        with pytest.raises(sa.exc.IntegrityError):
            db.session.commit()
        db.session.rollback()
        db.engine.dispose()


def test_in_memory_sqlite_has_foreign_keys_too():
    class Memory(TestConfig):
        SQLALCHEMY_DATABASE_URI = "sqlite://"

    pragmas = _pragmas(create_app(Memory))
    assert pragmas["foreign_keys"] == 1


def _gunicorn_defaults(monkeypatch) -> dict:
    import runpy

    for name in list(os.environ):
        if name.startswith("GUNICORN_") or name == "WEB_CONCURRENCY":
            monkeypatch.delenv(name)
    return runpy.run_path(str(PROJECT_ROOT / "gunicorn.conf.py"))


def test_gunicorn_outlives_the_proxy_on_idle_and_slow_connections(monkeypatch):
    """docs/deploy.md's nginx keeps idle upstream connections for keepalive_timeout and waits
    proxy_read_timeout for an answer: gunicorn must keep an idle connection longer (else nginx may send
    a request on one gunicorn is closing: a reset) and give up on a request sooner (its 503, not nginx's 504)."""
    import re

    settings = _gunicorn_defaults(monkeypatch)
    site = (PROJECT_ROOT / "docs" / "deploy.md").read_text()
    nginx_idle = int(re.search(r"^\s*keepalive_timeout (\d+)s;", site, re.M).group(1))
    nginx_read = int(re.search(r"^\s*proxy_read_timeout (\d+)s;", site, re.M).group(1))
    assert settings["keepalive"] > nginx_idle
    assert settings["timeout"] < nginx_read
    assert settings["worker_class"] == "gthread" and settings["threads"] >= 2


def test_sqlite_engines_skip_the_pre_ping_and_postgresql_engines_keep_it():
    from app.resilience import engine_options

    sqlite = engine_options({"SQLALCHEMY_DATABASE_URI": "sqlite:///x.db",
                             "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True}})
    postgres = engine_options({"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://db/palisade",
                               "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True}})
    assert "pool_pre_ping" not in sqlite
    assert postgres["pool_pre_ping"] is True and postgres["connect_args"]["connect_timeout"] >= 2


@pytest.mark.parametrize("setting, expected", [("5", 5), ("0", 0), ("off", None)])
def test_postgresql_prepared_statements_can_be_tuned_or_turned_off(setting, expected):
    from app.resilience import engine_options

    options = engine_options({"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://db/palisade",
                              "DATABASE_PREPARE_THRESHOLD": setting})
    assert options["connect_args"]["prepare_threshold"] == expected


@pytest.mark.parametrize("setting, timeout_ms, expected", [
    ("off", 15000, "-c statement_timeout=15000 -c jit=off"), ("off", 0, "-c jit=off"),
    ("on", 15000, "-c statement_timeout=15000"), ("on", 0, None)])
def test_postgresql_connections_turn_jit_off_unless_asked(setting, timeout_ms, expected):
    from app.resilience import engine_options

    options = engine_options({"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://db/palisade", "DATABASE_JIT": setting,
                              "DATABASE_STATEMENT_TIMEOUT_MS": timeout_ms})
    assert options["connect_args"].get("options") == expected


@pytest.mark.skipif(not USING_POSTGRES, reason="a PostgreSQL server's settings")
@pytest.mark.parametrize("setting", ["off", "on"])
def test_the_application_s_postgresql_sessions_run_without_jit_by_default(setting):
    url = os.environ["TEST_DATABASE_URL"]
    with sa.create_engine(url, poolclass=sa.pool.NullPool).connect() as connection:
        server_default = connection.execute(sa.text("SHOW jit")).scalar()
    config = type("JitSetting", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url, "DATABASE_JIT": setting})
    app = create_app(config)
    with app.app_context():
        assert db.session.execute(sa.text("SHOW jit")).scalar() == ("off" if setting == "off" else server_default)
        assert db.session.execute(sa.text("SHOW statement_timeout")).scalar() != "0"
        db.session.rollback()
        db.engine.dispose()
