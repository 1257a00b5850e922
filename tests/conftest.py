"""Shared fixtures. Rule: no app context stays open while the test client makes requests.

Each request then gets its own app context, so `g` (Flask-Login caches current_user there) and
the SQLAlchemy session are fresh per request, as in production; a view that forgets to commit
fails its test instead of passing on a shared session.

SQLite (default): a new in-memory database per test. PostgreSQL (TEST_DATABASE_URL set): the
schema is built once per run and every table is emptied after each test.
"""
import os

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from app import create_app
from app.extensions import db, limiter
from app.models import utcnow
from config import TestConfig

USING_POSTGRES = os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql")


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


def make_app(config_class=TestConfig):
    app = create_app(config_class)
    app.test_client_class = PalisadeClient
    with app.app_context():
        if not USING_POSTGRES:
            db.create_all()
        limiter.reset()
    return app


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


def empty_all_tables(app) -> None:
    with app.app_context():
        db.session.remove()
        names = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
        with db.engine.begin() as connection:
            connection.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        db.engine.dispose()


@pytest.fixture
def app(_postgres_schema):
    app = make_app()
    yield app
    if USING_POSTGRES:
        empty_all_tables(app)
    else:
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
