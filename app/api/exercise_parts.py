"""An exercise's participants, objectives (with their evaluations) and injects (the MSEL), as its page shows and
changes them, through the same services (app/exercises/services.py).

/api/v1/exercises/<id>/participants/, …/objectives/, …/injects/ (GET, POST while the exercise is planned, by the
lead's coordinators), POST …/injects/<inject_id>/delivery (a controller, while the exercise is ready),
POST …/objectives/<objective_id>/evaluations (an evaluator, once it was conducted). The pages add and never edit
or remove these parts, so neither does the API. POST …/corrective-actions adds an action to the improvement plan
(the lead's coordinators, once conducted). An undelivered inject is controller material: only readers of
the MSEL list it, and anyone else gets 404 for it, as on the page.
"""
from datetime import date
from datetime import datetime

from flask import jsonify
from flask import request
from flask import url_for
from flask_login import current_user
from pydantic import AliasChoices
from pydantic import Field

from app import permissions
from app.api import bp
from app.api import refused
from app.api import writes
from app.api.corrective_actions import TEXT_MAX as ACTION_TEXT_MAX
from app.api.corrective_actions import CorrectiveActionOut
from app.api.corrective_actions import _answer as action_answer
from app.api.exercises import TAGS
from app.api.schemas import Body
from app.api.schemas import FromRecord
from app.api.schemas import OrganizationRef
from app.api.schemas import RecordId
from app.api.schemas import RecordOut
from app.api.schemas import Text
from app.api.schemas import UserRef
from app.api.schemas import list_of
from app.api.spec import Responses
from app.api.spec import spec
from app.exercises import improvement
from app.exercises import services
from app.exercises.parts import DETAIL_OPTIONS
from app.exercises.parts import get_inject
from app.exercises.parts import get_objective
from app.exercises.parts import visible_injects
from app.extensions import db
from app.lifecycle import get_visible
from app.models import CORE_CAPABILITIES
from app.models import CapabilityElement
from app.models import Exercise
from app.models import ParticipantRole
from app.models import Rating
from app.models import User

TEXT_MAX = 100_000  # as the exercise forms (app/exercises/forms.py)


class ParticipantOut(RecordOut):
    user: UserRef
    role: ParticipantRole


ParticipantList = list_of(ParticipantOut)


class ParticipantIn(Body):
    user_id: RecordId = Field(description="An active person of the lead or a participating organisation.")
    role: ParticipantRole = ParticipantRole.PLAYER


class EvaluationOut(FromRecord):
    rating: Rating
    critical_tasks: str
    strengths: str
    areas_for_improvement: str


class ObjectiveOut(RecordOut):
    position: int
    text: str
    core_capability: str
    evaluations: list[EvaluationOut]


ObjectiveList = list_of(ObjectiveOut)


class ObjectiveIn(Body):
    text: Text(2_000, required=True)
    core_capability: str = Field(max_length=60, description="One of the 32 core capabilities' keys.")


class EvaluationIn(Body):
    """Your evaluation guide for one objective; sending it again replaces your previous one."""

    rating: Rating
    critical_tasks: Text(TEXT_MAX) = ""
    strengths: Text(TEXT_MAX) = ""
    areas_for_improvement: Text(TEXT_MAX) = ""


class InjectOut(RecordOut):
    number: int
    offset_minutes: int
    sender: str = Field(validation_alias=AliasChoices("sender", "from_"),
                        description="Who sends it in the scenario (the MSEL's From).")
    to: str
    to_organization: OrganizationRef | None = Field(description="The players reached (null: every player).")
    message: str
    expected_action: str
    delivered_at: datetime | None


InjectList = list_of(InjectOut)


class InjectIn(Body):
    number: int | None = Field(None, ge=1, le=9999, description="Default: the next number of the MSEL.")
    offset_minutes: int = Field(0, ge=0, le=60 * 24 * 30, description="Minutes from the exercise's start.")
    sender: Text(200) = Field("", description="Who sends it in the scenario (the MSEL's From).")
    to: Text(200) = Field("", description="Who it is addressed to in the scenario.")
    to_organization_id: RecordId | None = Field(None, description="The participating organisation whose players "
                                                                   "it reaches (null: every player).")
    message: Text(20_000, required=True)
    expected_action: Text(20_000) = ""


def _items(model, rows) -> dict:
    return {"items": [model.model_validate(row).model_dump(mode="json") for row in rows]}


