"""The improvement plan: corrective actions from the areas for improvement, tracked open → in progress →
completed (with evidence) → verified (by the lead organisation, never by whoever completed it)."""
from datetime import date

import sqlalchemy as sa

from app import audit
from app import kinds
from app import permissions
from app import records
from app.exercises.services import ExerciseInputError
from app.exercises.services import lead_coordinators
from app.extensions import db
from app.models import Agreement
from app.models import Attachment
from app.models import CapabilityElement
from app.models import CorrectiveAction
from app.models import CorrectiveActionStatus
from app.models import Exercise
from app.models import ExerciseObjective
from app.models import IncidentPlan
from app.models import Mitigation
from app.models import NotificationKind
from app.models import Organization
from app.models import Task
from app.models import User
from app.models import utcnow
from app.notifications.services import notify

KIND = kinds.by_model(CorrectiveAction).key  # its audit actions' key (app/kinds.py)
LINKS = ("task_id", "mitigation_id", "incident_plan_id", "agreement_id")


LINK_SCOPES = {"task_id": (permissions.visible_tasks, Task), "mitigation_id": (permissions.visible_mitigations, Mitigation),
               "incident_plan_id": (permissions.visible_incident_plans, IncidentPlan),
               "agreement_id": (permissions.visible_agreements, Agreement)}


def linked_records(user: User, action: CorrectiveAction) -> dict:
    """What the action is carried out as, by link name: the record where the user may read it, else None."""
    found = {}
    for name, (scope, model) in LINK_SCOPES.items():
        value = getattr(action, name)
        found[name] = db.session.scalar(scope(user).where(model.id == value)) if value else None
    return found


def readable_links(user: User, form_data: dict, held: CorrectiveAction | None = None) -> dict:
    """The links to a task, mitigation, plan or agreement, each only if the user may read it (else dropped);
    a link the action already holds is kept as it is (another lead coordinator may have set it)."""
    links = {}
    for name, (scope, model) in LINK_SCOPES.items():
        value = form_data.get(name)
        if held is not None and value == getattr(held, name):
            links[name] = value
        elif value:
            links[name] = db.session.scalar(scope(user).with_only_columns(model.id).where(model.id == value))
        else:
            links[name] = None
    return links


def evidence(action: CorrectiveAction) -> list[Attachment]:
    return list(db.session.scalars(sa.select(Attachment).where(
        Attachment.object_type == CorrectiveAction.__tablename__, Attachment.object_id == action.id,
        Attachment.archived_at.is_(None)).order_by(Attachment.id)))


def _check(exercise: Exercise, responsible_organization, point_of_contact, objective, start_date, due_date) -> None:
    if responsible_organization is None:
        raise ExerciseInputError("responsible_organization_id", "Name the organisation responsible for the action.")
    if point_of_contact is not None and point_of_contact.organization_id != responsible_organization.id:
        raise ExerciseInputError("point_of_contact_id", "The point of contact works for the responsible organisation.")
    if start_date and due_date and due_date < start_date:
        raise ExerciseInputError("due_date", "The due date cannot come before the start date.")
    if objective is not None and objective.exercise_id != exercise.id:
        raise ExerciseInputError("objective_id", "Choose an objective of this exercise.")


def create_corrective_action(actor: User, exercise: Exercise, *, title: str, area_for_improvement: str,
                             capability_element, responsible_organization: Organization | None,
                             point_of_contact: User | None = None, objective: ExerciseObjective | None = None,
                             start_date: date | None = None, due_date: date | None = None,
                             **links) -> CorrectiveAction:
    """The caller passes the organisation, contact, objective and linked records from the actor's scopes."""
    permissions.authorize(permissions.can_add_corrective_action(actor, exercise))
    _check(exercise, responsible_organization, point_of_contact, objective, start_date, due_date)
    action = CorrectiveAction(
        exercise=exercise, objective=objective, title=title, area_for_improvement=area_for_improvement or "",
        capability_element=CapabilityElement(capability_element), responsible_organization=responsible_organization,
        point_of_contact=point_of_contact, start_date=start_date, due_date=due_date, created_by=actor,
        **{name: links.get(name) for name in LINKS})
    db.session.add(action)
    db.session.flush()
    audit.record(actor, f"{KIND}.created", action,
                 summary=f"{exercise.reference}: {action.capability_element.label} for {responsible_organization.name}"
                         + (f", due {due_date:%Y-%m-%d}" if due_date else ""))
    recipients = [point_of_contact] if point_of_contact is not None else _responsible_people(action)
    notify(recipients, NotificationKind.ASSIGNMENT, action, actor=actor)
    return action


