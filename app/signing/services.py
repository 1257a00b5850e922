"""Signing use cases: issue an agreement for signature with its requests, sign, decline, record a paper
countersignature, and complete (the executed document, the agreement becomes active).

Each authorises first, flushes, never commits, and audits in the same transaction.
"""
import hashlib
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
import sqlalchemy.orm as so
from werkzeug.exceptions import Forbidden

from app import audit, permissions, records
from app.auth import passwords, throttle
from app.auth.services import Throttled
from app.documents.services import issue_agreement
from app.extensions import db
from app.models import (
    Agreement,
    AgreementStatus,
    Document,
    NotificationKind,
    PartyRole,
    Role,
    SignatureMethod,
    SignatureRequest,
    SignatureStatus,
    SigningMode,
    User,
    today,
    utcnow,
)
from app.notifications.services import notify

KIND = "agreement"
THROTTLE_SCOPE = "sign"

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
    records.transition(actor, agreement, AgreementStatus.OUT_FOR_SIGNATURE, KIND)  # InvalidTransition if not approved
    db.session.flush()
    document = issue_agreement(actor, agreement)  # rendered once and sealed; SealingFailed rolls it all back
    requests = []
    for position, party in enumerate(sorted(parties.values(), key=lambda p: (p.position, p.id)), start=1):
        assignment = chosen[party.organization_id]
        user = assignment.signatory
        request = SignatureRequest(
            agreement=agreement, document=document, organization_id=party.organization_id, signatory=user,
            method=SignatureMethod.PAPER if user is None else SignatureMethod.ELECTRONIC,
            order=position if mode is SigningMode.SEQUENTIAL else 1, due_date=due_date,
            signatory_name=user.name if user else party.signatory_name,
            signatory_title=assignment.title or party.signatory_title, requested_by=actor)
        db.session.add(request)
        requests.append(request)
    db.session.flush()
    who = "; ".join(f"{r.organization.name}: {r.signatory.name if r.signatory else 'on paper'}" for r in requests)
    audit.record(actor, "signature.requested", agreement,
                 summary=f"{mode.value}; due {due_date.isoformat() if due_date else '—'}; {who}")
    _ask_to_sign(actor, agreement, open_requests(requests))
    return requests


def _ask_to_sign(actor: User, agreement: Agreement, requests: list[SignatureRequest]) -> None:
    """Tell the signatories whose turn it is (in-app and by mail; mail names only the reference)."""
    users = [r.signatory for r in requests if r.signatory is not None]
    notify(users, NotificationKind.ISSUED_FOR_SIGNATURE, agreement, actor=actor,
           summary=f"Your signature is requested on agreement {agreement.reference}")


def _coordinators_of(agreement: Agreement, round_: list[SignatureRequest]) -> list[User]:
    people = [r.requested_by for r in round_ if r.requested_by is not None]
    if agreement.created_by is not None:
        people.append(agreement.created_by)
    return people


def _check_password(actor: User, password: str, code: str) -> str:
    """Password (throttled like sign-in) and, when enrolled, a second-factor code. Returns the factor used."""
    from app.auth import two_factor

    if throttle.is_blocked(actor.email, scope=THROTTLE_SCOPE):
        raise Throttled()
    if not passwords.verify_password(actor.password_hash, password or ""):
        throttle.record_failure(actor.email, scope=THROTTLE_SCOPE)
        audit.record(actor, "signature.password_failed", actor, object_type="user")
        raise SigningError("That is not your password: nothing was signed.")
    factor = ""
    if actor.totp_enabled:
        factor = two_factor.verify_code(actor, code or "") or ""
        if not factor:
            throttle.record_failure(actor.email, scope=THROTTLE_SCOPE)
            raise SigningError("That authentication code is not valid: nothing was signed.")
    throttle.clear(actor.email, scope=THROTTLE_SCOPE)
    return factor


