"""The inbox's "Exercises": injects just delivered to the user (while the exercise runs), corrective actions
of the user (point of contact, or a coordinator of the responsible organisation) due within a week or overdue,
and completed corrective actions the user's lead organisation must verify."""
from datetime import timedelta

import sqlalchemy as sa
from flask import url_for
from sqlalchemy.orm import contains_eager

from app import permissions
from app.extensions import db
from app.inbox.providers import DUE_SOON_DAYS, InboxEntry, due_note, provider
from app.models import (
    CorrectiveAction,
    CorrectiveActionStatus,
    Exercise,
    ExerciseInject,
    ExerciseParticipant,
    ExerciseStatus,
    ParticipantRole,
    Role,
    User,
    today,
)

SECTION = "Exercises"
ACTIVE = (CorrectiveActionStatus.OPEN, CorrectiveActionStatus.IN_PROGRESS)
DATED = ((CorrectiveAction, "due_date"),)  # listed by its due date (app/inbox/providers.py, covered)


def injects_delivered(user: User) -> sa.Select:
    exercises = permissions.visible_exercises(user).with_only_columns(Exercise.id).where(
        Exercise.status == ExerciseStatus.READY, Exercise.archived_at.is_(None))
    plays = sa.exists().where(ExerciseParticipant.exercise_id == ExerciseInject.exercise_id,
                              ExerciseParticipant.user_id == user.id,
                              ExerciseParticipant.role.in_([ParticipantRole.PLAYER, ParticipantRole.FACILITATOR]))
    return (sa.select(ExerciseInject).join(ExerciseInject.exercise)
            .where(ExerciseInject.exercise_id.in_(exercises), ExerciseInject.delivered_at.is_not(None), plays,
                   sa.or_(ExerciseInject.to_organization_id.is_(None),
                          ExerciseInject.to_organization_id == user.organization_id)))


def actions_due(user: User) -> sa.Select:
    mine = CorrectiveAction.point_of_contact_id == user.id
    if user.role is Role.COORDINATOR:
        mine = sa.or_(mine, CorrectiveAction.responsible_organization_id == user.organization_id)
    return permissions.visible_corrective_actions(user).where(
        mine, CorrectiveAction.archived_at.is_(None), CorrectiveAction.status.in_(ACTIVE),
        CorrectiveAction.due_date <= today() + timedelta(days=DUE_SOON_DAYS))


def actions_to_verify(user: User) -> sa.Select:
    return permissions.visible_corrective_actions(user).where(
        Exercise.owner_organization_id == user.organization_id, CorrectiveAction.archived_at.is_(None),
        CorrectiveAction.status == CorrectiveActionStatus.COMPLETED, CorrectiveAction.completed_by_id != user.id)


def _count(user: User) -> list[sa.Select]:
    statements = [injects_delivered(user), actions_due(user)]
    return statements + [actions_to_verify(user)] if user.role is Role.COORDINATOR else statements


def _first(stmt: sa.Select, limit: int | None, *order) -> list:
    stmt = stmt.order_by(*order)
    return db.session.scalars(stmt if limit is None else stmt.limit(limit)).all()


@provider(14, SECTION, count=_count)
def exercise_work(user: User, limit: int | None = None) -> list[InboxEntry]:
    entries = []
    for inject in _first(injects_delivered(user).options(contains_eager(ExerciseInject.exercise)), limit,
                         ExerciseInject.delivered_at.desc(), ExerciseInject.id):
        entries.append(InboxEntry(
            section=SECTION, action=f"Inject {inject.number}: act on it now", reference=inject.exercise.reference,
            title=inject.exercise.title, tlp=inject.exercise.tlp, rank=0,
            url=url_for("exercises.detail", exercise_id=inject.exercise_id, _anchor=f"inject-{inject.id}")))
    for action in _first(actions_due(user).options(contains_eager(CorrectiveAction.exercise)), limit,
                         CorrectiveAction.due_date, CorrectiveAction.id):
        entries.append(InboxEntry(
            section=SECTION, action="Corrective action: carry it out", reference=action.exercise.reference,
            title=action.title, tlp=action.exercise.tlp, due=action.due_date, note=due_note(action.due_date),
            url=url_for("corrective_actions.detail", corrective_action_id=action.id)))
    if user.role is Role.COORDINATOR:
        for action in _first(actions_to_verify(user).options(contains_eager(CorrectiveAction.exercise)), limit,
                             CorrectiveAction.completed_at, CorrectiveAction.id):
            entries.append(InboxEntry(
                section=SECTION, action="Corrective action completed: verify it", reference=action.exercise.reference,
                title=action.title, tlp=action.exercise.tlp,
                url=url_for("corrective_actions.detail", corrective_action_id=action.id)))
    return entries
