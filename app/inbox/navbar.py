"""The navigation bar's counts: the bell's unread notifications and the inbox badge, in ONE statement per
request (app/inbox/providers.counts_with), whichever of them the page shows first. The dashboard adds its
figures to that same statement (`counts_with`). The inbox's routes offer both to templates
(`inbox_count()`, `unread_notifications()`).

Counted on every page they cost more than the rest of a list page's statements together (SQLite at 10,000
agreements: 2 of 10 CPU ms), so a signed-in session's counts are kept for NAVBAR_COUNTS_SECONDS (a few) in each
web process, under the session's own random key and the user's scope: nobody else's session can reach them.
A change the user commits (a form, a page that records its reading) gives their session a new key and drops
every session's counts of that user in this process, so what a session does shows on its next page from any
worker. What the same user does elsewhere (another browser, an API token) shows at once in the process that
served it and within those seconds in the others, as does what other people do. The pages that list what is counted (the inbox, the
notifications, the sharing feed) always count afresh, so a page and its badge agree."""
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import Response, current_app, g, has_request_context, request, session
from flask_login import current_user

from app import permissions, transactions
from app.bearer import is_bearer_request
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


# The pages that list what the bar counts: their badges are counted with them, never kept.
FRESH_ENDPOINTS = frozenset({"inbox.index", "notifications.index", "sharing.index"})
SESSION_KEY = "counts_key"  # the session's key to its kept counts: new after each change the user commits
KEPT_MAX = 4096


class KeptCounts:
    """Counts per (user, session key, scope), each with the moment its counting started; a user's change drops
    theirs (and any counting that started before the change, still running in another thread)."""

    def __init__(self):
        self.entries: dict[tuple, tuple[float, NavbarCounts]] = {}
        self.changed: dict[int, float] = {}  # user id -> when they last committed a change

    def get(self, key: tuple, max_age: float) -> NavbarCounts | None:
        found = self.entries.get(key)
        if found is None:
            return None
        started, value = found
        if time.monotonic() - started > max_age or started <= self.changed.get(key[0], float("-inf")):
            return None
        return value

    def put(self, key: tuple, started: float, value: NavbarCounts) -> None:
        if len(self.entries) >= KEPT_MAX:
            self.entries.clear()
        self.entries[key] = (started, value)

    def user_changed(self, user_id: int) -> None:
        if len(self.changed) >= KEPT_MAX:
            self.changed.clear()
            self.entries.clear()
        self.changed[user_id] = time.monotonic()
        for key in [key for key in list(self.entries) if key[0] == user_id]:  # list(): other threads add meanwhile
            self.entries.pop(key, None)


def _kept() -> KeptCounts:
    return current_app.extensions.setdefault("palisade.navbar_counts", KeptCounts())


def _session_key() -> tuple | None:
    """The signed-in session's key to its kept counts (None: counts are not kept)."""
    if current_app.config["NAVBAR_COUNTS_SECONDS"] <= 0 or is_bearer_request() or not current_user.is_authenticated:
        return None
    token = session.get(SESSION_KEY)
    if not isinstance(token, str):
        token = session[SESSION_KEY] = secrets.token_urlsafe(16)
    user = current_user._get_current_object()
    return (user.id, token, *permissions.scope_key(user))


def counts() -> NavbarCounts:
    """The signed-in user's counts, computed once per request or kept a few seconds (none for anyone else)."""
    if "navbar_counts" not in g:
        key = _session_key() if has_request_context() and request.endpoint not in FRESH_ENDPOINTS else None
        found = _kept().get(key, current_app.config["NAVBAR_COUNTS_SECONDS"]) if key is not None else None
        if found is None:
            counts_with(current_user, None)
        else:
            g.navbar_counts = found
    return g.navbar_counts


def forget_after_change(response: Response) -> Response:
    """After a request that committed a change: the user's kept counts are gone, their session gets a new key."""
    if not transactions.committed_a_write():
        return response
    # The user's id from its identity: reading any attribute after the commit would load the user again.
    state = sa.inspect(current_user._get_current_object(), raiseerr=False)
    if state is not None and state.identity is not None:
        _kept().user_changed(state.identity[0])
        if SESSION_KEY in session:
            session[SESSION_KEY] = secrets.token_urlsafe(16)
    return response


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

    started = time.monotonic()
    inbox, row = inbox_counts_with(user, with_counts, f"{name}:{','.join(names)}")
    leading = len(row) - len(names)
    values = {extra: value or 0 for extra, value in zip(names, row[leading:], strict=True)}
    if has_request_context() and user == current_user:
        g.navbar_counts = NavbarCounts(unread=values.pop("unread", 0), inbox=inbox, extra=values)
        key = _session_key()
        if key is not None:
            _kept().put(key, started, g.navbar_counts)
    return row[:leading]
