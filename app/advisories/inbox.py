"""The inbox's advisory sections: drafts awaiting the user's organisation's approval (never the last editor's:
four eyes), and released advisories awaiting the user's organisation's acknowledgement (coordinators)."""
from datetime import date

import sqlalchemy as sa
from flask import url_for

from app import permissions
from app.extensions import db
from app.inbox.providers import InboxEntry, due_note, provider
from app.models import (
    Advisory,
    AdvisoryAcknowledgement,
    AdvisoryAuthor,
    AdvisoryRecipient,
    AdvisoryStatus,
    Role,
    User,
)

APPROVE = "Advisories to approve"
ACKNOWLEDGE = "Advisories to acknowledge"


def to_approve(user: User) -> sa.Select:
    if user.role is not Role.COORDINATOR:
        return sa.select(Advisory).where(sa.false())
    return permissions.visible_advisories(user).where(
        Advisory.status == AdvisoryStatus.IN_REVIEW,
        sa.or_(Advisory.last_edited_by_id.is_(None), Advisory.last_edited_by_id != user.id),
        sa.exists().where(AdvisoryAuthor.advisory_id == Advisory.id,
                          AdvisoryAuthor.organization_id == user.organization_id,
                          AdvisoryAuthor.approved_at.is_(None)))


def to_acknowledge(user: User) -> sa.Select:
    if user.role is not Role.COORDINATOR:
        return sa.select(Advisory).where(sa.false())
    return permissions.visible_advisories(user).where(
        Advisory.status == AdvisoryStatus.RELEASED,
        sa.exists().where(AdvisoryRecipient.advisory_id == Advisory.id,
                          AdvisoryRecipient.organization_id == user.organization_id),
        ~sa.exists().where(AdvisoryAcknowledgement.advisory_id == Advisory.id,
                           AdvisoryAcknowledgement.organization_id == user.organization_id))


def _label(advisory: Advisory) -> str:
    # The inbox shows what the reader may read: recipients read the restricted edition (they participate).
    return advisory.title


@provider(17, APPROVE, count=lambda user: [to_approve(user)])
def advisories_to_approve(user: User, limit: int | None = None) -> list[InboxEntry]:
    stmt = to_approve(user).order_by(Advisory.updated_at)
    return [InboxEntry(section=APPROVE, action="Read the text, then approve it for your organisation",
                       reference=a.reference, title=_label(a), url=url_for("advisories.detail", advisory_id=a.id),
                       tlp=a.tlp, note=f"{a.severity.label} {a.kind.label.lower()}")
            for a in db.session.scalars(stmt if limit is None else stmt.limit(limit))]


@provider(18, ACKNOWLEDGE, count=lambda user: [to_acknowledge(user)])
def advisories_to_acknowledge(user: User, limit: int | None = None) -> list[InboxEntry]:
    stmt = to_acknowledge(user).order_by(Advisory.acknowledgement_deadline, Advisory.released_at.desc())
    entries = []
    for a in db.session.scalars(stmt if limit is None else stmt.limit(limit)):
        entries.append(InboxEntry(
            section=ACKNOWLEDGE, action="Acknowledge: received, acted or not applicable", reference=a.reference,
            title=_label(a), url=url_for("advisories.detail", advisory_id=a.id, _anchor="recipients"), tlp=a.tlp,
            due=a.acknowledgement_deadline, rank=0 if a.is_acknowledgement_overdue() else 1,
            note=" · ".join(n for n in (f"{a.severity.label} severity", due_note(a.acknowledgement_deadline)) if n)))
    return entries


def calendar_entries(user: User) -> list[tuple[Advisory, str, date]]:
    """(advisory, what, day): the acknowledgement deadline of each live advisory the user's organisation has not
    acknowledged yet, for its coordinators (whom the acknowledgement reminders reach)."""
    stmt = to_acknowledge(user).where(Advisory.acknowledgement_deadline.is_not(None)).order_by(
        Advisory.acknowledgement_deadline, Advisory.id)
    return [(a, "acknowledgement due", a.acknowledgement_deadline) for a in db.session.scalars(stmt)]
