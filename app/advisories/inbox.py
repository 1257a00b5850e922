"""The inbox's advisory sections: drafts awaiting the user's organisation's approval (never the last editor's:
four eyes), and released advisories awaiting the user's organisation's acknowledgement (coordinators)."""
from datetime import date

import sqlalchemy as sa

from app import permissions
from app.extensions import db
from app.inbox.providers import Branch
from app.inbox.providers import EntryRow
from app.inbox.providers import InboxEntry
from app.inbox.providers import due_note
from app.inbox.providers import entry_row
from app.inbox.providers import provider
from app.models import Advisory
from app.models import AdvisoryAcknowledgement
from app.models import AdvisoryAuthor
from app.models import AdvisoryKind
from app.models import AdvisoryRecipient
from app.models import AdvisoryStatus
from app.models import Role
from app.models import Severity
from app.models import User
from app.models import today
from app.template_helpers import row_url

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


def _approve_entry(row: EntryRow, user: User) -> InboxEntry:
    return InboxEntry(section=APPROVE, action="Read the text, then approve it for your organisation",
                      reference=row.reference, title=row.title, url=row_url("advisories.detail", "advisory_id")(row.id),
                      tlp=row.tlp, note=f"{Severity(row.label).label} {AdvisoryKind(row.detail).label.lower()}")


def _acknowledge_entry(row: EntryRow, user: User) -> InboxEntry:
    severity = Severity(row.label)
    overdue = severity.urgent and row.due is not None and row.due < today()  # Advisory.is_acknowledgement_overdue
    return InboxEntry(
        section=ACKNOWLEDGE, action="Acknowledge: received, acted or not applicable", reference=row.reference,
        title=row.title, url=row_url("advisories.detail", "advisory_id")(row.id) + "#recipients", tlp=row.tlp,
        due=row.due, rank=0 if overdue else 1,
        note=" · ".join(n for n in (f"{severity.label} severity", due_note(row.due)) if n))


def _columns(**more) -> list:
    # The inbox shows what the reader may read: recipients read the restricted edition (they participate).
    return entry_row(id=Advisory.id, reference=Advisory.reference, title=Advisory.title, tlp=Advisory.tlp,
                     label=Advisory.severity, **more)


@provider(17, APPROVE)
def advisories_to_approve(user: User) -> list[Branch]:
    if user.role is not Role.COORDINATOR:
        return []
    return [Branch(to_approve(user).with_only_columns(*_columns(detail=Advisory.kind)), (Advisory.updated_at,),
                   _approve_entry)]


@provider(18, ACKNOWLEDGE)
def advisories_to_acknowledge(user: User) -> list[Branch]:
    if user.role is not Role.COORDINATOR:
        return []
    return [Branch(to_acknowledge(user).with_only_columns(*_columns(due=Advisory.acknowledgement_deadline)),
                   (Advisory.acknowledgement_deadline, Advisory.released_at.desc()), _acknowledge_entry)]


def calendar_entries(user: User) -> list[tuple[Advisory, str, date]]:
    """(advisory, what, day): the acknowledgement deadline of each live advisory the user's organisation has not
    acknowledged yet, for its coordinators (whom the acknowledgement reminders reach)."""
    stmt = to_acknowledge(user).where(Advisory.acknowledgement_deadline.is_not(None)).order_by(
        Advisory.acknowledgement_deadline, Advisory.id)
    return [(a, "acknowledgement due", a.acknowledgement_deadline) for a in db.session.scalars(stmt)]
