"""Exercise views. Every load goes through get_visible_exercise(): out of scope is 404 on every sub-route,
in scope but not allowed is 403. Undelivered injects are only ever loaded for readers of the MSEL."""
import sqlalchemy as sa
from flask_login import current_user
from sqlalchemy.orm import selectinload

from app import permissions
from app.extensions import db
from app.models import Exercise, ExerciseInject, ExerciseObjective, ExerciseParticipant

DETAIL_OPTIONS = (
    selectinload(Exercise.owner_organization), selectinload(Exercise.organizations),
    selectinload(Exercise.agreements), selectinload(Exercise.incident_plan),
    selectinload(Exercise.participants).selectinload(ExerciseParticipant.user),
    selectinload(Exercise.objectives).selectinload(ExerciseObjective.evaluations),
)


def get_visible_exercise(exercise_id: int, *options) -> Exercise:
    stmt = permissions.visible_exercises(current_user).where(Exercise.id == exercise_id)
    return db.first_or_404(stmt.options(*(options or (selectinload(Exercise.participants),))))


def get_objective(exercise: Exercise, objective_id: int) -> ExerciseObjective:
    return db.first_or_404(sa.select(ExerciseObjective).where(  # scoped: exercise came from its visible_* scope
        ExerciseObjective.id == objective_id, ExerciseObjective.exercise_id == exercise.id))


def get_inject(exercise: Exercise, inject_id: int) -> ExerciseInject:
    """An inject through its visible exercise; an undelivered one only for readers of the MSEL (404 otherwise:
    a player learns nothing of what is coming)."""
    stmt = sa.select(ExerciseInject).where(ExerciseInject.id == inject_id, ExerciseInject.exercise_id == exercise.id)
    if not permissions.can_read_msel(current_user, exercise):
        stmt = stmt.where(ExerciseInject.delivered_at.is_not(None))
    return db.first_or_404(stmt)  # scoped: exercise came from its visible_* scope; the MSEL rule above


def visible_injects(exercise: Exercise) -> list[ExerciseInject]:
    stmt = sa.select(ExerciseInject).where(ExerciseInject.exercise_id == exercise.id)  # scoped: as above
    if not permissions.can_read_msel(current_user, exercise):
        stmt = stmt.where(ExerciseInject.delivered_at.is_not(None))
    stmt = stmt.options(selectinload(ExerciseInject.to_organization)).order_by(ExerciseInject.number, ExerciseInject.id)
    return list(db.session.scalars(stmt))  # scoped: exercise came from its visible_* scope; the MSEL rule above


from app.exercises.routes import exercises, planning  # noqa: E402,F401
