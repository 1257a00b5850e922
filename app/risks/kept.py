"""What the register shows that changes only when a record does (its filters' choices, its heat map), kept per
reader's scope and content generation.

Every committed change to a table documents are made of (any record, its links, its recipients) gives the content
generation a new value (app/transactions.py), and a reader's visible_* scopes are built from their scope key
alone (permissions.scope_key: the account, its role and organisations, the day). While both hold, the reader
sees the same rows: the page reads that one value instead of every visible initiative and risk again."""
from collections.abc import Callable
from typing import TypeVar

from flask import g

from app import permissions
from app.transactions import content_generation

T = TypeVar("T")


def kept(name: str, user, build: Callable[[], T]) -> T:
    """build(), once per `name`, scope_key(user) and content generation (read once per request), then reused: kept
    with the scope's statements (permissions.scoped_statements), under a name that carries the generation."""
    if "risks_generation" not in g:
        g.risks_generation = content_generation()
    return permissions.scoped_statements(f"{name}@{g.risks_generation}", user, build)
