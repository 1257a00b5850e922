"""The exercise documents: the situation manual (every reader of the exercise), the controller/evaluator
handbook (readers of the MSEL only: 404 for everyone else, who must not learn what is coming) and the
AAR/IP in its ?tlp= editions. Each is served as issued, never re-rendered; before it is issued the reader is
sent back to the exercise with the reason."""
from flask import abort
from flask import request
from flask import url_for
from flask_login import current_user

from app import permissions
from app.documents import bp
from app.documents.executive import parse_edition
from app.documents.exercise import HANDBOOK_OBJECT_TYPE
from app.documents.routes import issued_or_back
from app.documents.routes import pdf_rate_limit
from app.documents.services import KIND_AAR
from app.documents.services import KIND_HANDBOOK
from app.documents.services import KIND_SITMAN
from app.documents.services import exercise_document
from app.extensions import db
from app.models import Exercise


def _exercise(exercise_id: int) -> Exercise:
    return db.first_or_404(permissions.visible_exercises(current_user).where(Exercise.id == exercise_id))


def _issued(exercise: Exercise, document, not_yet: str):
    return issued_or_back(document, not_yet, url_for("exercises.detail", exercise_id=exercise.id))


@bp.get("/exercises/<int:exercise_id>/sitman.pdf")
@pdf_rate_limit
def exercise_sitman(exercise_id: int):
    exercise = _exercise(exercise_id)
    return _issued(exercise, exercise_document(exercise, KIND_SITMAN),
                   "The situation manual is issued when the exercise is marked ready.")


@bp.get("/exercises/<int:exercise_id>/handbook.pdf")
@pdf_rate_limit
def exercise_handbook(exercise_id: int):
    exercise = _exercise(exercise_id)
    if not permissions.can_read_msel(current_user, exercise):
        abort(404)
    return _issued(exercise, exercise_document(exercise, KIND_HANDBOOK, HANDBOOK_OBJECT_TYPE),
                   "The controller/evaluator handbook is issued when the exercise is marked ready.")


@bp.get("/exercises/<int:exercise_id>/aar.pdf")
@pdf_rate_limit
def exercise_aar(exercise_id: int):
    """?tlp= chooses the edition (at most the exercise's own label, its default)."""
    exercise = _exercise(exercise_id)
    try:
        edition = parse_edition(request.args.get("tlp")) or exercise.tlp
    except ValueError:
        abort(400, description="Unknown edition: choose tlp=clear, green, amber, amber_strict or red.")
    if edition.rank > exercise.tlp.rank:
        abort(400, description=f"This exercise is {exercise.tlp.label}: its report has no higher edition.")
    return _issued(exercise, exercise_document(exercise, f"{KIND_AAR}{edition.value}"),
                   "The after-action report is issued once it is approved.")
