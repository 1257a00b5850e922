"""Mitigations, nested under their risk as on its page: list, detail, add, edit, status updates.

/api/v1/risks/<risk_id>/mitigations/, …/<mitigation_id> (GET, PATCH with If-Match),
POST …/<mitigation_id>/transitions (the status form: status, effectiveness, note — coordinators of the risk,
or the assigned person).
"""
from datetime import date
from datetime import datetime

from flask import jsonify
from flask import request
from flask import url_for
from flask_login import current_user
from pydantic import Field
from sqlalchemy.orm import selectinload

from app import permissions
from app.api import bp
from app.api import refused
from app.api import writes
from app.api.risks import get_visible_risk
from app.api.schemas import Body
from app.api.schemas import IfMatch
from app.api.schemas import OrganizationRef
from app.api.schemas import RecordOut
from app.api.schemas import Text
from app.api.schemas import UserRef
from app.api.schemas import list_of
from app.api.spec import Responses
from app.api.spec import spec
from app.extensions import db
from app.models import Mitigation
from app.models import MitigationStatus
from app.models import Organization
from app.models import Risk
from app.models import User
from app.risks import services

TAGS = ("Risks",)
MARKDOWN_MAX, NOTE_MAX = 100_000, 2_000  # as the mitigation forms (app/risks/forms.py)
Id = Field(ge=1, le=2**31 - 1)


class MitigationOut(RecordOut):
    risk_id: int
    title: str
    description: str
    assigned_organization: OrganizationRef
    assigned_user: UserRef | None
    due_date: date | None
    status: MitigationStatus
    effectiveness: int = Field(description="Estimated reduction of the risk, 0–100 %.")
    status_note: str
    version: int = Field(description="The lock version: send it back in If-Match to change the mitigation.")
    created_at: datetime
    updated_at: datetime
    archived_at: datetime | None


MitigationList = list_of(MitigationOut)


def _answer(mitigation: Mitigation):
    response = jsonify(MitigationOut.model_validate(mitigation).model_dump(mode="json"))
    return writes.with_etag(response, mitigation.version)


def _visible(risk: Risk):
    return (permissions.visible_mitigations(current_user).where(Mitigation.risk_id == risk.id)
            .options(selectinload(Mitigation.assigned_organization), selectinload(Mitigation.assigned_user)))


def get_visible_mitigation(risk_id: int, mitigation_id: int) -> Mitigation:
    """A mitigation of an invisible risk, or of another risk than the one in the URL, is 404."""
    return db.first_or_404(_visible(get_visible_risk(risk_id)).where(Mitigation.id == mitigation_id))


@bp.get("/risks/<int:risk_id>/mitigations/")
@spec.validate(resp=Responses(HTTP_200=MitigationList), tags=TAGS)
def list_mitigations(risk_id: int):
    """A risk's mitigations, in the order of its page (live ones first, by due date)."""
    stmt = _visible(get_visible_risk(risk_id)).order_by(
        Mitigation.archived_at.is_not(None), Mitigation.due_date.is_(None), Mitigation.due_date, Mitigation.id)
    return jsonify({"items": [MitigationOut.model_validate(m).model_dump(mode="json")
                              for m in db.session.scalars(stmt)]})


@bp.get("/risks/<int:risk_id>/mitigations/<int:mitigation_id>")
@spec.validate(resp=Responses(HTTP_200=MitigationOut), tags=TAGS)
def get_mitigation(risk_id: int, mitigation_id: int):
    """One mitigation; its ETag is its version."""
    return _answer(get_visible_mitigation(risk_id, mitigation_id))


class MitigationFields(Body):
    description: Text(MARKDOWN_MAX) = None
    assigned_user_id: int | None = Field(None, ge=1, le=2**31 - 1,
                                         description="A person of the assigned organisation (may update the status).")
    due_date: date | None = None
    effectiveness: int = Field(None, ge=0, le=100)


class MitigationIn(MitigationFields):
    """A new mitigation; the assigned organisation becomes a participant of the risk."""

    title: Text(200, required=True)
    assigned_organization_id: int = Id


