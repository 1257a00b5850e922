"""Agreements: list (the list page's filters), detail, update and lifecycle transitions.

/api/v1/agreements/, /api/v1/agreements/<id>, PATCH /api/v1/agreements/<id> (If-Match),
POST /api/v1/agreements/<id>/transitions.
"""
from datetime import date, datetime

from flask import jsonify, request
from flask_login import current_user
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import selectinload

from app import permissions
from app.agreements import queries, services
from app.api import bp, paging, refused, writes
from app.api.paging import ListQuery, Page
from app.api.schemas import IfMatch, OrganizationRef, Text
from app.api.spec import Responses, spec
from app.extensions import db
from app.models import (
    SIGNING_STEPS,
    TLP,
    Agreement,
    AgreementKind,
    AgreementParty,
    AgreementStatus,
    PartyRole,
    Sector,
)

TAGS = ("Agreements",)
SUMMARY_MAX, TERMS_MAX = 5_000, 100_000  # as the agreement form (tests/test_api_kinds.py compares them)


class PartyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    organization: OrganizationRef
    party_role: PartyRole
    signatory_name: str
    signatory_title: str
    signatory_email: str


class AgreementOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    reference: str
    title: str
    kind: AgreementKind
    status: AgreementStatus
    tlp: TLP
    summary: str
    terms: str
    sectors: list[Sector]
    effective_date: date | None
    expiry_date: date | None
    notice_days: int
    auto_renew: bool
    revision: int = Field(description="The document's revision: counts content changes, not status changes.")
    owner_organization: OrganizationRef
    parties: list[PartyOut]
    version: int = Field(description="The lock version: send it back in If-Match to change the agreement.")
    created_at: datetime
    updated_at: datetime
    archived_at: datetime | None


class AgreementListQuery(ListQuery):
    status: AgreementStatus | None = None
    kind: AgreementKind | None = None
    sector: Sector | None = None
    tlp: TLP | None = None
    organization: int | None = Field(None, ge=1, le=2**31 - 1, description="An owner or party organisation's id.")
    expiring: bool = Field(False, description="Only agreements in force that expire within 90 days.")
    archived: bool = Field(False, description="Archived agreements instead of live ones.")


def _out(agreement: Agreement) -> AgreementOut:
    return AgreementOut.model_validate(agreement)


def get_visible_agreement(agreement_id: int) -> Agreement:
    """The agreement when the token's user may read it (404 otherwise, as on the pages)."""
    stmt = (permissions.visible_agreements(current_user).where(Agreement.id == agreement_id)
            .options(selectinload(Agreement.parties).selectinload(AgreementParty.organization),
                     selectinload(Agreement.owner_organization)))
    return db.first_or_404(stmt)


@bp.get("/agreements/")
@spec.validate(query=AgreementListQuery, resp=Responses(HTTP_200=Page[AgreementOut]), tags=TAGS)
def list_agreements():
    """The agreements the token's user may read, with the list page's filters."""
    query = request.context.query
    filters = paging.page_filters(queries.read_filters, query)
    return jsonify(paging.page_of(queries.list_agreements(current_user, filters), Agreement.id, query,
                                  lambda a: _out(a).model_dump(mode="json")))


@bp.get("/agreements/<int:agreement_id>")
@spec.validate(resp=Responses(HTTP_200=AgreementOut), tags=TAGS)
def get_agreement(agreement_id: int):
    """One agreement; its ETag is its version."""
    agreement = get_visible_agreement(agreement_id)
    return writes.with_etag(jsonify(_out(agreement).model_dump(mode="json")), agreement.version)


class AgreementPatch(BaseModel):
    """The fields to change (any subset; the dates take null to clear them). Parties and TLP:RED recipients
    are not changed here."""

    model_config = ConfigDict(extra="forbid")

    title: Text(200, required=True) = None
    kind: AgreementKind = None
    tlp: TLP = None
    summary: Text(SUMMARY_MAX) = None
    terms: Text(TERMS_MAX) = None
    sectors: list[Sector] = Field(None, max_length=len(Sector))
    effective_date: date | None = None
    expiry_date: date | None = None
    notice_days: int = Field(None, ge=0, le=3650)
    auto_renew: bool = None


class Transition(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: AgreementStatus = Field(description="The status to move to.")
    comment: Text(2000) = Field("", description="Why (required when requesting changes in review).")


@bp.patch("/agreements/<int:agreement_id>")
@spec.validate(json=AgreementPatch, headers=IfMatch, resp=Responses(HTTP_200=AgreementOut), tags=TAGS)
def update_agreement(agreement_id: int):
    """Change an agreement's fields: If-Match must name its current version (412 otherwise, 428 without it)."""
    agreement = get_visible_agreement(agreement_id)
    permissions.authorize(permissions.can_edit_agreement(current_user, agreement))
    version = writes.expected_version(agreement)
    changes = request.context.json.model_dump(exclude_unset=True)
    if "sectors" in changes:
        changes["sectors"] = sorted(set(changes["sectors"]), key=lambda sector: sector.value)
    start = changes.get("effective_date", agreement.effective_date)
    end = changes.get("expiry_date", agreement.expiry_date)
    if start and end and end <= start:
        raise writes.field_error("expiry_date", "The expiry date must be after the effective date.")
    recipients = [] if changes.get("tlp", agreement.tlp) is not TLP.RED else None
    with refused():
        services.update_agreement(current_user, agreement, expected_version=version, recipients=recipients,
                                  **changes)
    db.session.flush()
    return writes.with_etag(jsonify(_out(agreement).model_dump(mode="json")), agreement.version)


@bp.post("/agreements/<int:agreement_id>/transitions")
@spec.validate(json=Transition, resp=Responses(HTTP_200=AgreementOut), tags=TAGS)
def transition_agreement(agreement_id: int):
    """Move an agreement along its lifecycle (draft → in review → approved …), as the status buttons do.
    Issuing for signature and the steps signing takes are not offered here."""
    agreement = get_visible_agreement(agreement_id)
    permissions.authorize(permissions.can_transition_agreement(current_user, agreement))
    step = request.context.json
    if (agreement.status, step.status) in SIGNING_STEPS or step.status is AgreementStatus.OUT_FOR_SIGNATURE:
        raise writes.field_error("status", "Issuing for signature, and the steps signing takes, are not "
                                           "offered by the API: use the agreement's page.")
    with refused():
        services.transition_agreement(current_user, agreement, step.status, comment=step.comment)
    db.session.flush()
    return writes.with_etag(jsonify(_out(agreement).model_dump(mode="json")), agreement.version)
