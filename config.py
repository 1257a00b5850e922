"""Configuration classes. Values come from the environment; defaults are for development only.

Nothing here raises at import time: the production checks run in ProductionConfig.validate(),
which create_app() calls, so a bad deployment fails at start-up with a clear message.
"""
import hashlib
import os
import tempfile
from datetime import timedelta

SAMPLE_SECRET_KEYS = {
    "dev-only-not-secret",
    "change-me",
    "changeme",
    "secret",
    "please-change-this-secret-key-in-production",
    "test",
}


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name, default))
    except ValueError:
        return default


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-not-secret")
    # A relative SQLite path lands in the instance folder (Flask-SQLAlchemy resolves it there).
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", "sqlite:///palisade.sqlite")
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    SQLITE_BUSY_TIMEOUT_MS = _env_int("SQLITE_BUSY_TIMEOUT_MS", 5000)
    # PostgreSQL: give up connecting after this many seconds, cancel any statement running longer
    # than this many milliseconds (0 = no limit); wait at most this long for a pooled connection.
    # A database that stops answering then costs a request seconds and a 503, never a hung worker.
    DATABASE_CONNECT_TIMEOUT = _env_int("DATABASE_CONNECT_TIMEOUT", 5)
    DATABASE_STATEMENT_TIMEOUT_MS = _env_int("DATABASE_STATEMENT_TIMEOUT_MS", 15000)
    DATABASE_POOL_TIMEOUT = _env_int("DATABASE_POOL_TIMEOUT", 10)
    # PostgreSQL: connections each web process keeps, one per gunicorn thread (gunicorn.conf.py), so a deployment
    # holds workers × threads of them (plus a few overflow ones at a peak): size max_connections for every host.
    DATABASE_POOL_SIZE = _env_int("DATABASE_POOL_SIZE", _env_int("GUNICORN_THREADS", 8))
    DATABASE_MAX_OVERFLOW = _env_int("DATABASE_MAX_OVERFLOW", 2)
    # PostgreSQL: psycopg prepares a statement on the server after this many runs on one connection, so it
    # is planned once (app/transactions.py keeps them); "off" behind PgBouncer < 1.21 in transaction mode.
    DATABASE_PREPARE_THRESHOLD = os.environ.get("DATABASE_PREPARE_THRESHOLD", "5")
    # PostgreSQL: just-in-time compilation of statements, off for the application's connections (on: the server's
    # own setting). Palisade's statements are short; at scale their estimated cost starts JIT compilation, which
    # then takes most of a page's time.
    DATABASE_JIT = os.environ.get("DATABASE_JIT", "off")
    # /healthz: each check's time budget, and the free space below which SQLite's disk is "full".
    HEALTH_CHECK_TIMEOUT = float(os.environ.get("HEALTH_CHECK_TIMEOUT", "2") or 2)
    HEALTH_MIN_FREE_DISK_MB = _env_int("HEALTH_MIN_FREE_DISK_MB", 50)

    # Sessions: server-side idle and absolute limits (see app/auth/sessions.py).
    SESSION_IDLE_TIMEOUT = timedelta(minutes=_env_int("SESSION_IDLE_MINUTES", 30))
    SESSION_ABSOLUTE_LIFETIME = timedelta(hours=_env_int("SESSION_ABSOLUTE_HOURS", 12))
    PERMANENT_SESSION_LIFETIME = SESSION_ABSOLUTE_LIFETIME
    SESSION_REFRESH_EACH_REQUEST = False  # the cookie is sent again when the session changed (app/auth/sessions.py)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_DURATION = timedelta(seconds=0)  # remember-me is not offered
    FRESH_LOGIN_MINUTES = _env_int("FRESH_LOGIN_MINUTES", 10)

    # Request size limits (SECURITY.md VAL-02).
    MAX_CONTENT_LENGTH = _env_int("MAX_CONTENT_LENGTH", 2 * 1024 * 1024)
    MAX_FORM_MEMORY_SIZE = 500_000
    MAX_FORM_PARTS = 1000

    # Attachments (DESIGN.md): per file, per record (archived files count), per upload request (the
    # only requests allowed past MAX_CONTENT_LENGTH), files per upload, and the zip checks of OOXML.
    MAX_ATTACHMENT_MB = _env_int("MAX_ATTACHMENT_MB", 20)
    ATTACHMENT_RECORD_MAX_MB = _env_int("ATTACHMENT_RECORD_MAX_MB", 200)
    ATTACHMENT_MAX_FILES = _env_int("ATTACHMENT_MAX_FILES", 10)
    ATTACHMENT_REQUEST_MAX_MB = _env_int("ATTACHMENT_REQUEST_MAX_MB", 4 * MAX_ATTACHMENT_MB + 1)
    ATTACHMENT_ZIP_MAX_MB = _env_int("ATTACHMENT_ZIP_MAX_MB", 200)
    ATTACHMENT_ZIP_MAX_ENTRIES = _env_int("ATTACHMENT_ZIP_MAX_ENTRIES", 5000)

    # Rate limiting: Redis when REDIS_URL is set so every worker shares the counters.
    REDIS_URL = os.environ.get("REDIS_URL", "")
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or REDIS_URL or "memory://"
    RATELIMIT_HEADERS_ENABLED = False
    # Redis unreachable: short socket timeouts, then per-process counters (logged as an error)
    # instead of failing every sign-in.
    REDIS_CONNECT_TIMEOUT = float(os.environ.get("REDIS_CONNECT_TIMEOUT", "0.5") or 0.5)
    REDIS_SOCKET_TIMEOUT = float(os.environ.get("REDIS_SOCKET_TIMEOUT", "1") or 1)
    RATELIMIT_STORAGE_OPTIONS = {"socket_connect_timeout": REDIS_CONNECT_TIMEOUT,
                                 "socket_timeout": REDIS_SOCKET_TIMEOUT}
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    # Flask-Limiter marks its storage dead once per process; a request racing that switch would raise
    # the Redis error (a 500) instead of going on: swallowed and logged (app/resilience.py).
    RATELIMIT_SWALLOW_ERRORS = True
    # The API (/api/v1/): one request budget per token on the limiter storage above; JSON bodies' size.
    API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "600/minute")
    API_MAX_BODY = _env_int("API_MAX_BODY", 1024 * 1024)
    LOGIN_FAILURE_LIMIT = _env_int("LOGIN_FAILURE_LIMIT", 10)
    LOGIN_FAILURE_IP_LIMIT = _env_int("LOGIN_FAILURE_IP_LIMIT", 30)
    LOGIN_FAILURE_WINDOW_SECONDS = _env_int("LOGIN_FAILURE_WINDOW_SECONDS", 15 * 60)
    # Account links sent by e-mail: invitation (first password) and password reset; single use.
    INVITATION_TTL_HOURS = _env_int("INVITATION_TTL_HOURS", 72)
    PASSWORD_RESET_TTL_MINUTES = _env_int("PASSWORD_RESET_TTL_MINUTES", 60)
    PASSWORD_RESET_LIMIT_PER_HOUR = _env_int("PASSWORD_RESET_LIMIT_PER_HOUR", 3)
    # Number of proxies in front of the app whose X-Forwarded-For may be trusted.
    PROXY_FIX_HOPS = _env_int("PROXY_FIX_HOPS", 0)
    TRUSTED_HOSTS = [h for h in os.environ.get("TRUSTED_HOSTS", "").split(",") if h] or None
    # The navigation bar's counts (bell, inbox, shared) of a session are kept this long in each web process; the
    # user's own changes show at once, others' within this time (app/inbox/navbar.py). 0: counted on every page.
    NAVBAR_COUNTS_SECONDS = _env_int("NAVBAR_COUNTS_SECONDS", 5)

    # Two-factor: required for these roles; secrets encrypted with a key derived from SECRET_KEY.
    TOTP_REQUIRED_ROLES = ("admin",)
    TOTP_ISSUER = os.environ.get("TOTP_ISSUER", "Palisade")

    # PDFs
    PDF_PAGE_SIZE = os.environ.get("PDF_PAGE_SIZE", "A4")  # A4 or Letter
    PDF_RENDER_TIMEOUT = _env_int("PDF_RENDER_TIMEOUT", 60)
    PDF_RENDER_MEMORY_MB = _env_int("PDF_RENDER_MEMORY_MB", 1024)
    PDF_RENDER_IN_SUBPROCESS = _env_bool("PDF_RENDER_IN_SUBPROCESS", True)
    PDF_RATE_LIMIT = os.environ.get("PDF_RATE_LIMIT", "30/minute")  # per user, across every PDF route
    # Renders run on the background worker; a download waits this long before showing a progress page.
    PDF_WAIT_SECONDS = float(os.environ.get("PDF_WAIT_SECONDS", "3"))
    PDF_CACHE_ENABLED = _env_bool("PDF_CACHE_ENABLED", True)
    PDF_CACHE_MAX_MB = _env_int("PDF_CACHE_MAX_MB", 200)
    PDF_CACHE_MAX_AGE_HOURS = _env_int("PDF_CACHE_MAX_AGE_HOURS", 24)
    PDF_WARM_AT_START = _env_bool("PDF_WARM_AT_START", True)

    # Platform signing key (PAdES seal of every issued document). Empty path: instance/signing.p12,
    # created by `flask --app wsgi pki init`. Optional RFC 3161 timestamp authority.
    SIGNING_PKCS12_PATH = os.environ.get("SIGNING_PKCS12_PATH", "")
    SIGNING_PKCS12_PASSWORD = os.environ.get("SIGNING_PKCS12_PASSWORD", "dev-only-signing-key")
    SIGNING_TSA_URL = os.environ.get("SIGNING_TSA_URL", "")
    SIGNING_CREATE_TEST_KEY = False
    VERIFY_MAX_MB = _env_int("VERIFY_MAX_MB", 20)
    # /verify's seal check runs in a child process: killed after VERIFY_TIMEOUT seconds, within
    # VERIFY_MEMORY_MB; a signature carrying more than VERIFY_MAX_CERTIFICATES certificates is not checked.
    VERIFY_TIMEOUT = _env_int("VERIFY_TIMEOUT", 10)
    VERIFY_MEMORY_MB = _env_int("VERIFY_MEMORY_MB", 1024)
    VERIFY_MAX_CERTIFICATES = _env_int("VERIFY_MAX_CERTIFICATES", 6)

    # Background jobs (app/jobs.py): Redis when REDIS_URL is set, else a SQLite file in instance/.
    HUEY_IMMEDIATE = _env_bool("HUEY_IMMEDIATE", False)
    HUEY_SQLITE_PATH = os.environ.get("HUEY_SQLITE_PATH", "")
    WORKER_NICENESS = _env_int("WORKER_NICENESS", 10)  # `flask worker` runs this much below the web workers
    # Longest idle poll of a SQLite queue, s: a document starts rendering within it (an idle worker's polls cost
    # about 1 % of a core at 0.025 s; Redis queues are waited on, not polled).
    HUEY_MAX_DELAY = float(os.environ.get("HUEY_MAX_DELAY", "0.025"))
    # The job queue's Redis connection: connect within this many seconds (a blocking read waits 5 s more).
    JOBS_REDIS_TIMEOUT = _env_int("JOBS_REDIS_TIMEOUT", 2)

    # E-mail through the outbox (app/notifications): without MAIL_SERVER mail stays in the outbox.
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = _env_int("MAIL_PORT", 25)
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS", False)  # STARTTLS, the server's certificate verified
    MAIL_USE_SSL = _env_bool("MAIL_USE_SSL", False)  # SMTPS (TLS from the first byte, usually port 465)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "palisade@localhost")
    MAIL_TIMEOUT = _env_int("MAIL_TIMEOUT", 10)
    MAIL_MAX_ATTEMPTS = _env_int("MAIL_MAX_ATTEMPTS", 8)
    # Every link that leaves the app (mail, calendar feeds, sealed documents, List-Unsubscribe) starts
    # with this, never with a request's Host or X-Forwarded-Host. Production refuses to start without it.
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://localhost:5000")

    # Webhooks (app/webhooks): http:// receivers only outside production; internal addresses (loopback, private,
    # link-local…) only where WEBHOOK_ALLOW_PRIVATE says so (tests, a closed network). Seconds per network step
    # and for a whole attempt.
    WEBHOOK_ALLOW_HTTP = _env_bool("WEBHOOK_ALLOW_HTTP", True)
    WEBHOOK_ALLOW_PRIVATE = _env_bool("WEBHOOK_ALLOW_PRIVATE", False)
    WEBHOOK_TIMEOUT = _env_int("WEBHOOK_TIMEOUT", 5)
    WEBHOOK_TOTAL_TIMEOUT = _env_int("WEBHOOK_TOTAL_TIMEOUT", 15)
    # TAXII peers (app/federation): the same address rules as webhooks, with their own switches.
    PEERS_ALLOW_HTTP = _env_bool("PEERS_ALLOW_HTTP", True)
    PEERS_ALLOW_PRIVATE = _env_bool("PEERS_ALLOW_PRIVATE", False)
    # The first retry's delay in seconds; each next one doubles, at most four hours apart, for 24 hours
    # (app/webhooks/delivery.py). Lowered only by the tests that watch a real worker retry.
    WEBHOOK_RETRY_BASE_SECONDS = _env_int("WEBHOOK_RETRY_BASE_SECONDS", 30)

    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
    ORGANIZATION_NAME = os.environ.get("PALISADE_ORGANIZATION_NAME", "CIP Partnership Programme")
    DEBUG = _env_bool("FLASK_DEBUG", False)
    TESTING = False
    ENV_NAME = "development"

    @classmethod
    def validate(cls, app_config: dict) -> None:
        """Refuse start-up on unsafe settings. Only the production config checks anything."""


