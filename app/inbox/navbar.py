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
served it and within those seconds in the others, as does what other people do.

The pages that list what is counted (the inbox, the notifications, the sharing feed) count afresh what they list, so
a page and its badge agree: the notifications page and the sharing feed count the bell and the feed's unread and
take the inbox's counts kept (counting the inbox is the expensive part, a few ms at scale); the inbox page counts a
section it reads in full by its entries, and only a section longer than the page shows is counted, or kept while
the kept count says more (counts_for_inbox)."""
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field

import sqlalchemy as sa
from flask import Response
from flask import current_app
from flask import g
from flask import has_request_context
from flask import request
from flask import session
from flask_login import current_user

from app import permissions
from app import precompiled
from app import transactions
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


# The pages that list what the bar counts, each with what it lists: that count is counted with the page, never kept
# ("inbox": every count; a name of BarCounts: that one, with the others' kept when there are some).
LISTED = {"inbox.index": "inbox", "notifications.index": "unread", "sharing.index": "shared"}
SESSION_KEY = "counts_key"  # the session's key to its kept counts: new after each change the user commits
KEPT_MAX = 4096


class KeptCounts:
    """Counts per (user, session key, scope), each with the moment its counting started; a user's change drops
    theirs (and any counting that started before the change, still running in another thread)."""

    def __init__(self):
        self.entries: dict[tuple, tuple[float, NavbarCounts]] = {}
        self.changed: dict[int, float] = {}  # user id -> when they last committed a change

    def get(self, key: tuple, max_age: float) -> NavbarCounts | None:
        found = self.found(key, max_age)
        return None if found is None else found[1]

    def found(self, key: tuple, max_age: float) -> tuple[float, NavbarCounts] | None:
        """(when their counting started, the counts) of `key`, if still good."""
        found = self.entries.get(key)
        if found is None:
            return None
        started, _ = found
        if time.monotonic() - started > max_age or started <= self.changed.get(key[0], float("-inf")):
            return None
        return found

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
        listed = LISTED.get(request.endpoint) if has_request_context() else None
        key = _session_key() if has_request_context() and listed != "inbox" else None
        found = _kept().found(key, current_app.config["NAVBAR_COUNTS_SECONDS"]) if key is not None else None
        if found is None:
            counts_with(current_user, None)
        elif listed is not None:
            _recount_bar(key, *found)
        else:
            g.navbar_counts = found[1]
    return g.navbar_counts


def counts_for_inbox(exact: dict[str, int], at_least: dict[str, int]) -> NavbarCounts:
    """The counts on the inbox page, which has read every section's first entries: `exact`, {section: entries} where
    it read them all; the sections where it read a full page (`at_least`: {section: entries read}, perhaps of more)
    keep the session's counts while those are good (kept NAVBAR_COUNTS_SECONDS from their counting, gone at the
    user's own change, as the bell's) and say more than the page read; otherwise everything is counted afresh."""
    key = _session_key() if has_request_context() else None
    found = _kept().found(key, current_app.config["NAVBAR_COUNTS_SECONDS"]) if key is not None else None
    if found is not None and all(found[1].inbox.get(section, 0) > n for section, n in at_least.items()):
        started, kept = found
        g.navbar_counts = NavbarCounts(unread=kept.unread, inbox={**exact, **{s: kept.inbox[s] for s in at_least}},
                                       extra=kept.extra)
        _kept().put(key, started, g.navbar_counts)  # as old as the counts it keeps
    else:
        counts_with(current_user, None)
    return g.navbar_counts


def _bar_names(user) -> list[str]:
    """The bar's counts besides the inbox's: the bell's, then the features' (EXTRA_COUNTS)."""
    if not (user.is_authenticated and user.is_active):
        return []
    return (["unread"] if "notifications" in current_app.blueprints else []) + list(EXTRA_COUNTS)


def _bar_columns(user, names: list[str]) -> list[sa.ScalarSelect]:
    return [(unread_statement(user) if name == "unread" else EXTRA_COUNTS[name](user)).scalar_subquery()
            for name in names]


def _recount_bar(key: tuple, started: float, kept: NavbarCounts) -> None:
    """The bell and the features' counts counted afresh, the inbox's kept (`kept`, counted at `started`)."""
    user = current_user._get_current_object()
    names = _bar_names(user)
    if not names:
        g.navbar_counts = kept
        return
    statement = permissions.scoped_statements(f"navbar_bar:{','.join(names)}", user,
                                              lambda: sa.select(*_bar_columns(user, names)))
    values = {name: value or 0 for name, value in zip(names, precompiled.one(statement), strict=True)}
    g.navbar_counts = NavbarCounts(unread=values.pop("unread", 0), inbox=kept.inbox, extra=values)
    _kept().put(key, started, g.navbar_counts)  # as old as the inbox's counts: they go when those would


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
    names = _bar_names(user)

    def with_counts() -> sa.Select | None:
        built = stmt
        for column in _bar_columns(user, names):
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
