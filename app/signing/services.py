"""Issuing an agreement for signature with its requests, and the rounds they form (whose turn it is).

Signing, declining and completing are in app/signing/signatures.py, paper countersignatures in
app/signing/paper.py. Each step authorises first, flushes, never commits, and audits in the same
transaction.
"""
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
import sqlalchemy.orm as so
from werkzeug.exceptions import Forbidden

from app import audit
from app import kinds
from app import permissions
from app import records
from app.auth.services import Throttled
from app.documents.services import issue_agreement
from app.extensions import db
from app.models import Agreement
from app.models import AgreementStatus
from app.models import Organization
from app.models import PartyRole
from app.models import Role
from app.models import SignatureMethod
from app.models import SignatureRequest
from app.models import SignatureStatus
from app.models import SigningMode
from app.models import User
from app.models import today
from app.signing import announce

KIND = kinds.by_model(Agreement).key  # its audit actions' key (app/kinds.py)

__all__ = ["SigningError", "Throttled"]


class SigningError(ValueError):
    """A signing step that breaks a rule; the message says which, nothing was changed."""


@dataclass
class Assignment:
    """Who signs for one party: a user of its organisation, or nobody (signs on paper)."""

    organization_id: int
    signatory: User | None
    title: str = ""


def signing_parties(agreement: Agreement) -> list:
    """Parties that sign: every lead and partner (observers do not sign)."""
    return [p for p in agreement.parties if p.party_role is not PartyRole.OBSERVER]


def signatory_candidates(agreement: Agreement) -> dict[int, list[User]]:
    """Active users of each signing party's organisation, by organisation id."""
    org_ids = [p.organization_id for p in signing_parties(agreement)]
    users = db.session.scalars(sa.select(User).where(User.organization_id.in_(org_ids), User.active.is_(True),
                                                     User.role != Role.ADMIN).order_by(User.name)).all()
    found: dict[int, list[User]] = {org_id: [] for org_id in org_ids}
    for user in users:
        found[user.organization_id].append(user)
    return found


def current_round(agreement: Agreement) -> list[SignatureRequest]:
    """The requests of the agreement's latest issue for signature, in order."""
    latest = db.session.scalar(sa.select(sa.func.max(SignatureRequest.document_id))
                               .where(SignatureRequest.agreement_id == agreement.id))
    if latest is None:
        return []
    return list(db.session.scalars(
        sa.select(SignatureRequest).where(SignatureRequest.agreement_id == agreement.id,
                                          SignatureRequest.document_id == latest)
        .order_by(SignatureRequest.order, SignatureRequest.id)))


def is_turn(request: SignatureRequest, round_: list[SignatureRequest] | None = None) -> bool:
    """Sequential order: nobody before this request is still pending."""
    round_ = round_ if round_ is not None else current_round(request.agreement)
    return request.status is SignatureStatus.PENDING and not any(
        r.status is SignatureStatus.PENDING and r.order < request.order for r in round_)


def open_requests(round_: list[SignatureRequest]) -> list[SignatureRequest]:
    return [r for r in round_ if is_turn(r, round_)]


def _can_be_recorded(agreement: Agreement, organization_id: int) -> bool:
    """Someone may record the party's paper signature: one of its own coordinators, or, when the party
    has nobody in Palisade, a coordinator of the lead party (permissions.can_record_paper)."""
    own = db.session.scalar(sa.select(sa.func.count(User.id)).where(
        User.organization_id == organization_id, User.active.is_(True), User.role == Role.COORDINATOR))
    return own > 0 or (not db.session.get(Organization, organization_id).has_active_users
                       and any(p.party_role is PartyRole.LEAD for p in agreement.parties))


