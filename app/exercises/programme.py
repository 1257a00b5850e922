"""The integrated preparedness plan: exercises by year and quarter, and the warnings a programme manager
needs (plans not exercised in 12 months, corrective actions overdue, open findings of the last exercise of a
plan that is exercised again). Everything comes from the reader's scopes."""
from dataclasses import dataclass
from dataclasses import field
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from app import permissions
from app.extensions import db
from app.models import CorrectiveAction
from app.models import CorrectiveActionStatus
from app.models import Exercise
from app.models import IncidentPlan
from app.models import PlanStatus
from app.models import Role
from app.models import User
from app.models import today

EXERCISE_EVERY_DAYS = 365
OPEN = (CorrectiveActionStatus.OPEN, CorrectiveActionStatus.IN_PROGRESS, CorrectiveActionStatus.COMPLETED)


@dataclass
class Programme:
    years: dict[int, dict[int, list[Exercise]]] = field(default_factory=dict)  # year -> quarter -> exercises
    unexercised_plans: list[tuple[sa.Row, object]] = field(default_factory=list)  # (plan's row, last conducted)
    overdue_actions: list[CorrectiveAction] = field(default_factory=list)
    retests: list[tuple[Exercise, list[CorrectiveAction]]] = field(default_factory=list)


def plans_not_exercised(user: User) -> list[tuple[sa.Row, object]]:
    """(plan's id, reference and title; last conducted) of the approved plans (by reference) whose last conducted
    exercise, of any version, is over 12 months old: one statement, only the rows and columns the page shows."""
    return [(row, row.conducted_on) for row in db.session.execute(
        permissions.scoped_statements("programme_plans", user, lambda: _plans_not_exercised(user))).all()]


def _plans_not_exercised(user: User) -> sa.Select:
    last = (sa.select(IncidentPlan.reference, sa.func.max(Exercise.conducted_on).label("conducted_on"))
            .join(Exercise, Exercise.incident_plan_id == IncidentPlan.id)
            .where(Exercise.id.in_(permissions.visible_exercises(user).with_only_columns(Exercise.id)),
                   Exercise.archived_at.is_(None))
            .group_by(IncidentPlan.reference).subquery())
    limit = today() - timedelta(days=EXERCISE_EVERY_DAYS)
    return (permissions.visible_incident_plans(user)
            .with_only_columns(IncidentPlan.id, IncidentPlan.reference, IncidentPlan.title, last.c.conducted_on)
            .outerjoin(last, last.c.reference == IncidentPlan.reference)
            .where(IncidentPlan.status == PlanStatus.APPROVED, IncidentPlan.archived_at.is_(None),
                   sa.or_(last.c.conducted_on.is_(None), last.c.conducted_on < limit))
            .order_by(IncidentPlan.reference))


def overdue_actions(user: User) -> sa.Select:
    return permissions.visible_corrective_actions(user).where(
        CorrectiveAction.archived_at.is_(None), CorrectiveAction.due_date < today(),
        CorrectiveAction.status.in_([CorrectiveActionStatus.OPEN, CorrectiveActionStatus.IN_PROGRESS]))


def programme(user: User) -> Programme:
    """The page's content in a fixed number of statements (the organisations and plans joined, not loaded after)."""
    result = Programme()
    # The statements are built once per scope and day (permissions.scoped_statements): building them cost more
    # than running them.
    exercises = db.session.scalars(permissions.scoped_statements("programme_exercises", user, lambda: (
        permissions.visible_exercises(user).where(Exercise.archived_at.is_(None))
        .options(joinedload(Exercise.incident_plan), joinedload(Exercise.owner_organization))
        .order_by(Exercise.starts_at, Exercise.id)))).all()
    for exercise in exercises:
        quarter = (exercise.starts_at.month - 1) // 3 + 1
        result.years.setdefault(exercise.starts_at.year, {q: [] for q in (1, 2, 3, 4)})[quarter].append(exercise)
    result.unexercised_plans = plans_not_exercised(user)
    result.overdue_actions = db.session.scalars(permissions.scoped_statements("programme_overdue", user, lambda: (
        overdue_actions(user).options(joinedload(CorrectiveAction.responsible_organization))
        .order_by(CorrectiveAction.due_date)))).all()
    # The open findings of the last conducted exercise of each plan that a planned exercise tests again.
    conducted = {}
    for exercise in exercises:
        if exercise.conducted_on is not None and exercise.incident_plan is not None:
            conducted[exercise.incident_plan.reference] = exercise  # ordered by start: the last one wins
    planned = [e for e in exercises if e.is_planned and e.incident_plan is not None
               and e.incident_plan.reference in conducted]
    if planned:
        last_ids = {conducted[e.incident_plan.reference].id for e in planned}
        open_actions = db.session.scalars(permissions.visible_corrective_actions(user).where(
            CorrectiveAction.exercise_id.in_(last_ids), CorrectiveAction.status.in_(OPEN),
            CorrectiveAction.archived_at.is_(None)).order_by(CorrectiveAction.id)).all()
        for exercise in planned:
            last = conducted[exercise.incident_plan.reference]
            found = [a for a in open_actions if a.exercise_id == last.id]
            if found:
                result.retests.append((exercise, found))
    return result


def calendar_entries(user: User) -> list[tuple[Exercise, str, object]]:
    """(exercise, what, day) for each after-action report the user's organisation owes (conducted, not approved
    yet), for its coordinators: the people the AAR/IP reminders go to."""
    if user.role is not Role.COORDINATOR:
        return []
    stmt = permissions.visible_exercises(user).where(
        Exercise.owner_organization_id == user.organization_id, Exercise.aar_owed_condition())
    return [(exercise, "after-action report due", exercise.aar_due_on)
            for exercise in db.session.scalars(stmt.order_by(Exercise.conducted_on, Exercise.id))]
