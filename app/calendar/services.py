"""Calendar feeds: a long random token per user, stored only as its SHA-256; what the feed lists.

The feed holds the user's due dates: tasks and mitigations assigned to them, and — for
coordinators — the review dates of risks and plans and the expiry and notice dates of agreements
owned by their organisation (the same people the reminder engine reminds). Every record comes
through its visible_* scope, and entries are TLP-safe like mail: an AMBER, AMBER+STRICT or RED
record is named by its reference, kind and label only.
"""
import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from icalendar import Calendar, Event

from app import audit, permissions
from app.extensions import db
from app.models import (
    Agreement,
    AgreementStatus,
    CalendarFeed,
    IncidentPlan,
    Mitigation,
    MitigationStatus,
    PlanStatus,
    Risk,
    RiskStatus,
    Role,
    Task,
    TaskStatus,
    User,
    utcnow,
)
from app.notifications import objects
from app.notifications.mail import external_url

TOKEN_BYTES = 32  # 256 bits, 43 URL-safe characters


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def feed_of(user: User) -> CalendarFeed | None:
    return db.session.scalar(sa.select(CalendarFeed).where(CalendarFeed.user_id == user.id))


def create_or_regenerate(user: User) -> str:
    """A new token for the user (the old URL stops working); returns the token, shown once."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    feed = feed_of(user)
    action = "calendar_feed.regenerated" if feed else "calendar_feed.created"
    if feed is None:
        feed = CalendarFeed(user_id=user.id)
        db.session.add(feed)
    feed.token_hash = token_hash(token)
    feed.created_at = utcnow()
    db.session.flush()
    audit.record(user, action, user)
    return token


def revoke(user: User) -> bool:
    feed = feed_of(user)
    if feed is None:
        return False
    db.session.delete(feed)
    db.session.flush()
    audit.record(user, "calendar_feed.revoked", user)
    return True


def user_for_token(token: str) -> User | None:
    if not token or len(token) > 100:
        return None
    feed = db.session.scalar(sa.select(CalendarFeed).where(CalendarFeed.token_hash == token_hash(token)))
    if feed is None or not feed.user.is_active:
        return None
    return feed.user


@dataclass
class DueEntry:
    obj: object
    what: str  # "due", "review", "expiry", "notice deadline"
    when: date


def due_entries(user: User) -> list[DueEntry]:
    entries: list[DueEntry] = []
    tasks = permissions.visible_tasks(user).where(
        Task.assignee_id == user.id, Task.status != TaskStatus.DONE, Task.archived_at.is_(None),
        Task.due_date.is_not(None))
    entries += [DueEntry(t, "due", t.due_date) for t in db.session.scalars(tasks)]
    mitigations = permissions.visible_mitigations(user).where(
        Mitigation.assigned_user_id == user.id, Mitigation.archived_at.is_(None), Mitigation.due_date.is_not(None),
        Mitigation.status.in_([MitigationStatus.PLANNED, MitigationStatus.IN_PROGRESS]))
    entries += [DueEntry(m, "due", m.due_date) for m in db.session.scalars(mitigations)]
    if user.role is Role.COORDINATOR:
        org = user.organization_id
        risks = permissions.visible_risks(user).where(
            Risk.owner_organization_id == org, Risk.status != RiskStatus.CLOSED, Risk.archived_at.is_(None),
            Risk.next_review_date.is_not(None))
        entries += [DueEntry(r, "review", r.next_review_date) for r in db.session.scalars(risks)]
        plans = permissions.visible_incident_plans(user).where(
            IncidentPlan.owner_organization_id == org, IncidentPlan.status == PlanStatus.APPROVED,
            IncidentPlan.archived_at.is_(None), IncidentPlan.next_review_date.is_not(None))
        entries += [DueEntry(p, "review", p.next_review_date) for p in db.session.scalars(plans)]
        agreements = permissions.visible_agreements(user).where(
            Agreement.owner_organization_id == org, Agreement.status == AgreementStatus.ACTIVE,
            Agreement.archived_at.is_(None), Agreement.expiry_date.is_not(None))
        for a in db.session.scalars(agreements):
            entries.append(DueEntry(a, "expiry", a.expiry_date))
            if a.notice_days:
                entries.append(DueEntry(a, "notice deadline", a.expiry_date - timedelta(days=a.notice_days)))
    from app.incidents.picture import calendar_entries  # the incident stages' deadlines (hours, shown by day)

    entries += [DueEntry(report, what, when) for report, what, when in calendar_entries(user)]
    return sorted(entries, key=lambda e: (e.when, objects.object_type_of(e.obj), e.obj.id))


def feed_bytes(user: User) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Palisade//Due dates//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"Palisade: {user.name}")
    stamp = utcnow()
    for entry in due_entries(user):
        object_type = objects.object_type_of(entry.obj)
        spec = objects.spec_for(object_type)
        endpoint, values = spec.endpoint(entry.obj)
        link = external_url(endpoint, **values)
        label = objects.tlp_of(entry.obj).label
        name = f"{spec.noun} {spec.reference(entry.obj)}"
        if objects.tlp_allows_title(entry.obj):
            name += f": {spec.title(entry.obj)}"
        event = Event()
        event.add("uid", f"{object_type}-{entry.obj.id}-{entry.what.replace(' ', '-')}@palisade")
        event.add("dtstamp", stamp)
        event.add("dtstart", entry.when)
        event.add("dtend", entry.when + timedelta(days=1))
        event.add("summary", f"{entry.what.capitalize()}: {name} ({label})")
        event.add("description", f"{label}. {link}")
        event.add("url", link)
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    return calendar.to_ical()