def _check_open(request: SignatureRequest) -> list[SignatureRequest]:
    if request.agreement.status is not AgreementStatus.OUT_FOR_SIGNATURE:
        raise SigningError("This agreement is not out for signature.")
    if request.status is not SignatureStatus.PENDING:
        raise SigningError(f"This request is already {request.status.label.lower()}; it cannot change.")
    round_ = current_round(request.agreement)
    if request.id not in {r.id for r in round_}:
        raise SigningError("This request belongs to an earlier issue of the agreement.")
    if not is_turn(request, round_):
        raise SigningError("It is not yet your turn: the parties before you sign first.")
    return round_


def _document_hash(document: Document) -> str:
    """The SHA-256 of the stored bytes, checked against the recorded one (what is signed is what was issued)."""
    digest = hashlib.sha256(document.content).hexdigest()
    if digest != document.sha256:
        raise SigningError("The issued document does not match its recorded SHA-256; signing is stopped.")
    return digest


def _mark_signed(request: SignatureRequest, *, ip: str, user_agent: str) -> None:
    """The evidence every signature carries: when, from where, and the SHA-256 of what was signed."""
    request.status = SignatureStatus.SIGNED
    request.signed_at = utcnow()
    request.ip = (ip or "")[:64]
    request.user_agent = (user_agent or "")[:400]
    request.document_sha256 = _document_hash(request.document)


def sign(actor: User, request: SignatureRequest, *, typed_name: str, password: str, code: str = "",
         consent: bool, ip: str, user_agent: str) -> Document | None:
    """The signatory signs. Returns the executed document when this was the last signature."""
    permissions.authorize(permissions.can_sign(actor, request))
    _check_open(request)
    if len(" ".join((typed_name or "").split())) < 2:
        raise SigningError("Type your full name as your signature.")
    if not consent:
        raise SigningError("Tick the box to agree to sign electronically.")
    factor = _check_password(actor, password, code)
    return record_signature(actor, request, typed_name=typed_name, factor=factor, ip=ip, user_agent=user_agent)


def record_signature(actor: User, request: SignatureRequest, *, typed_name: str, factor: str, ip: str,
                     user_agent: str) -> Document | None:
    """The evidence of a signature whose signatory sign() has authenticated (the demo data records its
    own the same way). Returns the executed document when this was the last signature."""
    permissions.authorize(permissions.can_sign(actor, request))
    round_ = _check_open(request)
    _mark_signed(request, ip=ip, user_agent=user_agent)
    request.typed_name = " ".join((typed_name or "").split())[:120]
    request.second_factor = factor
    db.session.flush()
    audit.record(actor, "signature.signed", request.agreement,
                 summary=f"{request.organization.name}: signed by {actor.name} as “{request.typed_name}”; "
                         f"sha256 {request.document_sha256}")
    return _after_signature(actor, request, round_)


def record_paper(actor: User, request: SignatureRequest, attachment, *, ip: str, user_agent: str) -> Document | None:
    """A coordinator records a party's countersigned PDF (already stored as `attachment`) as its signature."""
    permissions.authorize(permissions.can_manage_signatures(actor, request.agreement))
    if request.method is not SignatureMethod.PAPER:
        raise SigningError("This party signs in Palisade, not on paper.")
    round_ = _check_open(request)
    _mark_signed(request, ip=ip, user_agent=user_agent)
    request.recorded_by = actor
    request.evidence_attachment_id = attachment.id
    request.evidence_sha256 = attachment.sha256
    db.session.flush()
    audit.record(actor, "signature.paper_recorded", request.agreement,
                 summary=f"{request.organization.name}: countersigned PDF {attachment.filename}, "
                         f"sha256 {attachment.sha256}")
    return _after_signature(actor, request, round_)


def record_paper_upload(actor: User, request: SignatureRequest, file_storage, *, ip: str, user_agent: str) -> Document | None:
    """Store the uploaded countersigned PDF on the agreement (attachments), then record it as the signature."""
    from app.attachments.services import add_attachment

    permissions.authorize(permissions.can_manage_signatures(actor, request.agreement))
    if request.method is not SignatureMethod.PAPER:
        raise SigningError("This party signs in Palisade, not on paper.")
    _check_open(request)  # before storing anything
    attachment = add_attachment(actor, request.agreement, file_storage)  # type sniffed from the bytes
    if attachment.content_type != "application/pdf":
        raise SigningError("A countersigned copy must be a PDF.")
    return record_paper(actor, request, attachment, ip=ip, user_agent=user_agent)


