"""Agreements: list (the list page's filters), detail, create, update, lifecycle transitions, issued documents.

/api/v1/agreements/ (GET, POST), /api/v1/agreements/<id>, PATCH /api/v1/agreements/<id> (If-Match), its issued
documents (/api/v1/agreements/<id>/documents),
POST /api/v1/agreements/<id>/transitions.
"""
from datetime import date
from datetime import datetime

from flask import jsonify
from flask import request
from flask import url_for
from flask_login import current_user
from pydantic import Field

from app import permissions
from app.agreements import queries
from app.agreements import services
from app.api import bp
from app.api import paging
from app.api import refused
from app.api import writes
from app.api.documents import DocumentList
from app.api.documents import document_list
from app.api.paging import ListQuery
from app.api.paging import Page
from app.api.schemas import Body
from app.api.schemas import FromRecord
from app.api.schemas import IfMatch
from app.api.schemas import OrganizationRef
from app.api.schemas import RecordOut
from app.api.schemas import Text
from app.api.spec import Responses
from app.api.spec import spec
from app.extensions import db
from app.lifecycle import get_visible
from app.models import SIGNING_STEPS
from app.models import TLP
from app.models import Agreement
from app.models import AgreementKind
from app.models import AgreementStatus
from app.models import Organization
from app.models import PartyRole
from app.models import Sector

TAGS = ("Agreements",)
SUMMARY_MAX, TERMS_MAX = 5_000, 100_000  # as the agreement form (app/agreements/forms.py)


class PartyOut(FromRecord):
    organization: OrganizationRef
    party_role: PartyRole
    signatory_name: str
    signatory_title: str
    signatory_email: str


class AgreementOut(RecordOut):
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


def _answer(agreement: Agreement):
    return writes.with_etag(jsonify(_out(agreement).model_dump(mode="json")), agreement.version)


def get_visible_agreement(agreement_id: int) -> Agreement:
    """The agreement when the token's user may read it (404 otherwise, as on the pages)."""
    return get_visible(Agreement, agreement_id, *queries.RECORD_OPTIONS)


@bp.get("/agreements/")
@spec.validate(query=AgreementListQuery, resp=Responses(HTTP_200=Page[AgreementOut]), tags=TAGS)
def list_agreements():
    """The agreements the token's user may read, with the list page's filters."""
    return paging.listed(queries.list_agreements, Agreement.id, *queries.RECORD_OPTIONS,
                         read_filters=queries.read_filters, dump=lambda a: _out(a).model_dump(mode="json"))


@bp.get("/agreements/<int:agreement_id>")
@spec.validate(resp=Responses(HTTP_200=AgreementOut), tags=TAGS)
def get_agreement(agreement_id: int):
    """One agreement; its ETag is its version."""
    agreement = get_visible_agreement(agreement_id)
    return _answer(agreement)


@bp.get("/agreements/<int:agreement_id>/documents")
@spec.validate(resp=Responses(HTTP_200=DocumentList), tags=TAGS)
def list_agreement_documents(agreement_id: int):
    """The agreement's issued documents (for signature, executed), newest first: their bytes at `content`."""
    return document_list(get_visible_agreement(agreement_id))


class AgreementPatch(Body):
    """The fields to change (any subset; the dates take null to clear them). Parties and TLP:RED recipients
    are not changed here."""

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


class Transition(Body):
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
    return _answer(agreement)


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
    return _answer(agreement)


class PartyIn(Body):
    organization_id: int = Field(ge=1, le=2**31 - 1, description="An active organisation of the partnership.")
    party_role: PartyRole = PartyRole.PARTNER
    signatory_name: Text(120) = ""
    signatory_title: Text(120) = ""
    signatory_email: Text(254) = Field("", pattern=r"^$|^[^@\s]+@[^@\s]+\.[^@\s]+$")


class AgreementIn(Body):
    """A new agreement, a draft owned by your organisation (a party: the lead unless another party leads)."""

    title: Text(200, required=True)
    kind: AgreementKind = AgreementKind.MOU
    tlp: TLP = TLP.AMBER
    summary: Text(SUMMARY_MAX) = ""
    terms: Text(TERMS_MAX) = ""
    sectors: list[Sector] = Field([], max_length=len(Sector))
    effective_date: date | None = None
    expiry_date: date | None = None
    notice_days: int = Field(30, ge=0, le=3650)
    auto_renew: bool = False
    parties: list[PartyIn] = Field([], max_length=40)


def _party_rows(parties: list[PartyIn]) -> list[dict]:
    """The parties as the form hands them to the service; an organisation the pages would not offer is a 422."""
    wanted = {party.organization_id for party in parties}
    offered = set(db.session.scalars(permissions.active_organizations(current_user)
                                     .where(Organization.id.in_(wanted)).with_only_columns(Organization.id)))
    for index, party in enumerate(parties):
        if party.organization_id not in offered:
            raise writes.field_error(f"parties.{index}.organization_id", "Choose an active organisation.")
        if party.signatory_name == "" and (party.signatory_title or party.signatory_email):
            raise writes.field_error(f"parties.{index}.signatory_name",
                                     "Give the signatory's name (a title or email needs a name).")
    return [{**party.model_dump(), "signatory_email": party.signatory_email.lower()} for party in parties]


@bp.post("/agreements/")
@spec.validate(json=AgreementIn, resp=Responses(HTTP_201=AgreementOut), tags=TAGS)
def create_agreement():
    """Draft an agreement, as the New agreement form does (coordinators)."""
    permissions.authorize(permissions.can_create_agreement(current_user))
    new = request.context.json
    fields = new.model_dump(exclude={"parties"})
    fields["sectors"] = sorted(set(new.sectors), key=lambda sector: sector.value)
    if new.effective_date and new.expiry_date and new.expiry_date <= new.effective_date:
        raise writes.field_error("expiry_date", "The expiry date must be after the effective date.")
    with refused():
        agreement = services.create_agreement(current_user, parties=_party_rows(new.parties), **fields)
    return writes.created(_answer(agreement), url_for("api.get_agreement", agreement_id=agreement.id))
