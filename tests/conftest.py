"""Shared fixtures. Rule: no app context stays open while the test client makes requests.

Each request then gets its own app context, so `g` (Flask-Login caches current_user there) and
the SQLAlchemy session are fresh per request, as in production; a view that forgets to commit
fails its test instead of passing on a shared session.

SQLite (default): a new in-memory database per test. PostgreSQL (TEST_DATABASE_URL set): the
schema is built once per run and every table is emptied after each test.

Keeping CI inside its budget (two passes, SQLite then PostgreSQL, on 2 cores) -- reuse these:
- The demo partnership: never call seed_demo() or `seed-demo` in a test (half a minute each). Take
  `demo_world` (a private, writable copy of the demo seeded once per run by `seed-demo --password …`;
  `.app`, `.password`, `.seeded`) or, for a module, `demo_template.new_app()` / `.drop(app)`
  (tests/demo_world.py).
- A large seeded world that tests only read: build it once per module on `shared_app()` (a database of
  its own, on PostgreSQL too) in a `scope="module"` fixture that ends with `drop_shared_app(app)`
  (tests/test_permissions.py). Older worlds use `scope=WORLD_SCOPE` (per test on PostgreSQL).
- Browser tests: `live_app` (tests/served.py: the app served in-process by werkzeug, ready in
  milliseconds) rather than `served` (gunicorn: keep it for processes, workers and concurrency), and
  the module-scoped `browser` (one Chromium per module; open a context per test).
- SQLite pass only: what does not depend on the database (browser layout and form sweeps, PDF layout,
  fuzzing). A whole module: add its name to DATABASE_AGNOSTIC below. One test:
  `@pytest.mark.skipif(USING_POSTGRES, reason="… the SQLite pass covers it")`. Keep a test on both when
  its point is the database (queries, types, locking, transactions).
- Hypothesis: settings(max_examples=…, deadline=None, derandomize=True); tens of examples, not hundreds,
  for a test that makes requests.
"""
import itertools
import os
import sqlite3

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient


