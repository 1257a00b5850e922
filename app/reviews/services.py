"""Review rounds of agreements and incident plans.

A round opens when a coordinator submits a version for review (optionally naming reviewers, who
must be eligible approvers), and closes when someone requests changes (a comment is required and
stored), approves it, or the record leaves review another way. The round records who submitted the
version, which is what four eyes checks: whoever submitted it cannot approve it
(permissions.review_submitter_id).

A round is also bound to the content submitted (app/reviews/content.py): its digest is stored when
the round opens and approval is refused when the content no longer matches it. An agreement may be
edited during review, but any change of its content sends it back to draft, closes the round
(outcome content_changed) and tells the submitter and the reviewers: what was reviewed is what gets
approved, and the new text needs a new submission (whose submitter then cannot approve it). Plans
are locked in review (app/incident_plans). Every step flushes and never commits.
"""
import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app import audit
from app import kinds
from app import permissions
from app import records
from app.comments import services as comments
from app.extensions import db
from app.models import Agreement
from app.models import Comment
from app.models import IncidentPlan
from app.models import InvalidTransition
from app.models import ReviewOutcome
from app.models import ReviewRequest
from app.models import Role
from app.models import User
from app.models import utcnow
from app.notifications.services import notify
from app.reviews import content

IN_REVIEW = "in_review"


class ReviewError(InvalidTransition):
    """A review step refused with a message for the user (the status routes flash it, nothing changes)."""


PICK_REVIEWERS = "Pick reviewers from the list. Nothing was changed."


def review_input(actor: User, form) -> dict:
    """The review part of a status change (a ReviewStepForm of the request), as keyword arguments for the
    record's transition service: the comment, and the named reviewers loaded through the actor's
    visible_users scope. Raises ReviewError for a value that is not one of them; whether they may
    review this record is checked when the round opens."""
    if not form.validate():  # a reviewer value that is not an id
        raise ReviewError(PICK_REVIEWERS)
    ids = set(form.reviewers.data or [])
    reviewers = list(db.session.scalars(permissions.visible_users(actor).where(User.id.in_(ids)))) if ids else []
    if len(reviewers) != len(ids):
        raise ReviewError(PICK_REVIEWERS)
    return {"comment": form.comment.data or "", "reviewers": reviewers}


def _kind(record) -> str:
    return kinds.kind_of(record).key


def current_review(record) -> ReviewRequest | None:
    """The open round of a record in review (None when it is not in review)."""
    return db.session.scalar(
        sa.select(ReviewRequest)
        .where(ReviewRequest.linked_to(record),
               ReviewRequest.outcome == ReviewOutcome.OPEN)
        .options(selectinload(ReviewRequest.reviewers), selectinload(ReviewRequest.submitted_by))
        .order_by(ReviewRequest.id.desc()).limit(1))


def last_review(record) -> ReviewRequest | None:
    return db.session.scalar(
        sa.select(ReviewRequest)
        .where(ReviewRequest.linked_to(record))
        .options(selectinload(ReviewRequest.comment), selectinload(ReviewRequest.decided_by))
        .order_by(ReviewRequest.id.desc()).limit(1))


SENT_BACK = (ReviewOutcome.CHANGES_REQUESTED, ReviewOutcome.CONTENT_CHANGED)


def last_sent_back(record, review: ReviewRequest) -> ReviewRequest | None:
    """The latest round before `review` that went back to draft (changes requested, or changed during
    review) with its content kept."""
    return db.session.scalar(
        sa.select(ReviewRequest)
        .where(ReviewRequest.linked_to(record),
               ReviewRequest.id < review.id, ReviewRequest.outcome.in_(SENT_BACK),
               ReviewRequest.content_version_id.is_not(None))
        .options(selectinload(ReviewRequest.content_version))
        .order_by(ReviewRequest.id.desc()).limit(1))


def eligible_reviewers(record, submitter: User) -> list[User]:
    """Who may be named reviewer: active coordinators of a participating organisation who may read
    the record and may approve it once `submitter` has submitted it (never the submitter; for a plan,
    never its author either)."""
    stmt = (sa.select(User)
            .where(User.role == Role.COORDINATOR, User.active.is_(True), User.id != submitter.id,
                   User.organization_id.in_(record.participating_org_ids()))
            .options(selectinload(User.organization)).order_by(User.name))
    if isinstance(record, IncidentPlan) and record.created_by_id:
        stmt = stmt.where(User.id != record.created_by_id)
    users = list(db.session.scalars(stmt))
    if record.tlp.value == "red":
        users = [u for u in users if permissions.can_read_red(u, record)]
    if isinstance(record, Agreement):  # never an observer party's coordinators
        users = [u for u in users if permissions.acts_for_agreement(u, record)]
    return users


def check_approvable(record) -> None:
    """Refuse (ReviewError) to approve content other than what the open round was submitted with."""
    review = current_review(record)
    if review is None or review.content_version is None:
        return
    if content.current_digest(record) != review.content_version.digest:
        raise ReviewError(f"This {_label(record)} changed after it was submitted for review: nothing was approved. "
                          "Its content must be submitted again before anyone approves it.")


