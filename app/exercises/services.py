"""Exercise use cases: plan (objectives, participants, the MSEL), run (status steps, inject delivery),
evaluate (one evaluation per objective and evaluator).

Every function authorises first, flushes (never commits) and audits in the same transaction."""
from datetime import datetime

import sqlalchemy as sa

from app import audit
from app import kinds
from app import permissions
from app import records
from app.extensions import db
from app.models import CORE_CAPABILITIES
from app.models import Agreement
from app.models import CorrectiveAction
from app.models import CorrectiveActionStatus
from app.models import Exercise
from app.models import ExerciseEvaluation
from app.models import ExerciseInject
from app.models import ExerciseObjective
from app.models import ExerciseParticipant
from app.models import ExerciseStatus
from app.models import IncidentPlan
from app.models import NotificationKind
from app.models import Organization
from app.models import ParticipantRole
from app.models import Rating
from app.models import User
from app.models import utcnow
from app.notifications.services import notify

KIND = kinds.by_model(Exercise).key  # its audit actions' key (app/kinds.py)
EXERCISE_FIELDS = ("type", "title", "scenario", "starts_at", "ends_at", "tlp")


class ExerciseInputError(ValueError):
    """Input the form should have refused, with the field it belongs to."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def check_dates(starts_at: datetime | None, ends_at: datetime | None) -> None:
    if starts_at is None:
        raise ExerciseInputError("starts_at", "Say when the exercise starts.")
    if ends_at is None:
        raise ExerciseInputError("ends_at", "Say when the exercise ends.")
    if ends_at <= starts_at:
        raise ExerciseInputError("ends_at", "The exercise must end after it starts.")


def _links(exercise: Exercise, plan: IncidentPlan | None, organizations: list[Organization],
           agreements: list[Agreement]) -> None:
    exercise.organizations = [o for o in organizations if o.id != exercise.owner_organization_id]
    exercise.agreements = list(agreements)
    if plan is not None:  # this very version, as it read on the day (a later revision is a new row)
        exercise.incident_plan_id, exercise.plan_version_label = plan.id, plan.version_label
    else:
        exercise.incident_plan_id, exercise.plan_version_label = None, ""


def create_exercise(actor: User, *, plan: IncidentPlan | None = None, organizations=(), agreements=(),
                    recipients=(), **fields) -> Exercise:
    """The caller passes the plan, organisations and agreements from the actor's scopes (forged ids never
    reach here)."""
    permissions.authorize(permissions.can_create_exercise(actor))
    data = {name: fields[name] for name in EXERCISE_FIELDS if name in fields}
    data["scenario"] = data.get("scenario") or ""
    check_dates(data.get("starts_at"), data.get("ends_at"))
    exercise = Exercise(**data, reference=records.next_reference(Exercise, "EX"),
                        owner_organization_id=actor.organization_id, created_by=actor)
    _links(exercise, plan, list(organizations), list(agreements))
    plan_note = f"; plan {plan.reference} v{plan.version_label}" if plan is not None else ""
    records.created(actor, exercise, KIND, [f"{exercise.reference} {exercise.type.label}{plan_note}",
                                            exercise.tlp.label], recipients)
    return exercise


def _leaving(exercise: Exercise, kept_ids: set[int]) -> list[ExerciseParticipant]:
    """An organisation leaves a planned exercise with its people (the participants returned, to drop with it), but
    not while an inject is addressed to it or it answers for a corrective action: those would be stranded."""
    leaving = {o.id: o for o in exercise.organizations if o.id not in kept_ids}
    held = {i.to_organization_id for i in exercise.injects} | {a.responsible_organization_id
                                                                for a in exercise.corrective_actions}
    stranded = sorted(o.name for org_id, o in leaving.items() if org_id in held)
    if stranded:
        raise ExerciseInputError("organization_ids", f"{', '.join(stranded)} still take part in this exercise: an inject "
                                 "is addressed to it or it answers for a corrective action.")
    return [p for p in exercise.participants if p.user.organization_id in leaving]


def update_exercise(actor: User, exercise: Exercise, *, expected_version: int | None, plan: IncidentPlan | None = None,
                    organizations=(), agreements=(), recipients=(), **fields) -> list[str]:
    """Edit the exercise while it is planned (versioned; audited with what changed). The caller passes the plan,
    organisations and agreements from the actor's scopes plus those the exercise already holds. Returns the
    changes' audit wording (none: nothing written)."""
    permissions.authorize(permissions.can_edit_exercise(actor, exercise))
    records.check_version(exercise, expected_version)
    data = {name: fields[name] for name in EXERCISE_FIELDS if name in fields}
    data["scenario"] = data.get("scenario") or ""
    for name in ("starts_at", "ends_at"):  # the form holds minutes: a stored time to the second is kept
        stored = getattr(exercise, name)
        if data.get(name) is not None and stored is not None and data[name] == stored.replace(second=0, microsecond=0):
            data[name] = stored
    check_dates(data.get("starts_at"), data.get("ends_at"))
    changes = audit.diff(exercise, data)
    parts = [audit.summarize(changes)] if changes else []
    organizations = [o for o in organizations if o.id != exercise.owner_organization_id]
    dropped = _leaving(exercise, {o.id for o in organizations})
    if {o.id for o in organizations} != {o.id for o in exercise.organizations}:
        parts.append(f"organisations: {audit.display(exercise.organizations)} → {audit.display(organizations)}")
    if dropped:
        parts.append("participants who left with their organisation: "
                     + ", ".join(f"{p.user.name} ({p.role.label.lower()})" for p in dropped))
    if {a.id for a in agreements} != {a.id for a in exercise.agreements}:
        parts.append(f"agreements: {audit.display(exercise.agreements)} → {audit.display(agreements)}")
    plan_changed = (plan.id if plan else None) != exercise.incident_plan_id
    if plan_changed:
        before = f"{exercise.incident_plan.reference} v{exercise.plan_version_label}" if exercise.incident_plan else "—"
        parts.append(f"plan: {before} → {f'{plan.reference} v{plan.version_label}' if plan else '—'}")
    if {u.id for u in recipients} != {u.id for u in exercise.recipients}:
        parts.append(records.recipients_change(exercise.recipients, recipients))
    if not parts:
        return []
    with db.session.no_autoflush:
        for name, value in data.items():
            setattr(exercise, name, value)
        exercise.recipients = list(recipients)
        exercise.organizations, exercise.agreements = organizations, list(agreements)
        exercise.participants = [p for p in exercise.participants if p not in dropped]
        if plan_changed:  # a kept plan keeps the version label it was exercised at
            _links(exercise, plan, organizations, list(agreements))
    exercise.updated_at = utcnow()
    db.session.flush()  # raises StaleDataError if a concurrent writer won the race
    audit.record(actor, f"{KIND}.updated", exercise, summary="; ".join(parts))
    return parts