class ProductionConfig(Config):
    ENV_NAME = "production"
    DEBUG = False
    SESSION_COOKIE_NAME = "__Host-session"
    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_PATH = "/"
    SESSION_COOKIE_DOMAIN = None
    REMEMBER_COOKIE_SECURE = True
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PREFERRED_URL_SCHEME = "https"
    HSTS = True
    PROXY_FIX_HOPS = _env_int("PROXY_FIX_HOPS", 1)
    WEBHOOK_ALLOW_HTTP = False  # webhooks carry signed partnership data: TLS only
    PEERS_ALLOW_HTTP = False  # a peer's token and TLP-marked objects: TLS only

    @classmethod
    def validate(cls, app_config: dict) -> None:
        key = app_config.get("SECRET_KEY") or ""
        if not key:
            raise RuntimeError("SECRET_KEY must be set in production.")
        if len(key.encode()) < 32:
            raise RuntimeError("SECRET_KEY must be at least 32 bytes long.")
        if key.lower() in SAMPLE_SECRET_KEYS or key.startswith("dev-"):
            raise RuntimeError("SECRET_KEY is a sample value; generate a random one.")
        if app_config.get("DEBUG"):
            raise RuntimeError("DEBUG must be off in production.")
        storage = str(app_config.get("RATELIMIT_STORAGE_URI") or "")
        if not storage or storage.startswith("memory://"):  # empty: Flask-Limiter falls back to memory
            raise RuntimeError("Set REDIS_URL in production so rate limits hold across workers.")
        _require_public_host(app_config)
        _require_signing_key(app_config)


