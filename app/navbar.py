"""The navigation bar's counts: the bell's unread notifications and the inbox badge, in ONE statement per
request (app/inbox/providers.counts_with), whichever of them the page shows first. The dashboard reads the
same figures (its inbox block), so they cost it nothing more."""
from dataclasses import dataclass, field

from flask import current_app, g
from flask_login import current_user


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
        g.navbar_counts = _compute()
    return g.navbar_counts


def _compute() -> NavbarCounts:
    if not (current_user.is_authenticated and current_user.is_active):
        return NavbarCounts()
    from app.inbox.providers import counts_with
    from app.notifications.display import unread_statement

    bell = "notifications" in current_app.blueprints
    inbox, extra = counts_with(current_user, (unread_statement(current_user),) if bell else ())
    return NavbarCounts(unread=(extra[0] or 0) if bell else 0, inbox=inbox)
