"""Statements kept for a user's scope (permissions.scoped_statements) run from SQL compiled once.

A kept statement is not built again, but SQLAlchemy still keys it on every execution: it hashes the statement's
whole cache key (thousands of elements for the navigation bar's counts or the dashboard's figures), looks up the
compiled form and expands every IN list's values. For the navigation bar that costs ten times what SQLite takes
to answer, on every page. `rows(statement)` compiles a kept statement once, with its values written into the SQL
(they come from the user's scope and the day, never from the request), and then only sends that text; the
values come back converted by the statement's column types, as `db.session.execute` gives them.

Only for Core selects of columns (counts, figures, light rows), never for ORM entities.
"""
import weakref

import sqlalchemy as sa

from app.extensions import db


class _Compiled:
    __slots__ = ("sql", "processors")

    def __init__(self, statement: sa.Select | sa.CompoundSelect, dialect: sa.Dialect):
        self.sql = str(statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
        self.processors = [column.type.dialect_impl(dialect).result_processor(dialect, None)
                           for column in statement.selected_columns]


# statement -> {dialect name: its compiled form, or None when its values cannot be written as SQL literals}
_COMPILED: "weakref.WeakKeyDictionary[sa.Executable, dict[str, _Compiled | None]]" = weakref.WeakKeyDictionary()


def _compiled(statement, dialect: sa.Dialect) -> _Compiled | None:
    forms = _COMPILED.get(statement)
    if forms is None:
        forms = _COMPILED[statement] = {}
    if dialect.name not in forms:
        try:
            forms[dialect.name] = _Compiled(statement, dialect)
        except (sa.exc.CompileError, NotImplementedError):  # a type without a literal form: the usual way
            forms[dialect.name] = None
    return forms[dialect.name]


def rows(statement: sa.Select | sa.CompoundSelect) -> list[tuple]:
    """The rows of `statement` (kept: the same object on every call), as tuples of converted values."""
    session = db.session()
    if session.autoflush:
        session.flush()  # as session.execute would: pending changes count
    connection = session.connection()
    compiled = _compiled(statement, connection.dialect)
    if compiled is None:
        return [tuple(row) for row in session.execute(statement)]
    processors = compiled.processors
    return [tuple(value if process is None else process(value) for process, value in zip(processors, row, strict=True))
            for row in connection.exec_driver_sql(compiled.sql)]


def one(statement: sa.Select) -> tuple:
    """The one row of `statement` (kept, as for rows())."""
    found = rows(statement)
    if len(found) != 1:
        raise sa.exc.NoResultFound("No row was found") if not found else sa.exc.MultipleResultsFound()
    return found[0]
