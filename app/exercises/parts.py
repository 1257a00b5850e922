"""An exercise's parts as a reader may load them (the pages and the API alike): an objective or an inject only
through its exercise (loaded through visible_exercises by the caller), an undelivered inject only for readers of
the MSEL (404 otherwise: a player learns nothing of what is coming)."""
import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app import permissions
from app.extensions import db
from app.models import Exercise
from app.models import ExerciseInject
from app.models import ExerciseObjective
from app.models import ExerciseParticipant
from app.models import User

DETAIL_OPTIONS = (
    selectinload(Exercise.owner_organization), selectinload(Exercise.organizations),
    selectinload(Exercise.agreements), selectinload(Exercise.incident_plan),
    selectinload(Exercise.participants).selectinload(ExerciseParticipant.user),
    selectinload(Exercise.objectives).selectinload(ExerciseObjective.evaluations),
)


def get_objective(exercise: Exercise, objective_id: int) -> ExerciseObjective:
    return db.first_or_404(sa.select(ExerciseObjective).where(  # scoped: exercise came from its visible_* scope
        ExerciseObjective.id == objective_id, ExerciseObjective.exercise_id == exercise.id))


def _injects(user: User, exercise: Exercise) -> sa.Select:
    stmt = sa.select(ExerciseInject).where(ExerciseInject.exercise_id == exercise.id)  # scoped: as above
    if not permissions.can_read_msel(user, exercise):
        stmt = stmt.where(ExerciseInject.delivered_at.is_not(None))
    return stmt


def get_inject(user: User, exercise: Exercise, inject_id: int) -> ExerciseInject:
    return db.first_or_404(_injects(user, exercise).where(ExerciseInject.id == inject_id))  # scoped: above


def visible_injects(user: User, exercise: Exercise) -> list[ExerciseInject]:
    stmt = (_injects(user, exercise).options(selectinload(ExerciseInject.to_organization))
            .order_by(ExerciseInject.number, ExerciseInject.id))
    return list(db.session.scalars(stmt))  # scoped: exercise came from its visible_* scope; the MSEL rule above
