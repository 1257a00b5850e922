"""`flask backup create` / `backup restore`: the restore drill (back up while the served app writes,
restore into a new database, compare every table's row count and integrity) and the refusals
(existing file, non-empty target, unreadable file, unknown schema revision)."""
import os
import re
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory

from app import create_app
from app.extensions import db
from app.models import AuditEvent
from app.models import Risk
from app.models import Role
from config import TestConfig
from tests import factories as f
from tests.conftest import USING_POSTGRES
from tests.served import ServedApp
from tests.served import database_url
from tests.test_risks import risk_form

ROOT = Path(__file__).resolve().parent.parent
HEADS = sorted(ScriptDirectory(str(ROOT / "migrations")).get_heads())


def flask(database_url: str, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "TEST_DATABASE_URL"))}
    env.update(DATABASE_URL=database_url, PALISADE_CONFIG="development", PYTHONPATH=str(ROOT), HUEY_IMMEDIATE="1")
    return subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def flask_here(database_url: str, *args: str) -> SimpleNamespace:
    """The same command run in this process (an app on `database_url`, the test configuration): the refusals
    check the command's decisions, and each `flask` process costs seconds of start-up. The restore drill runs
    the real processes an operator runs."""
    app = create_app(type("BackupTestConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": database_url}))
    try:
        result = app.test_cli_runner().invoke(args=list(args))
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    return SimpleNamespace(returncode=result.exit_code, stdout=result.stdout, stderr=result.stderr)


def stamp_heads(engine: sa.Engine) -> None:
    """What `flask db upgrade` leaves behind: the test schema comes from create_all()."""
    with engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE IF NOT EXISTS alembic_version "
                                   "(version_num VARCHAR(32) NOT NULL PRIMARY KEY)"))
        connection.execute(sa.text("DELETE FROM alembic_version"))
        for head in HEADS:
            connection.execute(sa.text("INSERT INTO alembic_version VALUES (:v)"), {"v": head})


def row_counts(engine: sa.Engine) -> dict[str, int]:
    names = sa.inspect(engine).get_table_names()
    with engine.connect() as connection:
        return {name: connection.execute(sa.text(f'SELECT count(*) FROM "{name}"')).scalar() for name in names}


def dump_row_counts(path: Path) -> dict[str, int]:
    """Rows per table inside a pg_dump archive, read by pg_restore (no database involved)."""
    script = subprocess.run(["pg_restore", "--data-only", "--file=-", str(path)], capture_output=True,
                            text=True, check=True).stdout
    counts, table = {}, None
    for line in script.splitlines():
        if table is None:
            match = re.match(r'COPY (?:public\.)?"?(\w+)"? ', line)
            if match:
                table, counts[match.group(1)] = match.group(1), 0
        elif line == "\\.":
            table = None
        else:
            counts[table] += 1
    return counts