def archive_exercise(actor: User, exercise: Exercise, archived: bool = True) -> bool:
    """Archive (or restore) an exercise called off while planned, or a closed one whose improvement plan is done;
    one under way or owing its after-action report stays in the programme."""
    permissions.authorize(permissions.can_archive_exercise(actor, exercise))
    if not archived:
        return records.restore(actor, exercise, KIND)
    if exercise.archived_at is not None:
        return False
    if exercise.status not in (ExerciseStatus.PLANNING, ExerciseStatus.CLOSED):
        raise ExerciseInputError("archive", f"An exercise that is {exercise.status.label.lower()} stays in the "
                                            "programme: close it (or, while planned, call it off) first.")
    still_open = db.session.scalar(sa.select(sa.func.count(CorrectiveAction.id)).where(
        CorrectiveAction.exercise_id == exercise.id, CorrectiveAction.archived_at.is_(None),
        CorrectiveAction.status != CorrectiveActionStatus.VERIFIED))
    if still_open:
        raise ExerciseInputError("archive", f"{still_open} corrective action(s) are not verified yet: verify or "
                                            "archive them before archiving the exercise.")
    return records.archive(actor, exercise, KIND)


def transition_exercise(actor: User, exercise: Exercise, new_status: ExerciseStatus) -> None:
    permissions.authorize(permissions.leads_exercise(actor, exercise))
    if new_status is ExerciseStatus.READY and not exercise.objectives:
        raise ExerciseInputError("new_status", "Add at least one objective before the exercise is ready.")
    if new_status is ExerciseStatus.EVALUATED:
        missing = [o for o in exercise.objectives if not o.evaluations]
        if missing:
            raise ExerciseInputError("new_status", f"{len(missing)} objective(s) still await an evaluation.")
    if new_status is ExerciseStatus.CLOSED:
        from app.exercises.aar import is_aar_approved

        if not is_aar_approved(exercise):
            raise ExerciseInputError("new_status", "Approve the after-action report before closing the exercise.")
    records.transition(actor, exercise, new_status, KIND)
    if new_status is ExerciseStatus.CONDUCTED:
        exercise.conducted_on = utcnow().date()
    if new_status is ExerciseStatus.READY:  # the materials as they stand now, sealed
        from app.documents.services import issue_exercise_materials

        issue_exercise_materials(actor, exercise, list(exercise.injects))


