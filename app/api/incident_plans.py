"""Incident-response plans: list (the plan list's filters), detail with its sections and contacts, create,
update, the review/approval lifecycle, sections, and the plan's PDF (the page's own document).

/api/v1/incident-plans/, /api/v1/incident-plans/<id> (GET, PATCH with If-Match), POST …/<id>/transitions,
POST …/<id>/sections/, PATCH …/<id>/sections/<section_id> (If-Match), GET …/<id>.pdf.
"""
import re
from datetime import date
from datetime import datetime

from flask import abort
from flask import current_app
from flask import jsonify
from flask import request
from flask import url_for
from flask_login import current_user
from pydantic import BaseModel
from pydantic import Field
from pydantic import field_validator
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
from app.api.schemas import RecordId
from app.api.schemas import RecordOut
from app.api.schemas import Text
from app.api.schemas import UserRef
from app.api.spec import Responses
from app.api.spec import spec
from app.extensions import db
from app.incident_plans import queries
from app.incident_plans import services
from app.lifecycle import get_visible
from app.models import TLP
from app.models import IncidentPlan
from app.models import Organization
from app.models import Phase
from app.models import PlanSection
from app.models import PlanStatus
from app.models import Sector
from app.models import User
from app.problems import ProblemError
from app.reviews.services import PICK_REVIEWERS

TAGS = ("Incident plans",)
PARTS = (selectinload(IncidentPlan.sections), selectinload(IncidentPlan.contacts),
         selectinload(IncidentPlan.covered_organizations))
MARKDOWN_MAX = 100_000  # as the plan form (app/incident_plans/forms.py)
VERSION_LABEL = re.compile(r"^[0-9A-Za-z][0-9A-Za-z.\-]*$")


class SectionOut(RecordOut):
    phase: Phase
    title: str
    body: str
    position: int
    version: int = Field(description="The section's lock version (If-Match to change it).")


class ContactOut(RecordOut):
    role: str
    name: str
    organization: str
    phone: str
    email: str
    escalation_tier: int
    available_24_7: bool
    version: int = Field(description="The contact's lock version (If-Match to change it).")


class IncidentPlanOut(RecordOut):
    reference: str
    version_label: str
    title: str
    status: PlanStatus
    tlp: TLP
    scope: str
    activation_criteria: str
    severity_levels: str
    distribution_list: str
    change_summary: str
    sectors: list[Sector]
    owner_organization: OrganizationRef
    covered_organizations: list[OrganizationRef]
    approver: UserRef | None
    approved_at: datetime | None
    next_review_date: date | None
    previous_version_id: int | None
    sections: list[SectionOut] = Field(description="The plan's live sections, by phase and position.")
    contacts: list[ContactOut]
    version: int = Field(description="The lock version: send it back in If-Match to change the plan.")
    created_at: datetime
    updated_at: datetime
    archived_at: datetime | None


class IncidentPlanListQuery(ListQuery):
    status: PlanStatus | None = None
    tlp: TLP | None = None
    sector: Sector | None = None
    organization: int | None = Field(None, ge=1, le=2**31 - 1, description="An owner or covered organisation's id.")
    review_due: bool = Field(False, description="Only plans whose review is overdue.")
    all_versions: bool = Field(False, description="Every version, not only each reference's newest.")
    archived: bool = Field(False, description="Archived plans instead of live ones.")


def _dump(plan: IncidentPlan) -> dict:
    out = IncidentPlanOut.model_validate(plan)
    ordered = sorted(plan.live_sections, key=lambda s: (s.phase.order, s.position, s.id))
    out.sections = [SectionOut.model_validate(s) for s in ordered]
    out.contacts = sorted(out.contacts, key=lambda c: (c.escalation_tier, c.id))
    return out.model_dump(mode="json")


def _answer(plan: IncidentPlan):
    return writes.with_etag(jsonify(_dump(plan)), plan.version)


def get_visible_plan(plan_id: int) -> IncidentPlan:
    """The plan when the token's user may read it (404 otherwise, as on the pages)."""
    return get_visible(IncidentPlan, plan_id, *PARTS)


