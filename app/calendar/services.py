"""Calendar feeds: a long random token per user, stored only as its SHA-256; what the feed lists.

The feed holds the user's due dates: tasks and mitigations assigned to them, and — for
coordinators — the review dates of risks and plans, the expiry and notice dates of agreements, the incident
stages and the after-action reports owed by their organisation (the same people the reminder engine reminds). Every record comes
through its visible_* scope, and entries are TLP-safe like mail: an AMBER, AMBER+STRICT or RED
record is named by its reference, kind and label only.
"""
from dataclasses import dataclass
from datetime import date
from datetime import timedelta

from icalendar import Calendar
from icalendar import Event

from app import kinds
from app import permissions
from app.extensions import db
from app.feed_tokens import FeedTokens  # noqa: F401  -- token_hash: the feeds' stored form
from app.feed_tokens import token_hash  # noqa: F401  -- token_hash: the feeds' stored form
from app.models import CalendarFeed
from app.models import Role
from app.models import User
from app.models import utcnow
from app.notifications import objects
from app.notifications.mail import external_url

_tokens = FeedTokens(CalendarFeed, "calendar_feed")
feed_of, create_or_regenerate, revoke, user_for_token = (
    _tokens.feed_of, _tokens.create_or_regenerate, _tokens.revoke, _tokens.user_for_token)


@dataclass
class DueEntry:
    obj: object
    what: str  # "due", "review", "expiry", "notice deadline"
    when: date


def due_entries(user: User) -> list[DueEntry]:
    """Every open record's deadlines (app/kinds.py) that concern the user: work assigned to them and, for
    coordinators, the records their organisation owns."""
    entries: list[DueEntry] = []
    for kind in kinds.KINDS:
        if kind.assignee is not None:
            concerns = getattr(kind.model, kind.assignee) == user.id
        elif user.role is Role.COORDINATOR:
            concerns = kind.model.owner_organization_id == user.organization_id
        else:
            continue
        for deadline in kind.deadlines:
            column = getattr(kind.model, deadline.field)
            stmt = permissions.visible_records(kind, user).where(concerns, kind.model.open_condition(),
                                                                 column.is_not(None))
            entries += [DueEntry(r, deadline.label, getattr(r, deadline.field)) for r in db.session.scalars(stmt)]
    for kind in kinds.KINDS:  # a kind's entries besides its dated fields (incident stages: hours, shown by day)
        if kind.calendar_entries:
            entries += [DueEntry(record, what, when) for record, what, when in kind.part("calendar_entries")(user)]
    return sorted(entries, key=lambda e: (e.when, kinds.kind_of(e.obj).key, e.obj.id))


def covered() -> set[tuple[type, str]]:
    """(model, dated field) the feed lists."""
    return {(kind.model, deadline.field) for kind in kinds.KINDS for deadline in kind.deadlines}


def feed_bytes(user: User) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Palisade//Due dates//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"Palisade: {user.name}")
    stamp = utcnow()
    for entry in due_entries(user):
        kind = kinds.kind_of(entry.obj)
        link = external_url(kind.endpoint, **kind.url_values(entry.obj))
        label = objects.tlp_of(entry.obj).label
        name = f"{kind.noun} {kind.reference(entry.obj)}"
        if objects.tlp_allows_title(entry.obj):
            name += f": {kind.title(entry.obj)}"
        event = Event()
        event.add("uid", f"{kind.key}-{entry.obj.id}-{entry.what.replace(' ', '-')}@palisade")
        event.add("dtstamp", stamp)
        event.add("dtstart", entry.when)
        event.add("dtend", entry.when + timedelta(days=1))
        event.add("summary", f"{entry.what.capitalize()}: {name} ({label})")
        event.add("description", f"{label}. {link}")
        event.add("url", link)
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    return calendar.to_ical()
