"""The inbox's sections that every kind shares (app/kinds.py names this module for them): reviews to give, work
assigned to the user, reviews due of what the user's organisation owns."""
from datetime import timedelta
from types import SimpleNamespace

import sqlalchemy as sa
from flask import url_for

from app import kinds
from app import permissions
from app.inbox.providers import DUE_SOON_DAYS
from app.inbox.providers import Branch
from app.inbox.providers import EntryRow
from app.inbox.providers import InboxEntry
from app.inbox.providers import due_note
from app.inbox.providers import entry_row
from app.inbox.providers import provider
from app.models import ReviewOutcome
from app.models import ReviewRequest
from app.models import Role
from app.models import User
from app.models import review_request_reviewers
from app.models import today
from app.template_helpers import row_url

REVIEW_DUE_DAYS = 30


# The sections below list the kinds whose registry entry names this module (app/kinds.py, inbox_sections), each by
# what it is: reviewed (reviews to give), assigned to someone (assigned work), reviewed on a date (reviews due).


def _shared() -> tuple[kinds.RecordKind, ...]:
    return tuple(kind for kind in kinds.KINDS if kind.inbox_sections == __name__)


def _reviewed() -> tuple[kinds.RecordKind, ...]:
    return tuple(kind for kind in _shared() if kind.reviewed)


def _assigned() -> tuple[kinds.RecordKind, ...]:
    return tuple(kind for kind in _shared() if kind.assignee)


def _dated_reviews() -> tuple[kinds.RecordKind, ...]:
    return tuple(kind for kind in _shared() if kind.shareable and hasattr(kind.model, "review_due_condition"))


def _edition(reference: str, version: str | None) -> str:
    """The reference, with the version for a kind approved in versions (a plan's "IRP-2026-001 v2.0")."""
    return f"{reference} v{version}" if version else reference


def _version(model) -> sa.ColumnElement | None:
    return getattr(model, "version_label", None)


def _url(kind: kinds.RecordKind, row: EntryRow, anchor: str = "") -> str:
    """The record's page: the URL built once per request and kind (row_url) unless the kind locates its records."""
    if kind.locate is None:
        return row_url(kind.endpoint, kind.id_arg)(row.id) + anchor
    record = SimpleNamespace(id=row.id, **({kind.parent_key.key: row.parent_id} if kind.parent else {}))
    return url_for(kind.endpoint, **kind.locate(record)) + anchor


# --- Reviews and approvals -------------------------------------------------------------------


def _awaiting_review(user: User, kind: kinds.RecordKind) -> sa.Select:
    """Records of the kind in review, taking part through the user's organisation, that the user may
    approve: not submitted by them (the newest open round's submitter, else the creator) and whatever the
    kind adds (`awaiting_review_condition`: a plan's author does not approve it)."""
    model = kind.model
    submitter = (sa.select(ReviewRequest.submitted_by_id)
                 .where(ReviewRequest.linked_to(model),
                        ReviewRequest.outcome == ReviewOutcome.OPEN)
                 .order_by(ReviewRequest.id.desc()).limit(1).correlate(model).scalar_subquery())
    return permissions.visible_records(kind, user).where(
        model.awaiting_review_condition(user.id), model.archived_at.is_(None),
        model.participation_condition([user.organization_id]),
        sa.func.coalesce(submitter, model.created_by_id) != user.id)


def _named_for(user: User, model) -> sa.Select:
    """The ids of the records of `model` whose open review round names the user as a reviewer: a person's few, read
    from ix_review_request_reviewers_user_id."""
    return (sa.select(ReviewRequest.object_id)
            .join(review_request_reviewers, review_request_reviewers.c.review_request_id == ReviewRequest.id)
            .where(review_request_reviewers.c.user_id == user.id, ReviewRequest.outcome == ReviewOutcome.OPEN,
                   ReviewRequest.object_type == model.__tablename__))


def _submitter_name(model) -> sa.ScalarSelect:
    """The name of who submitted the record's newest open review round (None without one)."""
    return (sa.select(User.name).join(ReviewRequest, ReviewRequest.submitted_by_id == User.id)
            .where(ReviewRequest.linked_to(model),
                   ReviewRequest.outcome == ReviewOutcome.OPEN)
            .order_by(ReviewRequest.id.desc()).limit(1).correlate(model).scalar_subquery())


def _review_branches(user: User, kind: kinds.RecordKind) -> list[Branch]:
    """The records of the kind awaiting the user's review with who submitted them: those naming the user as a
    reviewer (first in the section), then the others. Each branch is in the order of references, the others' read
    in an index's order (ix_agreements_live_status_reference) and stopped at the page instead of sorting every
    record in review (a thousand agreements at scale)."""
    model = kind.model
    named = model.id.in_(_named_for(user, model))

    def columns(flag: int) -> list:
        return entry_row(id=model.id, reference=model.reference, title=model.title, tlp=model.tlp,
                         flag=sa.literal(flag, sa.Integer), label=_version(model), detail=_submitter_name(model))

    def entry(row: EntryRow, user: User) -> InboxEntry:
        return InboxEntry(section="Reviews and approvals", action="Approve or request changes",
                          reference=_edition(row.reference, row.label), title=row.title,
                          url=_url(kind, row, "#review"), tlp=row.tlp, rank=0 if row.flag else 1,
                          note=("You are a named reviewer" if row.flag else "You may approve it")
                          + (f" · submitted by {row.detail}" if row.detail else ""))

    awaiting = _awaiting_review(user, kind)
    return [Branch(awaiting.where(named).with_only_columns(*columns(1)), (model.reference,), entry),
            Branch(awaiting.where(~named).with_only_columns(*columns(0)), (model.reference,), entry)]