def get_writable_plan(plan_id: int) -> IncidentPlan:
    """The plan, when the token's user may change its content (its fields, sections and roster): 404 outside
    the scope, 403 with the page's reason when the plan is locked (approved, in review, archived)."""
    plan = get_visible_plan(plan_id)
    try:
        services.authorize_content_change(current_user, plan)
    except services.PlanLocked as locked:
        raise ProblemError(403, locked.description) from locked
    return plan


def plan_part(parts, part_id: int):
    """A section or contact only through its plan: another plan's id is 404."""
    part = next((p for p in parts if p.id == part_id), None)
    if part is None:
        abort(404)
    return part


@bp.get("/incident-plans/")
@spec.validate(query=IncidentPlanListQuery, resp=Responses(HTTP_200=Page[IncidentPlanOut]), tags=TAGS)
def list_incident_plans():
    """The plans the token's user may read, with the plan list's filters."""
    return paging.listed(queries.list_incident_plans, IncidentPlan.id, *PARTS, selectinload(IncidentPlan.approver),
                         read_filters=queries.read_filters, dump=_dump)


@bp.get("/incident-plans/<int:plan_id>")
@spec.validate(resp=Responses(HTTP_200=IncidentPlanOut), tags=TAGS)
def get_incident_plan(plan_id: int):
    """One plan with its sections and contacts; its ETag is its version."""
    return _answer(get_visible_plan(plan_id))


@bp.get("/incident-plans/<int:plan_id>.pdf")
@spec.validate(tags=TAGS)
def incident_plan_document(plan_id: int):
    """The plan as a PDF: the same document, and the same bytes, as the plan page's download (the issued
    document while the plan is in review or approved)."""
    get_visible_plan(plan_id)
    return current_app.view_functions["documents.incident_plan"](plan_id=plan_id)


class PlanFields(Body):
    scope: Text(MARKDOWN_MAX) = None
    activation_criteria: Text(MARKDOWN_MAX) = None
    severity_levels: Text(MARKDOWN_MAX) = None
    distribution_list: Text(5000) = None
    change_summary: Text(20_000) = None
    sectors: list[Sector] = Field(None, max_length=len(Sector))
    tlp: TLP = None
    version_label: Text(20, required=True) = Field(None, description="Letters, digits, dots and dashes.")
    covered_organization_ids: list[RecordId] = Field(None, max_length=500,
                                                description="Partner organisations the plan covers.")

    @field_validator("version_label")
    @classmethod
    def _label(cls, value):
        if value is not None and not VERSION_LABEL.match(value):
            raise ValueError("Use letters, digits, dots and dashes, e.g. 1.0.")
        return value


class IncidentPlanIn(PlanFields):
    """A new plan, a draft owned by your organisation."""

    title: Text(200, required=True)


class IncidentPlanPatch(PlanFields):
    """The fields to change (any subset), while the plan is a draft. TLP:RED recipients are not changed here."""

    title: Text(200, required=True) = None


class PlanTransition(Body):
    status: PlanStatus = Field(description="The status to move to (in_review, draft to request changes, approved, "
                                           "retired).")
    comment: Text(2000) = Field("", description="Why (required when requesting changes).")
    reviewer_ids: list[RecordId] = Field([], max_length=50, description="Reviewers to name when submitting for review.")
    next_review_date: date | None = Field(None, description="On approval: at most 12 months ahead (default).")


def _changes(model: BaseModel, plan: IncidentPlan | None = None) -> dict:
    changes = model.model_dump(exclude_unset=True)
    if "sectors" in changes:
        changes["sectors"] = sorted(set(changes["sectors"]), key=lambda sector: sector.value)
    if "covered_organization_ids" in changes:
        ids = set(changes.pop("covered_organization_ids"))
        kept = {o.id for o in plan.covered_organizations} if plan else set()
        orgs = db.session.scalars(permissions.visible_organizations(current_user).where(
            Organization.id.in_(ids), Organization.archived_at.is_(None) | Organization.id.in_(kept))).all()
        if len(orgs) != len(ids):
            raise writes.field_error("covered_organization_ids", "Choose active organisations.")
        changes["covered_organizations"] = orgs
    return changes


