"""How a request's transaction ends: committed once at the edge, or thrown away.

A state-changing request (POST, PUT, PATCH, DELETE) is committed once, here, when its view returns an
answer below 400 (a redirect, a page): services only flush and views never commit (indico's
`RH.process`). A view that raises, or answers 400 and above, is rolled back: nothing half-written is kept.
A commit that fails because someone else changed the record meanwhile (a stale version, a duplicate)
answers the 409 page, without the flash messages the view had queued for its success. CLI commands and
jobs commit themselves.

A safe request (GET, HEAD) never commits what it wrote: whatever it leaves uncommitted is thrown away when
the session is removed, with ROLLBACK. For a transaction that only read, COMMIT does exactly the same, and it is cheaper
on PostgreSQL: psycopg forgets its server-side prepared statements on every ROLLBACK, so with it every
statement was planned again in every request (about a fifth of a page's database time). So a request
whose transaction ran nothing but SELECT statements ends with COMMIT; one that wrote anything (a flush,
an UPDATE, a savepoint) and did not commit is rolled back as before: nothing half-written is ever kept.

A transaction that wrote a table documents are made of gives `content_generation` a new random value as it
commits (in the same transaction, so the value and the change are seen together): while the value has not
changed, nothing a document shows has (app/documents/renders.py serves such a document without building it
again). Random rather than counted: a database restored from a backup never gives a later state a value that
an earlier state had.
"""
import logging
import re
import secrets

import sqlalchemy as sa
from flask import Flask
from flask import abort
from flask import g
from flask import has_request_context
from flask import request
from flask import session
from sqlalchemy.orm.exc import StaleDataError

from app.extensions import db
from app.models import ContentGeneration

log = logging.getLogger(__name__)

WROTE = "palisade_wrote"  # on the connection's info: a statement other than SELECT ran in this transaction
CONTENT = "palisade_content"  # on the connection's info: this transaction wrote a table documents are made of

# Tables no document shows: bookkeeping of renders, notifications and accounts' secrets. Report snapshots are
# the trend baseline of the executive report, which keys its known documents on its snapshot instead. The audit
# trail is shown by history pages, never by a rendered document (the executed agreement's certificate reads it
# once, when it is issued and sealed): a change it records is a write of its own record's table as well.
NOT_CONTENT = frozenset({
    "content_generation", "render_jobs", "rendered_documents", "known_documents", "report_snapshots", "notifications",
    "audit_events",
    "notification_preferences", "outbox_emails", "sent_reminders", "calendar_feeds", "backup_codes",
    "account_tokens", "advisory_reads", "sharing_feeds", "api_tokens", "webhook_endpoints",
    "webhook_deliveries"})
# Columns no document shows, of tables that documents are made of: an account's sign-in bookkeeping. An UPDATE of
# these alone (a sign-in, a second factor used, a password changed, sessions ended) leaves every document as it
# was; counted as a change, each sign-in anywhere made every reader's documents and kept lists be built again.
NOT_CONTENT_COLUMNS = {"users": frozenset({
    "password_hash", "session_token", "password_changed_at", "last_login_at", "totp_secret_encrypted",
    "totp_enabled", "totp_last_timecode", "must_change_password", "updated_at", "version"})}
_WRITE_TARGET = re.compile(r'\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)', re.IGNORECASE)
_UPDATE_SET = re.compile(r'\s*UPDATE\s+"?\w+"?\s+SET\s+(.*?)\s+WHERE\s', re.IGNORECASE | re.DOTALL)
_SET_COLUMN = re.compile(r'(?:^|,)\s*"?(\w+)"?\s*=')
_NOT_A_WRITE = ("SAVEPOINT", "RELEASE", "ROLLBACK", "PRAGMA", "SET ", "SHOW ")


def writes_content(statement: str) -> bool:
    """Whether a statement other than SELECT may change what a document shows (unknown statements may)."""
    target = _WRITE_TARGET.match(statement)
    if target is None:
        return not statement.lstrip().upper().startswith(_NOT_A_WRITE)
    table = target.group(1).lower()
    if table in NOT_CONTENT:
        return False
    bookkeeping = NOT_CONTENT_COLUMNS.get(table)
    if bookkeeping is None:
        return True
    update = _UPDATE_SET.match(statement)
    columns = {name.lower() for name in _SET_COLUMN.findall(update.group(1))} if update else set()
    return not columns or not columns <= bookkeeping


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CONFLICT = ("Someone else changed this at the same moment, so nothing was saved. "
            "Reload the page to see the current version and try again.")


