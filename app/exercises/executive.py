"""The exercises' section of the executive report (its registry entry names it; app/documents/executive.py runs
it): exercises of the last 12 months at or below the edition's label, their ratings, and the corrective actions of
exercises at or below it still open (not verified) and overdue."""
from datetime import timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so

from app import permissions
from app.documents.executive import ExecutiveSection
from app.documents.executive import capped_statements
from app.documents.executive import labels_statement
from app.documents.executive import run_capped
from app.extensions import db
from app.models import CorrectiveAction
from app.models import CorrectiveActionStatus
from app.models import Exercise
from app.models import ExerciseEvaluation
from app.models import ExerciseObjective
from app.models import Rating

PERIOD_DAYS = 365  # "exercises conducted in the last 12 months"


def _statements(reader, labels, on) -> dict:
    exercises = permissions.visible_exercises(reader).where(
        Exercise.archived_at.is_(None), Exercise.conducted_on >= on - timedelta(days=PERIOD_DAYS),
        Exercise.tlp.in_(labels))
    exercise_ids = exercises.order_by(None).with_only_columns(Exercise.id)
    actions = permissions.visible_corrective_actions(reader).where(
        CorrectiveAction.archived_at.is_(None), Exercise.archived_at.is_(None), Exercise.tlp.in_(labels),
        CorrectiveAction.status != CorrectiveActionStatus.VERIFIED)
    late = sa.and_(CorrectiveAction.due_date < on, CorrectiveAction.status.in_(
        [CorrectiveActionStatus.OPEN, CorrectiveActionStatus.IN_PROGRESS]))
    return {
        "exercises": capped_statements(exercises.options(so.selectinload(Exercise.owner_organization))
                                       .order_by(Exercise.conducted_on.desc(), Exercise.id.desc())),
        "exercise_ratings": sa.select(ExerciseEvaluation.rating, sa.func.count()).join(ExerciseEvaluation.objective)
        .where(ExerciseObjective.exercise_id.in_(exercise_ids)).group_by(ExerciseEvaluation.rating),
        "corrective_counts": actions.order_by(None).with_only_columns(
            sa.func.count(CorrectiveAction.id), sa.func.count(sa.case((late, 1)))),
        "labels": labels_statement(exercises, Exercise),
    }


def _context(reader, stmts: dict) -> dict:
    ratings = dict(db.session.execute(stmts["exercise_ratings"]).all())
    actions_open, actions_overdue = db.session.execute(stmts["corrective_counts"]).one()
    return {"exercises": run_capped(stmts["exercises"]), "ratings": [(r, ratings.get(r, 0)) for r in Rating],
            "actions_open": actions_open or 0, "actions_overdue": actions_overdue or 0}


SECTION = ExecutiveSection(
    anchor="exercises", heading="Exercises and corrective actions", template="pdf/executive/_exercises.html",
    statements=_statements, context=_context, labels=lambda stmts: db.session.scalars(stmts["labels"]).all())
