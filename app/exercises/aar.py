"""The after-action report with its improvement plan: a lead coordinator submits it once the exercise is
evaluated, another lead coordinator approves it (four eyes), and it is then issued in its TLP editions, sealed
and never changed. Due AAR_DUE_DAYS after the exercise was conducted."""
import sqlalchemy as sa

from app import audit
from app import kinds
from app import permissions
from app.exercises.services import ExerciseInputError
from app.exercises.services import lead_coordinators
from app.extensions import db
from app.models import CorrectiveAction
from app.models import Exercise
from app.models import ExerciseStatus
from app.models import NotificationKind
from app.models import ReviewOutcome
from app.models import ReviewRequest
from app.models import User
from app.models import utcnow
from app.notifications.services import notify

KIND = kinds.by_model(Exercise).key  # its audit actions' key (app/kinds.py)


def aar_review(exercise: Exercise) -> ReviewRequest | None:
    """The latest AAR review round of the exercise (open or decided)."""
    return db.session.scalars(sa.select(ReviewRequest).where(
        ReviewRequest.object_type == Exercise.__tablename__, ReviewRequest.object_id == exercise.id)
        .order_by(ReviewRequest.id.desc()).limit(1)).first()


def is_aar_approved(exercise: Exercise) -> bool:
    review = aar_review(exercise)
    return review is not None and review.outcome is ReviewOutcome.APPROVED


def _check_state(exercise: Exercise) -> None:
    if exercise.status is not ExerciseStatus.EVALUATED:
        raise ExerciseInputError("aar", "The after-action report is written once the exercise is evaluated.")


def submit_aar(actor: User, exercise: Exercise) -> ReviewRequest:
    permissions.authorize(permissions.leads_exercise(actor, exercise))
    _check_state(exercise)
    review = aar_review(exercise)
    if review is not None and review.outcome in (ReviewOutcome.OPEN, ReviewOutcome.APPROVED):
        raise ExerciseInputError("aar", "The after-action report is already "
                                        + ("awaiting approval." if review.outcome is ReviewOutcome.OPEN else "approved."))
    review = ReviewRequest(object_type=Exercise.__tablename__, object_id=exercise.id, submitted_by_id=actor.id)
    db.session.add(review)
    db.session.flush()
    audit.record(actor, f"{KIND}.aar_submitted", exercise, summary="after-action report submitted for approval")
    notify([u for u in lead_coordinators(exercise) if u.id != actor.id], NotificationKind.REVIEW_REQUESTED, exercise,
           actor=actor, summary=f"{exercise.reference}: approve the after-action report")
    return review


def approve_aar(actor: User, exercise: Exercise):
    """Another lead coordinator than the submitter approves; every edition is issued at once."""
    from app.documents.services import issue_exercise_aar  # the documents layer renders and seals

    permissions.authorize(permissions.leads_exercise(actor, exercise))
    _check_state(exercise)
    review = aar_review(exercise)
    if review is None or review.outcome is not ReviewOutcome.OPEN:
        raise ExerciseInputError("aar", "Nothing awaits approval: the after-action report must be submitted first.")
    if review.submitted_by_id == actor.id:
        raise ExerciseInputError("aar", "Whoever submitted the after-action report cannot approve it (four eyes).")
    review.outcome, review.decided_by_id, review.decided_at = ReviewOutcome.APPROVED, actor.id, utcnow()
    actions = list(db.session.scalars(sa.select(CorrectiveAction).where(
        CorrectiveAction.exercise_id == exercise.id, CorrectiveAction.archived_at.is_(None))
        .order_by(CorrectiveAction.id)))
    documents = issue_exercise_aar(actor, exercise, actions)
    audit.record(actor, f"{KIND}.aar_approved", exercise,
                 summary=f"after-action report approved; {len(documents)} edition(s) issued")
    notify([u for u in lead_coordinators(exercise)], NotificationKind.APPROVED, exercise, actor=actor,
           summary=f"{exercise.reference}: after-action report approved and issued")
    return documents