@pytest.fixture
def new_database(tmp_path):
    """An empty database to restore into: a new SQLite file, or a new PostgreSQL database."""
    if not USING_POSTGRES:
        yield f"sqlite:///{tmp_path / 'restored.sqlite'}"
        return
    base = sa.engine.make_url(os.environ["TEST_DATABASE_URL"])
    name = f"{base.database}_restore"
    admin = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield base.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_restore_drill_backup_while_the_served_app_writes(served, tmp_path, new_database):
    with served.app.app_context():
        coordinator = f.user(role=Role.COORDINATOR)
        email = coordinator.email
        stamp_heads(db.engine)
    # Two writers: one creating risks (one at a time: concurrent numbering is the shape issue's),
    # one signing in again and again (sessions, audit events, users).
    sessions = [served.login(email, f.PASSWORD) for _ in range(2)]
    stop, created, failures = threading.Event(), [0, 0], []

    def write(i):
        while not stop.is_set():
            if i == 0:
                answer = sessions[i].post(served.url + "/risks/new", data=risk_form(title="Drill risk"),
                                          timeout=60, allow_redirects=False)
            else:
                time.sleep(1.1)  # within the sign-in rate limit (60 a minute per address)
                answer = served.session().post(served.url + "/auth/login", timeout=60, allow_redirects=False,
                                               data={"email": email, "password": f.PASSWORD})
            if answer.status_code != 302:
                failures.append((i, answer.status_code))
            created[i] += 1

    writers = [threading.Thread(target=write, args=(i,)) for i in range(2)]
    for writer in writers:
        writer.start()
    try:
        while created[0] < 3:
            time.sleep(0.2)
        with served.app.app_context():
            before = db.session.scalar(sa.select(sa.func.count()).select_from(Risk))
        backup = tmp_path / ("palisade.dump" if USING_POSTGRES else "palisade-backup.sqlite")
        made = flask(served.database_url, "backup", "create", str(backup))
        assert made.returncode == 0, made.stderr
        written_during = sum(created)
        time.sleep(1)  # and the app goes on writing after the backup
    finally:
        stop.set()
        for writer in writers:
            writer.join(60)
    assert sum(created) > written_during  # writes really ran while the backup was made
    assert failures == []

    restored = flask(new_database, "backup", "restore", str(backup))
    assert restored.returncode == 0, restored.stderr
    assert "Restored" in restored.stdout

    engine = sa.create_engine(new_database, poolclass=sa.pool.NullPool)
    counts = row_counts(engine)
    if USING_POSTGRES:
        expected = dump_row_counts(backup)
        assert {name: counts[name] for name in expected} == expected
    else:
        with sqlite3.connect(backup) as copy:
            assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            names = [r[0] for r in copy.execute("SELECT name FROM sqlite_master WHERE type='table'")]
            expected = {n: copy.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}
        copy.close()
        assert counts == expected
        with engine.connect() as connection:
            assert connection.execute(sa.text("PRAGMA integrity_check")).scalar() == "ok"
    assert set(counts) >= {t.name for t in db.metadata.sorted_tables}
    # A consistent snapshot: every risk committed before the backup began, and each with its audit event.
    with served.app.app_context():
        after = db.session.scalar(sa.select(sa.func.count()).select_from(Risk))
    assert before <= counts["risks"] <= after
    with engine.connect() as connection:
        audited = connection.execute(sa.select(sa.func.count()).select_from(AuditEvent)
                                     .where(AuditEvent.action == "risk.created")).scalar()
        revisions = sorted(connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalars())
    assert audited == counts["risks"] and revisions == HEADS
    engine.dispose()
    print(f"restore drill: {counts['risks']} risks in the backup ({before} before it began, {after} at the end), "
          f"{len(counts)} tables, {sum(counts.values())} rows restored")
    if USING_POSTGRES:
        with served.app.app_context():
            db.session.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
            db.session.commit()


@pytest.fixture
def unserved(tmp_path, _postgres_schema):
    """The database a served app would use (a file on SQLite), and its app, with no server started: the
    refusals below only run `flask backup` processes against it."""
    database = ServedApp(database_url(tmp_path), tmp_path)
    yield database
    with database.app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_backup_refusals_and_integrity_checks(unserved, tmp_path, new_database):
    served = unserved
    with served.app.app_context():
        f.user(role=Role.COORDINATOR)
        stamp_heads(db.engine)
    backup = tmp_path / "backup.file"
    assert flask_here(served.database_url, "backup", "create", str(backup)).returncode == 0
    again = flask_here(served.database_url, "backup", "create", str(backup))
    assert again.returncode != 0 and "exists" in again.stderr

    # Restoring over the database that holds data: refused without --force, nothing changed.
    over = flask_here(served.database_url, "backup", "restore", str(backup))
    assert over.returncode != 0 and "not empty" in over.stderr and "--force" in over.stderr

    garbage = tmp_path / "garbage.file"
    garbage.write_bytes(b"not a backup" * 100)
    bad = flask_here(new_database, "backup", "restore", str(garbage))
    assert bad.returncode != 0 and ("Nothing was restored" in bad.stderr or "failed" in bad.stderr)

    if not USING_POSTGRES:
        future = tmp_path / "future.sqlite"
        future.write_bytes(backup.read_bytes())
        with sqlite3.connect(future) as connection:
            connection.execute("DELETE FROM alembic_version")
            connection.execute("INSERT INTO alembic_version VALUES ('ffffffffffff')")
        connection.close()
        refused = flask_here(new_database, "backup", "restore", str(future))
        assert refused.returncode != 0 and "ffffffffffff" in refused.stderr
        assert not Path(new_database.removeprefix("sqlite:///")).exists()

    assert flask_here(new_database, "backup", "restore", str(backup)).returncode == 0
    forced = flask_here(new_database, "backup", "restore", "--force", str(backup))
    assert forced.returncode == 0, forced.stderr
    if USING_POSTGRES:
        with served.app.app_context():
            db.session.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
            db.session.commit()
