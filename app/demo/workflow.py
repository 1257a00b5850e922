"""Demo review rounds and comments: who submitted what for review (and whom they named), a round
that ended with changes requested, and progress comments on initiatives, tasks and risks, written
through the services so their audit rows and notifications exist too. Idempotent: a record that has
a review round or a comment already is left alone.
"""
import sqlalchemy as sa

from app.comments import services as comments
from app.extensions import db
from app.models import Agreement
from app.models import AgreementStatus
from app.models import Comment
from app.models import IncidentPlan
from app.models import Initiative
from app.models import PlanStatus
from app.models import ReviewRequest
from app.models import Risk
from app.models import Task
from app.models import TaskStatus
from app.models import User
from app.reviews import services as reviews

# Comment texts by kind: (author role hint, Markdown). Authors are picked among those who may comment.
PROGRESS = {
    Initiative: ["**Status:** pilot sites connected; the second wave waits on firewall changes at two sites.",
                 "Budget review moved to next month. No impact on the *target date* so far."],
    Task: ["Started: first draft shared with the group.", "Blocked on vendor access — chased again today."],
    Risk: ["Tabletop exercise showed the manual fallback takes **45 minutes**, not 20 as assumed.",
           "Mitigation owner confirmed the budget; work starts next sprint."],
}
REVIEW_NOTES = [
    "Read section 3 closely: the *onward sharing* clause needs the TLP wording from our policy.",
    "Looks complete to me. Please confirm the contact roster was refreshed this quarter.",
]
CHANGES_REQUESTED = ("Please add the regulator's 24/7 number to the contacts and state the notice period "
                     "in **days**, not weeks.")


def _has_workflow(record) -> bool:
    return bool(db.session.scalar(sa.select(ReviewRequest.id).where(
        ReviewRequest.linked_to(record)).limit(1))
        or db.session.scalar(sa.select(Comment.id).where(
            Comment.linked_to(record)).limit(1)))


def _commenters(record) -> list[User]:
    from app.permissions import can_comment

    users = db.session.scalars(sa.select(User).where(User.active.is_(True)).order_by(User.id)).all()
    readers = {u.id for u in users if _can_read(u, record)}
    return [u for u in users if u.id in readers and can_comment(u, record)]


def _can_read(user: User, record) -> bool:
    from app.notifications.objects import can_see

    return can_see(user, record)


def _seed_reviews() -> int:
    """Each record in review gets its round: submitted by its creator, the first one naming a reviewer."""
    count = 0
    in_review = [*db.session.scalars(sa.select(Agreement).where(Agreement.status == AgreementStatus.IN_REVIEW)
                                     .order_by(Agreement.id)),
                 *db.session.scalars(sa.select(IncidentPlan).where(IncidentPlan.status == PlanStatus.IN_REVIEW)
                                     .order_by(IncidentPlan.id))]
    for index, record in enumerate(in_review):
        if record.created_by is None or db.session.scalar(sa.select(Comment.id).where(
                Comment.linked_to(record)).limit(1)):
            continue
        eligible = reviews.eligible_reviewers(record, record.created_by)
        named = [u for u in eligible if u.organization_id != record.owner_organization_id][:1] if index % 2 == 0 else []
        current = reviews.current_review(record)
        if current is None:  # put in review by the demo before rounds were recorded
            reviews.review_step(record.created_by, record, "draft", "in_review", reviewers=named)
        elif not current.reviewers and current.submitted_by_id == record.created_by_id:
            current.reviewers = named
        if eligible:
            comments.add_comment(eligible[0], record, REVIEW_NOTES[index % len(REVIEW_NOTES)])
        count += 1
    return count


def _seed_changes_requested() -> int:
    """One draft agreement came back from review with changes requested."""
    draft = db.session.scalar(sa.select(Agreement).where(Agreement.status == AgreementStatus.DRAFT,
                                                         Agreement.archived_at.is_(None)).order_by(Agreement.id))
    if draft is None or draft.created_by is None or _has_workflow(draft):
        return 0
    eligible = reviews.eligible_reviewers(draft, draft.created_by)
    if not eligible:
        return 0
    reviews.review_step(draft.created_by, draft, "draft", "in_review", reviewers=eligible[:1])
    reviews.review_step(eligible[0], draft, "in_review", "draft", comment=CHANGES_REQUESTED)
    return 1


def _seed_progress() -> int:
    count = 0
    for model, notes in PROGRESS.items():
        stmt = sa.select(model).where(model.archived_at.is_(None)).order_by(model.id).limit(4)
        if model is Task:
            stmt = stmt.where(Task.status != TaskStatus.DONE, Task.assignee_id.is_not(None))
        for record in db.session.scalars(stmt).all():
            if _has_workflow(record):
                continue
            authors = _commenters(record)
            if isinstance(record, Task) and record.assignee in authors:
                authors.remove(record.assignee)
                authors.insert(0, record.assignee)  # the assignee reports progress first
            for author, note in zip(authors[:2], notes, strict=False):
                comments.add_comment(author, record, note)
                count += 1
    return count


def seed(people) -> int:
    return _seed_reviews() + _seed_changes_requested() + _seed_progress()