def _database_per_worker() -> None:
    """pytest-xdist on PostgreSQL: each worker gets a database of its own (test_gw0, test_gw1, …),
    chosen before the app and config modules read TEST_DATABASE_URL."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not worker or not url.startswith("postgresql") or url.endswith(f"_{worker}"):
        return
    base, name = url.rsplit("/", 1)
    own = f"{name}_{worker}"
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with engine.connect() as connection:
        if not connection.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": own}):
            connection.execute(sa.text(f'CREATE DATABASE "{own}"'))
    engine.dispose()
    os.environ["TEST_DATABASE_URL"] = f"{base}/{own}"


_database_per_worker()

from app import create_app
from app.extensions import db
from app.extensions import limiter
from app.models import utcnow
from config import ProductionConfig
from config import TestConfig

USING_POSTGRES = os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql")
# Large seeded worlds are shared by a module on SQLite (each has its own in-memory database); on the
# one PostgreSQL database they are rebuilt per test, since every test ends by emptying the tables.
# A world built on shared_app() (a database of its own on PostgreSQL too) is shared by its module on both.
WORLD_SCOPE = "function" if USING_POSTGRES else "module"


class PalisadeClient(FlaskClient):
    """A test client; `user=` signs it in as that user (a fresh, unexpired session)."""

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:
            now = utcnow().timestamp()
            with self.session_transaction() as session:
                session["_user_id"] = user.get_id()
                session["_fresh"] = True
                session["started_at"] = now
                session["seen_at"] = now
                session["fresh_at"] = now
                session.permanent = True


def _remember_url_builders() -> None:
    """Building the app compiles a URL builder for each of its ~900 routes (werkzeug generates and compiles
    Python code per rule): two thirds of the cost of an app, and a test suite builds thousands of apps. The
    generated builder depends only on the rule's parsed form, its defaults and the flag, and takes the rule
    as an argument, so the tests compile each one once and every app binds the same code to its own rule."""
    from werkzeug.routing.rules import Rule

    compile_builder = Rule._compile_builder
    builders: dict = {}

    def remembered(self, append_unknown: bool = True):
        defaults = self.defaults or {}
        key = (self.rule, tuple(self._trace), append_unknown,
               tuple(sorted((name, type(value), repr(value)) for name, value in defaults.items())),
               tuple((name, type(converter), repr({k: v for k, v in vars(converter).items() if k != "map"}))
                     for name, converter in self._converters.items()
                     if name in defaults))
        builder = builders.get(key)
        if builder is None:
            builder = builders[key] = compile_builder(self, append_unknown)
        return builder

    Rule._compile_builder = remembered


_remember_url_builders()
_sqlite_schemas: dict = {}  # the tables' names -> an in-memory SQLite database holding that schema


def _create_sqlite_schema() -> None:
    """A new in-memory SQLite database gets the schema copied from one built by create_all() (the SQLite
    backup API copies tables, indexes and triggers in a millisecond; create_all() takes fifty). A file
    database (a test's own configuration) gets create_all() itself."""
    if db.engine.url.database not in (None, "", ":memory:"):
        db.create_all()
        return
    key = tuple(db.metadata.tables)
    raw = db.engine.raw_connection()
    try:
        template = _sqlite_schemas.get(key)
        if template is None:
            db.create_all()
            template = _sqlite_schemas[key] = sqlite3.connect(":memory:", check_same_thread=False)
            raw.driver_connection.backup(template)
        else:
            template.backup(raw.driver_connection)
    finally:
        raw.close()


def make_app(config_class=TestConfig):
    app = create_app(config_class)
    app.test_client_class = PalisadeClient
    with app.app_context():
        # The PostgreSQL schema is built once per run; any SQLite database (the default, or one a
        # test's own configuration names) is new and gets its schema here.
        if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
            _create_sqlite_schema()
        limiter.reset()
    return app


def postgres_admin(*statements: str) -> None:
    """Run statements (CREATE/DROP DATABASE …) on the PostgreSQL server of TEST_DATABASE_URL."""
    url = sa.engine.make_url(os.environ["TEST_DATABASE_URL"]).set(database="postgres")
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            for statement in statements:
                connection.execute(sa.text(statement))
    finally:
        engine.dispose()


_world_numbers = itertools.count()


def shared_app(config_class=TestConfig):
    """An app on a database of its own, for a world a module shares (`@pytest.fixture(scope="module")`): a new
    in-memory database on SQLite; on PostgreSQL a new database `<worker's database>_world<n>` with the schema,
    which the per-test emptying of the main database leaves alone. End with drop_shared_app(app)."""
    if not USING_POSTGRES:
        return make_app(config_class)
    url = sa.engine.make_url(os.environ["TEST_DATABASE_URL"])
    name = f"{url.database}_world{next(_world_numbers)}"
    postgres_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
    own = url.set(database=name).render_as_string(hide_password=False)
    app = make_app(type("WorldConfig", (config_class,), {"SQLALCHEMY_DATABASE_URI": own}))
    with app.app_context():
        db.create_all()
    return app


def drop_shared_app(app) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
        name = db.engine.url.database
    if USING_POSTGRES:
        postgres_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def _postgres_schema():
    if USING_POSTGRES:
        app = create_app(TestConfig)
        with app.app_context():
            with db.engine.begin() as connection:
                connection.execute(sa.text("DROP SCHEMA public CASCADE"))
                connection.execute(sa.text("CREATE SCHEMA public"))
            db.create_all()
            db.engine.dispose()
    yield


def _emptying_sql() -> str:
    """DELETE from every table and restart every sequence: on tables that hold a few rows this costs a tenth
    of a TRUNCATE (which replaces each table's files). Triggers (foreign keys, the audit log's append-only
    guard) are off for this transaction only: `session_replication_role` (the test role is a superuser)."""
    deletes = ["SET LOCAL session_replication_role = replica"] + [f'DELETE FROM "{table.name}"' for table in reversed(db.metadata.sorted_tables)]
    restarts = [f"SELECT setval('\"{table.name}_{column.name}_seq\"', 1, false)"
                for table in db.metadata.sorted_tables for column in table.primary_key.columns
                if column.autoincrement is True or (column.autoincrement == "auto" and isinstance(column.type, sa.Integer)
                                                    and len(table.primary_key.columns) == 1 and not column.foreign_keys)]
    return "; ".join(deletes + restarts)


def empty_all_tables(app=None) -> None:
    """PostgreSQL: remove every row (the schema stays) and restart the identities."""
    if app is not None:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    engine = sa.create_engine(os.environ["TEST_DATABASE_URL"], poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql(_emptying_sql())
    except sa.exc.DBAPIError:  # a table the DELETE order cannot satisfy, or a sequence named otherwise
        names = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
        with engine.begin() as connection:
            connection.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(autouse=True, scope="session")
def _production_signing_key():
    """The production config refuses to start without a signing key, a public address and trusted hosts
    (tests/test_config.py checks it); the tests that start one for other reasons get test values, as a
    deployment gets its own."""
    from pathlib import Path

    from app import pki

    path = Path(TestConfig.SIGNING_PKCS12_PATH)
    if not path.exists():
        pki.create_development_key(path, TestConfig.SIGNING_PKCS12_PASSWORD, "Palisade test")
    names = ("SIGNING_PKCS12_PATH", "SIGNING_PKCS12_PASSWORD", "PUBLIC_BASE_URL", "TRUSTED_HOSTS")
    saved = {name: getattr(ProductionConfig, name) for name in names}
    ProductionConfig.SIGNING_PKCS12_PATH = str(path)
    ProductionConfig.SIGNING_PKCS12_PASSWORD = TestConfig.SIGNING_PKCS12_PASSWORD
    # Production also refuses to start without its public address and trusted hosts: the test client's host.
    ProductionConfig.PUBLIC_BASE_URL = "https://localhost"
    ProductionConfig.TRUSTED_HOSTS = ["localhost"]
    yield
    for name, value in saved.items():
        setattr(ProductionConfig, name, value)


@pytest.fixture(autouse=True)
def _empty_postgres_tables(_postgres_schema):
    """PostgreSQL: every test starts from empty tables, whichever apps (configs) it built."""
    yield
    if USING_POSTGRES:
        empty_all_tables()


@pytest.fixture
def app(_postgres_schema):
    app = make_app()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    """An anonymous client."""
    return app.test_client()


@pytest.fixture
def client_as(app):
    """client_as(user) -> a client already signed in as `user` (no login form round-trip)."""
    return lambda user: app.test_client(user=user)


@pytest.fixture
def runner(app):
    return app.test_cli_runner()




# Modules whose behaviour does not depend on the database (input fuzzing, PDF layout and tagging, the
# sanitiser, the renderer's warm start, what Chromium does with the pages): the SQLite pass runs them; the
# PostgreSQL pass skips them to keep CI short. Everything whose point is reading or writing records runs on
# both (the browser form sweep's database side is tests/test_forms_unchanged.py, on both).
DATABASE_AGNOSTIC = {"test_fuzz_forms", "test_a11y_documents", "test_pdf", "test_sanitize", "test_warm_start",
                     # browsers: layout, scripts, forms as Chromium sends them
                     "test_a11y_pages", "test_forms_browser", "test_everyday_browser", "test_everyday_phone",
                     "test_uploads_browser", "test_tryout_phone_bell", "test_tryout_phone_tables", "test_incidents_browser",
                     "test_webhooks_browser", "test_api_tokens_browser", "test_peers_browser",
                     # the source and the app's shape: imports, ruff, form declarations, the route guard as anonymous
                     "test_architecture", "test_lint", "test_conflict_fields", "test_recipients_rule", "test_guard",
                     # the sign-in throttle's counts live in the limiter's storage (Redis), not in the database
                     "test_auth_throttle"}


def pytest_collection_modifyitems(config, items):
    if not USING_POSTGRES:
        return
    skip = pytest.mark.skip(reason="database-agnostic: covered by the SQLite pass")
    for item in items:
        if item.module.__name__.rsplit(".", 1)[-1] in DATABASE_AGNOSTIC:
            item.add_marker(skip)


from tests.browser import browser  # noqa: E402,F401  -- Debian's Chromium through Playwright
from tests.demo_world import demo_template  # noqa: E402,F401  -- the demo, seeded once per run
from tests.demo_world import demo_world  # noqa: E402,F401  -- the demo, seeded once per run
from tests.served import live_app  # noqa: E402,F401  -- the app served by gunicorn, or in-process
from tests.served import served  # noqa: E402,F401  -- the app served by gunicorn, or in-process


@pytest.fixture
def kept_app(_postgres_schema):
    """An app that keeps the navigation bar's counts a few seconds, as served (TestConfig counts on every page)."""
    app = make_app(type("KeptCountsConfig", (TestConfig,), {"NAVBAR_COUNTS_SECONDS": 5}))
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
