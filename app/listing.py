"""List pages: search, sorting, pagination and CSV export on top of a visible_* select.

Every list and its CSV come from the same statement, so the export holds exactly the rows the
user may see under the current filters.
"""
import csv
import io
import weakref
from collections.abc import Callable
from collections.abc import Iterable
from datetime import date
from datetime import datetime

import sqlalchemy as sa
from flask import Response
from flask import render_template
from flask import request
from flask_sqlalchemy.pagination import SelectPagination

from app import permissions
from app import precompiled
from app.extensions import db
from app.models import TLP
from app.models import Organization
from app.models import Sector

MAX_PER_PAGE = 100
MAX_PAGE = 2**31 // MAX_PER_PAGE  # the offset stays a 32-bit number
CSV_MAX_ROWS = 50_000


def int_arg(name: str, args=None, allowed=None) -> int | None:
    """An integer filter from the query string (?organization=3); anything else (or a number outside
    `allowed`) means no filter."""
    number = (args if args is not None else request.args).get(name, type=int)
    return number if allowed is None or number in allowed else None


def enum_arg(name: str, enum_cls, args=None):
    """An enum filter from the query string (?status=open); an unknown value means no filter (never a 500)."""
    value = (args if args is not None else request.args).get(name)
    try:
        return enum_cls(value) if value else None
    except ValueError:
        return None


def flag(name: str, args=None, value: str = "1") -> bool:
    """A yes/no filter: ?archived=1, ?mine=1, ?review=due."""
    return (args if args is not None else request.args).get(name) == value


def text_arg(args=None) -> str:
    """The search words of ?q= (trimmed, at most 200 characters)."""
    return ((args if args is not None else request.args).get("q") or "").strip()[:200]


def record_filters(args, statuses: type) -> dict:
    """The filters every shared record's list reads from its query string: the search words, the status (one of
    `statuses`), the TLP label, the sector, the organisation taking part and the archive view."""
    return {"q": text_arg(args), "status": enum_arg("status", statuses, args), "tlp": enum_arg("tlp", TLP, args),
            "sector": enum_arg("sector", Sector, args), "organization": int_arg("organization", args),
            "archived": flag("archived", args)}


def archived(stmt: sa.Select, column, show_archived: bool) -> sa.Select:
    """Only archived rows (the archive view, ?archived=1) or only live ones (every list's default)."""
    return stmt.where(column.is_not(None) if show_archived else column.is_(None))


def search(stmt: sa.Select, columns: Iterable, q: str | None) -> sa.Select:
    """Case-insensitive substring search over `columns` for every word of ?q=."""
    q = (q or "").strip()[:200]
    if not q:
        return stmt
    for word in q.split()[:8]:
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped.lower()}%"
        stmt = stmt.where(sa.or_(*(sa.func.lower(c).like(pattern, escape="\\") for c in columns)))
    return stmt


def sort(stmt: sa.Select, sortable: dict[str, sa.ColumnElement], default: str,
         default_dir: str = "asc", tie_breaker=None) -> sa.Select:
    """Order by ?sort=<key>&dir=asc|desc when the key is listed, else by the default."""
    key = request.args.get("sort")
    direction = request.args.get("dir", default_dir if key is None else "asc")
    if key not in sortable:
        key, direction = default, default_dir
    column = sortable[key]
    ordered = column.desc() if direction == "desc" else column.asc()
    clauses = [ordered]
    if tie_breaker is not None:
        clauses.append(tie_breaker)
    return stmt.order_by(*clauses)


def counting(stmt: sa.Select) -> sa.Select:
    """The statement that counts the rows of `stmt` (its ordering dropped)."""
    return sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery())


