"""Backups (issue 22): the database password never reaches a command line or an error message, backup files
are owner-only, and the restore's two judgements the drill does not reach (alembic_version is not data; an older
backup says to run `db upgrade`)."""
import os
import stat
import subprocess

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory

from app import backup
from app.extensions import db
from config import TestConfig
from tests import factories
from tests.conftest import make_app
from tests.test_backup import ROOT
from tests.test_backup import stamp_heads

HEADS = sorted(ScriptDirectory(str(ROOT / "migrations")).get_heads())
PASSWORD = "s3cret-Pw:with@odd/chars"


def _sqlite_app(path):
    return make_app(type("FileDb", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"}))


def test_a_sqlite_backup_file_is_owner_only(tmp_path):
    app = _sqlite_app(tmp_path / "live.sqlite")
    with app.app_context():
        factories.user()
        stamp_heads(db.engine)
        old = os.umask(0o022)
        try:
            backup.create_sqlite(tmp_path / "live.sqlite", tmp_path / "backup.sqlite")
        finally:
            os.umask(old)
    assert stat.S_IMODE((tmp_path / "backup.sqlite").stat().st_mode) == 0o600


def test_a_restore_into_a_database_holding_only_its_schema_revision_needs_no_force(tmp_path):
    """A new database after `flask db upgrade` holds one row, in alembic_version: that is not data."""
    app = _sqlite_app(tmp_path / "live.sqlite")
    with app.app_context():
        factories.user()
        stamp_heads(db.engine)
        backup.create_sqlite(tmp_path / "live.sqlite", tmp_path / "backup.sqlite")
    fresh = _sqlite_app(tmp_path / "fresh.sqlite")
    with fresh.app_context():
        stamp_heads(db.engine)
        restored, note = backup.restore_sqlite(tmp_path / "backup.sqlite", tmp_path / "fresh.sqlite", force=False)
        assert note is None and restored.tables["users"] == 1


def test_a_backup_at_an_older_revision_says_to_run_db_upgrade(tmp_path):
    app = _sqlite_app(tmp_path / "live.sqlite")
    script = ScriptDirectory(str(ROOT / "migrations"))
    older = script.get_revision(HEADS[0]).down_revision
    with app.app_context():
        factories.user()
        with db.engine.begin() as connection:
            connection.execute(sa.text("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)"))
            connection.execute(sa.text("INSERT INTO alembic_version VALUES (:v)"), {"v": older})
        backup.create_sqlite(tmp_path / "live.sqlite", tmp_path / "backup.sqlite")
    fresh = _sqlite_app(tmp_path / "fresh.sqlite")
    with fresh.app_context():
        result = fresh.test_cli_runner().invoke(args=["backup", "restore", str(tmp_path / "backup.sqlite")])
    assert result.exit_code == 0, result.output
    assert "run `flask --app wsgi db upgrade` after the restore" in result.output


def _postgres_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        pytest.skip("PostgreSQL backups: set TEST_DATABASE_URL")
    return url


def test_pg_dump_gets_the_password_from_a_private_pgpass_file_never_its_arguments(tmp_path, monkeypatch):
    url = sa.engine.make_url(_postgres_url()).set(password=PASSWORD)  # trust auth: any password connects
    app = make_app(type("WithPassword", (TestConfig,), {
        "SQLALCHEMY_DATABASE_URI": url.render_as_string(hide_password=False)}))
    seen = []
    real_run = subprocess.run

    def spy(command, **kwargs):
        pgpass = (kwargs.get("env") or {}).get("PGPASSFILE")
        seen.append((command, pgpass and open(pgpass).read(), pgpass and stat.S_IMODE(os.stat(pgpass).st_mode)))
        return real_run(command, **kwargs)

    monkeypatch.setattr(backup.subprocess, "run", spy)
    with app.app_context():
        stamp_heads(db.engine)
        backup.create_postgres(tmp_path / "backup.dump")
    assert seen and all(PASSWORD not in " ".join(command) for command, _, _ in seen)
    assert all(secret == "*:*:*:*:s3cret-Pw\\:with@odd/chars\n" and mode == 0o600 for _, secret, mode in seen)
    assert stat.S_IMODE((tmp_path / "backup.dump").stat().st_mode) == 0o600


def test_a_failed_pg_dump_shows_no_password(tmp_path):
    url = sa.engine.make_url(_postgres_url()).set(password=PASSWORD, database="no_such_database_here")
    app = make_app(type("Missing", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url.render_as_string(
        hide_password=False)}))
    with app.app_context(), pytest.raises(backup.BackupError) as failure:
        backup.create_postgres(tmp_path / "backup.dump")
    assert "pg_dump failed" in str(failure.value.message) and PASSWORD not in failure.value.message
    assert not (tmp_path / "backup.dump").exists()


def test_the_command_printed_when_pg_dump_is_missing_holds_no_password(monkeypatch, tmp_path):
    url = "postgresql+psycopg://palisade:hunter2-secret@db.example/palisade"
    monkeypatch.setattr(backup.shutil, "which", lambda _name: None)
    app = make_app(type("Elsewhere", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url}))
    with app.app_context(), pytest.raises(backup.BackupError) as failure:
        backup.create_postgres(tmp_path / "never-written.dump")
    assert "hunter2-secret" not in failure.value.message and "PGPASSWORD" in failure.value.message
    assert "postgresql://palisade@db.example/palisade" in failure.value.message
