"""What a list page shows that changes only when a record does (the risk register's filter choices and heat map,
the task and working-group lists' filter choices), kept per reader's scope and content generation.

Every committed change to a table documents are made of (any record, its links, its recipients) gives the content
generation a new value (app/transactions.py), and a reader's visible_* scopes are built from their scope key
alone (permissions.scope_key: the account, its role and organisations, the day). While both hold, the reader
sees the same rows: the page reads that one value instead of every visible initiative and risk again.

Only the latest generation's values are kept: an older one is never read again, and at 1,000 initiatives a
reader's filter choices are about 110 kB of <option>s, so keeping every generation's (each change makes one per
reader) grew a web process by hundreds of MB, and filled the scoped statements' store (permissions.scoped_statements)
that the other pages' statements are kept in, which then dropped them all."""
from collections.abc import Callable
from typing import TypeVar

from flask import g

from app import permissions
from app.transactions import content_generation

T = TypeVar("T")
KEPT_MAX = 4096  # (name, reader's scope) pairs of one generation
_kept: dict[tuple, object] = {}
_generation: list = [None]  # the generation the values in _kept were built under


def kept(name: str, user, build: Callable[[], T]) -> T:
    """build(), once per `name`, scope_key(user) and content generation (read once per request), then reused
    until the generation changes."""
    if "kept_generation" not in g:
        g.kept_generation = content_generation()
    generation = g.kept_generation
    key = (name, generation, *permissions.scope_key(user))
    found = _kept.get(key)
    if found is None:
        found = build()
        if generation != _generation[0] or len(_kept) >= KEPT_MAX:
            _kept.clear()  # another generation's values (or too many readers): never read again
            _generation[0] = generation
        _kept[key] = found
    return found
