"""Initiatives and their milestones: list (the list page's filters), detail, update, lifecycle transitions.

/api/v1/initiatives/, /api/v1/initiatives/<id> (its milestones inside), PATCH /api/v1/initiatives/<id>
(If-Match), POST /api/v1/initiatives/<id>/transitions.
"""
from datetime import date
from datetime import datetime

from flask import jsonify
from flask import request
from flask_login import current_user
from pydantic import Field
from sqlalchemy.orm import selectinload

from app import permissions
from app.api import bp
from app.api import links
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
from app.initiatives import queries
from app.initiatives import services
from app.lifecycle import get_visible
from app.models import TLP
from app.models import Health
from app.models import Initiative
from app.models import InitiativeStatus
from app.models import Sector

TAGS = ("Initiatives",)
OBJECTIVE_MAX, DESCRIPTION_MAX, REASON_MAX, NOTE_MAX = 2_000, 100_000, 2_000, 1_000  # as the initiative form


class MilestoneOut(RecordOut):
    title: str
    due_date: date | None
    completed_at: datetime | None


class InitiativeOut(RecordOut):
    reference: str
    title: str
    objective: str
    description: str
    status: InitiativeStatus
    health: Health
    health_reason: str
    decision_needed: bool
    decision_note: str
    tlp: TLP
    sectors: list[Sector]
    start_date: date | None
    target_date: date | None
    agreement_id: int | None = Field(description="The linked agreement, when the reader may read it (else null).")
    lead_organization: OrganizationRef
    owner_organization: OrganizationRef
    participants: list[OrganizationRef]
    milestones: list[MilestoneOut]
    version: int = Field(description="The lock version: send it back in If-Match to change the initiative.")
    created_at: datetime
    updated_at: datetime
    archived_at: datetime | None


class InitiativeListQuery(ListQuery):
    status: InitiativeStatus | None = None
    health: Health | None = None
    tlp: TLP | None = None
    sector: Sector | None = None
    organization: int | None = Field(None, ge=1, le=2**31 - 1, description="A lead, owner or participant's id.")
    lead: int | None = Field(None, ge=1, le=2**31 - 1, description="The lead organisation's id.")
    archived: bool = Field(False, description="Archived initiatives instead of live ones.")


def _dump(initiatives: list[Initiative]) -> list[dict]:
    return links.dump(InitiativeOut, initiatives, "agreement")


def _answer(initiative: Initiative):
    return writes.with_etag(jsonify(_dump([initiative])[0]), initiative.version)


def get_visible_initiative(initiative_id: int) -> Initiative:
    """The initiative when the token's user may read it (404 otherwise, as on the pages)."""
    return get_visible(Initiative, initiative_id, selectinload(Initiative.milestones),
                       selectinload(Initiative.participants))


@bp.get("/initiatives/")
@spec.validate(query=InitiativeListQuery, resp=Responses(HTTP_200=Page[InitiativeOut]), tags=TAGS)
def list_initiatives():
    """The initiatives the token's user may read, with the list page's filters."""
    # The owners and milestones with the page (the list page's statement loads the other organisations).
    return paging.listed(queries.list_initiatives, Initiative.id, selectinload(Initiative.owner_organization),
                         selectinload(Initiative.milestones), read_filters=queries.read_filters, dump_page=_dump)


@bp.get("/initiatives/<int:initiative_id>")
@spec.validate(resp=Responses(HTTP_200=InitiativeOut), tags=TAGS)
def get_initiative(initiative_id: int):
    """One initiative with its milestones; its ETag is its version."""
    return _answer(get_visible_initiative(initiative_id))


class InitiativePatch(Body):
    """The fields to change (any subset). Links (agreement, lead, participants) and TLP:RED recipients are
    kept as they are."""

    title: Text(200, required=True) = None
    objective: Text(OBJECTIVE_MAX) = None
    description: Text(DESCRIPTION_MAX) = None
    health: Health = None
    health_reason: Text(REASON_MAX) = None
    decision_needed: bool = None
    decision_note: Text(NOTE_MAX) = None
    tlp: TLP = None
    sectors: list[Sector] = Field(None, max_length=len(Sector))
    start_date: date | None = None
    target_date: date | None = None


InitiativeTransition = transition_of(InitiativeStatus)


@bp.patch("/initiatives/<int:initiative_id>")
@spec.validate(json=InitiativePatch, headers=IfMatch, resp=Responses(HTTP_200=InitiativeOut), tags=TAGS)
def update_initiative(initiative_id: int):
    """Change an initiative's fields: If-Match must name its current version (412 otherwise, 428 without it)."""
    initiative = get_visible_initiative(initiative_id)
    permissions.authorize(permissions.can_edit_initiative(current_user, initiative))
    version = writes.expected_version(initiative)
    changes = request.context.json.model_dump(exclude_unset=True)
    # The service checks the rules on what it is given: hand it the record's values for what stays.
    for name in ("health", "health_reason", "start_date", "target_date", "tlp"):
        changes.setdefault(name, getattr(initiative, name))
    if changes["tlp"] is not TLP.RED:
        recipients = []
    else:
        recipients = list(initiative.recipients)
    with refused():
        services.update_initiative(current_user, initiative, expected_version=version,
                                   participant_ids=[o.id for o in initiative.participants], recipients=recipients,
                                   **changes)
    return _answer(initiative)


@bp.post("/initiatives/<int:initiative_id>/transitions")
@spec.validate(json=InitiativeTransition, resp=Responses(HTTP_200=InitiativeOut), tags=TAGS)
def transition_initiative(initiative_id: int):
    """Move an initiative along its lifecycle (proposed, active, on hold, completed, cancelled)."""
    initiative = get_visible_initiative(initiative_id)
    permissions.authorize(permissions.can_transition_initiative(current_user, initiative))
    with refused():
        services.transition_initiative(current_user, initiative, request.context.json.status)
    return _answer(initiative)