def _created(model, row):
    response = jsonify(model.model_validate(row).model_dump(mode="json"))
    response.status_code = 201
    return response


def get_visible_exercise(exercise_id: int) -> Exercise:
    """The exercise with its parts when the token's user may read it (404 otherwise, as on the page)."""
    return get_visible(Exercise, exercise_id, *DETAIL_OPTIONS)


def _planned(exercise_id: int):
    exercise = get_visible_exercise(exercise_id)
    permissions.authorize(permissions.can_plan_exercise(current_user, exercise))
    return exercise


@bp.get("/exercises/<int:exercise_id>/participants/")
@spec.validate(resp=Responses(HTTP_200=ParticipantList), tags=TAGS)
def list_exercise_participants(exercise_id: int):
    """Who takes part, in which role."""
    exercise = get_visible_exercise(exercise_id)
    return jsonify(_items(ParticipantOut, sorted(exercise.participants, key=lambda p: p.id)))


@bp.post("/exercises/<int:exercise_id>/participants/")
@spec.validate(json=ParticipantIn, resp=Responses(HTTP_201=ParticipantOut), tags=TAGS)
def add_exercise_participant(exercise_id: int):
    """Add a person in a role while the exercise is planned (the lead's coordinators); they are told."""
    exercise = _planned(exercise_id)
    body = request.context.json
    person = db.session.scalar(permissions.visible_users(current_user).where(
        User.id == body.user_id, User.active.is_(True), User.organization_id.in_(exercise.participating_org_ids())))
    if person is None:
        raise writes.field_error("user_id", "Choose an active person of the lead or a participating organisation.")
    with refused():
        participant = services.add_participant(current_user, exercise, person, body.role)
    return _created(ParticipantOut, participant)


@bp.get("/exercises/<int:exercise_id>/objectives/")
@spec.validate(resp=Responses(HTTP_200=ObjectiveList), tags=TAGS)
def list_exercise_objectives(exercise_id: int):
    """The objectives in order, with the evaluators' ratings as the page shows them."""
    exercise = get_visible_exercise(exercise_id)
    return jsonify(_items(ObjectiveOut, sorted(exercise.objectives, key=lambda o: (o.position, o.id))))


@bp.post("/exercises/<int:exercise_id>/objectives/")
@spec.validate(json=ObjectiveIn, resp=Responses(HTTP_201=ObjectiveOut), tags=TAGS)
def add_exercise_objective(exercise_id: int):
    """Add an objective while the exercise is planned (the lead's coordinators)."""
    exercise = _planned(exercise_id)
    body = request.context.json
    if body.core_capability not in CORE_CAPABILITIES:
        raise writes.field_error("core_capability", "Choose one of the 32 core capabilities.")
    with refused():
        objective = services.add_objective(current_user, exercise, body.text, body.core_capability)
    return _created(ObjectiveOut, objective)


@bp.post("/exercises/<int:exercise_id>/objectives/<int:objective_id>/evaluations")
@spec.validate(json=EvaluationIn, resp=Responses(HTTP_201=EvaluationOut), tags=TAGS)
def evaluate_exercise_objective(exercise_id: int, objective_id: int):
    """An evaluator's guide for one objective, once the exercise was conducted."""
    exercise = get_visible_exercise(exercise_id)
    objective = get_objective(exercise, objective_id)
    permissions.authorize(permissions.can_evaluate_exercise(current_user, exercise))
    body = request.context.json
    with refused():
        evaluation = services.evaluate_objective(current_user, exercise, objective, **body.model_dump())
    return _created(EvaluationOut, evaluation)


@bp.get("/exercises/<int:exercise_id>/injects/")
@spec.validate(resp=Responses(HTTP_200=InjectList), tags=TAGS)
def list_exercise_injects(exercise_id: int):
    """The MSEL by number: every inject for its readers (controllers, evaluators, the lead's coordinators),
    the delivered ones for everyone else."""
    exercise = get_visible_exercise(exercise_id)
    return jsonify(_items(InjectOut, visible_injects(current_user, exercise)))