@provider(10, "Reviews and approvals")
def reviews_to_give(user: User) -> list[Branch]:
    """Records in review (agreements, plans) that the user may approve: named reviewer first."""
    if user.role is not Role.COORDINATOR:
        return []
    return [branch for kind in _reviewed() for branch in _review_branches(user, kind)]


# --- Work assigned to the user ---------------------------------------------------------------


def assigned_condition(kind: kinds.RecordKind) -> sa.ColumnElement[bool]:
    """Which of the open work of the kind assigned to a person is in their inbox: under a live parent (joined by
    visible_records), not started or due within a week. The dashboard counts it so in its pass over that work,
    labelled given(assigned_name(kind))."""
    model, due = kind.model, getattr(kind.model, kind.deadlines[0].field)
    return sa.and_(kind.parent_kind.model.archived_at.is_(None),
                   sa.or_(model.status == model.NOT_STARTED, due <= today() + timedelta(days=DUE_SOON_DAYS)))


def assigned_name(kind: kinds.RecordKind) -> str:
    return f"assigned_{kind.key}"


def _assigned_to(user: User, kind: kinds.RecordKind) -> sa.Select:
    """Open work of the kind assigned to the user, under a live parent: not started, or due within a week."""
    model = kind.model
    return (permissions.visible_records(kind, user)
            .where(getattr(model, kind.assignee) == user.id, model.open_condition(), assigned_condition(kind)))


def _assigned_branches(user: User, kind: kinds.RecordKind) -> list[Branch]:
    """The kind's work assigned to the user with its parent's reference (or name) and label: the dated soonest due
    first, then the undated. Two branches: the dated ones read in an index's order of due dates and stop early
    (ix_tasks_assignee_due), where ordering the undated last would sort every open task of the person."""
    model, parent = kind.model, kind.parent_kind.model
    due = getattr(model, kind.deadlines[0].field)
    reference = parent.reference
    if hasattr(parent, "name"):
        reference = sa.func.coalesce(sa.func.nullif(parent.reference, ""), parent.name)
    columns = entry_row(id=model.id, parent_id=kind.parent_key, reference=reference, title=model.title,
                        tlp=parent.tlp, due=due, flag=sa.case((model.status == model.NOT_STARTED, 1), else_=0))

    def entry(row: EntryRow, user: User) -> InboxEntry:
        return InboxEntry(section="Assigned to you", action=kind.inbox_action, reference=row.reference or "",
                          title=row.title, url=_url(kind, row), tlp=row.tlp, due=row.due,
                          note=" · ".join(n for n in ("Newly assigned" if row.flag else "", due_note(row.due)) if n))

    rows = _assigned_to(user, kind).with_only_columns(*columns)
    return [Branch(rows.where(due.is_not(None)), (due, model.id), entry, assigned_name(kind)),
            Branch(rows.where(due.is_(None)), (model.id,), entry, assigned_name(kind))]


@provider(20, "Assigned to you")
def assigned_work(user: User) -> list[Branch]:
    """Tasks and mitigations assigned to the user: newly assigned (not started) or due within a week
    or overdue. Done (or implemented, verified, cancelled) work leaves the inbox. Soonest due first."""
    return [branch for kind in _assigned() for branch in _assigned_branches(user, kind)]


# --- Reviews of risks and plans the user's organisation owns --------------------------------


def _review_due(user: User, kind: kinds.RecordKind) -> sa.Select:
    return (permissions.visible_records(kind, user)
            .where(kind.model.owner_organization_id == user.organization_id,
                   kind.model.review_due_condition(REVIEW_DUE_DAYS)))


# The dated fields these sections list by their date (assigned work, reviews due); a kind's own inbox module
# declares its DATED too.
DATED = (tuple((kind.model, deadline.field) for kind in _assigned() for deadline in kind.deadlines[:1])
         + tuple((kind.model, "next_review_date") for kind in _dated_reviews()))


def _due_branch(user: User, kind: kinds.RecordKind) -> Branch:
    model = kind.model
    columns = entry_row(id=model.id, reference=model.reference, title=model.title, tlp=model.tlp,
                        due=model.next_review_date, label=_version(model))

    def entry(row: EntryRow, user: User) -> InboxEntry:
        return InboxEntry(section="Due for review", action=kind.inbox_action, reference=_edition(row.reference, row.label),
                          title=row.title, url=_url(kind, row), tlp=row.tlp, due=row.due, note=due_note(row.due))

    return Branch(_review_due(user, kind).with_only_columns(*columns), (model.next_review_date, model.id), entry)


@provider(30, "Due for review")
def reviews_due(user: User) -> list[Branch]:
    """Risks and approved plans owned by the user's organisation whose next review date is within
    30 days or past, for its coordinators (who may edit or revise them)."""
    if user.role is not Role.COORDINATOR:
        return []
    return [_due_branch(user, kind) for kind in _dated_reviews()]