def update_corrective_action(actor: User, action: CorrectiveAction, *, expected_version: int | None,
                             **fields) -> dict:
    """Edit an action of the improvement plan (versioned; audited with the changed fields). The caller passes the
    organisation, contact, objective and links from the actor's scopes plus those the action already holds.
    A new point of contact hears of it. Returns the changes (none: nothing written)."""
    permissions.authorize(permissions.can_edit_corrective_action(actor, action))
    editable = {"title", "area_for_improvement", "capability_element", "responsible_organization",
                "point_of_contact", "objective", "start_date", "due_date", *LINKS}
    data = {name: value for name, value in fields.items() if name in editable}
    merged = {name: data.get(name, getattr(action, name)) for name in
              ("responsible_organization", "point_of_contact", "objective", "start_date", "due_date")}
    _check(action.exercise, **merged)
    if "area_for_improvement" in data:  # a field left out (an API PATCH) keeps its text
        data["area_for_improvement"] = data["area_for_improvement"] or ""
    changes = records.apply_changes(actor, action, data, expected_version=expected_version, action=f"{KIND}.updated")
    if "point_of_contact" in changes and action.point_of_contact is not None:
        notify([action.point_of_contact], NotificationKind.ASSIGNMENT, action, actor=actor)
    return changes


# Take an action out of the improvement plan (written by mistake, or done with) or put it back: the lead
# organisation's coordinators; archiving twice does nothing.
archive_corrective_action = records.archive_step(KIND, permissions.can_archive_corrective_action)


def _responsible_people(action: CorrectiveAction) -> list[User]:
    from app.models import Role

    return list(db.session.scalars(sa.select(User).where(
        User.organization_id == action.responsible_organization_id, User.role == Role.COORDINATOR,
        User.active.is_(True))))


def transition_corrective_action(actor: User, action: CorrectiveAction, new_status) -> None:
    new_status = CorrectiveActionStatus(new_status)
    permissions.authorize(permissions.can_transition_corrective_action(actor, action, new_status))
    if new_status is CorrectiveActionStatus.COMPLETED and not evidence(action):
        raise ExerciseInputError("new_status", "Attach the evidence (a document, photo or record) before "
                                               "marking the action completed.")
    if new_status is CorrectiveActionStatus.VERIFIED and actor.id == action.completed_by_id:
        raise ExerciseInputError("new_status", "Whoever completed an action cannot verify it.")
    records.transition(actor, action, new_status, KIND)
    now = utcnow()
    if new_status is CorrectiveActionStatus.COMPLETED:
        action.completed_by_id, action.completed_at = actor.id, now
        action.evidence_attachment_id = evidence(action)[-1].id
        notify(lead_coordinators(action.exercise), NotificationKind.REVIEW_REQUESTED, action, actor=actor,
               summary=f"{action.exercise.reference} corrective action #{action.id} completed: verify it")
    elif new_status is CorrectiveActionStatus.VERIFIED:
        action.verified_by_id, action.verified_at = actor.id, now
    elif new_status is CorrectiveActionStatus.IN_PROGRESS and action.completed_by_id is not None:
        action.completed_by_id = action.completed_at = action.evidence_attachment_id = None  # sent back


def open_corrective_actions(exercise_ids) -> sa.Select:
    return sa.select(CorrectiveAction).where(CorrectiveAction.exercise_id.in_(exercise_ids),
                                             CorrectiveAction.status != CorrectiveActionStatus.VERIFIED,
                                             CorrectiveAction.archived_at.is_(None))
