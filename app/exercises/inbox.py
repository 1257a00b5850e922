"""The inbox's "Exercises": injects just delivered to the user (while the exercise runs), corrective actions
of the user (point of contact, or a coordinator of the responsible organisation) due within a week or overdue,
and completed corrective actions the user's lead organisation must verify."""
from datetime import timedelta

import sqlalchemy as sa

from app import permissions
from app.inbox.providers import DUE_SOON_DAYS
from app.inbox.providers import Branch
from app.inbox.providers import EntryRow
from app.inbox.providers import InboxEntry
from app.inbox.providers import due_note
from app.inbox.providers import entry_row
from app.inbox.providers import provider
from app.models import CorrectiveAction
from app.models import CorrectiveActionStatus
from app.models import Exercise
from app.models import ExerciseInject
from app.models import ExerciseParticipant
from app.models import ExerciseStatus
from app.models import ParticipantRole
from app.models import Role
from app.models import User
from app.models import today
from app.template_helpers import row_url

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


def _inject_entry(row: EntryRow, user: User) -> InboxEntry:
    return InboxEntry(section=SECTION, action=f"Inject {row.flag}: act on it now", reference=row.reference,
                      title=row.title, tlp=row.tlp, rank=0,
                      url=row_url("exercises.detail", "exercise_id")(row.parent_id) + f"#inject-{row.id}")


def _due_entry(row: EntryRow, user: User) -> InboxEntry:
    return InboxEntry(section=SECTION, action="Corrective action: carry it out", reference=row.reference,
                      title=row.title, tlp=row.tlp, due=row.due, note=due_note(row.due),
                      url=row_url("corrective_actions.detail", "corrective_action_id")(row.id))


def _verify_entry(row: EntryRow, user: User) -> InboxEntry:
    return InboxEntry(section=SECTION, action="Corrective action completed: verify it", reference=row.reference,
                      title=row.title, tlp=row.tlp, url=row_url("corrective_actions.detail", "corrective_action_id")(row.id))


def _action_columns() -> list:
    return entry_row(id=CorrectiveAction.id, parent_id=CorrectiveAction.exercise_id, reference=Exercise.reference,
                     title=CorrectiveAction.title, tlp=Exercise.tlp, due=CorrectiveAction.due_date)


@provider(14, SECTION)
def exercise_work(user: User) -> list[Branch]:
    branches = [
        Branch(injects_delivered(user).with_only_columns(*entry_row(
            id=ExerciseInject.id, parent_id=ExerciseInject.exercise_id, reference=Exercise.reference,
            title=Exercise.title, tlp=Exercise.tlp, flag=ExerciseInject.number)),
            (ExerciseInject.delivered_at.desc(), ExerciseInject.id), _inject_entry),
        Branch(actions_due(user).with_only_columns(*_action_columns()),
               (CorrectiveAction.due_date, CorrectiveAction.id), _due_entry)]
    if user.role is Role.COORDINATOR:
        branches.append(Branch(actions_to_verify(user).with_only_columns(*_action_columns()),
                               (CorrectiveAction.completed_at, CorrectiveAction.id), _verify_entry))
    return branches
