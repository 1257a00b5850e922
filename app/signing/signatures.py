"""Signing steps of a round: sign, decline, and completion (the executed document, the agreement active).

Every step that may change the round first locks the agreement's row (`lock_round`): steps of one
agreement run one after the other, each reading the round as the previous one left it, so the last
signature completes the agreement exactly once however many arrive together. A round found complete
but not executed (left so by an older version) is completed by the worker (`complete_stranded`).
"""
import hashlib
import logging
import unicodedata

import sqlalchemy as sa

from app import audit
from app import permissions
from app import records
from app.auth import passwords
from app.auth import throttle
from app.auth.services import Throttled
from app.extensions import db
from app.models import Agreement
from app.models import AgreementStatus
from app.models import Document
from app.models import SignatureRequest
from app.models import SignatureStatus
from app.models import User
from app.models import utcnow
from app.signing import announce
from app.signing.services import KIND
from app.signing.services import SigningError
from app.signing.services import current_round
from app.signing.services import is_turn
from app.signing.services import open_requests

log = logging.getLogger(__name__)
THROTTLE_SCOPE = "sign"

__all__ = ["SigningError", "Throttled"]


def lock_round(agreement: Agreement) -> list[SignatureRequest]:
    """Take the agreement's row lock for the rest of the transaction (PostgreSQL: the row; SQLite: the
    database write lock, taken by this first write), then read the agreement and its round afresh."""
    table = Agreement.__table__
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.select(table.c.id).where(table.c.id == agreement.id).with_for_update())
    else:
        db.session.execute(sa.update(table).where(table.c.id == agreement.id).values(status=table.c.status))
    db.session.refresh(agreement)
    round_ = current_round(agreement)
    for request in round_:
        db.session.refresh(request)
    return round_


def normalised_name(name: str) -> str:
    """Case, accents and spacing aside: "Róbert  HAINES" and "robert haines" are the same name."""
    decomposed = unicodedata.normalize("NFKD", name or "")
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())


def check_typed_name(request: SignatureRequest, typed_name: str) -> None:
    expected = request.signatory.name if request.signatory else request.signatory_name
    if normalised_name(typed_name) != normalised_name(expected):
        raise SigningError(f"Type your name as Palisade knows it: “{expected}” (capitals and accents do not "
                           "matter). Nothing was signed.")


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


def check_open(request: SignatureRequest, round_: list[SignatureRequest] | None = None) -> list[SignatureRequest]:
    if request.agreement.status is not AgreementStatus.OUT_FOR_SIGNATURE:
        raise SigningError("This agreement is not out for signature.")
    if request.status is not SignatureStatus.PENDING:
        raise SigningError(f"This request is already {request.status.label.lower()}; it cannot change.")
    round_ = round_ if round_ is not None else current_round(request.agreement)
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


def mark_signed(request: SignatureRequest, *, ip: str, user_agent: str) -> None:
    """The evidence every signature carries: when, from where, and the SHA-256 of what was signed. The
    stored bytes are checked first: bytes that are not the issued ones are never signed (nothing changes)."""
    digest = _document_hash(request.document)
    request.status = SignatureStatus.SIGNED
    request.signed_at = utcnow()
    request.ip = (ip or "")[:64]
    request.user_agent = (user_agent or "")[:400]
    request.document_sha256 = digest


def sign(actor: User, request: SignatureRequest, *, typed_name: str, password: str, code: str = "",
         consent: bool, ip: str, user_agent: str) -> Document | None:
    """The signatory signs. Returns the executed document when this was the last signature."""
    permissions.authorize(permissions.can_sign(actor, request))
    check_open(request)
    if len(" ".join((typed_name or "").split())) < 2:
        raise SigningError("Type your full name as your signature.")
    check_typed_name(request, typed_name)
    if not consent:
        raise SigningError("Tick the box to agree to sign electronically.")
    _document_hash(request.document)  # before the password: a changed document is refused, not signed
    factor = _check_password(actor, password, code)
    return record_signature(actor, request, typed_name=typed_name, factor=factor, ip=ip, user_agent=user_agent)


def record_signature(actor: User, request: SignatureRequest, *, typed_name: str, factor: str, ip: str,
                     user_agent: str) -> Document | None:
    """The evidence of a signature whose signatory sign() has authenticated (the demo data records its
    own the same way). Returns the executed document when this was the last signature."""
    permissions.authorize(permissions.can_sign(actor, request))
    check_typed_name(request, typed_name)
    round_ = check_open(request, lock_round(request.agreement))
    mark_signed(request, ip=ip, user_agent=user_agent)
    request.typed_name = " ".join((typed_name or "").split())[:120]
    request.second_factor = factor
    db.session.flush()
    audit.record(actor, "signature.signed", request.agreement,
                 summary=f"{request.organization.name}: signed by {actor.name} as “{request.typed_name}”; "
                         f"sha256 {request.document_sha256}")
    return after_signature(actor, request, round_)