@bp.post("/exercises/<int:exercise_id>/injects/")
@spec.validate(json=InjectIn, resp=Responses(HTTP_201=InjectOut), tags=TAGS)
def add_exercise_inject(exercise_id: int):
    """Add an inject to the MSEL while the exercise is planned (the lead's coordinators)."""
    exercise = _planned(exercise_id)
    data = request.context.json.model_dump(exclude={"to_organization_id", "sender"})
    data["from_"] = request.context.json.sender
    wanted = request.context.json.to_organization_id
    to_org = None
    if wanted is not None:
        to_org = next((o for o in [exercise.owner_organization, *exercise.organizations] if o.id == wanted), None)
        if to_org is None:
            raise writes.field_error("to_organization_id", "Injects go to a participating organisation.")
    with refused():
        inject = services.add_inject(current_user, exercise, to_organization=to_org, **data)
    return _created(InjectOut, inject)


@bp.post("/exercises/<int:exercise_id>/injects/<int:inject_id>/delivery")
@spec.validate(resp=Responses(HTTP_200=InjectOut), tags=TAGS)
def deliver_exercise_inject(exercise_id: int, inject_id: int):
    """A controller delivers the inject while the exercise is ready: its recipients get it in their inbox at
    once. Delivering it again changes nothing."""
    exercise = get_visible_exercise(exercise_id)
    inject = get_inject(current_user, exercise, inject_id)
    permissions.authorize(permissions.can_deliver_inject(current_user, exercise))
    with refused():
        services.deliver_inject(current_user, exercise, inject)
    return jsonify(InjectOut.model_validate(inject).model_dump(mode="json"))


class CorrectiveActionIn(Body):
    """An action of the exercise's improvement plan, as the exercise page's form adds it (the lead's coordinators,
    once the exercise was conducted). Links name what the action is carried out as; each must be readable."""

    title: Text(200, required=True)
    area_for_improvement: Text(ACTION_TEXT_MAX, required=True)
    capability_element: CapabilityElement = CapabilityElement.PLANNING
    responsible_organization_id: RecordId = Field(description="The lead or a participating organisation.")
    point_of_contact_id: RecordId | None = Field(None, description="A person of the responsible organisation.")
    objective_id: RecordId | None = Field(None, description="An objective of this exercise.")
    start_date: date | None = None
    due_date: date | None = None
    task_id: RecordId | None = None
    mitigation_id: RecordId | None = None
    incident_plan_id: RecordId | None = None
    agreement_id: RecordId | None = None


@bp.post("/exercises/<int:exercise_id>/corrective-actions")
@spec.validate(json=CorrectiveActionIn, resp=Responses(HTTP_201=CorrectiveActionOut), tags=TAGS)
def add_exercise_corrective_action(exercise_id: int):
    """Add a corrective action to the exercise's improvement plan; its point of contact (or the responsible
    organisation's coordinators) is told. It is then read and changed at /api/v1/corrective-actions/<id>."""
    exercise = get_visible_exercise(exercise_id)
    permissions.authorize(permissions.can_add_corrective_action(current_user, exercise))
    body = request.context.json
    organization = next((o for o in [exercise.owner_organization, *exercise.organizations]
                         if o.id == body.responsible_organization_id), None)
    if organization is None:
        raise writes.field_error("responsible_organization_id", "Choose the lead or a participating organisation.")
    contact = None
    if body.point_of_contact_id is not None:
        contact = db.session.scalar(permissions.visible_users(current_user).where(
            User.id == body.point_of_contact_id, User.active.is_(True),
            User.organization_id.in_(exercise.participating_org_ids())))
        if contact is None:
            raise writes.field_error("point_of_contact_id", "Choose a person of the responsible organisation.")
    objective = next((o for o in exercise.objectives if o.id == body.objective_id), None)
    if body.objective_id is not None and objective is None:
        raise writes.field_error("objective_id", "Choose an objective of this exercise.")
    wanted = body.model_dump(include=set(improvement.LINKS))
    links = improvement.readable_links(current_user, wanted)
    for name in improvement.LINKS:
        if wanted[name] is not None and links[name] is None:  # the page ignores it; here it is named
            raise writes.field_error(name, "No record you may read has this id.")
    with refused():
        action = improvement.create_corrective_action(
            current_user, exercise, title=body.title, area_for_improvement=body.area_for_improvement,
            capability_element=body.capability_element, responsible_organization=organization,
            point_of_contact=contact, objective=objective, start_date=body.start_date, due_date=body.due_date,
            **links)
    return writes.created(action_answer(action), url_for("api.get_corrective_action", corrective_action_id=action.id))
