"""How a request's transaction ends when the view left it open.

Views commit once (STYLE.md); whatever a request leaves uncommitted is thrown away when the session is
removed, with ROLLBACK. For a transaction that only read, COMMIT does exactly the same, and it is cheaper
on PostgreSQL: psycopg forgets its server-side prepared statements on every ROLLBACK, so with it every
statement was planned again in every request (about a fifth of a page's database time). So a request
whose transaction ran nothing but SELECT statements ends with COMMIT; one that wrote anything (a flush,
an UPDATE, a savepoint) and did not commit is rolled back as before: nothing half-written is ever kept.
"""
import logging

import sqlalchemy as sa
from flask import Flask

from app.extensions import db

log = logging.getLogger(__name__)

WROTE = "palisade_wrote"  # on the connection's info: a statement other than SELECT ran in this transaction


def register(app: Flask) -> None:
    with app.app_context():
        engine = db.engine

    @sa.event.listens_for(engine, "begin")
    def _fresh_transaction(connection):
        connection.info.pop(WROTE, None)

    @sa.event.listens_for(engine, "before_cursor_execute")
    def _note_writes(connection, _cursor, statement, _parameters, _context, _executemany):
        if WROTE not in connection.info and statement.lstrip()[:6].upper() != "SELECT":
            connection.info[WROTE] = True

    # Registered after Flask-SQLAlchemy's session removal, so it runs before it (Flask runs these in reverse):
    # as the app context of a request (or of a command) ends, never in the middle of an outer one.
    @app.teardown_appcontext
    def _end_read_only_transaction(error):
        if error is None:
            end_read_only_transaction()


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