def after_signature(actor: User, last: SignatureRequest, round_: list[SignatureRequest]) -> Document | None:
    """Ask whoever is up next, or complete the round when this was its last signature (under the lock)."""
    agreement = last.agreement
    if any(r.status is not SignatureStatus.SIGNED for r in round_):
        if not last.is_paper:
            announce.signed(actor, last, round_)
        # Sequential: whoever follows the request just signed is now up (parallel ones were asked at issue).
        announce.ask_to_sign(actor, agreement, [r for r in open_requests(round_) if r.order > last.order])
        return None
    return complete(agreement, round_)


def complete(agreement: Agreement, round_: list[SignatureRequest]) -> Document:
    """Every signature is in: store the sealed executed document; the agreement becomes active. The
    platform completes it (no actor), whoever gave the last signature. Call under lock_round()."""
    from app.signing.executed import issue_executed

    document = issue_executed(agreement, round_)
    records.transition(None, agreement, AgreementStatus.ACTIVE, KIND)
    audit.record(None, "signature.completed", agreement,
                 summary=f"executed document {document.filename}, sha256 {document.sha256}")
    announce.executed(agreement, round_)
    return document


def decline(actor: User, request: SignatureRequest, *, reason: str, ip: str, user_agent: str) -> None:
    """The signatory declines: the agreement goes back to draft, the round's other requests close, and
    the signatures already given in it are void (their signatories are told so)."""
    permissions.authorize(permissions.can_sign(actor, request))
    reason = (reason or "").strip()
    if len(reason) < 3:
        raise SigningError("Say why you decline: the coordinator needs it to revise the agreement.")
    round_ = check_open(request, lock_round(request.agreement))
    request.status = SignatureStatus.DECLINED
    request.signed_at = utcnow()
    request.decline_reason = reason[:4000]
    request.ip = (ip or "")[:64]
    request.user_agent = (user_agent or "")[:400]
    already_signed = [r for r in round_ if r.id != request.id and r.status is SignatureStatus.SIGNED]
    for other in round_:
        if other.id != request.id and other.status is SignatureStatus.PENDING:
            other.status = SignatureStatus.CANCELLED
    records.transition(actor, request.agreement, AgreementStatus.DRAFT, KIND)
    audit.record(actor, "signature.declined", request.agreement,
                 summary=f"{request.organization.name}: declined by {actor.name}: {audit.display(reason)}"
                         + (f"; void: {len(already_signed)} signature(s) given" if already_signed else ""))
    announce.declined(actor, request, round_, already_signed, reason)


def last_decline(agreement: Agreement) -> SignatureRequest | None:
    """The decline that sent the agreement back to draft, while nothing has happened to it since (still in
    draft, not submitted for review again); None otherwise."""
    from app.models import ReviewRequest

    if agreement.status is not AgreementStatus.DRAFT:
        return None
    declined = db.session.scalar(sa.select(SignatureRequest).where(
        SignatureRequest.agreement_id == agreement.id, SignatureRequest.status == SignatureStatus.DECLINED)
        .order_by(SignatureRequest.id.desc()).limit(1))
    if declined is None or db.session.scalar(sa.select(ReviewRequest.id).where(
            ReviewRequest.linked_to(agreement),
            ReviewRequest.submitted_at > declined.signed_at).limit(1)) is not None:
        return None
    return declined


def stranded_agreements() -> list[int]:
    """Agreements out for signature whose latest round is all signed: nothing is left to trigger them."""
    latest = (sa.select(SignatureRequest.agreement_id, sa.func.max(SignatureRequest.document_id).label("doc"))
              .group_by(SignatureRequest.agreement_id).subquery())
    unsigned = sa.select(SignatureRequest.id).where(
        SignatureRequest.agreement_id == latest.c.agreement_id, SignatureRequest.document_id == latest.c.doc,
        SignatureRequest.status != SignatureStatus.SIGNED)
    return list(db.session.scalars(
        sa.select(Agreement.id).join(latest, latest.c.agreement_id == Agreement.id)
        .where(Agreement.status == AgreementStatus.OUT_FOR_SIGNATURE, ~unsigned.exists())))


def complete_stranded() -> int:
    """The worker's periodic check: complete each stranded agreement (under its lock, one commit each)."""
    completed = 0
    for agreement_id in stranded_agreements():
        try:
            agreement = db.session.get(Agreement, agreement_id)
            round_ = lock_round(agreement)
            if (agreement.status is AgreementStatus.OUT_FOR_SIGNATURE and round_
                    and all(r.status is SignatureStatus.SIGNED for r in round_)):
                complete(agreement, round_)
                log.info("signing_completed_by_worker agreement_id=%s", agreement_id)
                completed += 1
            db.session.commit()
        except Exception:  # one agreement that cannot be completed (sealing down) does not stop the others
            db.session.rollback()
            log.exception("signing_completion_failed agreement_id=%s", agreement_id)
    return completed
