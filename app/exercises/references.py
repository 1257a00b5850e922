"""The other side of an exercise's links: on an agreement, an incident plan, a task or a risk page, the exercises
that tested it and the corrective actions carried out as it, each as the reader may see it (their exercise's
TLP scope; archived ones left out). Pages include templates/exercises/_references.html, which calls
`exercise_references(record)`: two statements whatever the number of links."""
import sqlalchemy as sa
from flask_login import current_user
from sqlalchemy.orm import selectinload

from app import permissions
from app.exercises import bp
from app.extensions import db
from app.models import Agreement
from app.models import CorrectiveAction
from app.models import Exercise
from app.models import IncidentPlan
from app.models import Mitigation
from app.models import Risk
from app.models import Task


def _conditions(record) -> tuple:
    """(what an exercise's link to `record` reads in SQL, the same for a corrective action)."""
    if isinstance(record, Agreement):
        return Exercise.agreements.any(Agreement.id == record.id), CorrectiveAction.agreement_id == record.id
    if isinstance(record, IncidentPlan):  # this very version: the one exercised, the one revised
        return Exercise.incident_plan_id == record.id, CorrectiveAction.incident_plan_id == record.id
    if isinstance(record, Task):
        return None, CorrectiveAction.task_id == record.id
    if isinstance(record, Risk):  # its mitigations are shown on its page
        return None, CorrectiveAction.mitigation_id.in_(sa.select(Mitigation.id).where(Mitigation.risk_id == record.id))
    raise LookupError(f"{type(record).__name__} is not linked from exercises")


@bp.app_template_global()
def exercise_references(record) -> dict:
    exercise_condition, action_condition = _conditions(record)
    exercises = []
    if exercise_condition is not None:
        exercises = db.session.scalars(permissions.visible_exercises(current_user).where(
            exercise_condition, Exercise.archived_at.is_(None)).order_by(Exercise.starts_at.desc(), Exercise.id)).all()
    actions = db.session.scalars(permissions.visible_corrective_actions(current_user).where(
        action_condition, CorrectiveAction.archived_at.is_(None), Exercise.archived_at.is_(None))
        .options(selectinload(CorrectiveAction.exercise)).order_by(CorrectiveAction.id)).all()
    as_what = {Agreement: "an amendment of this agreement", IncidentPlan: "a revision of this plan",
               Task: "this task", Risk: "its mitigations"}[type(record)]
    return {"exercises": exercises, "actions": actions, "as_what": as_what}