@bp.post("/incident-plans/")
@spec.validate(json=IncidentPlanIn, resp=Responses(HTTP_201=IncidentPlanOut), tags=TAGS)
def create_incident_plan():
    """Write a new plan, a draft owned by your organisation (coordinators), as the New plan form does."""
    permissions.authorize(permissions.can_create_incident_plan(current_user))
    with refused():
        plan = services.create_incident_plan(current_user, **_changes(request.context.json))
    return writes.created(_answer(plan), url_for("api.get_incident_plan", plan_id=plan.id))


@bp.patch("/incident-plans/<int:plan_id>")
@spec.validate(json=IncidentPlanPatch, headers=IfMatch, resp=Responses(HTTP_200=IncidentPlanOut), tags=TAGS)
def update_incident_plan(plan_id: int):
    """Change a draft plan's fields: If-Match must name its current version (412 otherwise, 428 without it)."""
    plan = get_writable_plan(plan_id)
    version = writes.expected_version(plan)
    changes = _changes(request.context.json, plan)
    if changes.get("tlp", plan.tlp) is not TLP.RED:
        changes["recipients"] = []
    with refused():
        services.update_incident_plan(current_user, plan, expected_version=version, **changes)
    return _answer(plan)


@bp.post("/incident-plans/<int:plan_id>/transitions")
@spec.validate(json=PlanTransition, resp=Responses(HTTP_200=IncidentPlanOut), tags=TAGS)
def transition_incident_plan(plan_id: int):
    """Submit for review, request changes, approve (four eyes: not its author, nor who submitted it) or retire,
    as the plan's status buttons do. Submitting and approving issue the plan's PDF."""
    plan = get_visible_plan(plan_id)
    step = request.context.json
    permissions.authorize(permissions.can_transition_incident_plan(current_user, plan))
    ids = set(step.reviewer_ids)
    reviewers = list(db.session.scalars(permissions.visible_users(current_user).where(User.id.in_(ids)))) if ids else []
    if len(reviewers) != len(ids):
        raise writes.field_error("reviewer_ids", PICK_REVIEWERS)
    with refused():
        services.transition_incident_plan(current_user, plan, step.status, step.next_review_date,
                                          comment=step.comment, reviewers=reviewers)
    return _answer(plan)


class SectionIn(Body):
    phase: Phase
    title: Text(200, required=True)
    body: Text(MARKDOWN_MAX) = ""


class SectionPatch(Body):
    phase: Phase = None
    title: Text(200, required=True) = None
    body: Text(MARKDOWN_MAX) = None


def _section_answer(section: PlanSection):
    return writes.with_etag(jsonify(SectionOut.model_validate(section).model_dump(mode="json")), section.version)


@bp.post("/incident-plans/<int:plan_id>/sections/")
@spec.validate(json=SectionIn, resp=Responses(HTTP_201=SectionOut), tags=TAGS)
def add_plan_section(plan_id: int):
    """Add a section to a draft plan, at the end of its phase."""
    plan = get_writable_plan(plan_id)
    body = request.context.json
    with refused():
        section = services.add_section(current_user, plan, phase=body.phase, title=body.title, body=body.body)
    return writes.created(_section_answer(section),
                          url_for("api.update_plan_section", plan_id=plan.id, section_id=section.id))


@bp.patch("/incident-plans/<int:plan_id>/sections/<int:section_id>")
@spec.validate(json=SectionPatch, headers=IfMatch, resp=Responses(HTTP_200=SectionOut), tags=TAGS)
def update_plan_section(plan_id: int, section_id: int):
    """Change a section of a draft plan: If-Match must name the section's current version."""
    plan = get_writable_plan(plan_id)
    section = plan_part(plan.live_sections, section_id)
    version = writes.expected_version(section)
    fields = {"phase": section.phase, "title": section.title, "body": section.body,
              **request.context.json.model_dump(exclude_unset=True)}
    with refused():
        services.update_section(current_user, plan, section, expected_version=version, **fields)
    return _section_answer(section)