def _require_public_host(app_config: dict) -> None:
    """Links leaving the app are built from PUBLIC_BASE_URL only, and the app answers only to TRUSTED_HOSTS:
    a forged Host header can then neither redirect a mailed link nor reach a page."""
    from urllib.parse import urlsplit

    base = (app_config.get("PUBLIC_BASE_URL") or "").strip()
    parts = urlsplit(base)
    if parts.scheme != "https" or not parts.hostname or parts.query or parts.fragment:
        raise RuntimeError("Set PUBLIC_BASE_URL in production to the public https:// address of Palisade "
                           "(every link in mail, calendar feeds and sealed documents starts with it).")
    hosts = [h for h in (app_config.get("TRUSTED_HOSTS") or []) if h]
    if not hosts:
        raise RuntimeError("Set TRUSTED_HOSTS in production (comma-separated host names the app answers to).")
    if parts.hostname not in hosts:
        raise RuntimeError(f"TRUSTED_HOSTS must include the host of PUBLIC_BASE_URL ({parts.hostname}).")


def _require_signing_key(app_config: dict) -> None:
    """Production seals every issued document: no key, no start (never an unsealed "issued" PDF)."""
    from pathlib import Path

    from app.seal import KeyMissing
    from app.seal import load_key_file

    path = app_config.get("SIGNING_PKCS12_PATH") or ""
    password = app_config.get("SIGNING_PKCS12_PASSWORD") or ""
    if not path or not password or password.startswith("dev-"):
        raise RuntimeError("Set SIGNING_PKCS12_PATH and SIGNING_PKCS12_PASSWORD in production: every issued "
                           "document is sealed with the platform key.")
    try:
        load_key_file(Path(path), password)
    except KeyMissing as exc:
        raise RuntimeError(str(exc)) from exc


