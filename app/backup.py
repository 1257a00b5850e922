"""Backup and restore: `flask --app wsgi backup create PATH` and `backup restore PATH`.

* SQLite: `create` copies the live database with SQLite's online backup API (consistent while the
  app writes, WAL included; a plain `cp` of a WAL database can lose recent writes), then checks the
  copy (`PRAGMA integrity_check`, its Alembic revision). `restore` checks the backup the same way,
  refuses a non-empty target without --force, and copies it in with the same API.
* PostgreSQL: `create` runs `pg_dump --format=custom` when it is installed, or prints the exact
  command to run; `restore` runs `pg_restore --clean --if-exists` (or prints the command) after the
  same checks (archive readable, Alembic revision, target empty or --force).
"""
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import click
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask import current_app
from flask.cli import with_appcontext

from app.extensions import db

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


class BackupError(click.ClickException):
    """Nothing was written: the message says why and what to do."""


@dataclass
class Summary:
    path: Path
    tables: dict[str, int]
    revision: str | None

    def line(self) -> str:
        return (f"{self.path}: {len(self.tables)} tables, {sum(self.tables.values())} rows, "
                f"schema revision {self.revision or 'none'}")


# --- What the code expects ----------------------------------------------------------------------


def known_revisions() -> tuple[set[str], set[str]]:
    """(every revision the code knows, the head revisions)."""
    script = ScriptDirectory(str(MIGRATIONS))
    return {rev.revision for rev in script.walk_revisions()}, set(script.get_heads())


def check_revision(revision: str | None) -> str | None:
    """Refuse a backup the code cannot run; a note when it needs `flask db upgrade` after restore."""
    known, heads = known_revisions()
    if revision is None:
        raise BackupError("The backup has no schema revision (no alembic_version row): it is not a backup "
                          "of a Palisade database made by `flask db upgrade`. Nothing was restored.")
    revisions = set(revision.split(","))
    if not revisions <= known:
        raise BackupError(f"The backup is at schema revision {revision}, which this version of Palisade does "
                          "not know (a newer release made it). Restore it with that release. Nothing was restored.")
    if revisions != heads:
        return (f"The backup is at an older schema revision ({revision}): run "
                "`flask --app wsgi db upgrade` after the restore.")
    return None


# --- SQLite ---------------------------------------------------------------------------------------


def sqlite_database_path() -> Path | None:
    url = db.engine.url
    if url.get_backend_name() != "sqlite":
        return None
    if not url.database or url.database == ":memory:":
        raise BackupError("The configured SQLite database is in memory; there is nothing to back up.")
    return Path(url.database).resolve()