def _after_signature(actor: User, last: SignatureRequest, round_: list[SignatureRequest]) -> Document | None:
    agreement = last.agreement
    if any(r.status is not SignatureStatus.SIGNED for r in round_):
        signed = [r for r in round_ if r.status is SignatureStatus.SIGNED]
        notify(_coordinators_of(agreement, round_), NotificationKind.SIGNED, agreement, actor=actor,
               summary=f"Agreement {agreement.reference} signed for {last.organization.name} "
                       f"({len(signed)} of {len(round_)} signatures)")
        # Sequential: whoever follows the request just signed is now up (parallel ones were asked at issue).
        _ask_to_sign(actor, agreement, [r for r in open_requests(round_) if r.order > last.order])
        return None
    document = complete(actor, agreement, round_)
    everyone = _coordinators_of(agreement, round_) + [r.signatory for r in round_ if r.signatory is not None]
    notify(everyone, NotificationKind.SIGNED, agreement, actor=actor,
           summary=f"Every party signed agreement {agreement.reference}: it is active and its executed "
                   "document is sealed")
    return document


def complete(actor: User, agreement: Agreement, round_: list[SignatureRequest]) -> Document:
    """Every signature is in: store the sealed executed document; the agreement becomes active."""
    from app.signing.executed import issue_executed

    document = issue_executed(actor, agreement, round_)
    records.transition(actor, agreement, AgreementStatus.ACTIVE, KIND)
    audit.record(actor, "signature.completed", agreement,
                 summary=f"executed document {document.filename}, sha256 {document.sha256}")
    return document


def decline(actor: User, request: SignatureRequest, *, reason: str, ip: str, user_agent: str) -> None:
    """The signatory declines: the agreement goes back to draft and the round's other requests close."""
    permissions.authorize(permissions.can_sign(actor, request))
    round_ = _check_open(request)
    reason = (reason or "").strip()
    if len(reason) < 3:
        raise SigningError("Say why you decline: the coordinator needs it to revise the agreement.")
    request.status = SignatureStatus.DECLINED
    request.signed_at = utcnow()
    request.decline_reason = reason[:4000]
    request.ip = (ip or "")[:64]
    request.user_agent = (user_agent or "")[:400]
    for other in round_:
        if other.id != request.id and other.status is SignatureStatus.PENDING:
            other.status = SignatureStatus.CANCELLED
    records.transition(actor, request.agreement, AgreementStatus.DRAFT, KIND)
    audit.record(actor, "signature.declined", request.agreement,
                 summary=f"{request.organization.name}: declined by {actor.name}: {audit.display(reason)}")
    notify(_coordinators_of(request.agreement, round_), NotificationKind.CHANGES_REQUESTED, request.agreement,
           actor=actor, comment=reason,
           summary=f"{actor.name} declined to sign agreement {request.agreement.reference}: it is back in draft")


def pending_for(user: User) -> sa.Select:
    """Requests waiting for `user` (their turn or not), newest first; callers filter by turn."""
    return (permissions.visible_signature_requests(user)
            .where(SignatureRequest.signatory_id == user.id, SignatureRequest.status == SignatureStatus.PENDING)
            .order_by(SignatureRequest.id.desc()))


def turn_has_come(user: User) -> sa.Select:
    """pending_for(user) narrowed in SQL to what is_turn() says: the agreement is out for signature and
    nobody before the request in the agreement's latest issue is still pending (the inbox and its count)."""
    before, other = so.aliased(SignatureRequest), so.aliased(SignatureRequest)
    # Correlated to `before` (same agreement as the request): the latest issue of that agreement alone.
    latest = (sa.select(sa.func.max(other.document_id)).where(other.agreement_id == before.agreement_id)
              .correlate(before).scalar_subquery())
    return pending_for(user).where(
        SignatureRequest.agreement.has(Agreement.status == AgreementStatus.OUT_FOR_SIGNATURE),
        ~sa.exists().where(before.agreement_id == SignatureRequest.agreement_id, before.document_id == latest,
                           before.status == SignatureStatus.PENDING, before.order < SignatureRequest.order))


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
