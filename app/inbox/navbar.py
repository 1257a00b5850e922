"""The navigation bar's counts: the bell's unread notifications and the inbox badge, in ONE statement per
request (app/inbox/providers.counts_with), whichever of them the page shows first. The dashboard adds its
figures to that same statement (`counts_with`). The inbox's routes offer both to templates
(`inbox_count()`, `unread_notifications()`)."""
from collections.abc import Callable
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
    extra: dict[str, int] = field(default_factory=dict)  # {name: count} of the counts features registered

    @property
    def waiting(self) -> int:
        return sum(self.inbox.values())


# Counts another feature adds to the bar, asked in the same statement: name -> (user -> a statement of one row
# and one column built from the user's scope and the day alone). The sharing feed's unread count registers here.
EXTRA_COUNTS: dict[str, Callable[[object], sa.Select]] = {}


def register_count(name: str, statement: Callable[[object], sa.Select]) -> None:
    EXTRA_COUNTS[name] = statement


def counts() -> NavbarCounts:
    """The signed-in user's counts, computed once per request (none for anyone else)."""
    if "navbar_counts" not in g:
        counts_with(current_user, None)
    return g.navbar_counts


def counts_with(user, stmt: sa.Select | None, name: str = "") -> tuple:
    """The values of `stmt`'s one row (a statement of one row built from `user`'s scope and the day alone, named
    `name`; or None), with `user`'s navigation bar counts computed in the same statement (and kept for the rest
    of the request when `user` is the signed-in one). The statement with the counts is built once per scope and
    day (app/inbox/providers.counts_with), not on every page."""
    signed_in = user.is_authenticated and user.is_active
    names = (["unread"] if signed_in and "notifications" in current_app.blueprints else []) \
        + (list(EXTRA_COUNTS) if signed_in else [])

    def with_counts() -> sa.Select | None:
        columns = [(unread_statement(user) if extra == "unread" else EXTRA_COUNTS[extra](user)).scalar_subquery()
                   for extra in names]
        built = stmt
        for column in columns:
            built = built.add_columns(column) if built is not None else sa.select(column)
        return built

    inbox, row = inbox_counts_with(user, with_counts, f"{name}:{','.join(names)}")
    leading = len(row) - len(names)
    values = {extra: value or 0 for extra, value in zip(names, row[leading:], strict=True)}
    if has_request_context() and user == current_user:
        g.navbar_counts = NavbarCounts(unread=values.pop("unread", 0), inbox=inbox, extra=values)
    return row[:leading]
