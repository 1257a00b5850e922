"""Who hears about each signing step, and what they are told.

Summaries name the agreement by its reference and the parties by their organisation, never the title:
they reach mail, which leaves the TLP boundary (app/notifications/messages.py). A decline's reason is
the notification's detail, which mail quotes only for TLP:CLEAR and GREEN records.
"""
import sqlalchemy as sa

from app.extensions import db
from app.models import Agreement
from app.models import NotificationKind
from app.models import Role
from app.models import SignatureRequest
from app.models import SignatureStatus
from app.models import User
from app.notifications.services import notify


def coordinators_of_orgs(org_ids) -> list[User]:
    org_ids = set(org_ids)
    if not org_ids:
        return []
    return list(db.session.scalars(sa.select(User).where(
        User.organization_id.in_(org_ids), User.role == Role.COORDINATOR, User.active.is_(True)).order_by(User.id)))


def coordinators_of(agreement: Agreement, round_: list[SignatureRequest]) -> list[User]:
    """Who runs the round: whoever issued it and the agreement's author."""
    people = [r.requested_by for r in round_ if r.requested_by is not None]
    if agreement.created_by is not None:
        people.append(agreement.created_by)
    return people


def ask_to_sign(actor: User | None, agreement: Agreement, requests: list[SignatureRequest]) -> None:
    """The signatories whose turn has come: the mail links to the signing page and gives the due date."""
    for request in requests:
        if request.signatory is None:
            continue
        due = f"; please sign by {request.due_date.isoformat()}" if request.due_date else ""
        notify([request.signatory], NotificationKind.ISSUED_FOR_SIGNATURE, agreement, actor=actor,
               summary=f"Your signature is requested on agreement {agreement.reference} for "
                       f"{request.organization.name}{due}")


def signed(actor: User, request: SignatureRequest, round_: list[SignatureRequest]) -> None:
    done = sum(1 for r in round_ if r.status is SignatureStatus.SIGNED)
    notify(coordinators_of(request.agreement, round_), NotificationKind.SIGNED, request.agreement, actor=actor,
           summary=f"Agreement {request.agreement.reference} signed for {request.organization.name} "
                   f"({done} of {len(round_)} signatures)")


def paper_recorded(actor: User, request: SignatureRequest, round_: list[SignatureRequest]) -> None:
    """The party's own coordinators are told at once that a signature was recorded in its name."""
    agreement = request.agreement
    recipients = coordinators_of_orgs([request.organization_id]) + coordinators_of(agreement, round_)
    notify(recipients, NotificationKind.SIGNED, agreement, actor=actor,
           summary=f"Paper countersignature of {request.organization.name} on agreement {agreement.reference} "
                   f"recorded by {actor.name} ({actor.organization.name})")


def declined(actor: User, request: SignatureRequest, round_: list[SignatureRequest],
             already_signed: list[SignatureRequest], reason: str) -> None:
    agreement = request.agreement
    notify(coordinators_of(agreement, round_) + coordinators_of_orgs(r.organization_id for r in round_),
           NotificationKind.SIGNATURE_DECLINED, agreement, actor=actor, comment=reason,
           summary=f"{actor.name} declined to sign agreement {agreement.reference} for "
                   f"{request.organization.name}: it is back in draft")
    for earlier in already_signed:
        if earlier.signatory is None:
            continue
        notify([earlier.signatory], NotificationKind.SIGNATURE_DECLINED, agreement, actor=actor, comment=reason,
               summary=f"{actor.name} declined to sign agreement {agreement.reference}: your signature of "
                       f"{earlier.signed_at:%Y-%m-%d} is void; the agreement is back in draft")


def executed(agreement: Agreement, round_: list[SignatureRequest]) -> None:
    """Every signatory and every party's coordinators get the executed document's link."""
    recipients = ([r.signatory for r in round_ if r.signatory is not None]
                  + coordinators_of_orgs(p.organization_id for p in agreement.parties)
                  + coordinators_of(agreement, round_))
    notify(recipients, NotificationKind.EXECUTED, agreement,
           summary=f"Every party signed agreement {agreement.reference}: it is active and its executed "
                   "document is sealed")
