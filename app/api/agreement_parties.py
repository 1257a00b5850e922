"""An agreement's parties and its signature requests.

GET/POST /api/v1/agreements/<id>/parties/ and DELETE …/parties/<organization_id>: the parties table of the
agreement's edit form, one party at a time, through the same service (app/agreements/services.update_agreement:
the owner stays a party, one lead, each organisation once; audited as shares). If-Match names the agreement's
version, as the edit form's hidden version does.

GET /api/v1/agreements/<id>/signature-requests: the current round, with each request's state, as the
agreement page's signatures panel shows it. POST …/signature-requests issues an approved agreement for
signature, as the "Issue for signature" page does (app/signing/services.issue_for_signature: coordinators of a
signing party, one signatory or paper per lead and partner party, the sealed PDF issued once).

Signing and declining are not offered here: the signatory re-enters their password (and second factor) and
consents at the moment of signing (app/signing/signatures.py), which a bearer token cannot stand in for; a
token that could sign would be a signature without its signatory. Paper countersignatures need the
countersigned PDF and the recorder's declaration: the agreement page records them.
"""
from datetime import date
from datetime import datetime

from flask import Response
from flask import jsonify
from flask import request
from flask import url_for
from flask_login import current_user
from pydantic import Field

from app import permissions
from app.agreements import services
from app.api import bp
from app.api import refused
from app.api import writes
from app.api.agreements import TAGS
from app.api.agreements import PartyIn
from app.api.agreements import PartyOut
from app.api.agreements import _party_rows
from app.api.agreements import get_visible_agreement
from app.api.schemas import Body
from app.api.schemas import IfMatch
from app.api.schemas import OrganizationRef
from app.api.schemas import RecordId
from app.api.schemas import RecordOut
from app.api.schemas import Text
from app.api.schemas import UserRef
from app.api.schemas import list_of
from app.api.spec import Responses
from app.api.spec import spec
from app.extensions import db
from app.models import AgreementParty
from app.models import AgreementStatus
from app.models import SignatureMethod
from app.models import SignatureStatus
from app.models import SigningMode
from app.problems import ProblemError
from app.seal import SealingFailed
from app.signing import services as signing

PartyList = list_of(PartyOut)


def _rows(parties: list[AgreementParty]) -> list[dict]:
    """The parties as the edit form posts them, in their order."""
    return [{"organization_id": p.organization_id, **{name: getattr(p, name) for name in services.PARTY_FIELDS}}
            for p in sorted(parties, key=lambda p: (p.position, p.id))]


def _parties(agreement) -> Response:
    items = [PartyOut.model_validate(p).model_dump(mode="json")
             for p in sorted(agreement.parties, key=lambda p: (p.position, p.id))]
    return writes.with_etag(jsonify({"items": items}), agreement.version)


@bp.get("/agreements/<int:agreement_id>/parties/")
@spec.validate(resp=Responses(HTTP_200=PartyList), tags=TAGS)
def list_agreement_parties(agreement_id: int):
    """The agreement's parties in their order; the ETag is the agreement's version (If-Match to change them)."""
    return _parties(get_visible_agreement(agreement_id))


def _save_parties(agreement, rows: list[dict]) -> None:
    version = writes.expected_version(agreement)
    with refused():
        services.update_agreement(current_user, agreement, expected_version=version, parties=rows)


@bp.post("/agreements/<int:agreement_id>/parties/")
@spec.validate(json=PartyIn, headers=IfMatch, resp=Responses(HTTP_201=PartyOut), tags=TAGS)
def add_agreement_party(agreement_id: int):
    """Add a party at the end of the table, as the edit form does (an active organisation, once; at most one
    lead). If-Match names the agreement's version; the answer's ETag is its new one."""
    agreement = get_visible_agreement(agreement_id)
    permissions.authorize(permissions.can_edit_agreement(current_user, agreement))
    writes.expected_version(agreement)
    new = request.context.json
    if any(p.organization_id == new.organization_id for p in agreement.parties):
        raise writes.field_error("organization_id", "This organisation is already a party.")
    _save_parties(agreement, [*_rows(agreement.parties), *_party_rows([new])])
    party = next(p for p in agreement.parties if p.organization_id == new.organization_id)
    response = writes.with_etag(jsonify(PartyOut.model_validate(party).model_dump(mode="json")), agreement.version)
    return writes.created(response, url_for("api.list_agreement_parties", agreement_id=agreement.id))


