"""Exercise views. Every load goes through get_visible_exercise(): out of scope is 404 on every sub-route,
in scope but not allowed is 403. Undelivered injects are only ever loaded for readers of the MSEL."""
from flask_login import current_user
from sqlalchemy.orm import selectinload

from app import permissions
from app.exercises import parts
from app.exercises.parts import DETAIL_OPTIONS  # noqa: F401  -- the views' names
from app.exercises.parts import get_objective  # noqa: F401  -- the views' names
from app.extensions import db
from app.models import Exercise
from app.models import ExerciseInject


def get_visible_exercise(exercise_id: int, *options) -> Exercise:
    stmt = permissions.visible_exercises(current_user).where(Exercise.id == exercise_id)
    return db.first_or_404(stmt.options(*(options or (selectinload(Exercise.participants),))))


def get_inject(exercise: Exercise, inject_id: int) -> ExerciseInject:
    return parts.get_inject(current_user, exercise, inject_id)


def visible_injects(exercise: Exercise) -> list[ExerciseInject]:
    return parts.visible_injects(current_user, exercise)


from app.exercises.routes import exercises  # noqa: E402,F401
from app.exercises.routes import planning  # noqa: E402,F401
