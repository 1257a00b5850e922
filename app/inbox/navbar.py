"""The navigation bar's counts: the bell's unread notifications and the inbox badge, in ONE statement per
request (app/inbox/providers.counts_with), whichever of them the page shows first. The dashboard adds its
figures to that same statement (`counts_with`). The inbox's routes offer both to templates
(`inbox_count()`, `unread_notifications()`)."""
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app, g, has_request_context
from flask_login import current_user

from app.inbox.providers import counts_with as inbox_counts_with
from app.notifications.display import unread_statement


@dataclass(frozen=True)
class NavbarCounts:
    unread: int = 0
    inbox: dict[str, int] = field(default_factory=dict)  # {inbox section: entries}

    @property
    def waiting(self) -> int:
        return sum(self.inbox.values())


def counts() -> NavbarCounts:
    """The signed-in user's counts, computed once per request (none for anyone else)."""
    if "navbar_counts" not in g:
        counts_with(current_user, None)
    return g.navbar_counts


def counts_with(user, stmt: sa.Select | None, name: str = "") -> tuple:
    """The values of `stmt`'s one row (a statement of one row built from `user`'s scope and the day alone, named
    `name`; or None), with `user`'s navigation bar counts computed in the same statement (and kept for the rest
    of the request when `user` is the signed-in one)."""
    bell = user.is_authenticated and user.is_active and "notifications" in current_app.blueprints
    if bell:
        unread = unread_statement(user).scalar_subquery()
        stmt = stmt.add_columns(unread) if stmt is not None else sa.select(unread)
    inbox, row = inbox_counts_with(user, stmt, f"{name}:{bell}")
    if has_request_context() and user == current_user:
        g.navbar_counts = NavbarCounts(unread=(row[-1] or 0) if bell else 0, inbox=inbox)
    return row[:-1] if bell else row