@bp.delete("/agreements/<int:agreement_id>/parties/<int:organization_id>")
@spec.validate(headers=IfMatch, resp=Responses(HTTP_200=PartyList), tags=TAGS)
def remove_agreement_party(agreement_id: int, organization_id: int):
    """Remove a party (its organisation no longer reads the agreement unless it may otherwise); the owner
    organisation stays a party. If-Match names the agreement's version; the answer lists the parties left."""
    agreement = get_visible_agreement(agreement_id)
    permissions.authorize(permissions.can_edit_agreement(current_user, agreement))
    writes.expected_version(agreement)
    rows = _rows(agreement.parties)
    kept = [row for row in rows if row["organization_id"] != organization_id]
    if len(kept) == len(rows):
        raise ProblemError(404, "This organisation is not a party of the agreement.")
    _save_parties(agreement, kept)
    return _parties(agreement)


class SignatureRequestOut(RecordOut):
    organization: OrganizationRef
    signatory: UserRef | None = Field(description="Who signs in Palisade; null when the party signs on paper.")
    signatory_name: str
    signatory_title: str
    method: SignatureMethod
    order: int = Field(description="Sequential requests count 1, 2, 3…; parallel ones share 1.")
    status: SignatureStatus
    open: bool = Field(False, description="Pending and its turn has come (nobody before it is still pending).")
    due_date: date | None
    created_at: datetime
    signed_at: datetime | None
    paper_signed_on: date | None
    decline_reason: str
    evidence_sha256: str = Field(description="SHA-256 of the countersigned copy recorded for a paper signature.")
    document_id: int = Field(description="The issued document signed (GET /api/v1/documents/<id>).")


SignatureRequestList = list_of(SignatureRequestOut)


def _requests(agreement) -> Response:
    round_ = signing.current_round(agreement)
    opened = {r.id for r in signing.open_requests(round_)}
    items = [SignatureRequestOut.model_validate(r).model_copy(update={"open": r.id in opened}).model_dump(mode="json")
             for r in round_]
    return writes.with_etag(jsonify({"items": items}), agreement.version)


@bp.get("/agreements/<int:agreement_id>/signature-requests")
@spec.validate(resp=Responses(HTTP_200=SignatureRequestList), tags=TAGS)
def list_signature_requests(agreement_id: int):
    """The signature requests of the agreement's latest issue for signature, in order, with their state (empty
    before it is first issued). Signing is done by each signatory on the agreement's page, never here."""
    return _requests(get_visible_agreement(agreement_id))


class Signatory(Body):
    organization_id: RecordId = Field(description="A lead or partner party of the agreement.")
    user_id: RecordId | None = Field(description="An active user of that organisation, or null: signs on paper.")
    title: Text(120) = Field("", description="The signatory's title (default: the parties table's).")


class SignatureRequestsIn(Body):
    """One signatory (or paper) for every lead and partner party: observers never sign."""

    signatories: list[Signatory] = Field(max_length=40)
    mode: SigningMode = SigningMode.SEQUENTIAL
    due_date: date | None = None


def _assignments(agreement, wanted: list[Signatory]) -> list[signing.Assignment]:
    """The form's choices: each party's own active users; anything else names the field at fault."""
    parties = {p.organization_id for p in signing.signing_parties(agreement)}
    candidates = signing.signatory_candidates(agreement)
    assignments = []
    for index, row in enumerate(wanted):
        if row.organization_id not in parties:
            raise writes.field_error(f"signatories.{index}.organization_id",
                                     "Choose a lead or partner party of this agreement (observers do not sign).")
        user = None
        if row.user_id is not None:
            user = next((u for u in candidates[row.organization_id] if u.id == row.user_id), None)
            if user is None:
                raise writes.field_error(f"signatories.{index}.user_id",
                                         "Choose an active user of this party's organisation, or null for paper.")
        party = next(p for p in agreement.parties if p.organization_id == row.organization_id)
        assignments.append(signing.Assignment(row.organization_id, user, row.title or party.signatory_title))
    return assignments


@bp.post("/agreements/<int:agreement_id>/signature-requests")
@spec.validate(json=SignatureRequestsIn, resp=Responses(HTTP_201=SignatureRequestList), tags=TAGS)
def issue_for_signature(agreement_id: int):
    """Issue an approved agreement for signature, as its "Issue for signature" page does (coordinators of a
    signing party): the PDF is rendered once and sealed, and each signatory is asked in turn."""
    agreement = get_visible_agreement(agreement_id)
    permissions.authorize(permissions.can_manage_signatures(current_user, agreement))
    if agreement.status is not AgreementStatus.APPROVED:
        raise ProblemError(409, "Only an approved agreement can be issued for signature.")
    body = request.context.json
    assignments = _assignments(agreement, body.signatories)
    try:
        with refused():
            signing.issue_for_signature(current_user, agreement, assignments, mode=body.mode, due_date=body.due_date)
    except SealingFailed as error:
        raise ProblemError(503, "The document could not be sealed; nothing was issued. Try again later.") from error
    db.session.flush()
    return writes.created(_requests(agreement), url_for("api.list_signature_requests", agreement_id=agreement.id))

