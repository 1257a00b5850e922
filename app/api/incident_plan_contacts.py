"""An incident plan's versions (revisions) and its contact and escalation roster.

GET /api/v1/incident-plans/<id>/revisions: every version of the plan's reference the token's user may read,
oldest first, as the plan page's versions list; POST …/revisions starts a new draft version from an approved
or retired one, as the page's "Revise" button (app/incident_plans/services.revise_incident_plan). A version is
read at /api/v1/incident-plans/<id> and submitted for review with POST …/<id>/transitions.

GET/POST /api/v1/incident-plans/<id>/contacts/, PATCH/DELETE …/contacts/<contact_id> (If-Match: the contact's
version): the roster of a draft plan, through the same services as the contact form.
"""
from datetime import date
from datetime import datetime
from typing import Literal

from flask import jsonify
from flask import request
from flask import url_for
from flask_login import current_user
from pydantic import Field

from app import permissions
from app.api import bp
from app.api import refused
from app.api import writes
from app.api.incident_plans import TAGS
from app.api.incident_plans import ContactOut
from app.api.incident_plans import IncidentPlanOut
from app.api.incident_plans import _answer
from app.api.incident_plans import get_visible_plan
from app.api.incident_plans import get_writable_plan
from app.api.incident_plans import plan_part
from app.api.schemas import Body
from app.api.schemas import IfMatch
from app.api.schemas import RecordOut
from app.api.schemas import Text
from app.api.schemas import list_of
from app.api.spec import Responses
from app.api.spec import spec
from app.extensions import db
from app.incident_plans import services
from app.models import IncidentPlan
from app.models import PlanContact
from app.models import PlanStatus

PHONE = r"^[0-9+()./ \-]*(?:\s*(?:ext\.?|x)\s*[0-9]+)?$"  # as the contact form (app/incident_plans/forms.py)
EMAIL = r"^$|^[^@\s]+@[^@\s]+\.[^@\s]+$"
UNREACHABLE = "Give a phone number or an email address."


class RevisionOut(RecordOut):
    reference: str
    version_label: str
    status: PlanStatus
    previous_version_id: int | None
    approved_at: datetime | None
    next_review_date: date | None
    created_at: datetime
    archived_at: datetime | None


RevisionList = list_of(RevisionOut)


class ReviseIn(Body):
    bump: Literal["major", "minor"] = Field("major", description="major: 1.0 → 2.0; minor: 1.0 → 1.1.")


@bp.get("/incident-plans/<int:plan_id>/revisions")
@spec.validate(resp=Responses(HTTP_200=RevisionList), tags=TAGS)
def list_plan_revisions(plan_id: int):
    """The plan's versions (same reference) the token's user may read, oldest first."""
    plan = get_visible_plan(plan_id)
    versions = db.session.scalars(permissions.visible_incident_plans(current_user)
                                  .where(IncidentPlan.reference == plan.reference).order_by(IncidentPlan.id))
    return jsonify({"items": [RevisionOut.model_validate(v).model_dump(mode="json") for v in versions]})


@bp.post("/incident-plans/<int:plan_id>/revisions")
@spec.validate(json=ReviseIn, resp=Responses(HTTP_201=IncidentPlanOut), tags=TAGS)
def revise_plan(plan_id: int):
    """Start the next version of an approved or retired plan as a draft (its sections and contacts copied);
    one draft at a time per reference (409 otherwise). The answer is the new version."""
    plan = get_visible_plan(plan_id)
    permissions.authorize(permissions.can_revise_incident_plan(current_user, plan))
    with refused():
        draft = services.revise_incident_plan(current_user, plan, request.context.json.bump)
    return writes.created(_answer(draft), url_for("api.get_incident_plan", plan_id=draft.id))


class ContactFields(Body):
    organization: Text(200) = None
    phone: Text(40) = Field(None, pattern=PHONE, description="Digits, spaces and + ( ) - . only.")
    email: Text(254) = Field(None, pattern=EMAIL)
    escalation_tier: Literal[1, 2, 3] = None
    available_24_7: bool = None


class ContactIn(ContactFields):
    """A contact of the roster: a phone number or an email address."""

    role: Text(120, required=True)
    name: Text(120, required=True)
    organization: Text(200) = ""
    phone: Text(40) = Field("", pattern=PHONE, description="Digits, spaces and + ( ) - . only.")
    email: Text(254) = Field("", pattern=EMAIL)
    escalation_tier: Literal[1, 2, 3] = 1
    available_24_7: bool = False


class ContactPatch(ContactFields):
    """The fields to change (any subset)."""

    role: Text(120, required=True) = None
    name: Text(120, required=True) = None


ContactList = list_of(ContactOut)


def _contact_answer(contact: PlanContact):
    return writes.with_etag(jsonify(ContactOut.model_validate(contact).model_dump(mode="json")), contact.version)


@bp.get("/incident-plans/<int:plan_id>/contacts/")
@spec.validate(resp=Responses(HTTP_200=ContactList), tags=TAGS)
def list_plan_contacts(plan_id: int):
    """The plan's roster, by escalation tier."""
    plan = get_visible_plan(plan_id)
    contacts = sorted(plan.contacts, key=lambda c: (c.escalation_tier, c.id))
    return jsonify({"items": [ContactOut.model_validate(c).model_dump(mode="json") for c in contacts]})


@bp.post("/incident-plans/<int:plan_id>/contacts/")
@spec.validate(json=ContactIn, resp=Responses(HTTP_201=ContactOut), tags=TAGS)
def add_plan_contact(plan_id: int):
    """Add a contact to a draft plan's roster, as the contact form does."""
    plan = get_writable_plan(plan_id)
    new = request.context.json
    if not (new.phone or new.email):
        raise writes.field_error("phone", UNREACHABLE)
    with refused():
        contact = services.add_contact(current_user, plan, **new.model_dump())
    return writes.created(_contact_answer(contact),
                          url_for("api.update_plan_contact", plan_id=plan.id, contact_id=contact.id))


@bp.patch("/incident-plans/<int:plan_id>/contacts/<int:contact_id>")
@spec.validate(json=ContactPatch, headers=IfMatch, resp=Responses(HTTP_200=ContactOut), tags=TAGS)
def update_plan_contact(plan_id: int, contact_id: int):
    """Change a contact of a draft plan: If-Match must name the contact's current version."""
    plan = get_writable_plan(plan_id)
    contact = plan_part(plan.contacts, contact_id)
    version = writes.expected_version(contact)
    changes = request.context.json.model_dump(exclude_unset=True)
    phone, email = changes.get("phone", contact.phone), changes.get("email", contact.email)
    if not (phone or email):
        raise writes.field_error("phone", UNREACHABLE)
    with refused():
        services.update_contact(current_user, plan, contact, expected_version=version, **changes)
    return _contact_answer(contact)


@bp.delete("/incident-plans/<int:plan_id>/contacts/<int:contact_id>")
@spec.validate(headers=IfMatch, resp=Responses(HTTP_204=None), tags=TAGS)
def delete_plan_contact(plan_id: int, contact_id: int):
    """Remove a contact from a draft plan's roster (the audit trail keeps the whole entry). If-Match names the
    contact's current version."""
    plan = get_writable_plan(plan_id)
    contact = plan_part(plan.contacts, contact_id)
    writes.expected_version(contact)
    with refused():
        services.delete_contact(current_user, plan, contact)
    return "", 204
