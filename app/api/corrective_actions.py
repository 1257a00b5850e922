"""Corrective actions (the exercises' improvement plans): the list (its page's filters), detail, edit, status steps.

/api/v1/corrective-actions/, /api/v1/corrective-actions/<id>, PATCH …/<id> (If-Match), POST …/<id>/transitions.
An update here changes the action's own fields; its organisation, contact, objective and links stay as they are.
"""
from datetime import date
from datetime import datetime

from flask import jsonify
from flask import request
from flask_login import current_user
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
from app.api.schemas import UserRef
from app.api.schemas import transition_of
from app.api.spec import Responses
from app.api.spec import spec
from app.corrective_actions import queries
from app.exercises import improvement
from app.lifecycle import get_visible
from app.models import CapabilityElement
from app.models import CorrectiveAction
from app.models import CorrectiveActionStatus

TAGS = ("Exercises",)
TEXT_MAX = 20_000  # as the corrective action form (app/forms.py)
OPTIONS = (selectinload(CorrectiveAction.exercise), selectinload(CorrectiveAction.responsible_organization),
           selectinload(CorrectiveAction.point_of_contact))


class CorrectiveActionLinks(BaseModel):
    """What the action is carried out as: each record's id where the token's user may read it, else null."""

    task_id: int | None = None
    mitigation_id: int | None = None
    incident_plan_id: int | None = None
    agreement_id: int | None = None


class CorrectiveActionOut(RecordOut):
    exercise_id: int
    objective_id: int | None = Field(description="The exercise objective whose evaluation found the area.")
    title: str
    area_for_improvement: str
    capability_element: CapabilityElement
    responsible_organization: OrganizationRef
    point_of_contact: UserRef | None
    start_date: date | None
    due_date: date | None
    status: CorrectiveActionStatus
    completed_at: datetime | None
    verified_at: datetime | None
    version: int = Field(description="The lock version: send it back in If-Match to change the action.")
    created_at: datetime
    updated_at: datetime
    archived_at: datetime | None
    links: CorrectiveActionLinks = CorrectiveActionLinks()


class CorrectiveActionListQuery(ListQuery):
    status: CorrectiveActionStatus | None = None
    element: CapabilityElement | None = None
    due: bool = Field(False, description="Only open or in-progress actions past their due date.")
    mine: bool = Field(False, description="Only actions your organisation is responsible for.")
    archived: bool = Field(False, description="Archived actions instead of live ones.")


def _dump(action: CorrectiveAction) -> dict:
    links = {name: record.id for name, record in improvement.linked_records(current_user, action).items() if record}
    out = CorrectiveActionOut.model_validate(action)
    out.links = CorrectiveActionLinks(**links)
    return out.model_dump(mode="json")


def _answer(action: CorrectiveAction):
    return writes.with_etag(jsonify(_dump(action)), action.version)


def get_visible_action(action_id: int) -> CorrectiveAction:
    """The action when the token's user may read its exercise (404 otherwise, as on the pages)."""
    return get_visible(CorrectiveAction, action_id, *OPTIONS)


@bp.get("/corrective-actions/")
@spec.validate(query=CorrectiveActionListQuery, resp=Responses(HTTP_200=Page[CorrectiveActionOut]), tags=TAGS)
def list_corrective_actions():
    """The corrective actions the token's user may read, with the improvement plans page's filters."""
    return paging.listed(queries.list_statement, CorrectiveAction.id, *OPTIONS, words={"due": "overdue"}, dump=_dump)


@bp.get("/corrective-actions/<int:corrective_action_id>")
@spec.validate(resp=Responses(HTTP_200=CorrectiveActionOut), tags=TAGS)
def get_corrective_action(corrective_action_id: int):
    """One corrective action; its ETag is its version."""
    return _answer(get_visible_action(corrective_action_id))


class CorrectiveActionPatch(Body):
    """The fields to change (any subset)."""

    title: Text(200, required=True) = None
    area_for_improvement: Text(TEXT_MAX, required=True) = None
    capability_element: CapabilityElement = None
    start_date: date | None = None
    due_date: date | None = None


CorrectiveActionTransition = transition_of(CorrectiveActionStatus,
                                           "The status to move to (completed needs evidence attached).")


@bp.patch("/corrective-actions/<int:corrective_action_id>")
@spec.validate(json=CorrectiveActionPatch, headers=IfMatch, resp=Responses(HTTP_200=CorrectiveActionOut), tags=TAGS)
def update_corrective_action(corrective_action_id: int):
    """Change an action's fields: If-Match must name its current version (412 otherwise, 428 without it)."""
    action = get_visible_action(corrective_action_id)
    permissions.authorize(permissions.can_edit_corrective_action(current_user, action))
    version = writes.expected_version(action)
    with refused():
        improvement.update_corrective_action(current_user, action, expected_version=version,
                                             **request.context.json.model_dump(exclude_unset=True))
    return _answer(action)


@bp.post("/corrective-actions/<int:corrective_action_id>/transitions")
@spec.validate(json=CorrectiveActionTransition, resp=Responses(HTTP_200=CorrectiveActionOut), tags=TAGS)
def transition_corrective_action(corrective_action_id: int):
    """Move an action along open → in progress → completed → verified, as its status form does (the
    responsible organisation works on it; the lead organisation verifies)."""
    action = get_visible_action(corrective_action_id)
    permissions.authorize(permissions.can_change_corrective_action_status(current_user, action))
    with refused():
        improvement.transition_corrective_action(current_user, action, request.context.json.status)
    return _answer(action)
