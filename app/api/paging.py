"""Lists: the page's own filters (`read_filters` + `list_<things>` of app/<feature>/queries.py) under the same
visible_* scope, in a stable order (by id), a page at a time: `{"items": [...], "next": "/api/v1/…?cursor=…"}`.

A cursor is opaque to clients: the id after which the next page starts. Ordering by id keeps a walk through
the pages stable while records change (an update does not move a record to another page).
"""
import base64
import binascii
from collections.abc import Callable
from typing import Generic
from typing import TypeVar

import sqlalchemy as sa
from flask import Response
from flask import jsonify
from flask import request
from flask import url_for
from flask_login import current_user
from pydantic import BaseModel
from pydantic import Field
from werkzeug.datastructures import MultiDict

from app.errors import MAX_ID
from app.extensions import db
from app.problems import ProblemError

Item = TypeVar("Item")
NOT_OFFERED = frozenset({"sort"})  # the API's order is by id (stable cursors), never a page's sort


class ListQuery(BaseModel):
    """What every list takes; a kind's list query adds its page's filters (same names as read_filters)."""

    q: str = Field("", max_length=200, description="Words to search for, as in the page's search box.")
    cursor: str | None = Field(None, max_length=64, description="The `next` link's cursor (opaque).")
    limit: int = Field(50, ge=1, le=100, description="Items per page.")


class Page(BaseModel, Generic[Item]):
    items: list[Item]
    next: str | None = Field(description="The next page, or null on the last one.")


def page_filters(read_filters: Callable, query: BaseModel) -> dict:
    """The page's filters dict (its keys and defaults from `read_filters`) holding the validated query's values."""
    filters = read_filters(MultiDict())
    missing = set(filters) - set(type(query).model_fields) - NOT_OFFERED
    if missing:  # a filter of the page the API forgot: the kind's list query must name it
        raise LookupError(f"{type(query).__name__} lacks the page's filters {sorted(missing)}")
    given = query.model_dump(include=set(filters))
    filters.update({name: value for name, value in given.items() if value is not None})
    return filters


def page_args(query: ListQuery, words: dict[str, str] | None = None) -> MultiDict:
    """The validated query in the page's query-string words, for a kind whose list statement reads them
    (`queries.list_statement(user, args)`): an enum by its value, a number as text, a flag that is set as "1"
    (or as its word in `words`: due → "overdue"); what is not set is left out, and so is the API's paging."""
    args = MultiDict()
    for name, value in query.model_dump(exclude={"cursor", "limit"}).items():
        if value is None or value is False:
            continue
        if value is True:
            value = (words or {}).get(name, "1")
        args[name] = str(getattr(value, "value", value))
    return args


def _encode(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{last_id}".encode()).decode().rstrip("=")


def _decode(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, _, number = text.partition(":")
        value = int(number)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        value, kind = 0, ""
    if kind != "id" or not 0 < value <= MAX_ID:
        raise ProblemError(422, "The cursor is not one this API gave.",
                           errors=[{"field": "cursor", "message": "Use the `next` link of the previous page."}])
    return value


def page_of(stmt: sa.Select, id_column, query: ListQuery, serialize: Callable) -> dict:
    """One page of `stmt` (a visible_* select with the page's filters) ordered by `id_column`."""
    stmt = stmt.order_by(None).order_by(id_column)
    if query.cursor:
        stmt = stmt.where(id_column > _decode(query.cursor))
    rows = db.session.scalars(stmt.limit(query.limit + 1)).unique().all()
    more, rows = len(rows) > query.limit, rows[:query.limit]
    next_url = None
    if more:
        args = {key: value for key, value in request.args.items() if key != "cursor"}
        next_url = url_for(request.endpoint, **(request.view_args or {}), **args, cursor=_encode(rows[-1].id))
    return {"items": [serialize(row) for row in rows], "next": next_url}


def listed(list_things: Callable, id_column, *options, read_filters: Callable | None = None,
           words: dict[str, str] | None = None, dump: Callable | None = None, dump_page: Callable | None = None) -> Response:
    """A list view's answer: a page of the kind's list statement for the token's user, loaded with `options`.

    The statement is the page's own: `list_things(user, filters)` with `read_filters` (page_filters), or
    `list_things(user, args)` reading the query-string words (page_args). Each record is answered by `dump`, or the
    whole page at once by `dump_page` (one scoped query for the links of every record, links.dump)."""
    query = request.context.query
    filters = page_filters(read_filters, query) if read_filters else page_args(query, words)
    page = page_of(list_things(current_user, filters).options(*options), id_column, query, dump or (lambda row: row))
    if dump_page is not None:
        page["items"] = dump_page(page["items"])
    return jsonify(page)
