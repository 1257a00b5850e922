"""Risks: the register (its page's filters), detail, create, update and lifecycle transitions.

/api/v1/risks/, /api/v1/risks/<id>, PATCH /api/v1/risks/<id> (If-Match), POST /api/v1/risks/<id>/transitions.
Mitigations, nested under their risk, are in app/api/mitigations.py.
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
from app.extensions import db
from app.lifecycle import get_visible
from app.models import TLP
from app.models import Initiative
from app.models import Risk
from app.models import RiskLevel
from app.models import RiskStatus
from app.models import Sector
from app.models import Treatment
from app.risks import queries
from app.risks import services

TAGS = ("Risks",)
MARKDOWN_MAX, TEXT_MAX = 100_000, 20_000  # as the risk form (app/risks/forms.py)
Scale = Field(ge=1, le=5)


class RiskOut(RecordOut):
    reference: str
    title: str
    description: str
    sector: Sector | None
    asset: str
    threat: str
    vulnerability: str
    likelihood: int
    impact: int
    score: int
    level: RiskLevel
    residual_likelihood: int | None
    residual_impact: int | None
    residual_score: int | None
    treatment: Treatment
    status: RiskStatus
    tlp: TLP
    next_review_date: date | None
    owner_organization: OrganizationRef
    initiative_id: int | None = Field(description="The linked initiative, when the reader may read it (else null).")
    version: int = Field(description="The lock version: send it back in If-Match to change the risk.")
    created_at: datetime
    updated_at: datetime
    archived_at: datetime | None


class RiskListQuery(ListQuery):
    status: RiskStatus | None = None
    level: RiskLevel | None = None
    treatment: Treatment | None = None
    sector: Sector | None = None
    tlp: TLP | None = None
    organization: int | None = Field(None, ge=1, le=2**31 - 1,
                                     description="The owner's id, or an organisation assigned a mitigation.")
    initiative: int | None = Field(None, ge=1, le=2**31 - 1)
    likelihood: int | None = Field(None, ge=1, le=5)
    impact: int | None = Field(None, ge=1, le=5)
    review_due: bool = Field(False, description="Only risks whose review is overdue.")
    mine: bool = Field(False, description="Only risks with a mitigation assigned to you.")
    archived: bool = Field(False, description="Archived risks instead of live ones.")


def _dump(risks: list[Risk]) -> list[dict]:
    return links.dump(RiskOut, risks, "initiative")


def _answer(risk: Risk):
    return writes.with_etag(jsonify(_dump([risk])[0]), risk.version)


def get_visible_risk(risk_id: int) -> Risk:
    """The risk when the token's user may read it (404 otherwise, as on the pages)."""
    return get_visible(Risk, risk_id, selectinload(Risk.owner_organization))


@bp.get("/risks/")
@spec.validate(query=RiskListQuery, resp=Responses(HTTP_200=Page[RiskOut]), tags=TAGS)
def list_risks():
    """The risks the token's user may read, with the register's filters."""
    return paging.listed(queries.list_risks, Risk.id, read_filters=queries.read_filters, dump_page=_dump)


@bp.get("/risks/<int:risk_id>")
@spec.validate(resp=Responses(HTTP_200=RiskOut), tags=TAGS)
def get_risk(risk_id: int):
    """One risk; its ETag is its version."""
    return _answer(get_visible_risk(risk_id))


class RiskFields(Body):
    description: Text(MARKDOWN_MAX) = None
    sector: Sector | None = None
    asset: Text(200) = None
    threat: Text(TEXT_MAX) = None
    vulnerability: Text(TEXT_MAX) = None
    treatment: Treatment = None
    residual_likelihood: int | None = Field(None, ge=1, le=5, description="Give both residual values or neither.")
    residual_impact: int | None = Field(None, ge=1, le=5)
    initiative_id: int | None = Field(None, ge=1, le=2**31 - 1, description="An initiative you may read.")
    next_review_date: date | None = Field(None, description="Empty: set from the level (90, 180 or 360 days).")
    tlp: TLP = None


class RiskIn(RiskFields):
    """A new risk, owned by your organisation."""

    title: Text(200, required=True)
    likelihood: int = Scale
    impact: int = Scale


class RiskPatch(RiskFields):
    """The fields to change (any subset). TLP:RED recipients are not changed here."""

    title: Text(200, required=True) = None
    likelihood: int = Field(None, ge=1, le=5)
    impact: int = Field(None, ge=1, le=5)


RiskTransition = transition_of(RiskStatus)


def _check(changes: dict, risk: Risk | None = None) -> dict:
    """The form's rules the service leaves to the form: both residual values or neither, a readable initiative."""
    residual = [changes.get(name, getattr(risk, name, None)) for name in ("residual_likelihood", "residual_impact")]
    if (residual[0] is None) != (residual[1] is None):
        field = "residual_impact" if residual[1] is None else "residual_likelihood"
        raise writes.field_error(field, "Give both residual likelihood and residual impact, or neither.")
    initiative_id = changes.get("initiative_id")
    if initiative_id is not None and (risk is None or initiative_id != risk.initiative_id):
        visible = permissions.visible_initiatives(current_user).where(Initiative.id == initiative_id,
                                                                      Initiative.archived_at.is_(None))
        if db.session.scalar(visible) is None:
            raise writes.field_error("initiative_id", "Choose an initiative you may read.")
    return changes


@bp.post("/risks/")
@spec.validate(json=RiskIn, resp=Responses(HTTP_201=RiskOut), tags=TAGS)
def create_risk():
    """Add a risk to the register, owned by your organisation (coordinators), as the New risk form does."""
    permissions.authorize(permissions.can_create_risk(current_user))
    fields = _check(request.context.json.model_dump(exclude_unset=True))
    with refused():
        risk = services.create_risk(current_user, **fields)
    return writes.created(_answer(risk), url_for("api.get_risk", risk_id=risk.id))


@bp.patch("/risks/<int:risk_id>")
@spec.validate(json=RiskPatch, headers=IfMatch, resp=Responses(HTTP_200=RiskOut), tags=TAGS)
def update_risk(risk_id: int):
    """Change a risk's fields: If-Match must name its current version (412 otherwise, 428 without it)."""
    risk = get_visible_risk(risk_id)
    permissions.authorize(permissions.can_edit_risk(current_user, risk))
    version = writes.expected_version(risk)
    changes = _check(request.context.json.model_dump(exclude_unset=True), risk)
    changes.setdefault("next_review_date", risk.next_review_date)  # the form sends the date it shows
    recipients = list(risk.recipients) if changes.get("tlp", risk.tlp) is TLP.RED else []
    with refused():
        services.update_risk(current_user, risk, expected_version=version, recipients=recipients, **changes)
    return _answer(risk)


@bp.post("/risks/<int:risk_id>/transitions")
@spec.validate(json=RiskTransition, resp=Responses(HTTP_200=RiskOut), tags=TAGS)
def transition_risk(risk_id: int):
    """Move a risk along its lifecycle (open, mitigating, accepted, closed), as its status buttons do."""
    risk = get_visible_risk(risk_id)
    with refused():
        services.transition_risk(current_user, risk, request.context.json.status)
    return _answer(risk)