def content_saved(actor: User, record) -> None:
    """Called by a service after it changed a record's reviewable content: keeps a version, and sends a
    record in review whose content no longer matches what was submitted back to draft."""
    version = content.record_version(actor, record)
    if getattr(record.status, "value", record.status) != IN_REVIEW:
        return
    review = current_review(record)
    if review is not None and review.content_version is not None and review.content_version.digest == version.digest:
        return
    records.transition(actor, record, type(record.status)("draft"), _kind(record))
    if review is not None:
        review.outcome, review.decided_by, review.decided_at = ReviewOutcome.CONTENT_CHANGED, actor, utcnow()
    audit.record(actor, f"{_kind(record)}.review_reset", record,
                 summary=f"content changed during review by {actor.name}: back to draft, to be submitted again")
    told = {u.id: u for u in (submitter_of(review, actor) + list(review.reviewers if review else []))}
    thing = content_label(record)
    notify(list(told.values()), "review_reset", record, actor=actor,
           summary=f"{actor.name} changed {thing} during review: it is back in draft and must be submitted again")
    db.session.flush()


def content_label(record) -> str:
    return f"{_label(record)} {record.reference}"


def review_step(actor: User, record, old_status, new_status, *, comment: str = "",
                reviewers: list[User] = ()) -> None:
    """Called by the record's transition service right after the status moved from old_status."""
    old, new = getattr(old_status, "value", old_status), getattr(new_status, "value", new_status)
    if new == IN_REVIEW:
        review = _open(actor, record, list(reviewers))
        notify(review_requested_recipients(record, review), "review_requested", record, actor=actor)
    elif old == IN_REVIEW and new == "draft":
        review, note = _request_changes(actor, record, comment)
        notify(submitter_of(review, actor), "changes_requested", record, actor=actor, comment=note)
    elif old == IN_REVIEW and new == "approved":
        review = _close(actor, record, ReviewOutcome.APPROVED)
        notify(submitter_of(review, actor), "approved", record, actor=actor)
    elif old == IN_REVIEW:
        _close(actor, record, ReviewOutcome.CLOSED)
    if isinstance(record, Agreement) and new == "out_for_signature":
        notify(signature_recipients(record, actor), "issued_for_signature", record, actor=actor)


def _open(actor: User, record, reviewers: list[User]) -> ReviewRequest:
    eligible = {u.id for u in eligible_reviewers(record, actor)}
    refused = [u.name for u in reviewers if u.id not in eligible]
    if refused:
        raise ReviewError(f"{', '.join(sorted(refused))} cannot review this {_label(record)}: reviewers must be "
                          "coordinators of a participating organisation who may approve it, not the submitter.")
    for stale in db.session.scalars(sa.select(ReviewRequest).where(
            ReviewRequest.linked_to(record),
            ReviewRequest.outcome == ReviewOutcome.OPEN)):
        stale.outcome, stale.decided_at = ReviewOutcome.CLOSED, utcnow()
    review = ReviewRequest(object_type=record.__tablename__, object_id=record.id, submitted_by=actor,
                           reviewers=list(reviewers), content_version=content.record_version(actor, record))
    db.session.add(review)
    db.session.flush()
    db.session.expire(record, ["review_rounds"])  # read again with the new round (permissions.review_submitter_id)
    if reviewers:
        audit.record(actor, f"{_kind(record)}.reviewers_named", record,
                     summary=f"reviewers: {', '.join(sorted(u.name for u in reviewers))}")
    return review


def _request_changes(actor: User, record, body: str) -> tuple[ReviewRequest | None, Comment]:
    if not (body or "").strip():
        raise ReviewError("Say what should change: requesting changes needs a comment. Nothing was changed.")
    try:
        comment = comments.write_comment(actor, record, body, action="changes_requested")
    except comments.CommentError as exc:
        raise ReviewError(f"{exc} Nothing was changed.") from exc
    review = current_review(record)
    if review is not None:
        review.outcome, review.decided_by, review.decided_at = ReviewOutcome.CHANGES_REQUESTED, actor, utcnow()
        review.comment = comment
    db.session.flush()
    return review, comment


def _close(actor: User, record, outcome: ReviewOutcome) -> ReviewRequest | None:
    review = current_review(record)
    if review is not None:
        review.outcome, review.decided_by, review.decided_at = outcome, actor, utcnow()
        db.session.flush()
    return review


def _label(record) -> str:
    return "agreement" if isinstance(record, Agreement) else "plan"


# --- Who hears about each step (the notification recipients) ---------------------------------


def review_requested_recipients(record, review: ReviewRequest) -> list[User]:
    """The named reviewers, else every eligible coordinator."""
    return list(review.reviewers) or eligible_reviewers(record, review.submitted_by)


def submitter_of(review: ReviewRequest | None, actor: User) -> list[User]:
    """changes_requested and approved go to whoever submitted the round (not to the actor)."""
    if review is None or review.submitted_by_id == actor.id or not review.submitted_by.active:
        return []
    return [review.submitted_by]


def signature_recipients(agreement: Agreement, actor: User) -> list[User]:
    """issued_for_signature: the coordinators of the agreement's party organisations."""
    org_ids = {p.organization_id for p in agreement.parties} or {agreement.owner_organization_id}
    users = db.session.scalars(sa.select(User).where(
        User.role == Role.COORDINATOR, User.active.is_(True), User.organization_id.in_(org_ids),
        User.id != actor.id).order_by(User.id))
    return [u for u in users if agreement.tlp.value != "red" or permissions.can_read_red(u, agreement)]