def sqlite_summary(path: Path) -> Summary:
    """Integrity-checked table row counts and revision of the SQLite file at `path` (read-only)."""
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise BackupError(f"Cannot open {path} as a SQLite database: {exc}.") from exc
    try:
        result = connection.execute("PRAGMA integrity_check").fetchall()
        if result != [("ok",)]:
            problems = "; ".join(row[0] for row in result[:5])
            raise BackupError(f"{path} fails the SQLite integrity check: {problems}. Nothing was restored.")
        names = [row[0] for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        tables = {name: connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in names}
        revision = None
        if "alembic_version" in tables:
            rows = connection.execute("SELECT version_num FROM alembic_version ORDER BY 1").fetchall()
            revision = ",".join(row[0] for row in rows) or None
        return Summary(path, tables, revision)
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a readable SQLite database ({exc}). Nothing was restored.") from exc
    finally:
        connection.close()


def _sqlite_copy(source: Path, target: Path) -> None:
    """SQLite's online backup API: a consistent snapshot even while other connections write."""
    src = sqlite3.connect(str(source), timeout=current_app.config.get("SQLITE_BUSY_TIMEOUT_MS", 5000) / 1000)
    dst = sqlite3.connect(str(target))
    try:
        src.backup(dst, pages=1024, sleep=0.01)
        dst.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        dst.close()
        src.close()


def create_sqlite(source: Path, target: Path) -> Summary:
    partial = target.with_name(target.name + ".partial")
    try:
        private_file(partial)  # owner-only before the first page is copied (SQLite opens an empty file as new)
        _sqlite_copy(source, partial)
        with sqlite3.connect(str(partial)) as connection:
            connection.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        connection.close()
        summary = sqlite_summary(partial)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    os.chmod(partial, 0o600)
    os.replace(partial, target)
    summary.path = target
    return summary


def restore_sqlite(backup: Path, target: Path, force: bool) -> tuple[Summary, str | None]:
    summary = sqlite_summary(backup)
    note = check_revision(summary.revision)
    if target.exists() and not force:
        rows = sum(count for name, count in sqlite_summary(target).tables.items() if name != "alembic_version")
        if rows:
            raise BackupError(f"The database {target} is not empty ({rows} rows). Restoring replaces all of it: "
                              "stop the app, make a backup of it, and run the restore again with --force.")
    db.engine.dispose()  # no pooled connection of ours keeps the old pages
    target.parent.mkdir(parents=True, exist_ok=True)
    _sqlite_copy(backup, target)
    restored = sqlite_summary(target)
    if restored.tables != summary.tables:
        raise BackupError(f"The restored database does not match the backup ({restored.line()}).")
    return restored, note


# --- PostgreSQL -----------------------------------------------------------------------------------


def libpq_url() -> str:
    """The database URL for pg_dump/pg_restore (no SQLAlchemy driver suffix) without its password: a command
    line is readable by every user of the host (/proc/<pid>/cmdline). The password goes in a pgpass file."""
    url = db.engine.url
    return sa.engine.URL.create("postgresql", username=url.username, host=url.host, port=url.port,
                                database=url.database, query=url.query).render_as_string(hide_password=False)


def _password() -> str:
    return str(db.engine.url.password or "")


def _pgpass_line(password: str) -> str:
    escaped = password.replace("\\", "\\\\").replace(":", "\\:")
    return f"*:*:*:*:{escaped}\n"


def redact_password(text: str) -> str:
    """An error message with the database password (and any URL's userinfo password) taken out."""
    password = _password()
    if password:
        text = text.replace(password, "***")
    return re.sub(r"(://[^:/@\s]+:)[^@\s]+@", r"\1***@", text)


def private_file(path: Path) -> None:
    """Create `path` empty and readable by its owner only (0600), before anything is written into it."""
    path.unlink(missing_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _printable(command: list[str]) -> str:
    return " ".join(_quote(part) for part in command)


def _quote(part: str) -> str:
    return part if re.fullmatch(r"[\w@%+=:,./-]+", part) else "'" + part.replace("'", "'\"'\"'") + "'"


def _run(command: list[str], what: str) -> subprocess.CompletedProcess:
    """Run a PostgreSQL client: the password reaches it through a pgpass file of ours (0600, removed after),
    never its arguments; what it prints on failure is shown without the password."""
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed here. Run this where it is (the password from "
                          f"PGPASSWORD or ~/.pgpass):\n  {_printable(command)}")
    env = dict(os.environ)
    with tempfile.TemporaryDirectory(prefix="palisade-pg-") as folder:
        password = _password()
        if password:
            pgpass = Path(folder) / "pgpass"
            private_file(pgpass)
            pgpass.write_text(_pgpass_line(password))
            env["PGPASSFILE"] = str(pgpass)
            env.pop("PGPASSWORD", None)
        result = subprocess.run(command, capture_output=True, text=True, env=env)
    if result.returncode != 0:
        raise BackupError(redact_password(f"{what} failed ({command[0]} exit {result.returncode}): "
                                          f"{result.stderr.strip()[:500]}"))
    return result


def postgres_backup_revision(path: Path) -> str | None:
    """The alembic_version row inside a pg_dump custom archive (pg_restore reads it; no database)."""
    _run(["pg_restore", "--list", str(path)], f"Reading {path}")
    result = _run(["pg_restore", "--data-only", "--table=alembic_version", "--file=-", str(path)], f"Reading {path}")
    lines = result.stdout.splitlines()
    for index, line in enumerate(lines):
        if line.startswith("COPY ") and "alembic_version" in line:
            values = []
            for row in lines[index + 1:]:
                if row.strip() == "\\.":
                    break
                values.append(row.strip())
            return ",".join(sorted(values)) or None
    return None


def postgres_row_count() -> int:
    tables = [t.name for t in db.metadata.sorted_tables]
    existing = set(sa.inspect(db.engine).get_table_names())
    with db.engine.connect() as connection:
        return sum(connection.execute(sa.text(f'SELECT count(*) FROM "{name}"')).scalar()
                   for name in tables if name in existing)


def create_postgres(target: Path) -> str:
    partial = target.with_name(target.name + ".partial")
    command = ["pg_dump", "--format=custom", "--no-owner", f"--file={partial}", libpq_url()]
    try:
        private_file(partial)  # pg_dump writes into it and keeps its mode: the backup is never world-readable
        _run(command, "pg_dump")
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    os.chmod(partial, 0o600)
    os.replace(partial, target)
    return postgres_backup_revision(target) or "none"


def restore_postgres(backup: Path, force: bool) -> str | None:
    note = check_revision(postgres_backup_revision(backup))
    rows = postgres_row_count()
    if rows and not force:
        raise BackupError(f"The database is not empty ({rows} rows). Restoring replaces all of it: stop the app, "
                          "back it up, and run the restore again with --force.")
    db.engine.dispose()
    _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
          f"--dbname={libpq_url()}", str(backup)], "pg_restore")
    return note


# --- Commands -------------------------------------------------------------------------------------


@click.group("backup")
def backup_cli() -> None:
    """Back up the database to a file, or restore it from one."""


@backup_cli.command("create")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite PATH if it exists.")
@with_appcontext
def create_command(path: Path, force: bool) -> None:
    """Write a consistent backup of the running database to PATH."""
    path = path.resolve()
    if path.exists() and not force:
        raise BackupError(f"{path} exists; choose a new file name (or --force to overwrite it).")
    path.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite_database_path()
    if source is None:
        revision = create_postgres(path)
        click.echo(f"Backed up PostgreSQL to {path} (pg_dump custom format), schema revision {revision}.")
        return
    if source == path:
        raise BackupError("The backup file cannot be the database itself.")
    summary = create_sqlite(source, path)
    click.echo(f"Backed up {source} to {summary.line()}; integrity ok.")


@backup_cli.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that already holds data.")
@with_appcontext
def restore_command(path: Path, force: bool) -> None:
    """Replace the configured database with the backup at PATH (stop the app first)."""
    path = path.resolve()
    target = sqlite_database_path()
    if target is None:
        note = restore_postgres(path, force)
        click.echo(f"Restored {path} into PostgreSQL ({postgres_row_count()} rows).")
    else:
        if target == path:
            raise BackupError("The backup file is the configured database itself.")
        summary, note = restore_sqlite(path, target, force)
        click.echo(f"Restored {summary.line()}; integrity ok.")
    if note:
        click.echo(note)