def add_participant(actor: User, exercise: Exercise, user: User, role: ParticipantRole) -> ExerciseParticipant:
    permissions.authorize(permissions.can_plan_exercise(actor, exercise))
    if user.organization_id not in exercise.participating_org_ids():
        raise ExerciseInputError("user_id", "Participants come from the lead or a participating organisation.")
    if role in exercise.roles_of(user.id):
        raise ExerciseInputError("role", f"{user.name} already takes part as {role.label.lower()}.")
    participant = ExerciseParticipant(user_id=user.id, role=role)
    exercise.participants.append(participant)
    db.session.flush()
    audit.record(actor, f"{KIND}.participant_added", exercise, summary=f"{user.name} as {role.label.lower()}")
    notify([user], NotificationKind.EXERCISE, exercise, actor=actor,
           summary=f"{exercise.reference}: you take part as {role.label.lower()}")
    return participant


def add_objective(actor: User, exercise: Exercise, text: str, core_capability: str) -> ExerciseObjective:
    permissions.authorize(permissions.can_plan_exercise(actor, exercise))
    if core_capability not in CORE_CAPABILITIES:
        raise ExerciseInputError("core_capability", "Choose one of the 32 core capabilities.")
    objective = ExerciseObjective(text=text, core_capability=core_capability, position=len(exercise.objectives))
    exercise.objectives.append(objective)
    db.session.flush()
    audit.record(actor, f"{KIND}.objective_added", exercise,
                 summary=f"objective {objective.position + 1} ({CORE_CAPABILITIES[core_capability]})")
    return objective


def add_inject(actor: User, exercise: Exercise, **fields) -> ExerciseInject:
    permissions.authorize(permissions.can_plan_exercise(actor, exercise))
    to_org = fields.pop("to_organization", None)
    fields = {name: ("" if value is None and name in ("from_", "to", "expected_action") else value)
              for name, value in fields.items()}
    if to_org is not None and to_org.id not in exercise.participating_org_ids():
        raise ExerciseInputError("to_organization_id", "Injects go to a participating organisation.")
    number = fields.pop("number", None) or (max((i.number for i in exercise.injects), default=0) + 1)
    inject = ExerciseInject(number=number, to_organization_id=to_org.id if to_org else None, **fields)
    exercise.injects.append(inject)
    db.session.flush()
    # The audit row names the number only: the MSEL is controller material until delivered.
    audit.record(actor, f"{KIND}.inject_added", exercise, summary=f"inject {number} added to the MSEL")
    return inject


def inject_recipients(exercise: Exercise, inject: ExerciseInject) -> list[User]:
    """The players (and facilitators) of the addressed organisation, or of every organisation."""
    return [p.user for p in exercise.participants
            if p.role in (ParticipantRole.PLAYER, ParticipantRole.FACILITATOR)
            and (inject.to_organization_id is None or p.user.organization_id == inject.to_organization_id)]


def deliver_inject(actor: User, exercise: Exercise, inject: ExerciseInject) -> bool:
    """A controller delivers the inject: it becomes visible to every reader and reaches its recipients'
    inbox at once. False when it was already delivered."""
    permissions.authorize(permissions.can_deliver_inject(actor, exercise))
    if inject.is_delivered:
        return False
    inject.delivered_at, inject.delivered_by_id = utcnow(), actor.id
    exercise.updated_at = inject.delivered_at
    db.session.flush()
    audit.record(actor, f"{KIND}.inject_delivered", exercise, summary=f"inject {inject.number} delivered")
    notify(inject_recipients(exercise, inject), NotificationKind.EXERCISE, exercise, actor=actor,
           summary=f"{exercise.reference}: inject {inject.number} delivered — act on it now")
    return True


def evaluate_objective(actor: User, exercise: Exercise, objective: ExerciseObjective, *, rating,
                       critical_tasks: str = "", strengths: str = "", areas_for_improvement: str = "") -> ExerciseEvaluation:
    """The evaluator's guide for one objective; a second submission by the same evaluator replaces the first."""
    permissions.authorize(permissions.can_evaluate_exercise(actor, exercise))
    try:
        rating = Rating(rating)
    except ValueError:
        raise ExerciseInputError("rating", "Rate P, S, M or U.") from None
    evaluation = next((e for e in objective.evaluations if e.evaluator_id == actor.id), None)
    if evaluation is None:
        evaluation = ExerciseEvaluation(evaluator_id=actor.id, rating=rating)
        objective.evaluations.append(evaluation)
    evaluation.rating, evaluation.critical_tasks = rating, critical_tasks or ""
    evaluation.strengths, evaluation.areas_for_improvement = strengths or "", areas_for_improvement or ""
    db.session.flush()
    audit.record(actor, f"{KIND}.evaluated", exercise,
                 summary=f"objective {objective.position + 1} rated {rating.value}")
    return evaluation


def lead_coordinators(exercise: Exercise) -> list[User]:
    from app.models import Role

    return list(db.session.scalars(sa.select(User).where(
        User.organization_id == exercise.owner_organization_id, User.role == Role.COORDINATOR,
        User.active.is_(True))))