def issue_for_signature(actor: User, agreement: Agreement, assignments: list[Assignment], *,
                        mode: SigningMode = SigningMode.SEQUENTIAL, due_date: date | None = None
                        ) -> list[SignatureRequest]:
    """Approved -> out for signature: the sealed PDF is issued and one request per signing party created."""
    permissions.authorize(permissions.can_manage_signatures(actor, agreement))
    parties = {p.organization_id: p for p in signing_parties(agreement)}
    if not parties:
        raise SigningError("This agreement has no lead or partner party to sign it.")
    chosen = {a.organization_id: a for a in assignments}
    if set(chosen) != set(parties) or len(chosen) != len(assignments):
        raise SigningError("Choose a signatory (or signing on paper) for every signing party, once each.")
    if due_date is not None and due_date < today():
        raise SigningError("The due date cannot be in the past.")
    candidates = signatory_candidates(agreement)
    for org_id, assignment in chosen.items():
        user = assignment.signatory
        if user is not None and user.id not in {u.id for u in candidates[org_id]}:
            raise SigningError(f"{user.name} is not an active user of {parties[org_id].organization.name}.")
        if user is None and not _can_be_recorded(agreement, org_id):
            raise SigningError(f"Nobody could record a paper signature of {parties[org_id].organization.name}: "
                               "it has users in Palisade but no coordinator. Choose one of its users to sign.")
    records.transition(actor, agreement, AgreementStatus.OUT_FOR_SIGNATURE, KIND)  # InvalidTransition if not approved
    db.session.flush()
    names = {org_id: (a.signatory.name if a.signatory else parties[org_id].signatory_name,
                      a.title or parties[org_id].signatory_title) for org_id, a in chosen.items()}
    document = issue_agreement(actor, agreement, names)  # rendered once and sealed; SealingFailed rolls it all back
    requests = []
    for position, party in enumerate(sorted(parties.values(), key=lambda p: (p.position, p.id)), start=1):
        assignment = chosen[party.organization_id]
        user = assignment.signatory
        request = SignatureRequest(
            agreement=agreement, document=document, organization_id=party.organization_id, signatory=user,
            method=SignatureMethod.PAPER if user is None else SignatureMethod.ELECTRONIC,
            order=position if mode is SigningMode.SEQUENTIAL else 1, due_date=due_date,
            signatory_name=names[party.organization_id][0], signatory_title=names[party.organization_id][1],
            requested_by=actor)
        db.session.add(request)
        requests.append(request)
    db.session.flush()
    who = "; ".join(f"{r.organization.name}: {r.signatory.name if r.signatory else 'on paper'}" for r in requests)
    audit.record(actor, "signature.requested", agreement,
                 summary=f"{mode.value}; due {due_date.isoformat() if due_date else '—'}; {who}")
    announce.ask_to_sign(actor, agreement, open_requests(requests))
    return requests


def turn_has_come(user: User) -> sa.Select:
    """The requests waiting for `user` whose turn has come (what is_turn() says, in SQL): the agreement is out for
    signature and nobody before the request in the agreement's latest issue is still pending (the inbox and its
    count). The requests of the agreements the user may read (visible_signature_requests' scope), that scope
    joined to each request rather than listed: the user's few pending requests are read first and each one's
    agreement checked, instead of listing the ids of every agreement the user may read (10,000 at scale)."""
    before, other = so.aliased(SignatureRequest), so.aliased(SignatureRequest)
    # Correlated to `before` (same agreement as the request): the latest issue of that agreement alone.
    latest = (sa.select(sa.func.max(other.document_id)).where(other.agreement_id == before.agreement_id)
              .correlate(before).scalar_subquery())
    return (permissions.visible_agreements(user).join(SignatureRequest, SignatureRequest.agreement_id == Agreement.id)
            .with_only_columns(SignatureRequest)
            .where(SignatureRequest.signatory_id == user.id, SignatureRequest.status == SignatureStatus.PENDING,
                   Agreement.status == AgreementStatus.OUT_FOR_SIGNATURE,
                   ~sa.exists().where(before.agreement_id == SignatureRequest.agreement_id, before.document_id == latest,
                                      before.status == SignatureStatus.PENDING, before.order < SignatureRequest.order))
            .order_by(SignatureRequest.id.desc()))


def request_for(user: User, agreement: Agreement) -> SignatureRequest | None:
    """The user's request in the agreement's current round, if any."""
    for request in current_round(agreement):
        if request.signatory_id == user.id:
            return request
    return None


def require_request(user: User, agreement: Agreement) -> SignatureRequest:
    request = request_for(user, agreement)
    if request is None:
        raise Forbidden()
    return request
