"""Who may act on an exercise and its improvement plan. Reading follows the TLP rule like every shareable
record (participants: the lead organisation and the participating organisations); the MSEL and the
controller/evaluator handbook are narrower: controllers, evaluators and the lead coordinators only, until an
inject is delivered."""
from app.models import MSEL_ROLES
from app.models import CorrectiveAction
from app.models import CorrectiveActionStatus
from app.models import Exercise
from app.models import ExerciseStatus
from app.models import ParticipantRole
from app.models import Role
from app.models import User


def _signed_in(user: User) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.is_active


def can_create_exercise(user: User) -> bool:
    return _signed_in(user) and user.role is Role.COORDINATOR


def leads_exercise(user: User, exercise: Exercise) -> bool:
    """A coordinator of the lead organisation: plans, runs the lifecycle, writes the improvement plan."""
    return (_signed_in(user) and user.role is Role.COORDINATOR
            and user.organization_id == exercise.owner_organization_id and not exercise.is_archived)


def can_edit_exercise(user: User, exercise: Exercise) -> bool:
    """Its facts (type, dates, organisations, plan version, agreements, TLP) change while it is being planned:
    once ready its materials are sealed (back to planning to change them), once conducted it is the record
    of what was exercised."""
    return leads_exercise(user, exercise) and exercise.status is ExerciseStatus.PLANNING


def can_archive_exercise(user: User, exercise: Exercise) -> bool:
    """Archive or restore (so an archived exercise qualifies): a coordinator of the lead organisation. The
    service refuses an exercise under way (ready, conducted, evaluated) or with corrective actions still open."""
    return (_signed_in(user) and user.role is Role.COORDINATOR
            and user.organization_id == exercise.owner_organization_id)


def can_plan_exercise(user: User, exercise: Exercise) -> bool:
    """Objectives, participants and the MSEL are set while the exercise is being planned."""
    return leads_exercise(user, exercise) and exercise.is_planned


def can_read_msel(user: User, exercise: Exercise) -> bool:
    """The undelivered injects and the handbook: controllers, evaluators and the lead coordinators."""
    if not _signed_in(user):
        return False
    if user.role is Role.COORDINATOR and user.organization_id == exercise.owner_organization_id:
        return True
    return bool(exercise.roles_of(user.id) & MSEL_ROLES)


def can_deliver_inject(user: User, exercise: Exercise) -> bool:
    """A controller delivers injects while the exercise is under way (ready, not yet conducted)."""
    return (_signed_in(user) and ParticipantRole.CONTROLLER in exercise.roles_of(user.id)
            and exercise.status is ExerciseStatus.READY and not exercise.is_archived)


def can_evaluate_exercise(user: User, exercise: Exercise) -> bool:
    """An evaluator of the exercise fills in the evaluation guides once it was conducted."""
    return (_signed_in(user) and ParticipantRole.EVALUATOR in exercise.roles_of(user.id)
            and exercise.status is ExerciseStatus.CONDUCTED and not exercise.is_archived)


def can_add_corrective_action(user: User, exercise: Exercise) -> bool:
    return leads_exercise(user, exercise) and exercise.status in {ExerciseStatus.CONDUCTED, ExerciseStatus.EVALUATED}


def can_edit_corrective_action(user: User, action: CorrectiveAction) -> bool:
    """The improvement plan is the lead organisation's: its coordinators edit an action until it is verified."""
    return (leads_exercise(user, action.exercise) and not action.is_archived
            and action.status is not CorrectiveActionStatus.VERIFIED)


def can_archive_corrective_action(user: User, action: CorrectiveAction) -> bool:
    """Archive or restore (so an archived action qualifies): a coordinator of the lead organisation, while
    the exercise itself is not archived."""
    return (_signed_in(user) and user.role is Role.COORDINATOR and not action.exercise.is_archived
            and user.organization_id == action.exercise.owner_organization_id)


def works_on_corrective_action(user: User, action: CorrectiveAction) -> bool:
    """The responsible organisation's coordinators and members, and the point of contact."""
    if not _signed_in(user) or action.is_archived:
        return False
    if action.point_of_contact_id == user.id:
        return True
    return (user.role in (Role.COORDINATOR, Role.MEMBER)
            and user.organization_id == action.responsible_organization_id)


def can_transition_corrective_action(user: User, action: CorrectiveAction, new_status=None) -> bool:
    """The responsible side starts and completes; the lead organisation's coordinators verify, and never
    the person who completed it (four eyes)."""
    if new_status is CorrectiveActionStatus.VERIFIED or (
            new_status is CorrectiveActionStatus.IN_PROGRESS and action.status is CorrectiveActionStatus.COMPLETED):
        return can_verify_corrective_action(user, action)
    return works_on_corrective_action(user, action) and action.status is not CorrectiveActionStatus.VERIFIED


def can_change_corrective_action_status(user: User, action: CorrectiveAction) -> bool:
    """Who may post the status form at all (which step is theirs is can_transition_corrective_action): the
    responsible side and the verifiers."""
    return works_on_corrective_action(user, action) or can_verify_corrective_action(user, action)


def can_verify_corrective_action(user: User, action: CorrectiveAction) -> bool:
    return (_signed_in(user) and user.role is Role.COORDINATOR and not action.is_archived
            and user.organization_id == action.exercise.owner_organization_id
            and user.id != action.completed_by_id)