class TestConfig(Config):
    TESTING = True
    ENV_NAME = "test"
    SECRET_KEY = "test-secret-key-that-is-long-enough-for-tests"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    WTF_CSRF_ENABLED = False
    # Served-app tests point this at an unreachable Redis to test the in-memory fallback.
    RATELIMIT_STORAGE_URI = os.environ.get("TEST_RATELIMIT_STORAGE_URI") or "memory://"
    PDF_RENDER_IN_SUBPROCESS = False
    TOTP_REQUIRED_ROLES: tuple = ()
    # One throwaway key per checkout, created on first use (no network, no fixture needed).
    _CHECKOUT = hashlib.sha256(os.path.dirname(os.path.abspath(__file__)).encode()).hexdigest()[:12]
    SIGNING_PKCS12_PATH = os.path.join(tempfile.gettempdir(), f"palisade-test-signing-{_CHECKOUT}.p12")
    SIGNING_PKCS12_PASSWORD = "test-signing-password"
    SIGNING_TSA_URL = ""
    SIGNING_CREATE_TEST_KEY = True
    HUEY_IMMEDIATE = True
    PUBLIC_BASE_URL = "http://localhost"  # the test client's host, so mailed links can be followed
    WEBHOOK_ALLOW_PRIVATE = True  # receivers in tests listen on 127.0.0.1 (tests/test_webhooks_addresses.py turns it off)
    PEERS_ALLOW_PRIVATE = True  # peers in tests listen on 127.0.0.1 (tests/test_peers_addresses.py turns it off)
    NAVBAR_COUNTS_SECONDS = 0  # counted on every page; tests/test_navbar_counts.py keeps them


class CsrfTestConfig(TestConfig):
    WTF_CSRF_ENABLED = True


def config_from_env() -> type[Config]:
    name = os.environ.get("PALISADE_CONFIG", "development").lower()
    return {"production": ProductionConfig, "test": TestConfig}.get(name, Config)