class CountedPagination(SelectPagination):
    """A page and the total number of rows in ONE statement: the count rides along with the page's rows as an
    uncorrelated scalar subquery, which the database evaluates once (SQLite and PostgreSQL both), so the page
    keeps its own plan (a top-N sort, an index scan) and the count its own. Only a page with no rows (past the
    end) asks for the count separately."""

    def _query_items(self) -> list:
        rows = self._query_args["session"].execute(self._page_statement()).unique().all()
        self._total = rows[0][-1] if rows else (0 if self._query_offset == 0 else None)
        return [row[0] for row in rows]

    def _query_count(self) -> int:
        return self._total if self._total is not None else super()._query_count()

    def _page_statement(self) -> sa.Select:
        """The page's statement, with its total; for a kept list statement (the same object again: a default
        list, permissions.scoped_statements) kept with it, so SQLAlchemy does not build and key it again."""
        select = self._query_args["select"]
        pages = _PAGES.get(select)
        if pages is None:
            pages = _PAGES[select] = {}
        key = (self.per_page, self._query_offset)
        stmt = pages.get(key)
        if stmt is None:
            total = counting(select).scalar_subquery().label("palisade_total")
            stmt = select.add_columns(total).limit(self.per_page).offset(self._query_offset)
            if len(pages) < PAGES_KEPT:
                pages[key] = stmt
        return stmt


# list statement -> {(per page, offset): its page's statement}; gone with the list statement
_PAGES: "weakref.WeakKeyDictionary[sa.Select, dict[tuple[int, int], sa.Select]]" = weakref.WeakKeyDictionary()
PAGES_KEPT = 64  # pages kept per list statement


def paginate(stmt: sa.Select, per_page: int | None = None):
    """One page of `stmt`; ?page= and ?per_page= (20 by default, at most 100) come from the request.
    A page number past any possible offset (?page=10^30) is the last page one could ask for: empty."""
    page = request.args.get("page", 1, type=int)
    page = min(page, MAX_PAGE) if page >= 1 else 1
    if per_page is None:
        per_page = request.args.get("per_page", 20, type=int)
        per_page = min(per_page, MAX_PER_PAGE) if per_page >= 1 else 20
    return CountedPagination(select=stmt, session=db.session(), page=page, per_page=per_page,
                             max_per_page=MAX_PER_PAGE, error_out=False)


def organization_options(user, short: bool = False) -> list[tuple[int, str]]:
    """(id, name) of the active organisations, for a list's organisation filter (`short`: the short name where
    there is one): light rows from a statement built and compiled once per user scope (app/precompiled.py)."""
    stmt = permissions.scoped_statements("organization_options", user, lambda: permissions.active_organizations(user)
                                         .with_only_columns(Organization.id, Organization.name, Organization.short_name))
    return [(id_, (short_name if short else None) or name) for id_, name, short_name in precompiled.rows(stmt)]


def wants_csv() -> bool:
    return request.args.get("format") == "csv"


def _cell(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "label") and not isinstance(value, str | int):
        value = value.label
    elif isinstance(value, datetime):
        value = value.strftime("%Y-%m-%d %H:%M:%S UTC")
    elif isinstance(value, date):
        value = value.isoformat()
    elif isinstance(value, bool):
        value = "yes" if value else "no"
    elif isinstance(value, list | tuple | set):
        value = "; ".join(_cell(v) for v in value)
    text = str(value)
    # Spreadsheet formula injection: a cell starting with = + - @ is shown as text.
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        text = "'" + text
    return text


def csv_response(rows: Iterable, columns: list[tuple[str, Callable]], filename: str) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([header for header, _ in columns])
    for index, row in enumerate(rows):
        if index >= CSV_MAX_ROWS:
            break
        writer.writerow([_cell(getter(row)) for _, getter in columns])
    response = Response(buffer.getvalue().encode("utf-8-sig"), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def where_equal(stmt: sa.Select, *pairs) -> sa.Select:
    """`stmt` narrowed by `column == value` for every (column, value) pair whose filter was given."""
    for column, value in pairs:
        if value is not None:
            stmt = stmt.where(column == value)
    return stmt


def list_page(stmt: sa.Select, columns: list[tuple[str, Callable]], filename: str, template: str, *,
              csv_options: tuple = (), page_context: Callable | None = None, **context):
    """A list's two answers from one statement: with ?format=csv every row as the CSV file `filename` (loaded with
    `csv_options`), else `template` showing the page the request asks for (`page`) with `context`, plus what
    `page_context(page)` works out for the page alone (never for the CSV): its rows' clocks, which of them the
    reader may read in full, the filters' choices."""
    if wants_csv():
        return csv_response(db.session.scalars(stmt.options(*csv_options)).all(), columns, filename)
    page = paginate(stmt)
    return render_template(template, page=page, **context, **(page_context(page) if page_context else {}))