class Palisade(Flask):
    """Flask whose state-changing requests commit once, at the edge (see the module's docstring)."""

    def dispatch_request(self):
        if request.method in SAFE_METHODS:
            return super().dispatch_request()
        queued = len(session.get("_flashes", ()))
        response = self.make_response(super().dispatch_request())
        if response.status_code >= 400:
            db.session.rollback()
            return response
        try:
            db.session.commit()
        except (StaleDataError, sa.exc.IntegrityError):
            db.session.rollback()
            _drop_flashes(queued)
            log.warning("conflict_at_commit endpoint=%s", request.endpoint)
            abort(409, description=CONFLICT)
        except Exception:
            db.session.rollback()
            _drop_flashes(queued)
            raise
        return response


def _drop_flashes(queued: int) -> None:
    """Forget the messages this request queued: they announced a change that was not kept."""
    flashes = session.get("_flashes")
    if flashes is not None and len(flashes) > queued:
        session["_flashes"] = flashes[:queued]


def register(app: Flask) -> None:
    with app.app_context():
        engine = db.engine

    @sa.event.listens_for(engine, "begin")
    def _fresh_transaction(connection):
        connection.info.pop(WROTE, None)
        connection.info.pop(CONTENT, None)

    @sa.event.listens_for(engine, "before_cursor_execute")
    def _note_writes(connection, _cursor, statement, _parameters, _context, _executemany):
        if statement.lstrip()[:6].upper() == "SELECT":
            return
        connection.info[WROTE] = True
        if CONTENT not in connection.info and writes_content(statement):
            connection.info[CONTENT] = True

    @sa.event.listens_for(engine, "commit")
    def _note_committed_write(connection):
        if connection.info.get(WROTE) and has_request_context():
            g.palisade_committed_write = True

    # Registered after Flask-SQLAlchemy's session removal, so it runs before it (Flask runs these in reverse):
    # as the app context of a request (or of a command) ends, never in the middle of an outer one.
    @app.teardown_appcontext
    def _end_read_only_transaction(error):
        if error is None:
            end_read_only_transaction()


@sa.event.listens_for(db.session, "before_commit")
def _mark_content_change(session: sa.orm.Session) -> None:
    """A new content_generation value in a transaction that wrote a table documents are made of (its pending
    changes flushed first: the commit would flush them next)."""
    session.flush()
    connection = session.connection()
    if connection.info.pop(CONTENT, None):
        session.execute(_NEW_GENERATION, {"value": secrets.randbits(62)})


# The same statement on SQLite and PostgreSQL; the row appears with the first change.
_NEW_GENERATION = sa.text("INSERT INTO content_generation (id, value) VALUES (1, :value) "
                          "ON CONFLICT (id) DO UPDATE SET value = excluded.value")


def committed_a_write() -> bool:
    """Whether this request committed a change (a form sent, or a page that records its reading)."""
    return g.get("palisade_committed_write", False)


def content_generation() -> int | None:
    """The value of the last committed change to what documents show (None: no change seen yet)."""
    return db.session.scalar(sa.select(ContentGeneration.value).where(ContentGeneration.id == 1))


def end_read_only_transaction() -> bool:
    """COMMIT the session's open transaction when it only read; True when it did."""
    session = db.session()
    if not session.in_transaction() or session.new or session.dirty or session.deleted:
        return False
    expire_on_commit = session.expire_on_commit
    try:
        if session.connection().info.get(WROTE):
            return False
        # Nothing changed: what was loaded stays loaded, as the session's removal leaves it.
        session.expire_on_commit = False
        session.commit()
    except sa.exc.SQLAlchemyError:  # the connection went away: the session's removal deals with it
        log.warning("Ending a read-only transaction failed", exc_info=True)
        return False
    finally:
        session.expire_on_commit = expire_on_commit
    return True