class MitigationPatch(MitigationFields):
    """The fields to change (any subset)."""

    title: Text(200, required=True) = None
    assigned_organization_id: int = Field(None, ge=1, le=2**31 - 1)


class MitigationTransition(Body):
    """A status update, as the mitigation's status form sends it (the same status: a progress note only)."""

    status: MitigationStatus = Field(description="The status to move to.")
    effectiveness: int = Field(None, ge=0, le=100, description="Unchanged when left out.")
    note: Text(NOTE_MAX) = Field("", description="Progress note.")


def _check(changes: dict, mitigation: Mitigation | None = None) -> dict:
    """The choices the form offers: an active organisation (or the one already assigned), a person of the
    partnership; the service checks that the person belongs to the organisation."""
    org_id = changes.get("assigned_organization_id")
    if org_id is not None and (mitigation is None or org_id != mitigation.assigned_organization_id):
        if db.session.scalar(permissions.active_organizations(current_user).where(Organization.id == org_id)) is None:
            raise writes.field_error("assigned_organization_id", "Choose an active organisation.")
    user_id = changes.get("assigned_user_id")
    if user_id is not None and (mitigation is None or user_id != mitigation.assigned_user_id):
        if db.session.scalar(permissions.visible_users(current_user).where(User.id == user_id)) is None:
            raise writes.field_error("assigned_user_id", "Choose an active person.")
    if mitigation is not None and "assigned_organization_id" in changes and "assigned_user_id" not in changes:
        changes["assigned_user_id"] = mitigation.assigned_user_id  # checked against the new organisation
    if mitigation is not None and "assigned_user_id" in changes and "assigned_organization_id" not in changes:
        changes["assigned_organization_id"] = mitigation.assigned_organization_id
    return changes


@bp.post("/risks/<int:risk_id>/mitigations/")
@spec.validate(json=MitigationIn, resp=Responses(HTTP_201=MitigationOut), tags=TAGS)
def create_mitigation(risk_id: int):
    """Add a mitigation to a risk (coordinators of the risk), as the Add mitigation form does."""
    risk = get_visible_risk(risk_id)
    permissions.authorize(permissions.can_edit_risk(current_user, risk))
    fields = _check(request.context.json.model_dump(exclude_unset=True))
    fields.setdefault("effectiveness", 0)
    with refused():
        mitigation = services.create_mitigation(current_user, risk, **fields)
    return writes.created(_answer(mitigation),
                          url_for("api.get_mitigation", risk_id=risk.id, mitigation_id=mitigation.id))


@bp.patch("/risks/<int:risk_id>/mitigations/<int:mitigation_id>")
@spec.validate(json=MitigationPatch, headers=IfMatch, resp=Responses(HTTP_200=MitigationOut), tags=TAGS)
def update_mitigation(risk_id: int, mitigation_id: int):
    """Change a mitigation's fields: If-Match must name its current version (412 otherwise, 428 without it)."""
    mitigation = get_visible_mitigation(risk_id, mitigation_id)
    permissions.authorize(permissions.can_edit_mitigation(current_user, mitigation))
    version = writes.expected_version(mitigation)
    changes = _check(request.context.json.model_dump(exclude_unset=True), mitigation)
    with refused():
        services.update_mitigation(current_user, mitigation, expected_version=version, **changes)
    db.session.refresh(mitigation)
    return _answer(mitigation)


@bp.post("/risks/<int:risk_id>/mitigations/<int:mitigation_id>/transitions")
@spec.validate(json=MitigationTransition, resp=Responses(HTTP_200=MitigationOut), tags=TAGS)
def transition_mitigation(risk_id: int, mitigation_id: int):
    """Update a mitigation's status, effectiveness and progress note (coordinators of the risk, or the
    assigned person), as its status form does."""
    mitigation = get_visible_mitigation(risk_id, mitigation_id)
    step = request.context.json
    effectiveness = mitigation.effectiveness if step.effectiveness is None else step.effectiveness
    with refused():
        services.update_mitigation_status(current_user, mitigation, step.status, effectiveness, step.note)
    return _answer(mitigation)
