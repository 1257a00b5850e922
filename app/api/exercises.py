"""Exercises: the programme's list (its page's filters), detail, plan, edit while planned, lifecycle steps.

/api/v1/exercises/, /api/v1/exercises/<id>, PATCH /api/v1/exercises/<id> (If-Match),
POST /api/v1/exercises/<id>/transitions. Participants, objectives, injects and corrective actions: app/api/exercise_parts.py.
An update here keeps the exercise's plan, organisations, agreements and recipients as they are.
"""
from datetime import UTC
from datetime import date
from datetime import datetime

from flask import jsonify
from flask import request
from flask import url_for
from flask_login import current_user
from pydantic import AwareDatetime
from pydantic import BaseModel
from pydantic import Field
from sqlalchemy.orm import selectinload

from app import permissions
from app.api import bp
from app.api import paging
from app.api import refused
from app.api import writes
from app.api.paging import ListQuery
from app.api.paging import Page
from app.api.schemas import Body
from app.api.schemas import IfMatch
from app.api.schemas import OrganizationRef
from app.api.schemas import RecordOut
from app.api.schemas import Text
from app.api.schemas import transition_of
from app.api.spec import Responses
from app.api.spec import spec
from app.exercises import queries
from app.exercises import services
from app.lifecycle import get_visible
from app.models import TLP
from app.models import Exercise
from app.models import ExerciseStatus
from app.models import ExerciseType

TAGS = ("Exercises",)
TEXT_MAX = 100_000  # as the exercise form (app/exercises/forms.py)
OPTIONS = (selectinload(Exercise.owner_organization), selectinload(Exercise.organizations),
           selectinload(Exercise.agreements), selectinload(Exercise.recipients), selectinload(Exercise.incident_plan))


class ExerciseOut(RecordOut):
    reference: str
    type: ExerciseType
    title: str
    scenario: str
    starts_at: datetime
    ends_at: datetime
    status: ExerciseStatus
    tlp: TLP
    owner_organization: OrganizationRef
    conducted_on: date | None
    version: int = Field(description="The lock version: send it back in If-Match to change the exercise.")
    created_at: datetime
    updated_at: datetime
    archived_at: datetime | None


class ExerciseListQuery(ListQuery):
    status: ExerciseStatus | None = None
    type: ExerciseType | None = None
    tlp: TLP | None = None
    plan: int | None = Field(None, ge=1, le=2**31 - 1, description="Exercises of this incident plan.")
    archived: bool = Field(False, description="Archived exercises instead of live ones.")


def _dump(exercise: Exercise) -> dict:
    return ExerciseOut.model_validate(exercise).model_dump(mode="json")


def _answer(exercise: Exercise):
    return writes.with_etag(jsonify(_dump(exercise)), exercise.version)


def get_visible_exercise(exercise_id: int) -> Exercise:
    """The exercise when the token's user may read it (404 otherwise, as on the pages)."""
    return get_visible(Exercise, exercise_id, *OPTIONS)


@bp.get("/exercises/")
@spec.validate(query=ExerciseListQuery, resp=Responses(HTTP_200=Page[ExerciseOut]), tags=TAGS)
def list_exercises():
    """The exercises the token's user may read, with the programme list's filters."""
    return paging.listed(queries.list_statement, Exercise.id, selectinload(Exercise.owner_organization), dump=_dump)


@bp.get("/exercises/<int:exercise_id>")
@spec.validate(resp=Responses(HTTP_200=ExerciseOut), tags=TAGS)
def get_exercise(exercise_id: int):
    """One exercise; its ETag is its version."""
    return _answer(get_visible_exercise(exercise_id))


class ExerciseFields(Body):
    scenario: Text(TEXT_MAX) = None
    tlp: TLP = None


class ExerciseIn(ExerciseFields):
    """A new exercise led by your organisation (coordinators), in planning."""

    type: ExerciseType
    title: Text(200, required=True)
    starts_at: AwareDatetime = Field(description="With its offset (2027-03-01T09:00:00+01:00).")
    ends_at: AwareDatetime = Field(description="After starts_at.")
    tlp: TLP = TLP.AMBER


class ExercisePatch(ExerciseFields):
    """The fields to change (any subset), while the exercise is planned."""

    type: ExerciseType = None
    title: Text(200, required=True) = None
    starts_at: AwareDatetime = None
    ends_at: AwareDatetime = None


ExerciseTransition = transition_of(ExerciseStatus)


def _fields(model: BaseModel, exercise: Exercise | None = None) -> dict:
    fields = model.model_dump(exclude_unset=True)
    for name in ("starts_at", "ends_at"):
        if fields.get(name) is not None:
            fields[name] = fields[name].astimezone(UTC)
    if exercise is not None:  # the service writes the whole record, as the form sends it
        for name in services.EXERCISE_FIELDS:
            fields.setdefault(name, getattr(exercise, name))
    elif fields.get("starts_at") and fields.get("ends_at") and fields["ends_at"] <= fields["starts_at"]:
        raise writes.field_error("ends_at", "End after the start.")
    return fields


@bp.post("/exercises/")
@spec.validate(json=ExerciseIn, resp=Responses(HTTP_201=ExerciseOut), tags=TAGS)
def create_exercise():
    """Plan an exercise led by your organisation (coordinators), as the New exercise form does."""
    permissions.authorize(permissions.can_create_exercise(current_user))
    fields = _fields(request.context.json)
    fields.setdefault("tlp", TLP.AMBER)
    with refused():
        exercise = services.create_exercise(current_user, **fields)
    return writes.created(_answer(exercise), url_for("api.get_exercise", exercise_id=exercise.id))


@bp.patch("/exercises/<int:exercise_id>")
@spec.validate(json=ExercisePatch, headers=IfMatch, resp=Responses(HTTP_200=ExerciseOut), tags=TAGS)
def update_exercise(exercise_id: int):
    """Change an exercise's fields: If-Match must name its current version (412 otherwise, 428 without it)."""
    exercise = get_visible_exercise(exercise_id)
    permissions.authorize(permissions.can_edit_exercise(current_user, exercise))
    version = writes.expected_version(exercise)
    fields = _fields(request.context.json, exercise)
    with refused():
        services.update_exercise(current_user, exercise, expected_version=version, plan=exercise.incident_plan,
                                 organizations=list(exercise.organizations), agreements=list(exercise.agreements),
                                 recipients=list(exercise.recipients), **fields)
    return _answer(exercise)


@bp.post("/exercises/<int:exercise_id>/transitions")
@spec.validate(json=ExerciseTransition, resp=Responses(HTTP_200=ExerciseOut), tags=TAGS)
def transition_exercise(exercise_id: int):
    """Move an exercise along its lifecycle (planning, ready, conducted, evaluated, closed), as its status
    buttons do (the lead's coordinators)."""
    exercise = get_visible_exercise(exercise_id)
    with refused():
        services.transition_exercise(current_user, exercise, request.context.json.status)
    return _answer(exercise)
