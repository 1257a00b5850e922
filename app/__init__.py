"""Application factory: the only place where extensions, blueprints and hooks are wired."""
from pathlib import Path

import sqlalchemy as sa
from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from app.extensions import csrf
from app.extensions import db
from app.extensions import limiter
from app.extensions import login_manager
from app.extensions import migrate
from app.jobs import init_jobs
from config import Config
from config import config_from_env

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# The features that are not a record kind, in the order their blueprints are registered. Each record kind's own
# package (app/kinds.py: the blueprint of its page) is registered after them, from the registry: a new kind is
# not named here.
SHARED_FEATURES = (
    "auth", "main", "organizations", "users", "sharing", "documents", "notifications", "comments", "reviews",
    "inbox", "attachments", "calendar", "signing", "api", "api_tokens", "webhooks", "peers", "taxii",
)


def features() -> tuple[str, ...]:
    """Every feature package (app/<name>/ with its blueprint `bp`): the shared ones, then the kinds' own."""
    from app import kinds

    own = (kind.blueprint for kind in kinds.KINDS)
    return SHARED_FEATURES + tuple(dict.fromkeys(name for name in own if name not in SHARED_FEATURES))


def create_app(config_class: type[Config] | None = None) -> Flask:
    from app.transactions import Palisade

    config_class = config_class or config_from_env()
    app = Palisade(__name__, template_folder=str(PROJECT_ROOT / "templates"),
                instance_path=str(PROJECT_ROOT / "instance"))
    app.config.from_object(config_class)
    config_class.validate(app.config)
    from app.errors import install_converters

    install_converters(app)
    from app.bearer import CookielessBearerSessions

    app.session_interface = CookielessBearerSessions()

    register_logging(app)
    register_extensions(app)
    register_blueprints(app)
    register_request_hooks(app)
    register_error_handlers(app)
    register_template_helpers(app)
    register_cli(app)
    return app


def register_logging(app: Flask) -> None:
    from app.logs import configure_logging

    configure_logging(app)


def register_extensions(app: Flask) -> None:
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    from app.resilience import engine_options

    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app.config)
    db.init_app(app)
    with app.app_context():
        _configure_engine(db.engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    init_jobs(app)
    if app.config.get("PROXY_FIX_HOPS"):
        hops = app.config["PROXY_FIX_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    from app import models  # noqa: F401  -- registers every table on db.metadata for Alembic
    from app.auth.sessions import load_user

    login_manager.user_loader(load_user)


def _configure_engine(engine: sa.Engine, busy_ms: int) -> None:
    """SQLite: WAL, a busy timeout and foreign keys on every connection."""
    if engine.dialect.name != "sqlite":
        return

    @sa.event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_ms)}")
        if engine.url.database and engine.url.database != ":memory:":
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def register_blueprints(app: Flask) -> None:
    import importlib

    for name in features():
        module = importlib.import_module(f"app.{name}")
        app.register_blueprint(module.bp)


def register_request_hooks(app: Flask) -> None:
    from app import transactions
    from app.auth.sessions import register_session_guard
    from app.security_headers import register_security_headers

    register_session_guard(app)
    register_security_headers(app)
    transactions.register(app)


def register_error_handlers(app: Flask) -> None:
    from app.errors import register

    register(app)


def register_template_helpers(app: Flask) -> None:
    from app.template_helpers import register

    register(app)


def register_cli(app: Flask) -> None:
    from app.cli import commands

    for command in commands:
        app.cli.add_command(command)
